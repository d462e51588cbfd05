import Atomistic
import Datasets
import Dynamics
import Foundation
import PaiNN
import Potentials
import Teacher
import Training

extension DistillRun {
  // MARK: 1. Sample

  /// Candidates = the seeds themselves, random distortions of them, and (when asked) snapshots
  /// of short teacher MD; written to `candidates.xyz`.
  func sampleStage() throws {
    let seeds = try seeds()
    let s = configuration.sample
    let repeated = seeds.map { seed in
      seed.isFullyPeriodic ? seed.supercell(s.supercell[0], s.supercell[1], s.supercell[2]) : seed
    }
    do { try teacher().requireSupport(repeated) } catch let error as PotentialError {
      let message = error.describing(
        structure: { seedLocation(seeds, $0) }, potential: "the teacher '\(configuration.teacher)'")
      throw DistillConfigurationError("\(message). Remove that seed or choose another teacher")
    }
    var candidates = repeated.map { $0.unlabelled }
    let options = SamplingOptions(
      count: s.count, rattle: s.rattle, strain: s.strain, rotate: s.rotate, seed: configuration.seed)
    candidates += try sampleCandidates(from: repeated, options: options)
    if !s.mdTemperatures.isEmpty {
      let sampler = MDSampler(
        temperatures: s.mdTemperatures, steps: s.mdSteps, equilibrationSteps: 0, interval: s.mdInterval,
        timestep: s.mdTimestep, seed: configuration.seed)
      candidates += try sampler.sample(repeated, potential: teacher(), progress: verbose)
    }
    try ExtXYZ.write(candidates, to: paths.candidates)
    if verbose { log("sampled \(candidates.count) candidates from \(seeds.count) seeds into \(paths.candidates.path)") }
  }

  // MARK: 2. Label

  /// Teacher labels for every candidate, in `data.h5` with train/validation/test splits.
  func labelStage() throws {
    let journal = LabelJournal(output: paths.dataset)
    let manager = FileManager.default
    if manager.fileExists(atPath: paths.dataset.path) && !manager.fileExists(atPath: journal.journalURL.path) {
      // Written by a run that stopped before it could record the stage as finished, or placed
      // there from labels made elsewhere (mlff merge): checked, then taken.
      try acceptPlacedLabels()
      return
    }
    var job = LabellingJob(input: paths.candidates, output: paths.dataset)
    let t = configuration.train
    job.splits = (SplitFractions(train: t.trainFraction, validation: t.validationFraction,
                                 test: 1 - t.trainFraction - t.validationFraction), configuration.seed)
    job.provenance = ["distill_run": folder.path]
    job.quality = configuration.label.quality
    job.curvature = configuration.hessian.labelling(seed: configuration.seed)
    job.showsProgress = verbose
    job.log = log
    let outcome = try job.run(pool: teacher())
    if verbose {
      log("labelled \(outcome.labelled) of \(outcome.total) candidates with \(configuration.teacher)"
          + (outcome.failed.isEmpty ? "" : "; \(outcome.failed.count) failed (listed in \(outcome.failuresFile.path)) and are left out")
          + (outcome.rejected.isEmpty ? "" : "; \(outcome.rejected.count) rejected by the label quality checks (listed in \(outcome.failuresFile.path)) and are left out"))
    }
  }

  // MARK: 3. Train

  /// The student, trained on the dataset's train split (resumed from its checkpoint).
  func trainStage() throws {
    try trainStudent(folder: paths.training, seed: configuration.seed, maxTime: configuration.train.maxTime)
  }

  /// Trains (or resumes) one student into `folder`; a student whose training already ended
  /// (its last checkpoint says why) is kept as it is.
  /// - Returns: its errors on the test split (meV units), when there is one.
  @discardableResult
  func trainStudent(folder: URL, seed: UInt64, maxTime: String) throws -> EvaluationSummary? {
    let run = RunFolder(folder)
    let manager = FileManager.default
    let resume = manager.fileExists(atPath: run.lastCheckpoint.path)
    if resume, manager.fileExists(atPath: run.model.path),
       let checkpoint = try? Checkpoint(contentsOf: run.lastCheckpoint), checkpoint.state.finished != nil {
      if verbose { log("\(folder.lastPathComponent): already trained (\(checkpoint.state.epoch) epochs); kept") }
      return try? JSONDecoder().decode(EvaluationSummary.self, from: Data(contentsOf: run.testMetrics))
    }
    let c = trainingConfiguration(seed: seed, maxTime: maxTime)
    let dataset = try dataset()
    let data = try TrainingData(
      structures: dataset.structures, splits: dataset.splits, source: paths.dataset.path,
      trainFraction: c.trainFraction, validationFraction: c.validationFraction, seed: c.seed)
    if verbose && resume { log("\(folder.lastPathComponent): resuming from \(run.lastCheckpoint.path)") }
    let trainer = try Trainer(configuration: c, data: data, folder: folder, resume: resume)
    trainer.showsProgress = verbose
    trainer.provenance = ["teacher": configuration.teacher, "distill_run": self.folder.path]
    let outcome = try trainer.run()
    if verbose {
      log("trained \(folder.lastPathComponent): stopped (\(outcome.reason)) after \(outcome.state.epoch) epochs"
          + (outcome.test.map { String(format: "; test force MAE %.1f meV/Å", 1000 * ($0.forceMAE ?? .nan)) } ?? ""))
    }
    return outcome.test
  }

