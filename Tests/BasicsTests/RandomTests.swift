import Foundation
import Testing
import Basics

/// Replays fixed 64-bit words, to pin exactly what a draw does with them.
struct ReplayGenerator: RandomNumberGenerator {
  var words: [UInt64]
  var used = 0
  init(_ words: [UInt64]) { self.words = words }
  mutating func next() -> UInt64 {
    defer { used += 1 }
    return words[used]
  }
}

/// χ² of observed counts against equal expected counts.
func chiSquared(_ counts: [Int]) -> Double {
  let expected = Double(counts.reduce(0, +)) / Double(counts.count)
  return counts.reduce(0.0) { $0 + pow(Double($1) - expected, 2) / expected }
}

@Suite("SplitMix64 and xoshiro256**")
struct GeneratorTests {
  @Test("SplitMix64 gives the reference outputs of splitmix64.c")
  func splitMixReference() {
    var zero = SplitMix64(seed: 0)
    #expect([zero.next(), zero.next(), zero.next()] == [0xE220_A839_7B1D_CDAF, 0x6E78_9E6A_A1B9_65F4, 0x06C4_5D18_8009_454F])
    var g = SplitMix64(seed: 1_234_567)
    #expect((0..<5).map { _ in g.next() }
      == [6_457_827_717_110_365_317, 3_203_168_211_198_807_973, 9_817_491_932_198_370_423,
          4_593_380_528_125_082_431, 16_408_922_859_458_223_821])
  }

  @Test("mix(x) is the first output of SplitMix64(seed: x)", arguments: [0, 1, 0x5851_F42D_4C95_7F2D, UInt64.max] as [UInt64])
  func mixIsFirstOutput(x: UInt64) {
    var g = SplitMix64(seed: x)
    #expect(SplitMix64.mix(x) == g.next())
  }

  @Test("xoshiro256** from state (1, 2, 3, 4) gives the reference outputs of xoshiro256starstar.c")
  func xoshiroReference() {
    var g = Xoshiro256StarStar(state: (1, 2, 3, 4))
    #expect((0..<10).map { _ in g.next() }
      == [11520, 0, 1_509_978_240, 1_215_971_899_390_074_240, 1_216_172_134_540_287_360,
          607_988_272_756_665_600, 16_172_922_978_634_559_625, 8_476_171_486_693_032_832,
          10_595_114_339_597_558_777, 2_904_607_092_377_533_576])
  }

  @Test("xoshiro256** seeded by SplitMix64 matches an independent implementation (Python big integers)")
  func xoshiroSeeded() {
    var g = Xoshiro256StarStar(seed: 42)
    #expect([g.next(), g.next(), g.next()] == [0x1578_0B2E_0C2E_C716, 0x6104_D986_6D11_3A7E, 0xAE17_5332_39E4_99A1])
    var a = Xoshiro256StarStar(seed: 7), b = Xoshiro256StarStar(seed: 7), c = Xoshiro256StarStar(seed: 8)
    let first = (0..<100).map { _ in a.next() }
    #expect(first == (0..<100).map { _ in b.next() })
    #expect(first != (0..<100).map { _ in c.next() })
  }
}

