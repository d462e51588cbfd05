import Atomistic
import Autodiff
import Basics
import Foundation
import PaiNN
import Potentials
import Reporting

/// Why a training run stopped; the raw values are what checkpoints and messages say.
public enum TrainingStopReason: String, Sendable, Hashable, Codable, CustomStringConvertible {
  /// The epoch budget (`maxEpochs`) was used up.
  case epochs
  /// The time budget (`maxTime`) was used up.
  case time
  /// The validation loss did not improve for `earlyStoppingPatience` epochs.
  case earlyStopping = "early stopping"
  /// `run(stopAfterEpochs:)` paused the run (it can be resumed).
  case paused

  public var description: String { rawValue }
}

/// How a training run ended.
public struct TrainingOutcome: Sendable {
  /// Why it stopped.
  public var reason: TrainingStopReason
  /// The final state (history included).
  public var state: TrainingState
  /// The best model (EMA weights at the lowest validation loss).
  public var bestModel: PaiNNModel
  /// Test-split summary of the best model, when there is a test split.
  public var test: EvaluationSummary?
}

/// Trains a PaiNN student on labelled structures.
///
/// Each step: a batch (balanced by atom count) is split into `threads` parts of nearly equal
/// atom counts; each part's loss gradient is computed on its own thread through the
/// differentiable forward pass; the gradients are summed in part order (so the result does
/// not depend on timing), clipped by global norm, applied by AdamW, and the EMA of the weights
/// is updated. After each epoch the EMA weights are validated, the checkpoints, metrics and
/// learning curve are written atomically, and the best model is exported.
public final class Trainer {
  public let configuration: TrainingConfiguration
  public let data: TrainingData
  public let folder: RunFolder
  /// Architecture, elements, reference energies and scale; weights are `weights`.
  public private(set) var model: PaiNNModel
  /// Current raw weights, one flat array per tensor in file order (`PaiNNWeights.flattened`).
  public private(set) var weights: [[Double]]
  public private(set) var average: ExponentialMovingAverage
  public private(set) var optimizer: AdamW
  public private(set) var state: TrainingState
  /// Extra provenance written into the exported model (command line, data file).
  public var provenance: [String: String] = [:]
  /// Show a live progress line on standard error.
  public var showsProgress = true
  /// How the processes of a data-parallel job sum their gradients (Trainer+DataParallel.swift);
  /// one process alone by default.
  public var reducer: any GradientReducer = SingleProcess()

  /// The shape of each tensor of `weights`.
  private let shapes: [[Int]]
  /// Neighbour graphs of the structures, built once and reused across epochs.
  let graphs: GraphCache

  /// Starts a new run, or resumes the one in `folder` when `resume` is true.
  /// - Throws: `TrainingError` when the configuration is invalid, the data cannot be trained
  ///   on, or (`resume`) the folder holds no readable checkpoint.
  public init(configuration: TrainingConfiguration, data: TrainingData, folder: URL, resume: Bool = false) throws {
    self.folder = RunFolder(folder)
    self.data = data
    if resume {
      let checkpoint = try Checkpoint(contentsOf: self.folder.lastCheckpoint)
      var c = checkpoint.configuration
      // The budget may be extended on resume; everything else comes from the checkpoint.
      c.maxEpochs = configuration.maxEpochs
      c.maxTime = configuration.maxTime
      c.threads = configuration.threads
      self.configuration = c
      model = checkpoint.model
      shapes = model.weightShapes.flattened
      weights = model.weights.flattened
      graphs = GraphCache(elements: model.elements, cutoff: model.configuration.cutoff, budgetBytes: GraphCache.defaultBudgetBytes)
      average = ExponentialMovingAverage(initial: checkpoint.average, decay: max(c.emaDecay, 0))
      optimizer = checkpoint.optimizer
      state = checkpoint.state
      state.finished = nil
      let known = Set(model.elements)
      do {
        for i in data.train { try requireSupport([data.structures[i]], supported: known, firstIndex: i) }
      } catch {
        let message = error.describing(structure: { "\(data.source), structure \($0)" }, potential: "the checkpoint's model")
        throw TrainingError("\(message). Resume with the same data")
      }
      return
    }
    if let problem = configuration.problem { throw TrainingError(problem) }
    self.configuration = configuration
    let elements = data.elements
    let trainStructures = data.train.map { data.structures[$0] }
    let reference = fitReferenceEnergies(trainStructures, elements: elements)
    let scale = energyScale(trainStructures, referenceEnergies: Dictionary(uniqueKeysWithValues: zip(elements, reference)))
    var m = PaiNNModel.random(configuration.resolvedArchitecture, elements: elements, seed: configuration.seed)
    m.referenceEnergies = reference
    m.energyScale = scale
    model = m
    shapes = m.weightShapes.flattened
    weights = m.weights.flattened
    graphs = GraphCache(elements: m.elements, cutoff: m.configuration.cutoff, budgetBytes: GraphCache.defaultBudgetBytes)
    average = ExponentialMovingAverage(initial: weights, decay: configuration.emaDecay)
    optimizer = AdamW(
      sizes: weights.map(\.count), decays: PaiNNWeights.roles(layerCount: m.configuration.layerCount).flattened.map { $0 == .matrix },
      beta1: configuration.beta1, beta2: configuration.beta2, epsilon: configuration.adamEpsilon,
      weightDecay: configuration.weightDecay)
    let batchesPerEpoch = balancedBatches(data.train, atomCounts: data.atomCounts, batchSize: configuration.batchSize,
                                          maxAtoms: configuration.maxBatchAtoms, seed: 0).count
    let planned = max(1, configuration.maxEpochs * batchesPerEpoch)
    let warmup = configuration.warmupSteps ?? min(500, max(1, planned / 20))
    state = TrainingState(
      plateau: ReduceOnPlateau(factor: configuration.plateauFactor, patience: configuration.plateauPatience),
      plannedSteps: planned, warmupSteps: warmup)
  }