  // MARK: 4. Evaluate

  /// Errors of the final student on the held-out test split, with parity plots; and, as the
  /// baseline training must beat, the errors of the same student with random weights (same
  /// architecture, elements, reference energies and energy scale).
  func evaluateStage() throws {
    let dataset = try dataset()
    let test = dataset.structures(in: .test)
    guard !test.isEmpty else {
      throw DistillConfigurationError("the test split of \(paths.dataset.path) is empty; sample more candidates (sample.count)")
    }
    let trained = try PaiNNModel(contentsOf: paths.model)
    let evaluation = try Evaluation(potential: PaiNNPotential(model: trained, precision: .double), structures: test)
    _ = try writeEvaluationReport(evaluation, to: paths.evaluation, title: "Student against \(configuration.teacher) on the test split")
    try writeAtomically(evaluation.summary.json(), to: paths.evaluationMetrics)
    // Curvature: the student's H v (central differences of its forces) against the teacher's.
    if let curvature = try CurvatureErrors(potential: PaiNNPotential(model: trained, precision: .double), structures: test) {
      try writeAtomically(curvature.json(), to: paths.curvatureMetrics)
      if verbose {
        log(String(format: "test split curvature: H v RMSE %.4f eV/Å² (teacher RMS %.4f), relative error %.1f %%",
                   curvature.rmse, curvature.teacherRMS, 100 * curvature.relativeError))
      }
    }

    var untrained = PaiNNModel.random(trained.configuration, elements: trained.elements, seed: configuration.seed &+ 99)
    untrained.referenceEnergies = trained.referenceEnergies
    untrained.energyScale = trained.energyScale
    let baseline = try Evaluation(potential: PaiNNPotential(model: untrained, precision: .double), structures: test)
    try writeAtomically(baseline.summary.json(), to: paths.untrainedMetrics)
    if verbose {
      let s = evaluation.summary, b = baseline.summary
      log(String(format: "test split (%d structures): force MAE %.1f meV/Å (untrained %.1f), energy MAE %.2f meV/atom (untrained %.2f)",
                 s.structures, 1000 * (s.forceMAE ?? .nan), 1000 * (b.forceMAE ?? .nan),
                 1000 * (s.energyMAE ?? .nan), 1000 * (b.energyMAE ?? .nan)))
    }
  }

  // MARK: 5. Validate

