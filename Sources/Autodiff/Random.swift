// Reproducible random tensors, drawn from Basics' SplitMix64.
import Basics

extension Tensor {
  /// Gaussian values with mean 0: Box–Muller pairs `σ·√(−2 ln u₁)·(cos 2πu₂, sin 2πu₂)` from
  /// `SplitMix64(seed:)` (`nextNormalPair`), computed in Double and then rounded to `Scalar`.
  /// - Parameters:
  ///   - shape: the shape.
  ///   - standardDeviation: σ of the distribution.
  ///   - seed: the same seed gives the same values (in both precisions, up to the rounding).
  public init(randomNormal shape: [Int], standardDeviation: Scalar = 1, seed: UInt64) {
    var rng = SplitMix64(seed: seed)
    let n = shapeCount(shape)
    var values = [Scalar]()
    values.reserveCapacity(n)
    while values.count < n {
      let (z0, z1) = rng.nextNormalPair()
      values.append(Scalar(z0) * standardDeviation)
      if values.count < n { values.append(Scalar(z1) * standardDeviation) }
    }
    self.init(shape: shape, scalars: values)
  }

  /// Uniform values in the closed `range` (`nextUniform(in:)` of `SplitMix64(seed:)`, in Double,
  /// then rounded to `Scalar`).
  public init(randomUniform shape: [Int], in range: ClosedRange<Scalar>, seed: UInt64) {
    var rng = SplitMix64(seed: seed)
    let lo = Double(range.lowerBound), hi = Double(range.upperBound)
    let values = (0..<shapeCount(shape)).map { _ in Scalar(rng.nextUniform(in: lo...hi)) }
    self.init(shape: shape, scalars: values)
  }
}
