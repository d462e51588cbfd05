import Foundation

/// Adam with decoupled weight decay (Loshchilov & Hutter, "Decoupled weight decay
/// regularization", ICLR 2019), the update of `torch.optim.AdamW`:
///
///     w ← w − η λ w                       (decay, only for tensors marked `decays`)
///     m ← β₁ m + (1 − β₁) g
///     v ← β₂ v + (1 − β₂) g²
///     w ← w − η (m / (1 − β₁ᵗ)) / (√(v / (1 − β₂ᵗ)) + ε)
///
/// with t the number of steps taken so far, counting this one. Parameters are a list of flat
/// arrays (one per weight tensor); the state is plain values so a checkpoint can store it
/// exactly.
public struct AdamW: Sendable, Hashable, Codable {
  /// β₁, first-moment decay.
  public var beta1: Double
  /// β₂, second-moment decay.
  public var beta2: Double
  /// ε added to √v̂.
  public var epsilon: Double
  /// λ, decoupled weight decay per unit learning rate.
  public var weightDecay: Double
  /// Steps taken so far (t).
  public var step: Int = 0
  /// First moments m, one flat array per tensor.
  public var firstMoments: [[Double]]
  /// Second moments v, one flat array per tensor.
  public var secondMoments: [[Double]]
  /// Which tensors are decayed (weight matrices, not biases), one flag per tensor.
  public var decays: [Bool]

  /// Zero state for tensors with the given sizes.
  /// - Parameters:
  ///   - sizes: number of values of each tensor.
  ///   - decays: per tensor, whether weight decay applies (default: all).
  public init(sizes: [Int], decays: [Bool]? = nil, beta1: Double = 0.9, beta2: Double = 0.999,
              epsilon: Double = 1e-8, weightDecay: Double = 0.01) {
    self.beta1 = beta1
    self.beta2 = beta2
    self.epsilon = epsilon
    self.weightDecay = weightDecay
    firstMoments = sizes.map { [Double](repeating: 0, count: $0) }
    secondMoments = sizes.map { [Double](repeating: 0, count: $0) }
    self.decays = decays ?? Array(repeating: true, count: sizes.count)
    precondition(self.decays.count == sizes.count, "one decay flag per tensor")
  }

  /// One optimisation step.
  /// - Parameters:
  ///   - parameters: the weights, updated in place; one flat array per tensor.
  ///   - gradients: ∂L/∂w with the same layout.
  ///   - learningRate: η for this step.
  public mutating func update(_ parameters: inout [[Double]], gradients: [[Double]], learningRate: Double) {
    precondition(parameters.count == firstMoments.count && gradients.count == parameters.count,
                 "AdamW was made for \(firstMoments.count) tensors, got \(parameters.count) and \(gradients.count) gradients")
    step += 1
    let t = Double(step)
    let correction1 = 1 - pow(beta1, t)
    let correction2 = 1 - pow(beta2, t)
    for k in parameters.indices {
      let g = gradients[k]
      precondition(g.count == parameters[k].count, "gradient \(k) has \(g.count) values, weights \(parameters[k].count)")
      let decay = decays[k] ? 1 - learningRate * weightDecay : 1
      parameters[k].withUnsafeMutableBufferPointer { w in
        firstMoments[k].withUnsafeMutableBufferPointer { m in
          secondMoments[k].withUnsafeMutableBufferPointer { v in
            for i in 0..<w.count {
              m[i] = beta1 * m[i] + (1 - beta1) * g[i]
              v[i] = beta2 * v[i] + (1 - beta2) * g[i] * g[i]
              let mHat = m[i] / correction1
              let vHat = v[i] / correction2
              w[i] = w[i] * decay - learningRate * mHat / (vHat.squareRoot() + epsilon)
            }
          }
        }
      }
    }
  }
}

