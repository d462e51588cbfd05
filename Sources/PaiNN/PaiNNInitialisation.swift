import Basics

extension PaiNNConfiguration {
  /// Freshly initialised weights, as schnetpack initialises them: every dense weight
  /// Glorot/Xavier-uniform, U(−a, a) with a = √(6/(fan_in + fan_out)); biases zero; embedding
  /// rows standard normal. The draws come from `Xoshiro256StarStar(seed:)` tensor by tensor
  /// in file order (`nextNormal()`, `nextUniform()`), so the same seed gives the same weights
  /// on every machine.
  /// - Returns: row-major values of every tensor.
  public func randomWeights(elementCount: Int, seed: UInt64) -> PaiNNWeights<[Double]> {
    var rng = Xoshiro256StarStar(seed: seed)
    let roles = PaiNNWeights<WeightRole>.roles(layerCount: layerCount)
    return weightShapes(elementCount: elementCount).zip(roles) { shape, role in
      let n = shape.reduce(1, *)
      var v = [Double](repeating: 0, count: n)
      switch role {
      case .embedding:
        for k in 0..<n { v[k] = rng.nextNormal() }
      case .matrix:
        let a = (6.0 / Double(shape[0] + shape[1])).squareRoot()
        for k in 0..<n { v[k] = (2 * rng.nextUniform() - 1) * a }
      case .bias:
        break
      }
      return v
    }
  }
}
