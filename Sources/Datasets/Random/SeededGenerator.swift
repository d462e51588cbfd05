import Foundation

/// SplitMix64 (Steele, Lea & Flood 2014): a 64-bit generator used here to expand one seed into
/// the state of `SeededGenerator`.
///
///     state += 0x9E3779B97F4A7C15
///     z = (state ^ (state >> 30)) * 0xBF58476D1CE4E5B9
///     z = (z ^ (z >> 27)) * 0x94D049BB133111EB
///     return z ^ (z >> 31)
public struct SplitMix64: RandomNumberGenerator, Sendable {
  /// The running state.
  public var state: UInt64

  /// - Parameter seed: any 64-bit value (0 is fine).
  public init(seed: UInt64) { state = seed }

  /// The next 64 random bits.
  public mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }
}

/// xoshiro256** (Blackman & Vigna 2018), seeded through SplitMix64: the generator behind dataset
/// splits and structure sampling.
///
/// Everything derived from it here (integers below a bound, uniform doubles, Gaussians, unit
/// quaternions) uses only integer arithmetic and IEEE operations in a fixed order, so a seed
/// gives the same splits on every platform and Swift version (Gaussians and rotations also use
/// `log`, `sqrt`, `sin`, `cos`, which may differ in the last bit between C libraries). Swift's
/// `shuffle(using:)` and `random(in:using:)` are deliberately not used: their algorithms are not
/// guaranteed to stay the same.
public struct SeededGenerator: RandomNumberGenerator, Sendable {
  private var s0: UInt64, s1: UInt64, s2: UInt64, s3: UInt64

  /// - Parameter seed: any 64-bit value; the four state words are the first four SplitMix64 outputs.
  public init(seed: UInt64) {
    var mixer = SplitMix64(seed: seed)
    s0 = mixer.next()
    s1 = mixer.next()
    s2 = mixer.next()
    s3 = mixer.next()
  }

  /// The next 64 random bits: `rotl(s1 · 5, 7) · 9`, then the xoshiro256 state update.
  public mutating func next() -> UInt64 {
    let result = rotateLeft(s1 &* 5, 7) &* 9
    let t = s1 << 17
    s2 ^= s0
    s3 ^= s1
    s1 ^= s2
    s0 ^= s3
    s2 ^= t
    s3 = rotateLeft(s3, 45)
    return result
  }

  /// A uniform integer in `0..<bound` by rejection (no modulo bias): draws are rejected while
  /// they fall in the last incomplete block of `bound` values. - Parameter bound: > 0.
  public mutating func nextInt(below bound: Int) -> Int {
    precondition(bound > 0, "nextInt(below:) needs a positive bound, got \(bound)")
    let n = UInt64(bound)
    let limit = UInt64.max - (UInt64.max % n + 1) % n  // largest multiple of n, minus 1
    while true {
      let x = next()
      if x <= limit { return Int(x % n) }
    }
  }

  /// A uniform double in [0, 1): the top 53 bits of `next()` times 2⁻⁵³.
  public mutating func nextUniform() -> Double {
    Double(next() >> 11) * 0x1.0p-53
  }

  /// A standard normal deviate (mean 0, variance 1) by the Box–Muller transform:
  /// `sqrt(−2 ln u₁) · cos(2π u₂)` with u₁ ∈ (0, 1], u₂ ∈ [0, 1).
  public mutating func nextGaussian() -> Double {
    let u1 = 1 - nextUniform()
    let u2 = nextUniform()
    return (-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2)
  }

  /// A uniformly random permutation of `0..<count` (Fisher–Yates, from the last position down).
  public mutating func permutation(of count: Int) -> [Int] {
    var order = Array(0..<count)
    var i = count - 1
    while i > 0 {
      order.swapAt(i, nextInt(below: i + 1))
      i -= 1
    }
    return order
  }
}

@inline(__always) private func rotateLeft(_ x: UInt64, _ k: UInt64) -> UInt64 {
  (x << k) | (x >> (64 - k))
}