@Suite("Integers below a bound")
struct BoundedIntegerTests {
  @Test("next(below:) matches an independent implementation of Lemire's method")
  func knownAnswers() {
    var g = Xoshiro256StarStar(seed: 2026)
    let bounds: [UInt64] = [1, 2, 3, 7, 10, 1000, (1 << 63) + 1, 3 << 62, 6]
    #expect(bounds.map { g.next(below: $0) }
      == [0, 0, 2, 6, 8, 788, 7_689_643_644_309_852_886, 11_467_734_387_020_340_929, 5])
  }

  @Test("a draw is rejected exactly when the low word of x·n is below (2⁶⁴ − n) mod n")
  func rejectionRule() {
    // n = 2⁶³ + 1: t = 2⁶³ − 1. x = 2 gives x·n = 2⁶⁴ + 2 (low word 2 < t: rejected);
    // x = 1 gives low word n ≥ t: accepted, result ⌊x·n / 2⁶⁴⌋ = 0.
    var g = ReplayGenerator([2, 1])
    #expect(g.next(below: (1 << 63) + 1 as UInt64) == 0)
    #expect(g.used == 2)
    // x = 2⁶⁴ − 1 with n = 10: x·n = 10·2⁶⁴ − 10, low word 2⁶⁴ − 10 ≥ n, so no redraw: 9.
    var top = ReplayGenerator([UInt64.max])
    #expect(top.next(below: 10) == 9)
    #expect(top.used == 1)
  }

  @Test("bounded integers are uniform (χ² over 7 and 10 bins)", arguments: [7, 10])
  func uniform(bins: Int) {
    var g = Xoshiro256StarStar(seed: 3)
    var counts = [Int](repeating: 0, count: bins)
    for _ in 0..<(10_000 * bins) { counts[g.next(below: bins)] += 1 }
    // p = 0.001 critical values for 6 and 9 degrees of freedom.
    #expect(chiSquared(counts) < (bins == 7 ? 22.46 : 27.88))
  }

  @Test("no modulo bias for a bound of 3·2⁶², where x mod n would put half the draws in the lowest third")
  func noModuloBias() {
    var g = SplitMix64(seed: 11)
    let n: UInt64 = 3 << 62
    let draws = 30_000
    var lowThird = 0
    for _ in 0..<draws where g.next(below: n) < n / 3 { lowThird += 1 }
    // Unbiased: 1/3 ± 0.0027 (one σ); `x % n` would give 1/2.
    #expect(abs(Double(lowThird) / Double(draws) - 1.0 / 3.0) < 0.015)
  }

  @Test("Fisher–Yates permutation matches an independent implementation and gives all orders equally often")
  func permutations() {
    var g = Xoshiro256StarStar(seed: 99)
    #expect(g.permutation(of: 10) == [2, 7, 0, 6, 1, 4, 8, 9, 5, 3])
    #expect(g.permutation(of: 0) == [] && g.permutation(of: 1) == [0])
    var counts: [[Int]: Int] = [:]
    for _ in 0..<60_000 { counts[g.permutation(of: 3), default: 0] += 1 }
    #expect(counts.count == 6)
    #expect(chiSquared(Array(counts.values)) < 20.52)  // p = 0.001, 5 degrees of freedom
    var letters = ["a", "b", "c", "d"]
    var h = Xoshiro256StarStar(seed: 5)
    let order = h.permutation(of: 4)
    var again = Xoshiro256StarStar(seed: 5)
    again.shuffle(&letters)
    #expect(letters == order.map { ["a", "b", "c", "d"][$0] })
  }
}

@Suite("Uniform and normal doubles")
struct ContinuousDrawTests {
  @Test("nextUniform is the top 53 bits times 2⁻⁵³")
  func uniform() {
    var g = Xoshiro256StarStar(seed: 7)
    #expect([g.nextUniform(), g.nextUniform(), g.nextUniform()] == [0.7005764821796896, 0.2787512294737843, 0.8396274618764198])
    var edges = ReplayGenerator([0, UInt64.max, 1 << 63])
    #expect(edges.nextUniform() == 0)
    #expect(edges.nextUniform() == 1 - 0x1.0p-53)
    #expect(edges.nextUniform() == 0.5)
  }

  @Test("nextUniform(in:) on a closed range matches an independent implementation and reaches both ends")
  func closedUniform() {
    var g = Xoshiro256StarStar(seed: 8)
    #expect((0..<3).map { _ in g.nextUniform(in: -1.5...2) } == [0x1.5fa598fdd8aa6p+0, 0x1.3ba633503aa94p-1, 0x1.305540c0dcd48p-1])
    // k = ⌊x (2⁵³ + 1) / 2⁶⁴⌋: x = 1 gives k = 0 (the lower end), x = 2⁶⁴ − 1 gives k = 2⁵³ (the
    // upper end). (x = 0 would be redrawn: its low word 0 is below (2⁶⁴ − n) mod n = 2⁵³ − 2047.)
    var ends = ReplayGenerator([1, UInt64.max])
    #expect(ends.nextUniform(in: -1.5...2) == -1.5)
    #expect(ends.nextUniform(in: -1.5...2) == 2)
    var h = SplitMix64(seed: 1)
    for _ in 0..<10_000 {
      let u = h.nextUniform(in: 3...4)
      #expect(u >= 3 && u <= 4)
    }
  }