  /// MD with the student: a Langevin run per temperature (stability), one NVE run (drift), and
  /// where affordable a short teacher run the student is compared with: the RDF for crystals;
  /// for molecules (no periodic direction) bond-length and angle distributions and the
  /// vibrational density of states of a student run of the same length, and the bonds judged
  /// against the teacher's equilibrium lengths (Fu et al. 2022). Then snapshots of each
  /// stability run are labelled by the teacher for the in-use errors.
  func validateStage() throws {
    let v = configuration.validate
    let start = try validationStart()
    let molecule = !start.isPeriodic
    let student = try student().with(skin: v.skin)
    let geometry = molecule ? try BondGeometry(reference: start.unlabelled) : nil
    var runs: [ValidationRun] = []
    var comparisons: [MolecularComparison] = []
    var inUse: [InUseErrors] = []
    let criteria = StabilityCriteria(maxBondDeviation: v.maxBondDeviation)
    let steps = v.resolvedSteps
    let traceInterval = molecule ? v.traceInterval : nil
    if verbose {
      log(String(format: "validation structure: %@ of %d atoms; %d steps of %.3g fs (%.3g ps) at %@",
                 molecule ? "a molecule" : "a periodic cell", start.count, steps, v.timestep, Double(steps) * v.timestep / 1000,
                 v.resolvedTemperatures(molecule: molecule).map { String(format: "%.0f K", $0) }.joined(separator: ", ")))
    }
    for (k, temperature) in v.resolvedTemperatures(molecule: molecule).enumerated() {
      let name = "nvt_\(Int(temperature))K"
      let seed = configuration.seed &+ UInt64(k)
      var reference: URL? = nil
      var bonds: [Bond]? = nil
      var teacherFrames: [Structure] = []
      if v.teacherSteps > 0 {
        let teacherFolder = paths.md.appendingPathComponent("teacher_\(name)")
        let teacherReport = try runMD(
          potential: teacher(), structure: start, temperature: temperature, steps: v.teacherSteps,
          nve: false, seed: seed, folder: teacherFolder, criteria: criteria, trajectoryInterval: traceInterval)
        if teacherReport.failure == nil {
          reference = teacherFolder.appendingPathComponent("trajectory.xyz")
          if let geometry, let reference {
            teacherFrames = try ExtXYZ.read(reference)
            // Fu et al.'s b_ij: each bond's mean length in the teacher's run at this temperature.
            bonds = geometry.withMeanLengths(over: teacherFrames)
          }
        } else if verbose {
          log("\(name): the teacher's own MD stopped early (\(teacherReport.failure?.message ?? "")); no student–teacher comparison")
        }
      }
      let report = try runMD(
        potential: student, structure: start, temperature: temperature, steps: steps, nve: false,
        seed: seed, folder: paths.md.appendingPathComponent(name), criteria: criteria,
        reference: reference, bonds: bonds)
      logRun(name, report)
      runs.append(ValidationRun(name: name, ensemble: .nvtLangevin, temperature: temperature, report: report))

      if let geometry, !teacherFrames.isEmpty {
        // The same short run with the student: same start, thermostat, seed, length and frames.
        let shortFolder = paths.md.appendingPathComponent("short_\(name)")
        _ = try runMD(
          potential: student, structure: start, temperature: temperature, steps: v.teacherSteps, nve: false,
          seed: seed, folder: shortFolder, criteria: criteria, trajectoryInterval: traceInterval, bonds: bonds)
        let studentFrames = try ExtXYZ.read(shortFolder.appendingPathComponent("trajectory.xyz"))
        let (comparison, t, s) = MolecularComparison.compare(
          run: name, teacher: teacherFrames, student: studentFrames, geometry: geometry, timestep: v.timestep)
        _ = try writeComparisonPlots(comparison, teacher: t, student: s, folder: paths.md.appendingPathComponent(name))
        try writeAtomically(validationJSON(comparison), to: paths.md.appendingPathComponent(name).appendingPathComponent("comparison.json"))
        comparisons.append(comparison)
      }
      if v.inUseSnapshots > 0 {
        let errors = try measureInUseErrors(
          folder: paths.md.appendingPathComponent(name), run: name, temperature: temperature, count: v.inUseSnapshots,
          student: PaiNNPotential(contentsOf: paths.model, precision: .double), teacher: { try self.teacher() })
        inUse.append(errors)
      }
    }
    if v.nveSteps > 0 {
      let temperature = v.resolvedTemperatures(molecule: molecule).first ?? 300
      let report = try runMD(
        potential: student, structure: start, temperature: temperature, steps: v.nveSteps, nve: true,
        seed: configuration.seed, folder: paths.md.appendingPathComponent("nve"), criteria: criteria)
      logRun("nve", report)
      runs.append(ValidationRun(name: "nve", ensemble: .nve, temperature: temperature, report: report))
    }
    try writeAtomically(validationJSON(runs), to: paths.validation)
    try writeAtomically(validationJSON(comparisons), to: paths.molecularComparison)
    try writeAtomically(validationJSON(inUse), to: paths.inUseErrors)
    if verbose && !inUse.isEmpty {
      let test = try? JSONDecoder().decode(EvaluationSummary.self, from: Data(contentsOf: paths.evaluationMetrics))
      let table = inUseTable(test: test, runs: inUse)
      log("errors where the student is used (teacher labels on snapshots of its own MD) beside the test split:\n"
          + formatTable(header: table.header, rows: table.rows))
      for r in inUse where r.failed > 0 {
        log("\(r.run): the teacher failed on \(r.failed) of \(r.taken) snapshots (left out): \(r.failures.prefix(3).joined(separator: "; "))")
      }
    }
  }

  /// A line per validation run: verdict, simulated time and the speed it ran at.
  private func logRun(_ name: String, _ report: MDReport) {
    guard verbose else { return }
    let verdict = report.failure.map { "UNSTABLE at step \($0.step): \($0.message)" } ?? "stable"
    log(String(format: "%@: %@; %.3g ps simulated, %.3g ns/day (%.1f steps/s, %d atoms)", name, verdict,
               report.simulatedTime, report.nanosecondsPerDay, report.stepsPerSecond, report.atoms))
  }

  /// Pretty JSON with sorted keys; NaN and infinities as strings.
  func validationJSON<T: Encodable>(_ value: T) throws -> Data {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
    return try encoder.encode(value)
  }

