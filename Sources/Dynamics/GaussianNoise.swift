import Foundation

/// Counter-based standard normal numbers: the value for (seed, step, index) is a fixed function of
/// those three integers, so a resumed run draws exactly the noise an uninterrupted one would.
///
/// Two SplitMix64-mixed 64-bit words give two uniforms u₁ ∈ (0, 1], u₂ ∈ [0, 1); Box–Muller
/// turns them into `√(−2 ln u₁) cos(2π u₂)`.
public struct GaussianNoise: Sendable, Hashable {
  /// The run's seed.
  public let seed: UInt64

  /// - Parameter seed: any integer; equal seeds give equal noise.
  public init(seed: UInt64) { self.seed = seed }

  @inlinable
  static func mix(_ x: UInt64) -> UInt64 {
    var z = x &+ 0x9E37_79B9_7F4A_7C15
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }

  /// A standard normal number N(0, 1) for (step, index).
  /// - Parameters:
  ///   - step: the MD step (or any stream counter).
  ///   - index: position within the step (e.g. 3·atom + component).
  @inlinable
  public func normal(step: Int, index: Int) -> Double {
    let key = GaussianNoise.mix(GaussianNoise.mix(seed ^ 0x5851_F42D_4C95_7F2D) &+ UInt64(bitPattern: Int64(step)))
    let a = GaussianNoise.mix(key &+ UInt64(2 * index))
    let b = GaussianNoise.mix(key &+ UInt64(2 * index + 1))
    let u1 = (Double(a >> 11) + 1) * 0x1.0p-53  // (0, 1]
    let u2 = Double(b >> 11) * 0x1.0p-53        // [0, 1)
    return (-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2)
  }
}

