import PaiNN

/// Everything that decides a training run, saved as `config.json` in the run folder and in
/// every checkpoint. The defaults are documented in docs/training.md.
public struct TrainingConfiguration: Sendable, Hashable, Codable {
  /// Model size (ignored when `architecture` is set).
  public var preset: PaiNNPreset = .small
  /// Explicit architecture; nil uses `preset` (with `cutoff` applied when given).
  public var architecture: PaiNNConfiguration?
  /// Interaction range override, Å.
  public var cutoff: Double?
  /// Seed of the weights, the splits (when the dataset has none) and the batch order.
  public var seed: UInt64 = 0
  /// Most epochs to run.
  public var maxEpochs: Int = 1000
  /// Wall-clock budget, seconds (nil: none). Training stops after the epoch that crosses it.
  public var maxTime: Double?
  /// Target structures per batch (batches are balanced by atom count).
  public var batchSize: Int = 8
  /// Most atoms in a training batch of more than one structure (nil: no cap beyond the
  /// balancing); bounds the memory of a step on data sets that mix small and large structures.
  public var maxBatchAtoms: Int?
  /// Peak learning rate η₀.
  public var learningRate: Double = 1e-3
  /// Learning-rate schedule after warm-up.
  public var schedule: ScheduleKind = .cosine
  /// Warm-up steps; nil: 5 % of the planned steps, at most 500.
  public var warmupSteps: Int?
  /// η_min / η₀ at the end of the cosine decay.
  public var minimumLearningRateFactor: Double = 0.01
  /// Reduce-on-plateau factor and patience (epochs).
  public var plateauFactor: Double = 0.5
  public var plateauPatience: Int = 10
  /// Loss kind, weights and Huber δ.
  public var loss: LossFunction = .init()
  /// AdamW decoupled weight decay λ (applied to weight matrices, not to biases or the
  /// embedding).
  public var weightDecay: Double = 0.01
  /// AdamW β₁, β₂, ε.
  public var beta1: Double = 0.9
  public var beta2: Double = 0.999
  public var adamEpsilon: Double = 1e-8
  /// Global gradient-norm clip (`.infinity` disables).
  public var gradientClip: Double = 10
  /// EMA decay of the weights (0: no averaging).
  public var emaDecay: Double = 0.99
  /// Stop when the validation loss has not improved for this many epochs.
  public var earlyStoppingPatience: Int = 50
  /// Threads that compute the gradients of the parts of each batch.
  public var threads: Int = 2
  /// Split fractions used when the dataset has no splits.
  public var trainFraction: Double = 0.8
  public var validationFraction: Double = 0.1
  /// Arithmetic of the network during training.
  public var precision: PaiNNPrecision = .float
  /// The curvature term (teacher Hessian–vector products in the data); nil: none. It only acts
  /// on structures with curvature labels.
  public var curvature: CurvatureLoss?

  /// The keys of a checkpoint's `configuration` entry, fixed here so that the file does not
  /// follow Swift property names (they are the names the format has always had).
  enum CodingKeys: String, CodingKey {
    case preset = "preset"
    case architecture = "architecture"
    case cutoff = "cutoff"
    case seed = "seed"
    case maxEpochs = "maxEpochs"
    case maxTime = "maxTime"
    case batchSize = "batchSize"
    case maxBatchAtoms = "maxBatchAtoms"
    case learningRate = "learningRate"
    case schedule = "schedule"
    case warmupSteps = "warmupSteps"
    case minimumLearningRateFactor = "minimumLearningRateFactor"
    case plateauFactor = "plateauFactor"
    case plateauPatience = "plateauPatience"
    case loss = "loss"
    case weightDecay = "weightDecay"
    case beta1 = "beta1"
    case beta2 = "beta2"
    case adamEpsilon = "adamEpsilon"
    case gradientClip = "gradientClip"
    case emaDecay = "emaDecay"
    case earlyStoppingPatience = "earlyStoppingPatience"
    case threads = "threads"
    case trainFraction = "trainFraction"
    case validationFraction = "validationFraction"
    case precision = "precisionName"
    case curvature = "curvature"
  }

  public init() {}

  /// The architecture that will be trained.
  public var resolvedArchitecture: PaiNNConfiguration {
    var a = architecture ?? preset.configuration
    if let cutoff { a.cutoff = cutoff }
    return a
  }

  /// Why the configuration cannot be used, in words a user can act on; nil when fine.
  public var problem: String? {
    if let p = resolvedArchitecture.problem { return p }
    if maxEpochs < 1 { return "--epochs must be at least 1, got \(maxEpochs)" }
    if let t = maxTime, !(t > 0) { return "--max-time must be positive, got \(t) s" }
    if batchSize < 1 { return "--batch-size must be at least 1, got \(batchSize)" }
    if let m = maxBatchAtoms, m < 1 { return "--max-batch-atoms must be at least 1, got \(m)" }
    if !(learningRate > 0 && learningRate.isFinite) { return "--lr must be a positive number, got \(learningRate)" }
    if threads < 1 { return "--threads must be at least 1, got \(threads)" }
    let w = loss.weights
    if [w.energy, w.forces, w.stress].contains(where: { !($0 >= 0 && $0.isFinite) }) {
      return "loss weights must be ≥ 0, got energy \(w.energy), forces \(w.forces), stress \(w.stress)"
    }
    if w.energy == 0 && w.forces == 0 && w.stress == 0 { return "all loss weights are zero: nothing to train on" }
    if let p = curvature?.problem { return p }
    if !(emaDecay >= 0 && emaDecay < 1) { return "--ema must be in [0, 1), got \(emaDecay)" }
    if !(trainFraction > 0 && validationFraction > 0 && trainFraction + validationFraction <= 1) {
      return "split fractions must be positive and sum to at most 1, got train \(trainFraction), validation \(validationFraction)"
    }
    return nil
  }
}
