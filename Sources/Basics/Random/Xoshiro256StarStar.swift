/// xoshiro256** (Blackman & Vigna, "Scrambled linear pseudorandom number generators",
/// ACM TOMS 47, 2021; reference `xoshiro256starstar.c`): 256 bits of state, period 2²⁵⁶ − 1,
/// the all-purpose generator of this project (dataset splits, structure sampling, weight
/// initialisation).
///
///     result = rotl(s₁ · 5, 7) · 9
///     t = s₁ << 17
///     s₂ ^= s₀;  s₃ ^= s₁;  s₁ ^= s₂;  s₀ ^= s₃;  s₂ ^= t;  s₃ = rotl(s₃, 45)
///
/// Seeded as the authors recommend: the four state words are the first four outputs of
/// `SplitMix64(seed:)`. Only integer arithmetic modulo 2⁶⁴, so a seed gives the same stream on
/// every platform and Swift version.
public struct Xoshiro256StarStar: RandomNumberGenerator, Sendable, Hashable {
  @usableFromInline var s0: UInt64
  @usableFromInline var s1: UInt64
  @usableFromInline var s2: UInt64
  @usableFromInline var s3: UInt64

  /// - Parameter seed: any 64-bit value; equal seeds give equal streams.
  public init(seed: UInt64) {
    var mixer = SplitMix64(seed: seed)
    s0 = mixer.next()
    s1 = mixer.next()
    s2 = mixer.next()
    s3 = mixer.next()
  }

  /// A generator started from explicit state words (s₀, s₁, s₂, s₃), as the reference code
  /// takes them. - Precondition: not all four words are zero (the one state with period 1).
  public init(state: (UInt64, UInt64, UInt64, UInt64)) {
    precondition(state != (0, 0, 0, 0), "xoshiro256** needs a state that is not all zero")
    (s0, s1, s2, s3) = state
  }

  /// The next 64 random bits.
  @inlinable
  public mutating func next() -> UInt64 {
    let result = Xoshiro256StarStar.rotateLeft(s1 &* 5, 7) &* 9
    let t = s1 << 17
    s2 ^= s0
    s3 ^= s1
    s1 ^= s2
    s0 ^= s3
    s2 ^= t
    s3 = Xoshiro256StarStar.rotateLeft(s3, 45)
    return result
  }

  @inlinable
  static func rotateLeft(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }
}