  /// A model with the given weights (EMA or raw).
  func model(with values: [[Double]]) -> PaiNNModel {
    var m = model
    m.weights = PaiNNWeights(flattened: values, layerCount: m.configuration.layerCount)
    return m
  }

  /// Learning rate of the next step (`Self.learningRate(configuration:state:elapsed:)` for
  /// this run's configuration and state).
  func learningRate(elapsed: Double) -> Double {
    Self.learningRate(configuration: configuration, state: state, elapsed: elapsed)
  }

  /// Learning rate of step `state.step` (0-based) after `elapsed` training seconds.
  ///
  /// With peak η₀ (`learningRate`), w = `state.warmupSteps`, s = `state.step`, T = `maxTime`:
  ///
  ///     warm = min(1, max((s + 1) / w, t / (0.05 T)))         while s < w (the time term only with T)
  ///     η = warm · η₀                                         while warm < 1
  ///     cosine:  p = max((s − w) / (plannedSteps − w), (t − 0.05 T) / (0.95 T)),
  ///              η = η_min + (η₀ − η_min) · ½ (1 + cos(π · clamp(p, 0, 1))),  η_min = f · η₀
  ///     plateau: η = η₀ · plateau.scale · warm
  ///
  /// so warm-up rises linearly over w steps, or over the first 5 % of the time budget when
  /// that ends sooner, and the cosine decay follows whichever of steps or time is further along.
  /// - Parameter elapsed: training seconds so far (summed over resumed sessions).
  static func learningRate(configuration c: TrainingConfiguration, state: TrainingState, elapsed: Double) -> Double {
    var warm = 1.0
    if state.step < state.warmupSteps {
      warm = Double(state.step + 1) / Double(state.warmupSteps)
      if let maxTime = c.maxTime { warm = max(warm, elapsed / (0.05 * maxTime)) }
      warm = min(warm, 1)
    }
    switch c.schedule {
    case .cosine:
      let w = state.warmupSteps
      var progress = Double(state.step - w) / Double(max(state.plannedSteps - w, 1))
      if let maxTime = c.maxTime { progress = max(progress, (elapsed - 0.05 * maxTime) / (0.95 * maxTime)) }
      if warm < 1 { return warm * c.learningRate }
      return WarmupCosine(peak: c.learningRate, warmupSteps: 0, minimumFactor: c.minimumLearningRateFactor)
        .rate(step: state.step, progress: progress)
    case .plateau:
      return c.learningRate * state.plateau.scale * warm
    }
  }

