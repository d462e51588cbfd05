/// Counter-based standard normal numbers: the value for (seed, step, index) is a fixed function
/// of those three integers, with no generator state to save, so a resumed molecular-dynamics
/// run draws exactly the noise an uninterrupted one would (the Langevin thermostat and the
/// Maxwell–Boltzmann start use it). In the spirit of Salmon et al., "Parallel random numbers:
/// as easy as 1, 2, 3" (SC 2011), with SplitMix64's `mix` as the keyed hash:
///
///     key = mix(mix(seed ^ 0x5851F42D4C957F2D) + step)      (step as its 64-bit two's complement)
///     a = mix(key + 2·index),  b = mix(key + 2·index + 1)
///     u₁ = (⌊a / 2¹¹⌋ + 1) · 2⁻⁵³ ∈ (0, 1],  u₂ = ⌊b / 2¹¹⌋ · 2⁻⁵³ ∈ [0, 1)
///     normal = √(−2 ln u₁) · cos(2π u₂)                      (`boxMuller`)
public struct GaussianNoise: Sendable, Hashable {
  /// The run's seed.
  public let seed: UInt64

  /// - Parameter seed: any integer; equal seeds give equal noise.
  public init(seed: UInt64) { self.seed = seed }

  /// A standard normal number N(0, 1) for (step, index).
  /// - Parameters:
  ///   - step: the MD step (or any stream counter; negative values are distinct streams).
  ///   - index: position within the step (e.g. 3·atom + component), ≥ 0.
  @inlinable
  public func normal(step: Int, index: Int) -> Double {
    let key = SplitMix64.mix(SplitMix64.mix(seed ^ 0x5851_F42D_4C95_7F2D) &+ UInt64(bitPattern: Int64(step)))
    let a = SplitMix64.mix(key &+ UInt64(2 * index))
    let b = SplitMix64.mix(key &+ UInt64(2 * index + 1))
    let u1 = (Double(a >> 11) + 1) * 0x1.0p-53  // (0, 1]
    let u2 = Double(b >> 11) * 0x1.0p-53        // [0, 1)
    return boxMuller(u1, u2)
  }
}
