import Atomistic
import Datasets
import Foundation
import PaiNN
import Potentials
import Teacher
import Training

/// One `mlff distill` run folder: seeds and a teacher in; a validated student, its errors, its
/// MD verdicts, its speed-up and `report.html` out.
///
/// Every stage reads and writes ordinary files in the folder, so rerunning the same command
/// continues from the first unfinished stage (and, inside labelling and training, from their
/// journals and checkpoints). Settings that a finished stage used cannot change under it.
///
///     runs/si/
///       distill.toml        the resolved settings
///       state.json          finished stages, active-learning rounds
///       candidates.xyz      stage 1: sampled structures
///       data.h5             stage 2: teacher labels (+ active-learning additions), splits
///       train/              stage 3: the training run (model.safetensors, metrics, curve)
///       eval/               stage 4: test-split errors, parity plots
///       md/                 stage 5: trajectories, logs, stability reports, plots
///       speed.json          stage 6: teacher and student timings
///       report.html         stage 7
public final class DistillRun {
  /// The resolved settings.
  public let configuration: DistillConfiguration
  /// The run folder.
  public let folder: URL
  /// Print progress lines and stage banners.
  public var verbose = true
  /// Write a line to the user (standard error by default).
  public var log: (String) -> Void = { FileHandle.standardError.write(Data(($0 + "\n").utf8)) }

  var state: DistillState

  /// Opens (or creates) a run folder for these settings.
  /// - Throws: `DistillConfigurationError` when the settings are unusable, or when the folder
  ///   was made with settings that a finished stage depends on and that now differ.
  public init(configuration: DistillConfiguration, folder: URL) throws {
    if let problem = configuration.problem { throw DistillConfigurationError(problem) }
    self.configuration = configuration
    self.folder = folder
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    state = try DistillState.read(from: folder)
    try checkUnchangedSettings()
    try writeAtomically(configuration.tomlText(), to: paths.configuration)
  }

  /// File locations inside the run folder.
  public var paths: DistillPaths { DistillPaths(folder) }

  /// Runs every unfinished stage (up to and including `last`, when given); returns the
  /// headline figures found so far.
  @discardableResult
  public func run(until last: DistillStage? = nil) throws -> DistillSummary {
    let stages = DistillStage.allCases.prefix { $0 != last } + (last.map { [$0] } ?? [])
    for stage in stages where !state.isFinished(stage) {
      let start = Date()
      if verbose { log("== \(stage.rawValue.replacingOccurrences(of: "_", with: " ")) ==") }
      do {
        try runStage(stage)
      } catch let error as DistillConfigurationError {
        throw error
      } catch {
        throw DistillConfigurationError("the stage '\(stage.rawValue)' failed: \(describeDistillFailure(error))")
      }
      state.finished.append(stage)
      state.seconds[stage.rawValue] = Date().timeIntervalSince(start)
      try state.write(to: folder)
    }
    return try summary()
  }

  private func runStage(_ stage: DistillStage) throws {
    switch stage {
    case .sample: try sampleStage()
    case .label: try labelStage()
    case .activeLearning: try activeLearningStage()
    case .train: try trainStage()
    case .evaluate: try evaluateStage()
    case .validate: try validateStage()
    case .speed: try speedStage()
    case .report: try reportStage()
    }
  }

  /// Refuses to continue a folder whose finished stages used other settings.
  private func checkUnchangedSettings() throws {
    let url = paths.configuration
    guard FileManager.default.fileExists(atPath: url.path), !state.finished.isEmpty else { return }
    let previous = try DistillConfiguration.read(url)
    var changed: [String] = []
    func check<T: Equatable>(_ stage: DistillStage, _ name: String, _ a: T, _ b: T) {
      if state.isFinished(stage) && a != b { changed.append("\(name) (used by the finished stage '\(stage.rawValue)')") }
    }
    check(.sample, "structures", previous.structures, configuration.structures)
    check(.sample, "seed", previous.seed, configuration.seed)
    check(.sample, "[sample]", previous.sample, configuration.sample)
    check(.label, "teacher", previous.teacher, configuration.teacher)
    check(.activeLearning, "[active_learning]", previous.activeLearning, configuration.activeLearning)
    check(.train, "[train]", previous.train, configuration.train)
    check(.validate, "[validate]", previous.validate, configuration.validate)
    if !changed.isEmpty {
      throw DistillConfigurationError(
        "\(folder.path) was made with other settings: \(changed.joined(separator: ", ")) changed. "
          + "Rerun with the settings saved in \(url.path), or choose a new output folder")
    }
  }