  /// The loss gradient of one batch, computed in `threads` parts concurrently and summed in
  /// part order. - Returns: gradients (one flat array per tensor) and the batch loss.
  /// - Parameter slice: compute only the terms of these structures of `batch` (normalised over
  ///   the whole batch, so that the slices' gradients sum to the batch's); nil: all of it.
  func batchGradients(_ batch: [Int], slice: [Int]? = nil) throws -> (gradients: [[Double]], loss: Double) {
    let structures = data.structures
    let batchStructures = batch.map { structures[$0] }
    let normalization = LossNormalization(batchStructures)
    let parts = splitByAtoms(slice ?? batch, atomCounts: data.atomCounts, parts: configuration.threads)
    let results = Locked([Result<([[Double]], Double), Error>?](repeating: nil, count: parts.count))
    let work: (Int) -> Void = { [self] p in
      let r: Result<([[Double]], Double), Error>
      do {
        let part = parts[p].map { structures[$0] }
        switch configuration.precision {
        case .float: r = .success(try partGradients(Float.self, part, normalization, indices: parts[p]))
        case .double: r = .success(try partGradients(Double.self, part, normalization, indices: parts[p]))
        }
      } catch { r = .failure(error) }
      results.withLock { $0[p] = r }
    }
    if parts.count == 1 {
      work(0)
    } else {
      // Invariant: the parts only read the trainer and write their own slot of `results`.
      let shared = UncheckedSendable(work)
      DispatchQueue.concurrentPerform(iterations: parts.count) { shared.value($0) }
    }
    var total: [[Double]] = []
    var loss = 0.0
    for r in results.withLock({ $0 }) {
      let (g, l) = try r!.get()
      if total.isEmpty { total = g } else {
        for k in total.indices { for i in total[k].indices { total[k][i] += g[k][i] } }
      }
      loss += l
    }
    return (total, loss)
  }

  /// Gradient of the loss of one part of a batch, in precision `S`.
  /// - Parameter indices: the data set positions of `part`, when known: its graph then comes
  ///   from `graphs` instead of a new neighbour search.
  func partGradients<S: TensorScalar>(
    _ type: S.Type, _ part: [Structure], _ normalization: LossNormalization, indices: [Int]? = nil
  ) throws -> ([[Double]], Double) {
    let values = zip(weights, shapes).map { Tensor<S>(shape: $1, scalars: $0.map { S($0) }) }
    let loss = configuration.loss
    let wantForces = loss.weights.forces != 0 && normalization.forceComponentCount > 0
    let wantStress = loss.weights.stress != 0 && normalization.stressComponentCount > 0
    let graph = try indices.map { try graphs.graph($0, of: data.structures) }
    let (out, leaves) = try studentForward(model, structures: part, parameters: values, forces: wantForces, stress: wantStress, graph: graph)
    let value = loss(energies: out.energies, forces: out.forces, stress: out.stress,
                     targets: LossTargets(part), normalization: normalization)
    var total = value.total
    if let curvature = configuration.curvature,
       let term = try curvatureLossTerm(model, structures: part, leaves: leaves, loss: curvature,
                                        probeCount: normalization.curvatureProbeCount) {
      total = total + term
    }
    let g = gradients(of: total, wrt: leaves)
    return (g.map { $0.scalars.map { Double($0) } }, Double(total.scalar))
  }

  /// Validation loss and errors of `values` (EMA weights) on the validation split, using the
  /// inference path in the training precision.
  func validate(_ values: [[Double]]) throws -> (loss: Double, metrics: ErrorMetrics) {
    let potential = PaiNNPotential(model: model(with: values), precision: configuration.precision)
    let references = data.validation.map { data.structures[$0] }
    let evaluation = try Evaluation(potential: potential, structures: references, batchSize: 32,
                                    maxAtoms: configuration.maxBatchAtoms)
    return (validationLoss(evaluation, configuration.loss), evaluation.metrics)
  }

  /// Runs epochs until the epoch budget, the time budget or early stopping ends the run.
  /// - Parameter stopAfterEpochs: pause after this many epochs of this session (for tests of
  ///   `--resume`); the checkpoint is written as after any epoch.
  @discardableResult
  public func run(stopAfterEpochs: Int? = nil) throws -> TrainingOutcome {
    // The parts of a batch run on their own threads, so each uses one BLAS thread inside. BLAS's
    // count is process-wide and shared with concurrent student evaluations, so it is held at 1
    // through the section they share rather than set and put back here.
    guard configuration.threads > 1 else { return try runSession(stopAfterEpochs: stopAfterEpochs) }
    return try TensorThreads.withSingleThreadedBLAS { try runSession(stopAfterEpochs: stopAfterEpochs) }
  }