  @Test("Box–Muller: u₁ = ½, u₂ = 0 gives √(2 ln 2); u₂ = ½ gives its negative")
  func boxMullerExact() {
    var g = ReplayGenerator([1 << 63, 0, 1 << 63, 1 << 63])
    #expect(g.nextNormal() == (2 * log(2.0)).squareRoot())
    #expect(g.nextNormal() == -(2 * log(2.0)).squareRoot())
    #expect(boxMuller(1, 0.25).magnitude < 1e-300)
  }

  @Test("nextNormal matches an independent implementation (Python, same libm formula)")
  func normalKnownAnswers() {
    var g = Xoshiro256StarStar(seed: 9)
    let expected = [-0x1.60e454a53c0bep-11, -0x1.d9ebcbaf8b890p-5, -0x1.43d16302b606ep-4]
    for e in expected {
      let z = g.nextNormal()
      #expect(abs(z - e) <= 4 * e.ulp, "\(z) vs \(e)")  // log and cos may differ in the last bit between C libraries
    }
  }

  @Test("normals have mean 0, variance 1 and kurtosis 3; the pair's members are uncorrelated")
  func normalMoments() {
    var g = Xoshiro256StarStar(seed: 10)
    let n = 200_000
    var m1 = 0.0, m2 = 0.0, m4 = 0.0, cross = 0.0
    for _ in 0..<(n / 2) {
      let (a, b) = g.nextNormalPair()
      for z in [a, b] { m1 += z; m2 += z * z; m4 += z * z * z * z }
      cross += a * b
    }
    m1 /= Double(n); m2 /= Double(n); m4 /= Double(n); cross /= Double(n / 2)
    // Standard errors: mean 0.0022, variance 0.0032, fourth moment 0.022, product 0.0032.
    #expect(abs(m1) < 0.012)
    #expect(abs(m2 - 1) < 0.016)
    #expect(abs(m4 - 3) < 0.11)
    #expect(abs(cross) < 0.016)
  }

  @Test("nextNormalPair's first member is what nextNormal draws from the same words")
  func pairMatchesSingle() {
    var a = SplitMix64(seed: 4), b = SplitMix64(seed: 4)
    for _ in 0..<100 { #expect(a.nextNormalPair().0 == b.nextNormal()) }
  }
}

@Suite("Counter-based Gaussian noise")
struct GaussianNoiseTests {
  @Test("values match an independent implementation of the documented formula")
  func knownAnswers() {
    let noise = GaussianNoise(seed: 123)
    let cases: [(Int, Int, Double)] = [
      (0, 0, 0x1.3099ca2437c09p+1), (0, 1, 0x1.3e57ee46f0e1dp-3),
      (-1, 5, -0x1.6e50b23448144p+0), (1000, 77, 0x1.4e0caea0d22a3p+0),
    ]
    for (step, index, expected) in cases {
      let z = noise.normal(step: step, index: index)
      #expect(abs(z - expected) <= 4 * expected.ulp, "step \(step) index \(index): \(z) vs \(expected)")
    }
  }

  @Test("a value depends only on (seed, step, index), not on what was drawn before")
  func counterBased() {
    let noise = GaussianNoise(seed: 5)
    let forward = (0..<50).map { noise.normal(step: 3, index: $0) }
    let backward = (0..<50).reversed().map { noise.normal(step: 3, index: $0) }
    #expect(forward == backward.reversed())
    #expect(forward == (0..<50).map { GaussianNoise(seed: 5).normal(step: 3, index: $0) })
    #expect(forward != (0..<50).map { noise.normal(step: 4, index: $0) })
    #expect(forward != (0..<50).map { GaussianNoise(seed: 6).normal(step: 3, index: $0) })
  }

  @Test("the noise over steps and indices is standard normal and uncorrelated between neighbours")
  func moments() {
    let noise = GaussianNoise(seed: 77)
    var m1 = 0.0, m2 = 0.0, m4 = 0.0, lag = 0.0, count = 0
    for step in 0..<400 {
      var previous = noise.normal(step: step, index: 0)
      for index in 1..<250 {
        let z = noise.normal(step: step, index: index)
        m1 += z; m2 += z * z; m4 += z * z * z * z; lag += z * previous
        previous = z
        count += 1
      }
    }
    let n = Double(count)
    #expect(abs(m1 / n) < 0.012)
    #expect(abs(m2 / n - 1) < 0.016)
    #expect(abs(m4 / n - 3) < 0.11)
    #expect(abs(lag / n) < 0.012)
  }
}