  /// The start of the validation MD: the first seed, repeated by `validate.supercell` when it
  /// is periodic.
  func validationStart() throws -> Structure {
    let seed = try seeds()[0]
    let n = configuration.validate.supercell
    return seed.isFullyPeriodic ? seed.supercell(n[0], n[1], n[2]) : seed
  }

  /// One MD run into `folder` (resumed if its trajectory exists).
  /// - Parameters:
  ///   - trajectoryInterval: steps between trajectory frames (default: 50 frames a run).
  ///   - bonds: the bonds watched and their reference lengths (default: the start's).
  func runMD(potential: any Potential, structure: Structure, temperature: Double, steps: Int, nve: Bool,
             seed: UInt64, folder: URL, criteria: StabilityCriteria, reference: URL? = nil,
             trajectoryInterval: Int? = nil, bonds: [Bond]? = nil) throws -> MDReport {
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    let dt = configuration.validate.timestep
    let integrator: any Integrator = nve
      ? VelocityVerlet(timestep: dt)
      : LangevinBAOAB(timestep: dt, temperature: temperature, friction: 0.01, seed: seed)
    var options = MDRunOptions(
      steps: steps, trajectoryInterval: trajectoryInterval ?? max(1, steps / 50), logInterval: max(1, steps / 500),
      initialTemperature: temperature, useInputVelocities: false, seed: seed, criteria: criteria,
      referenceTrajectory: reference, resume: true, showProgress: verbose)
    options.bonds = bonds
    let outputs = MDOutputs(trajectory: folder.appendingPathComponent("trajectory.xyz"))
    return try MDSimulation(potential: potential, integrator: integrator, initial: structure.unlabelled,
                            options: options, outputs: outputs).run()
  }

  // MARK: 6. Speed

  /// Teacher and student energy+forces time on the same structures, in the same run.
  func speedStage() throws {
    let dataset = try dataset()
    var structures = dataset.structures(in: .test).map(\.unlabelled)
    if structures.isEmpty { structures = dataset.structures.map(\.unlabelled) }
    structures = Array(structures.prefix(max(1, configuration.speed.structures)))
    let repeats = max(1, configuration.speed.repeats)
    func best(_ potential: any Potential, oneByOne: Bool) throws -> Double {
      _ = try potential.compute([structures[0]], .energyAndForces)  // warm-up
      var bestTime = Double.infinity
      for _ in 0..<repeats {
        let start = DispatchTime.now().uptimeNanoseconds
        if oneByOne {
          for s in structures { _ = try potential.compute([s], .energyAndForces) }
        } else {
          _ = try potential.compute(structures, .energyAndForces)
        }
        bestTime = min(bestTime, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
      }
      return bestTime
    }
    let pool = try teacher()
    let teacherSeconds = try best(pool, oneByOne: true)
    let studentSeconds = try best(student(), oneByOne: true)
    let studentBatchSeconds = try best(student(), oneByOne: false)
    let atoms = structures.reduce(0) { $0 + $1.count }
    let result = SpeedResult(
      structures: structures.count, atoms: atoms, teacher: configuration.teacher,
      teacherWorkers: pool.configuration.workers,
      teacherSecondsPerStructure: teacherSeconds / Double(structures.count),
      studentSecondsPerStructure: studentSeconds / Double(structures.count),
      studentBatchedSecondsPerStructure: studentBatchSeconds / Double(structures.count),
      speedup: teacherSeconds / studentSeconds)
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    try writeAtomically(encoder.encode(result), to: paths.speed)
    if verbose {
      log(String(format: "speed: teacher %.2f ms, student %.2f ms per structure (%d atoms on average): %.1f× faster",
                 1000 * result.teacherSecondsPerStructure, 1000 * result.studentSecondsPerStructure,
                 atoms / structures.count, result.speedup))
    }
  }
}

/// One validation MD run, as `md/validation.json` stores it.
public struct ValidationRun: Codable, Sendable {
  /// Folder name under `md/` (`nvt_300K`, `nve`).
  public var name: String
  /// `nvt-langevin` or `nve`.
  public var ensemble: MDEnsemble
  /// K.
  public var temperature: Double
  public var report: MDReport
  /// True when the run reached its last step without a stability violation.
  public var stable: Bool { report.failure == nil }
}

/// Teacher and student timings on the same structures (`speed.json`).
public struct SpeedResult: Codable, Sendable {
  /// Structures timed, and their atoms in total.
  public var structures: Int
  public var atoms: Int
  /// The teacher's name and its worker processes.
  public var teacher: String
  public var teacherWorkers: Int
  /// Seconds per structure, energy and forces, one structure per call.
  public var teacherSecondsPerStructure: Double
  public var studentSecondsPerStructure: Double
  /// Seconds per structure when the student evaluates all of them in one batch.
  public var studentBatchedSecondsPerStructure: Double
  /// teacher time / student time, one structure per call.
  public var speedup: Double
}