  private func runSession(stopAfterEpochs: Int?) throws -> TrainingOutcome {
    let c = configuration
    try FileManager.default.createDirectory(at: folder.url, withIntermediateDirectories: true)
    try writeConfiguration()
    // Elementwise ops run on one thread inside the parts; put back afterwards (evaluation, MD
    // and the speed benchmark that follow in the same process must not inherit it).
    let previousElementwiseThreads = TensorThreads.elementwiseThreads
    if c.threads > 1 { TensorThreads.elementwiseThreads = 1 }
    defer { TensorThreads.elementwiseThreads = previousElementwiseThreads }
    let sessionStart = Date()
    let startElapsed = state.elapsed
    var sessionEpochs = 0
    let batchesPerEpoch = balancedBatches(data.train, atomCounts: data.atomCounts, batchSize: c.batchSize,
                                          maxAtoms: c.maxBatchAtoms, seed: 0).count
    let totalSteps = c.maxEpochs * batchesPerEpoch
    // With a time budget the step total is not known in advance: the line shows the time left.
    let progress = showsProgress
      ? ProgressLine(label: "train", total: c.maxTime == nil ? totalSteps : nil, unit: "steps", alreadyDone: state.step) : nil
    var reason: TrainingStopReason?
    var lastValidation = state.history.last.map { "val F MAE \(String(format: "%.1f", 1000 * $0.validationForceMAE)) meV/Å" } ?? ""
    epochs: while state.epoch < c.maxEpochs {
      let epochStart = Date()
      let batches = balancedBatches(data.train, atomCounts: data.atomCounts, batchSize: c.batchSize,
                                    maxAtoms: c.maxBatchAtoms, seed: epochSeed(c.seed, epoch: state.epoch))
      var lossSum = 0.0
      var batchesDone = 0
      var structuresDone = 0
      var rate = learningRate(elapsed: startElapsed)
      var outOfTime = false
      for batch in batches {
        let elapsed = try sharedElapsed(startElapsed + Date().timeIntervalSince(sessionStart), needed: c.maxTime != nil)
        if let maxTime = c.maxTime, elapsed >= maxTime { outOfTime = true; break }
        rate = learningRate(elapsed: elapsed)
        var (g, loss) = try reducedBatchGradients(batch)
        guard loss.isFinite else {
          throw TrainingError("the training loss became \(loss) at epoch \(state.epoch + 1), step \(state.step + 1); lower the learning rate (--lr) or check the labels of structures \(batch)")
        }
        clipByGlobalNorm(&g, maximumNorm: c.gradientClip)
        optimizer.update(&weights, gradients: g, learningRate: rate)
        average.update(weights)
        state.step += 1
        lossSum += loss
        batchesDone += 1
        structuresDone += batch.count
        var extra = "epoch \(state.epoch + 1)  loss \(String(format: "%.4g", loss))  \(lastValidation)  lr \(String(format: "%.2e", rate))"
        if let maxTime = c.maxTime { extra += "  time left \(formatDuration(max(0, maxTime - elapsed)))" }
        progress?.update(done: state.step, extra: extra)
      }
      let epochSeconds = Date().timeIntervalSince(epochStart)
      state.epoch += 1
      sessionEpochs += 1
      state.elapsed = try sharedElapsed(startElapsed + Date().timeIntervalSince(sessionStart))
      let averaged = c.emaDecay > 0 ? average.average : weights
      var (validationLoss, metrics) = try validate(averaged)
      validationLoss = try reducer.rankZeroValue(validationLoss)
      guard validationLoss.isFinite else {
        throw TrainingError("the validation loss became \(validationLoss) at epoch \(state.epoch); lower the learning rate (--lr) or check the validation labels")
      }
      if c.schedule == .plateau { state.plateau.record(validationLoss) }
      let entry = EpochMetrics(
        epoch: state.epoch, step: state.step, time: state.elapsed, learningRate: rate,
        trainLoss: batchesDone > 0 ? lossSum / Double(batchesDone) : .nan,
        validationLoss: validationLoss, validationEnergyMAE: metrics.energyMAE,
        validationEnergyRMSE: metrics.energyRMSE, validationForceMAE: metrics.forceMAE,
        validationForceRMSE: metrics.forceRMSE, validationStressMAE: metrics.stressMAE,
        structuresPerSecond: epochSeconds > 0 ? Double(structuresDone) / epochSeconds : .nan)
      state.history.append(entry)
      lastValidation = "val F MAE \(String(format: "%.1f", 1000 * metrics.forceMAE)) meV/Å"
      let improved = validationLoss < state.bestValidationLoss
      if improved {
        state.bestValidationLoss = validationLoss
        state.bestEpoch = state.epoch
        state.epochsWithoutImprovement = 0
      } else {
        state.epochsWithoutImprovement += 1
      }
      if outOfTime { reason = .time }
      else if state.epochsWithoutImprovement >= c.earlyStoppingPatience { reason = .earlyStopping }
      else if state.epoch >= c.maxEpochs { reason = .epochs }
      else if let maxTime = c.maxTime, state.elapsed >= maxTime { reason = .time }
      state.finished = reason
      try saveEpoch(improved: improved, averaged: averaged)
      if reason != nil { break epochs }
      if let stopAfterEpochs, sessionEpochs >= stopAfterEpochs { reason = .paused; break epochs }
    }
    let finalReason = reason ?? .epochs
    progress?.finish(extra: "\(finalReason): \(state.epoch) epochs, best epoch \(state.bestEpoch)  \(lastValidation)")
    try reducer.barrier()  // rank 0 has written the model the others read
    let best = try PaiNNModel(contentsOf: folder.model)
    var test: EvaluationSummary?
    if finalReason != .paused, !data.test.isEmpty, reducer.writesFiles {
      let evaluation = try Evaluation(
        potential: PaiNNPotential(model: best, precision: c.precision),
        structures: data.test.map { data.structures[$0] }, batchSize: 32, maxAtoms: c.maxBatchAtoms)
      test = evaluation.summary
      try writeAtomically(try evaluation.summary.json(), to: folder.testMetrics)
    }
    return TrainingOutcome(reason: finalReason, state: state, bestModel: best, test: test)
  }

