/// One epoch's figures, as written to `metrics.jsonl`.
public struct EpochMetrics: Sendable, Hashable, Codable {
  /// Epochs completed (1-based).
  public var epoch: Int
  /// Optimiser steps completed.
  public var step: Int
  /// Training seconds so far (excluding time before a resume is not lost: it is carried over).
  public var time: Double
  /// Learning rate of the epoch's last step.
  public var learningRate: Double
  /// Mean training loss over the epoch's batches (weights as configured).
  public var trainLoss: Double
  /// Validation loss with the EMA weights.
  public var validationLoss: Double
  /// Validation errors with the EMA weights: energy per atom (eV/atom), force components
  /// (eV/Å), stress components (eV/Å³, NaN without stress labels).
  public var validationEnergyMAE: Double
  public var validationEnergyRMSE: Double
  public var validationForceMAE: Double
  public var validationForceRMSE: Double
  public var validationStressMAE: Double
  /// Training structures per second during the epoch.
  public var structuresPerSecond: Double

  enum CodingKeys: String, CodingKey {
    case epoch, step, time
    case learningRate = "lr"
    case trainLoss = "train_loss"
    case validationLoss = "val_loss"
    case validationEnergyMAE = "val_energy_mae"
    case validationEnergyRMSE = "val_energy_rmse"
    case validationForceMAE = "val_force_mae"
    case validationForceRMSE = "val_force_rmse"
    case validationStressMAE = "val_stress_mae"
    case structuresPerSecond = "structures_per_second"
  }

  public init(epoch: Int, step: Int, time: Double, learningRate: Double, trainLoss: Double,
              validationLoss: Double, validationEnergyMAE: Double, validationEnergyRMSE: Double,
              validationForceMAE: Double, validationForceRMSE: Double, validationStressMAE: Double,
              structuresPerSecond: Double) {
    self.epoch = epoch
    self.step = step
    self.time = time
    self.learningRate = learningRate
    self.trainLoss = trainLoss
    self.validationLoss = validationLoss
    self.validationEnergyMAE = validationEnergyMAE
    self.validationEnergyRMSE = validationEnergyRMSE
    self.validationForceMAE = validationForceMAE
    self.validationForceRMSE = validationForceRMSE
    self.validationStressMAE = validationStressMAE
    self.structuresPerSecond = structuresPerSecond
  }

  // NaN (no stress labels) is written as null.
  public func encode(to encoder: Encoder) throws {
    var c = encoder.container(keyedBy: CodingKeys.self)
    try c.encode(epoch, forKey: .epoch)
    try c.encode(step, forKey: .step)
    func put(_ v: Double, _ k: CodingKeys) throws { if v.isFinite { try c.encode(v, forKey: k) } else { try c.encodeNil(forKey: k) } }
    try put(time, .time)
    try put(learningRate, .learningRate)
    try put(trainLoss, .trainLoss)
    try put(validationLoss, .validationLoss)
    try put(validationEnergyMAE, .validationEnergyMAE)
    try put(validationEnergyRMSE, .validationEnergyRMSE)
    try put(validationForceMAE, .validationForceMAE)
    try put(validationForceRMSE, .validationForceRMSE)
    try put(validationStressMAE, .validationStressMAE)
    try put(structuresPerSecond, .structuresPerSecond)
  }

  public init(from decoder: Decoder) throws {
    let c = try decoder.container(keyedBy: CodingKeys.self)
    func get(_ k: CodingKeys) throws -> Double { try c.decodeIfPresent(Double.self, forKey: k) ?? .nan }
    epoch = try c.decode(Int.self, forKey: .epoch)
    step = try c.decode(Int.self, forKey: .step)
    time = try get(.time)
    learningRate = try get(.learningRate)
    trainLoss = try get(.trainLoss)
    validationLoss = try get(.validationLoss)
    validationEnergyMAE = try get(.validationEnergyMAE)
    validationEnergyRMSE = try get(.validationEnergyRMSE)
    validationForceMAE = try get(.validationForceMAE)
    validationForceRMSE = try get(.validationForceRMSE)
    validationStressMAE = try get(.validationStressMAE)
    structuresPerSecond = try get(.structuresPerSecond)
  }
}

/// Where a run stands: everything besides the weights and optimiser moments that a resumed
/// run needs to continue exactly where it stopped.
public struct TrainingState: Sendable, Hashable, Codable {
  /// Epochs completed.
  public var epoch = 0
  /// Optimiser steps completed.
  public var step = 0
  /// Training seconds spent so far, summed over resumed sessions.
  public var elapsed = 0.0
  /// Best validation loss and the epoch that reached it.
  public var bestValidationLoss = Double.infinity
  public var bestEpoch = 0
  /// Epochs since the validation loss last improved (early stopping).
  public var epochsWithoutImprovement = 0
  /// Reduce-on-plateau bookkeeping.
  public var plateau: ReduceOnPlateau
  /// Steps the cosine schedule plans for (fixed at the start of the run).
  public var plannedSteps: Int
  /// Warm-up steps (fixed at the start of the run).
  public var warmupSteps: Int
  /// Why the run ended, once it has.
  public var finished: TrainingStopReason?
  /// Every epoch's metrics so far.
  public var history: [EpochMetrics] = []

  public init(plateau: ReduceOnPlateau, plannedSteps: Int, warmupSteps: Int) {
    self.plateau = plateau
    self.plannedSteps = plannedSteps
    self.warmupSteps = warmupSteps
  }

  enum CodingKeys: String, CodingKey {
    case epoch, step, elapsed, bestEpoch, epochsWithoutImprovement, plateau, plannedSteps, warmupSteps, finished, history
    case bestValidationLoss
  }

  public func encode(to encoder: Encoder) throws {
    var c = encoder.container(keyedBy: CodingKeys.self)
    try c.encode(epoch, forKey: .epoch)
    try c.encode(step, forKey: .step)
    try c.encode(elapsed, forKey: .elapsed)
    if bestValidationLoss.isFinite { try c.encode(bestValidationLoss, forKey: .bestValidationLoss) }
    try c.encode(bestEpoch, forKey: .bestEpoch)
    try c.encode(epochsWithoutImprovement, forKey: .epochsWithoutImprovement)
    try c.encode(plateau, forKey: .plateau)
    try c.encode(plannedSteps, forKey: .plannedSteps)
    try c.encode(warmupSteps, forKey: .warmupSteps)
    try c.encodeIfPresent(finished, forKey: .finished)
    try c.encode(history, forKey: .history)
  }

  public init(from decoder: Decoder) throws {
    let c = try decoder.container(keyedBy: CodingKeys.self)
    epoch = try c.decode(Int.self, forKey: .epoch)
    step = try c.decode(Int.self, forKey: .step)
    elapsed = try c.decode(Double.self, forKey: .elapsed)
    bestValidationLoss = try c.decodeIfPresent(Double.self, forKey: .bestValidationLoss) ?? .infinity
    bestEpoch = try c.decode(Int.self, forKey: .bestEpoch)
    epochsWithoutImprovement = try c.decode(Int.self, forKey: .epochsWithoutImprovement)
    plateau = try c.decode(ReduceOnPlateau.self, forKey: .plateau)
    plannedSteps = try c.decode(Int.self, forKey: .plannedSteps)
    warmupSteps = try c.decode(Int.self, forKey: .warmupSteps)
    finished = try c.decodeIfPresent(TrainingStopReason.self, forKey: .finished)
    history = try c.decode([EpochMetrics].self, forKey: .history)
  }
}
