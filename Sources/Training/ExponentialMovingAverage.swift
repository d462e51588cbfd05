/// Exponential moving average of the weights, used for validation and export:
///
///     w̄ ← d w̄ + (1 − d) w     after every optimiser step
///
/// started at the initial weights. With d = 0.99 (MACE's default) w̄ averages roughly the
/// last 100 steps, which smooths the noise of small batches.
public struct ExponentialMovingAverage: Sendable, Hashable, Codable {
  /// Decay d ∈ [0, 1).
  public var decay: Double
  /// The averaged weights w̄, one flat array per tensor.
  public var average: [[Double]]

  /// - Parameters:
  ///   - initial: starting weights, one flat array per tensor.
  ///   - decay: d.
  public init(initial: [[Double]], decay: Double = 0.99) {
    precondition(decay >= 0 && decay < 1, "EMA decay must be in [0, 1), got \(decay)")
    self.decay = decay
    self.average = initial
  }

  /// Moves the average towards `weights`.
  public mutating func update(_ weights: [[Double]]) {
    precondition(weights.count == average.count, "EMA holds \(average.count) tensors, got \(weights.count)")
    let d = decay
    for k in average.indices {
      let w = weights[k]
      average[k].withUnsafeMutableBufferPointer { a in
        for i in 0..<a.count { a[i] = d * a[i] + (1 - d) * w[i] }
      }
    }
  }
}
