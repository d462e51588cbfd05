/// SplitMix64 (Steele, Lea & Flood, "Fast splittable pseudorandom number generators",
/// OOPSLA 2014; Vigna's reference `splitmix64.c`): a 64-bit state advanced by the golden-ratio
/// increment γ and passed through a bijective finaliser.
///
///     state += γ                          γ = 0x9E3779B97F4A7C15
///     z = (state ^ (state >> 30)) · 0xBF58476D1CE4E5B9
///     z = (z ^ (z >> 27)) · 0x94D049BB133111EB
///     return z ^ (z >> 31)
///
/// All arithmetic is modulo 2⁶⁴, so a seed gives the same stream on every platform. The whole
/// state is one integer: cheap to derive per-epoch or per-item seeds from, and the seeder of
/// `Xoshiro256StarStar`. For long streams prefer xoshiro256** (period 2²⁵⁶ − 1; SplitMix64's
/// is 2⁶⁴).
public struct SplitMix64: RandomNumberGenerator, Sendable, Hashable {
  /// γ, the odd increment ⌊2⁶⁴/φ⌋ added to the state before every output.
  public static let increment: UInt64 = 0x9E37_79B9_7F4A_7C15

  /// The running state (the last value the output was computed from).
  public var state: UInt64

  /// - Parameter seed: any 64-bit value (0 is fine); the first output is `mix(seed)`.
  public init(seed: UInt64) { state = seed }

  /// The next 64 random bits: `state += γ`, then `finalize(state)`.
  @inlinable
  public mutating func next() -> UInt64 {
    state &+= SplitMix64.increment
    return SplitMix64.finalize(state)
  }

  /// The first output of `SplitMix64(seed: x)`, i.e. `finalize(x + γ)`: a stateless 64-bit
  /// hash that turns consecutive counters into independent-looking words (used by
  /// counter-based streams such as `GaussianNoise`).
  @inlinable
  public static func mix(_ x: UInt64) -> UInt64 { finalize(x &+ increment) }

  /// SplitMix64's output function (Stafford's "Mix13" variant of the MurmurHash3 finaliser),
  /// a bijection of 64-bit words.
  @inlinable
  public static func finalize(_ x: UInt64) -> UInt64 {
    var z = x
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }
}
