import Foundation

extension PaiNNConfiguration {
  /// Freshly initialised weights, as schnetpack initialises them: every dense weight
  /// Glorot/Xavier-uniform, U(−a, a) with a = √(6/(fan_in + fan_out)); biases zero; embedding
  /// rows standard normal. Drawn tensor by tensor in file order, so the same seed gives the
  /// same weights on every machine.
  /// - Returns: row-major values of every tensor.
  public func randomWeights(elementCount: Int, seed: UInt64) -> PaiNNWeights<[Double]> {
    var rng = SeededGenerator(seed: seed)
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

/// A small, fast, reproducible random number generator (xoshiro256**, seeded by SplitMix64).
public struct SeededGenerator: RandomNumberGenerator, Sendable {
  private var s: (UInt64, UInt64, UInt64, UInt64)

  /// - Parameter seed: any value; equal seeds give equal streams.
  public init(seed: UInt64) {
    var x = seed
    func splitmix() -> UInt64 {
      x &+= 0x9E37_79B9_7F4A_7C15
      var z = x
      z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
      z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
      return z ^ (z >> 31)
    }
    s = (splitmix(), splitmix(), splitmix(), splitmix())
  }

  public mutating func next() -> UInt64 {
    func rotl(_ v: UInt64, _ k: UInt64) -> UInt64 { (v << k) | (v >> (64 - k)) }
    let result = rotl(s.1 &* 5, 7) &* 9
    let t = s.1 << 17
    s.2 ^= s.0
    s.3 ^= s.1
    s.1 ^= s.2
    s.0 ^= s.3
    s.2 ^= t
    s.3 = rotl(s.3, 45)
    return result
  }

  /// Uniform in [0, 1).
  public mutating func nextUniform() -> Double { Double(next() >> 11) * 0x1.0p-53 }

  /// Standard normal (Box–Muller).
  public mutating func nextNormal() -> Double {
    let u1 = 1 - nextUniform()  // (0, 1]
    let u2 = nextUniform()
    return (-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2)
  }
}
