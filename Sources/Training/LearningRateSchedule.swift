import Foundation

/// How the learning rate changes during training.
public enum ScheduleKind: String, Sendable, Codable, CaseIterable {
  /// Linear warm-up, then cosine decay to `minimumFactor` × peak at the end of the budget.
  case cosine
  /// Linear warm-up, then constant, multiplied by `plateauFactor` whenever the validation
  /// loss has not improved for `plateauPatience` epochs.
  case plateau
}

/// Linear warm-up followed by cosine decay:
///
///     η(p) = η₀ · s / w                                       for step s < w (warm-up)
///     η(p) = η_min + (η₀ − η_min) · ½ (1 + cos(π p))          afterwards
///
/// where p ∈ [0, 1] is the fraction of the budget used after warm-up and η_min = f·η₀.
public struct WarmupCosine: Sendable, Hashable, Codable {
  /// Peak learning rate η₀.
  public var peak: Double
  /// Warm-up steps w.
  public var warmupSteps: Int
  /// η_min / η₀.
  public var minimumFactor: Double

  public init(peak: Double, warmupSteps: Int, minimumFactor: Double = 0.01) {
    self.peak = peak
    self.warmupSteps = warmupSteps
    self.minimumFactor = minimumFactor
  }

  /// Learning rate at `step` (0-based) when a fraction `progress` of the budget is used.
  /// - Parameter progress: clamped to [0, 1].
  public func rate(step: Int, progress: Double) -> Double {
    if step < warmupSteps { return peak * Double(step + 1) / Double(warmupSteps) }
    let p = min(max(progress, 0), 1)
    let low = minimumFactor * peak
    return low + (peak - low) * 0.5 * (1 + cos(Double.pi * p))
  }
}

/// Reduce-on-plateau: multiply the learning rate by `factor` when the validation loss has not
/// improved by more than a relative `threshold` for `patience` epochs (PyTorch's
/// `ReduceLROnPlateau` in "rel" mode), never going below `minimumFactor`.
public struct ReduceOnPlateau: Sendable, Hashable, Codable {
  public var factor: Double
  public var patience: Int
  public var threshold: Double
  public var minimumFactor: Double
  /// Current multiplier of the peak learning rate.
  public private(set) var scale: Double = 1
  /// Best validation loss seen (nil before the first epoch).
  public private(set) var best: Double?
  /// Epochs since the last improvement.
  public private(set) var badEpochs: Int = 0

  public init(factor: Double = 0.5, patience: Int = 10, threshold: Double = 1e-4, minimumFactor: Double = 1e-3) {
    self.factor = factor
    self.patience = patience
    self.threshold = threshold
    self.minimumFactor = minimumFactor
  }

  /// Records one epoch's validation loss; returns true when the rate was reduced.
  @discardableResult
  public mutating func record(_ loss: Double) -> Bool {
    if best == nil || loss < best! * (1 - threshold) {
      best = loss
      badEpochs = 0
      return false
    }
    badEpochs += 1
    if badEpochs > patience {
      let next = max(scale * factor, minimumFactor)
      badEpochs = 0
      if next < scale { scale = next; return true }
    }
    return false
  }
}
