// Reproducible random tensors (SplitMix64; Box–Muller for Gaussians).

/// SplitMix64: a small, fast, seedable generator.
struct SplitMix64: RandomNumberGenerator {
  var state: UInt64
  init(seed: UInt64) { state = seed }
  mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }
}

extension Tensor {
  /// Gaussian values with mean 0, drawn from a generator seeded by `seed`.
  /// - Parameters:
  ///   - shape: the shape.
  ///   - standardDeviation: σ of the distribution.
  ///   - seed: the same seed gives the same values (in both precisions).
  public init(randomNormal shape: [Int], standardDeviation: Scalar = 1, seed: UInt64) {
    var rng = SplitMix64(seed: seed)
    let n = shapeCount(shape)
    var values = [Scalar]()
    values.reserveCapacity(n)
    while values.count < n {
      let u1 = Double.random(in: Double.ulpOfOne..<1, using: &rng)
      let u2 = Double.random(in: 0..<1, using: &rng)
      let r = (-2 * Double.log(u1)).squareRoot()
      values.append(Scalar(r * Double.cos(2 * Double.pi * u2)) * standardDeviation)
      if values.count < n { values.append(Scalar(r * Double.sin(2 * Double.pi * u2)) * standardDeviation) }
    }
    self.init(shape: shape, scalars: values)
  }

  /// Uniform values in `range`, drawn from a generator seeded by `seed`.
  public init(randomUniform shape: [Int], in range: ClosedRange<Scalar>, seed: UInt64) {
    var rng = SplitMix64(seed: seed)
    let lo = Double(range.lowerBound), hi = Double(range.upperBound)
    let values = (0..<shapeCount(shape)).map { _ in Scalar(Double.random(in: lo...hi, using: &rng)) }
    self.init(shape: shape, scalars: values)
  }
}