  // MARK: Shared pieces

  /// The teacher pool, started on first use and kept for the whole run.
  private var teacherPool: TeacherPool?

  func teacher() throws -> TeacherPool {
    if let teacherPool { return teacherPool }
    let configuration = TeacherConfiguration(
      model: self.configuration.teacher, workers: self.configuration.label.workers,
      timeout: self.configuration.label.timeout,
      python: self.configuration.python.isEmpty ? nil : self.configuration.python,
      device: self.configuration.label.device.isEmpty ? nil : self.configuration.label.device)
    do {
      let pool = try TeacherPool(configuration: configuration)
      teacherPool = pool
      return pool
    } catch let error as TeacherError {
      throw DistillConfigurationError("the teacher '\(self.configuration.teacher)' could not start: \(error.description)")
    }
  }

  deinit { teacherPool?.close() }

  /// Where the seeds come from: the seed file, then the conformers of the SMILES.
  func candidateSources() throws -> [any CandidateSource] {
    var sources: [any CandidateSource] = []
    if !configuration.structures.isEmpty {
      let url = URL(fileURLWithPath: configuration.structures)
      guard FileManager.default.fileExists(atPath: url.path) else {
        throw DistillConfigurationError("the seed file \(url.path) does not exist; give --structures FILE")
      }
      sources.append(StructureFileSource(url: url))
    }
    let s = configuration.sample
    var molecules = s.smiles.enumerated().map { SMILESEntry(smiles: $1, location: "[sample] smiles[\($0)]") }
    if !s.smilesFile.isEmpty {
      do { molecules += try readSMILESList(URL(fileURLWithPath: s.smilesFile)) } catch let error as SMILESListError {
        throw DistillConfigurationError(error.description)
      }
    }
    if !molecules.isEmpty {
      sources.append(SMILESConformerSource(
        molecules: molecules, conformersPerMolecule: s.conformers, seed: configuration.seed,
        python: configuration.python.isEmpty ? nil : configuration.python))
    }
    return sources
  }

  /// The seed structures, checked: those of the seed file, then the conformers of the SMILES
  /// (made once and kept in `conformers.xyz`, so every stage starts from the same ones).
  func seeds() throws -> [Structure] {
    var seeds: [Structure] = []
    for source in try candidateSources() {
      if let smiles = source as? SMILESConformerSource, let kept = try keptConformers(of: smiles) {
        seeds += kept
        continue
      }
      var structures: [Structure]
      do { structures = try source.structures() } catch let error as SMILESListError {
        throw DistillConfigurationError(error.description)
      }
      if let smiles = source as? SMILESConformerSource {
        for k in structures.indices {
          structures[k].info[Self.conformerRequestKey] = .string(smiles.request)
        }
        try ExtXYZ.write(structures, to: paths.conformers)
        if verbose { log("embedded \(structures.count) conformers of \(source.description) into \(paths.conformers.path)") }
      }
      if let file = source as? StructureFileSource {
        guard !structures.isEmpty else {
          throw DistillConfigurationError("the seed file \(file.url.path) holds no structures; give at least one seed in extxyz")
        }
        if let k = structures.firstIndex(where: { $0.count == 0 }) {
          throw DistillConfigurationError("\(file.url.path), frame \(k) (0-based) has no atoms; remove it")
        }
      }
      seeds += structures
    }
    return seeds
  }

  /// Info key of the kept conformers saying which request made them.
  static let conformerRequestKey = "mlff_conformer_request"

  /// The conformers kept in `conformers.xyz` when they were made by this very request (same
  /// SMILES, conformer count and seed); nil when there are none or they are of another request.
  private func keptConformers(of source: SMILESConformerSource) throws -> [Structure]? {
    guard FileManager.default.fileExists(atPath: paths.conformers.path) else { return nil }
    let kept = try ExtXYZ.read(paths.conformers)
    guard !kept.isEmpty, kept.allSatisfy({ $0.info[Self.conformerRequestKey] == .string(source.request) }) else { return nil }
    return kept
  }

  /// Where seed `k` came from, for messages ("mols.smi:3 ('CCO')", "seeds.xyz, frame 2 (0-based)").
  func seedLocation(_ seeds: [Structure], _ k: Int) -> String {
    Datasets.seedLocation(seeds[k], fallback: "\(configuration.structures), frame \(k) (0-based)")
  }