  /// Writes the checkpoints, metrics, learning curve and (when improved) the best model.
  private func saveEpoch(improved: Bool, averaged: [[Double]]) throws {
    guard reducer.writesFiles else { return }
    var current = model(with: weights)
    current.provenance = provenance
    let checkpoint = Checkpoint(model: current, average: average.average, optimizer: optimizer,
                                state: state, configuration: configuration)
    if improved {
      var best = model(with: averaged)
      best.provenance = provenance.merging([
        "epoch": "\(state.epoch)",
        "validation_force_mae_eV_per_A": "\(state.history.last!.validationForceMAE)",
        "validation_energy_mae_eV_per_atom": "\(state.history.last!.validationEnergyMAE)",
      ]) { a, _ in a }
      try best.write(to: folder.model)
      try checkpoint.write(to: folder.bestCheckpoint)
    }
    try checkpoint.write(to: folder.lastCheckpoint)
    try writeMetricsLog(state.history, to: folder.metrics)
    try writeAtomically(learningCurveSVG(state.history), to: folder.learningCurve)
  }

  /// Writes `config.json`: the configuration plus what was derived from the data.
  private func writeConfiguration() throws {
    guard reducer.writesFiles else { return }
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    struct Saved: Encodable {
      var training: TrainingConfiguration
      var architecture: PaiNNConfiguration
      var data: String
      var splitSizes: [String: Int]
      var elements: [String]
      var referenceEnergies: [String: Double]
      var energyScale: Double
      var parameterCount: Int
      var provenance: [String: String]
    }
    let saved = Saved(
      training: configuration, architecture: model.configuration, data: data.source,
      splitSizes: ["train": data.train.count, "validation": data.validation.count, "test": data.test.count],
      elements: model.elements.map { Elements.symbol($0) },
      referenceEnergies: Dictionary(uniqueKeysWithValues: zip(model.elements.map { Elements.symbol($0) }, model.referenceEnergies)),
      energyScale: model.energyScale, parameterCount: model.parameterCount, provenance: provenance)
    try writeAtomically(try encoder.encode(saved), to: folder.configuration)
  }
}

/// Writes the history as JSON lines, atomically.
public func writeMetricsLog(_ history: [EpochMetrics], to url: URL) throws {
  let encoder = JSONEncoder()
  encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
  var text = ""
  for entry in history { text += String(decoding: try encoder.encode(entry), as: UTF8.self) + "\n" }
  try writeAtomically(text, to: url)
}

/// The loss of a whole evaluation with the same formula as training (normalised over the
/// whole set), from plain numbers.
public func validationLoss(_ evaluation: Evaluation, _ loss: LossFunction) -> Double {
  var e = 0.0, ne = 0, f = 0.0, nf = 0, s = 0.0, ns = 0
  for (r, p) in zip(evaluation.references, evaluation.predictions) {
    if let energy = r.energy {
      e += loss.penalty((p.energy - energy) / Double(max(r.count, 1)))
      ne += 1
    }
    if let forces = r.forces, let predicted = p.forces {
      for i in forces.indices {
        let d = predicted[i] - forces[i]
        f += loss.penalty(d.x) + loss.penalty(d.y) + loss.penalty(d.z)
      }
      nf += 3 * forces.count
    }
    if let stress = r.stress, let predicted = p.stress {
      for k in 0..<6 { s += loss.penalty(predicted[k] - stress[k]) }
      ns += 6
    }
  }
  let w = loss.weights
  var total = 0.0
  if ne > 0 { total += w.energy * e / Double(ne) }
  if nf > 0 { total += w.forces * f / Double(nf) }
  if ns > 0 { total += w.stress * s / Double(ns) }
  return total
}
