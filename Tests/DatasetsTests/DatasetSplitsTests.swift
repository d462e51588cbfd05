import Foundation
import Testing
@testable import Datasets

@Suite("Splits and the seeded generator")
struct DatasetSplitsTests {
  @Test("SplitMix64 matches the published reference outputs for seed 0")
  func splitMixVectors() {
    var g = SplitMix64(seed: 0)
    #expect([g.next(), g.next(), g.next()] == [0xE220_A839_7B1D_CDAF, 0x6E78_9E6A_A1B9_65F4, 0x06C4_5D18_8009_454F])
  }

  @Test("xoshiro256** matches an independent implementation (Python big integers)")
  func xoshiroVectors() {
    var g = SeededGenerator(seed: 42)
    #expect([g.next(), g.next(), g.next()] == [0x1578_0B2E_0C2E_C716, 0x6104_D986_6D11_3A7E, 0xAE17_5332_39E4_99A1])
  }

  @Test("splits equal those of an independent implementation of the documented algorithm")
  func knownSplits() {
    let a = DatasetSplits.random(count: 20, fractions: (0.7, 0.15, 0.15), seed: 7)
    #expect(a.train == [1, 2, 3, 4, 5, 7, 9, 10, 12, 13, 15, 16, 18, 19])
    #expect(a.validation == [0, 8, 11])
    #expect(a.test == [6, 14, 17])
    // Fractions summing to less than 1 leave structures out.
    let b = DatasetSplits.random(count: 10, fractions: (0.5, 0.2, 0.1), seed: 123)
    #expect(b.train == [0, 1, 2, 5, 6] && b.validation == [3, 4] && b.test == [8])
  }

  @Test("the same seed gives the same splits; another seed other splits; all disjoint and complete",
        arguments: [0, 1, 2, 7, 100, 1001])
  func reproducible(count: Int) throws {
    let first = DatasetSplits.random(count: count, fractions: .standard, seed: 11)
    let again = DatasetSplits.random(count: count, fractions: .standard, seed: 11)
    #expect(first == again)
    try first.validate(count: count)
    #expect((first.train + first.validation + first.test).sorted() == Array(0..<count))
    #expect(first.validation.count == Int((Double(count) * 0.1).rounded()))
    #expect(first.test.count == Int((Double(count) * 0.1).rounded()))
    if count >= 100 {
      #expect(DatasetSplits.random(count: count, fractions: .standard, seed: 12) != first)
    }
  }

  @Test("bounded integers are uniform (chi-squared over 7 bins)")
  func uniformIntegers() {
    var g = SeededGenerator(seed: 3)
    var bins = [Int](repeating: 0, count: 7)
    let draws = 70_000
    for _ in 0..<draws { bins[g.nextInt(below: 7)] += 1 }
    let expected = Double(draws) / 7
    let chi2 = bins.reduce(0.0) { $0 + pow(Double($1) - expected, 2) / expected }
    #expect(chi2 < 22.5)  // p = 0.001 for 6 degrees of freedom
  }

  @Test("fractions are parsed and checked")
  func parsing() throws {
    #expect(try SplitFractions(parsing: "0.8, 0.1,0.1") == .standard)
    for bad in ["0.8,0.1", "a,b,c", "0.9,0.2,0.1", "-0.1,0.5,0.5", "0.8,0.1,0.1,0"] {
      #expect(throws: DatasetError.self, "\(bad)") { try SplitFractions(parsing: bad) }
    }
  }
}