  /// The dataset of teacher labels.
  func dataset() throws -> Dataset { try Dataset.read(paths.dataset) }

  /// The training settings for a student trained on this run's data.
  func trainingConfiguration(seed: UInt64, maxTime: String) -> TrainingConfiguration {
    let t = configuration.train
    var c = TrainingConfiguration()
    c.preset = PaiNNPreset(rawValue: t.preset) ?? .small
    if t.features > 0 || t.layers > 0 {
      var a = c.preset.configuration
      if t.features > 0 { a.featureCount = t.features }
      if t.layers > 0 { a.layerCount = t.layers }
      c.architecture = a
    }
    c.cutoff = t.cutoff
    c.seed = seed
    c.maxEpochs = t.epochs
    c.maxTime = maxTime.isEmpty ? nil : parseDuration(maxTime)
    c.batchSize = t.batchSize
    c.learningRate = t.learningRate
    c.loss.weights = LossWeights(energy: t.energyWeight, forces: t.forceWeight, stress: t.stressWeight)
    c.curvature = configuration.hessian.loss
    c.threads = t.threads
    c.trainFraction = t.trainFraction
    c.validationFraction = t.validationFraction
    return c
  }

  /// The final student.
  func student(precision: PaiNNPrecision = .float) throws -> PaiNNPotential {
    try PaiNNPotential(contentsOf: RunFolder(paths.training).model, precision: precision)
  }
}

/// Where each stage keeps its files.
public struct DistillPaths: Sendable {
  /// The run folder.
  public let folder: URL
  /// - Parameter folder: the run folder.
  public init(_ folder: URL) { self.folder = folder }
  /// The resolved settings (TOML).
  public var configuration: URL { folder.appendingPathComponent("distill.toml") }
  /// The conformers of the SMILES seeds (extxyz), made once.
  public var conformers: URL { folder.appendingPathComponent("conformers.xyz") }
  /// Stage 1's candidate structures (extxyz).
  public var candidates: URL { folder.appendingPathComponent("candidates.xyz") }
  /// The labelled dataset with its splits (HDF5).
  public var dataset: URL { folder.appendingPathComponent("data.h5") }
  /// The final student's training run folder.
  public var training: URL { folder.appendingPathComponent("train") }
  /// Test-split errors and parity plots.
  public var evaluation: URL { folder.appendingPathComponent("eval") }
  /// Test-split errors of the final student (`EvaluationSummary`: eV units; meV in its JSON).
  public var evaluationMetrics: URL { folder.appendingPathComponent("eval/metrics.json") }
  /// Curvature errors on the test split (only with curvature labels).
  public var curvatureMetrics: URL { folder.appendingPathComponent("eval/curvature.json") }
  /// Test-split errors of the same student with random weights.
  public var untrainedMetrics: URL { folder.appendingPathComponent("eval/untrained_metrics.json") }
  /// Validation MD runs, one folder each.
  public var md: URL { folder.appendingPathComponent("md") }
  /// Active-learning rounds, one folder each.
  public var activeLearning: URL { folder.appendingPathComponent("active_learning") }
  /// Teacher and student timings (JSON).
  public var speed: URL { folder.appendingPathComponent("speed.json") }
  /// Every validation MD run's report (JSON).
  public var validation: URL { folder.appendingPathComponent("md/validation.json") }
  /// Student–teacher comparisons of molecular MD (JSON, one per temperature).
  public var molecularComparison: URL { folder.appendingPathComponent("md/comparison.json") }
  /// In-use errors of every stability run (JSON).
  public var inUseErrors: URL { folder.appendingPathComponent("md/in_use.json") }
  /// The report page.
  public var report: URL { folder.appendingPathComponent("report.html") }
  /// The final student's model file.
  public var model: URL { folder.appendingPathComponent("train/model.safetensors") }
}

/// An error in words a user can act on; a full disk is named as such.
public func describeDistillFailure(_ error: Error) -> String {
  var current: Error? = error
  while let e = current {
    let ns = e as NSError
    if (ns.domain == NSPOSIXErrorDomain && ns.code == Int(ENOSPC))
      || (ns.domain == NSCocoaErrorDomain && ns.code == CocoaError.fileWriteOutOfSpace.rawValue)
      || "\(e)".contains("No space left on device") {
      return "the disk is full (\(error)); free some space"
    }
    current = ns.userInfo[NSUnderlyingErrorKey] as? Error
  }
  return String(describing: error)
}
