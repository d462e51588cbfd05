import ArgumentParser
import Atomistic
import Foundation
import PaiNN
import Reporting
import Training

extension MLFF {
  struct Train: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "train", abstract: "Train a PaiNN student on teacher labels.",
      discussion: """
        Reads a dataset (.h5) or extended XYZ file, fits per-element reference energies on the training split, and trains with AdamW, an EMA of the weights, gradient clipping and early stopping on the validation loss. The run folder receives config.json, metrics.jsonl, learning_curve.svg, model.safetensors (the best EMA weights), checkpoint_last/best.safetensors and, with a test split, test_metrics.json. Defaults and formulas: docs/training.md.

        Rerunning the same command on a run folder that holds a checkpoint continues that run (the architecture, losses and schedule come from its checkpoint; --epochs, --max-time and --threads may be changed); --fresh deletes the run and starts over.

        Under an MPI launcher (mpirun -n R mlff train …, srun) the R ranks train one model together: each computes the gradient of its slice of every batch, one allreduce sums them, and rank 0 writes every file; the result equals one process with the same batches (docs/cluster.md). --batch-size is the global batch.

        Examples:
          mlff train data.h5 --preset small -o runs/x --max-time 20m
          mlff train data.h5 -o runs/x --max-time 40m
          mpirun -n 4 mlff train data.h5 -o runs/x --threads 1 --max-time 40m
        """)

    @Argument(help: "Labelled structures: a dataset (.h5) or extended XYZ (.xyz, .extxyz).")
    var data: String?

    /// The former spelling of the positional input.
    @Option(name: .customLong("data"), help: .hidden)
    var dataAlias: String?

    @Option(help: "Validation structures in their own file (then the input is all training data).")
    var validation: String?

    @Option(help: "Test structures in their own file (with --validation).")
    var test: String?

    @Option(name: [.short, .customLong("output")], help: "Run folder (created when new; continued when it holds a run).")
    var output: String

    @Option(help: "Model size.")
    var preset: PaiNNPreset = .small

    @Option(help: "Interaction range, Å (default: the preset's, 5 Å).")
    var cutoff: Double?

    @Option(help: "Most epochs.")
    var epochs: Int = 1000

    @Option(name: .customLong("max-time"), help: ArgumentHelp("Wall-clock budget: 90s, 20m, 1.5h, 1h30m.", valueName: "duration"))
    var maxTime: DurationArgument?

    @Option(name: .customLong("batch-size"), help: "Target structures per batch (balanced by atoms).")
    var batchSize: Int = 8

    @Option(name: .customLong("max-batch-atoms"),
            help: "Most atoms in a batch of several structures (default: no cap); bounds memory when small and large structures mix.")
    var maxBatchAtoms: Int?

    @Option(name: .customLong("lr"), help: "Peak learning rate.")
    var learningRate: Double = 1e-3

    @Option(help: "Learning-rate schedule after warm-up.")
    var schedule: ScheduleKind = .cosine

    @Option(name: .customLong("warmup-steps"), help: "Linear warm-up steps (default: 5 % of the planned steps, at most 500).")
    var warmupSteps: Int?

    @Option(help: "Loss penalty.")
    var loss: LossKind = .mse

    @Option(name: .customLong("huber-delta"), help: "Huber δ (eV/atom, eV/Å, eV/Å³).")
    var huberDelta: Double = 0.01

    @Option(name: .customLong("energy-weight"), help: "Weight of the energy-per-atom term.")
    var energyWeight: Double = 1

    @Option(name: .customLong("force-weight"), help: "Weight of the force term.")
    var forceWeight: Double = 100

    @Option(name: .customLong("stress-weight"), help: "Weight of the stress term (0 ignores stress).")
    var stressWeight: Double = 1

    @Option(name: .customLong("hessian-weight"), help: "Weight λ_H of the curvature term (mean squared error of H v, (eV/Å²)²) for structures with curvature labels (mlff label --hessian-probes); 0 ignores them.")
    var hessianWeight: Double = 10

    @Option(name: .customLong("curvature-mode"), help: "How the student's H v is computed: finite-difference (of its forces at R ± h v) or exact (reverse over reverse).")
    var curvatureMode: CurvatureMode = .finiteDifference

    @Option(name: .customLong("curvature-step"), help: "Step h of the student's finite-difference H v, Å.")
    var curvatureStep: Double = 0.01

    @Option(name: .customLong("weight-decay"), help: "AdamW decoupled weight decay.")
    var weightDecay: Double = 0.01

    @Option(name: .customLong("clip"), help: "Largest global gradient norm.")
    var gradientClip: Double = 10

    @Option(name: .customLong("ema"), help: "EMA decay of the weights (0: none).")
    var emaDecay: Double = 0.99

    @Option(help: "Early stopping: epochs without a better validation loss.")
    var patience: Int = 50

    @Option(help: "Seed of weights, split and batch order.")
    var seed: UInt64 = 0

    @Option(help: "Threads computing the parts of each batch.")
    var threads: Int = max(1, min(2, ProcessInfo.processInfo.activeProcessorCount))

    @Option(help: ArgumentHelp("Split fractions train,validation[,test] when the data has no splits.", valueName: "fractions"))
    var split = CommaSeparated<Double>([0.8, 0.1, 0.1])

    @OptionGroup var arithmetic: PrecisionOption

    @Flag(help: "Delete the run in the output folder, if any, and start over.")
    var fresh = false

    /// The former way to continue a run (now the default); still refuses a folder without one.
    @Flag(name: .customLong("resume"), help: .hidden)
    var resumeAlias = false

    @OptionGroup var progress: ProgressOptions

    /// The input file: the positional argument or the older `--data`.
    var input: String { data ?? dataAlias ?? "" }

    /// True when the output folder holds a run to continue.
    var hasRun: Bool { FileManager.default.fileExists(atPath: RunFolder(URL(fileURLWithPath: output)).lastCheckpoint.path) }

    func validate() throws {
      switch (data, dataAlias) {
      case (nil, nil): throw ValidationError("give the labelled structures to train on: mlff train data.h5 -o runs/x")
      case (.some, .some): throw ValidationError("give the training data once, as the first argument (--data is its older spelling)")
      default: break
      }
      if test != nil && validation == nil {
        throw ValidationError("--test needs --validation as well (or put the splits in a dataset file)")
      }
      let fractions = split.values
      guard fractions.count == 2 || fractions.count == 3, fractions.allSatisfy({ $0 >= 0 && $0 <= 1 }) else {
        throw ValidationError("--split '\(split.defaultValueDescription)' must be two or three fractions such as 0.8,0.1,0.1")
      }
      // The test split is what train and validation leave; a third fraction must say the same.
      if fractions.count == 3, abs(fractions.reduce(0, +) - 1) > 1e-6 {
        let rest = 1 - fractions[0] - fractions[1]
        throw ValidationError("--split '\(split.defaultValueDescription)' sums to \(fractions.reduce(0, +).formatted(.number.precision(.significantDigits(1...6)))): the test split is what train and validation leave (\(rest.formatted(.number.precision(.significantDigits(1...6)))) here), so give two fractions or three that sum to 1")
      }
      if fresh && resumeAlias { throw ValidationError("--fresh starts over and --resume continues; give one of them") }
      if resumeAlias && !hasRun {
        throw ValidationError("--resume: \(output) holds no checkpoint_last.safetensors to continue from; start without --resume")
      }
      if let problem = trainingConfiguration().problem { throw ValidationError(problem) }
    }

    /// The settings of a new run, from the options.
    func trainingConfiguration() -> TrainingConfiguration {
      var c = TrainingConfiguration()
      c.preset = preset
      c.cutoff = cutoff
      c.seed = seed
      c.maxEpochs = epochs
      c.maxTime = maxTime?.seconds
      c.batchSize = batchSize
      c.maxBatchAtoms = maxBatchAtoms
      c.learningRate = learningRate
      c.schedule = schedule
      c.warmupSteps = warmupSteps
      c.loss = LossFunction(kind: loss, weights: LossWeights(energy: energyWeight, forces: forceWeight, stress: stressWeight), huberDelta: huberDelta)
      c.weightDecay = weightDecay
      c.gradientClip = gradientClip
      c.emaDecay = emaDecay
      c.earlyStoppingPatience = patience
      c.threads = threads
      c.precision = arithmetic.precision
      c.trainFraction = split.values[0]
      c.validationFraction = split.values.count > 1 ? split.values[1] : 0
      if hessianWeight != 0 { c.curvature = CurvatureLoss(weight: hessianWeight, mode: curvatureMode, step: curvatureStep) }
      return c
    }

    func run() throws {
      let c = trainingConfiguration()
      let folder = RunFolder(URL(fileURLWithPath: output))
      let resume = hasRun && !fresh
      let reducer = try DataParallelTraining.start(folder: folder)
      let speaks = progress.showsProgress && reducer.writesFiles
      for file in [input, validation, test].compactMap({ $0 }) where StructureFileFormat.fromExtension(of: file) == .extxyz {
        try requireFirstFrame(of: file)
      }
      let data = input
      let dataURL = URL(fileURLWithPath: data)
      let trainingData: TrainingData
      if let validation {
        trainingData = try TrainingData.read(
          train: dataURL, validation: URL(fileURLWithPath: validation), test: test.map { URL(fileURLWithPath: $0) })
      } else {
        trainingData = try TrainingData.read(
          dataURL, trainFraction: c.trainFraction, validationFraction: c.validationFraction, seed: c.seed)
      }
      if fresh && hasRun && reducer.writesFiles {
        // Only once the data has been read: a mistake in it leaves the old run in place.
        for file in [folder.lastCheckpoint, folder.bestCheckpoint, folder.model, folder.metrics, folder.learningCurve,
                     folder.testMetrics, folder.configuration] where FileManager.default.fileExists(atPath: file.path) {
          do { try FileManager.default.removeItem(at: file) } catch {
            throw CommandFailure("--fresh: cannot delete \(file.path) of the old run (\(error.localizedDescription)); delete the folder \(output) by hand or choose another -o")
          }
        }
      }
      try reducer.barrier()  // rank 0 has deleted the old run (--fresh)
      let trainer = try Trainer(configuration: c, data: trainingData, folder: folder.url, resume: resume)
      trainer.showsProgress = speaks
      trainer.reducer = reducer
      if resume && speaks {
        FileHandle.standardError.write(Data("continuing the run in \(output) from its last checkpoint (--fresh starts over)\n".utf8))
      }
      trainer.provenance = [
        "data": trainingData.source,
        "command": CommandLine.arguments.joined(separator: " "),
        "mlff_version": MLFF.version,
      ]
      let m = trainer.model
      if speaks {
        let symbols = m.elements.map { Elements.symbol($0) }.joined(separator: " ")
        print("training \(m.configuration.featureCount)×\(m.configuration.layerCount) PaiNN (\(m.parameterCount) weights) on \(trainingData.train.count) structures, validating on \(trainingData.validation.count); elements \(symbols); energy scale \(String(format: "%.4g", m.energyScale)) eV")
      }
      let outcome = try trainer.run()
      DataParallelTraining.finish(reducer)
      guard reducer.writesFiles else { return }
      let best = outcome.state.history.first { $0.epoch == outcome.state.bestEpoch }
      print("stopped (\(outcome.reason)) after \(outcome.state.epoch) epochs, \(formatDuration(outcome.state.elapsed))")
      if let best {
        print(String(format: "best epoch %d: validation force MAE %.2f meV/Å, energy MAE %.2f meV/atom", best.epoch, 1000 * best.validationForceMAE, 1000 * best.validationEnergyMAE))
      }
      if let t = outcome.test {
        print(String(format: "test: force MAE %.2f meV/Å, energy MAE %.2f meV/atom (%d structures)", 1000 * (t.forceMAE ?? Double.nan), 1000 * (t.energyMAE ?? Double.nan), t.structures))
      }
      let testStructures = trainingData.test.map { trainingData.structures[$0] }
      if let curvature = try CurvatureErrors(
        potential: PaiNNPotential(model: outcome.bestModel, precision: trainer.configuration.precision), structures: testStructures) {
        try writeAtomically(try curvature.json(), to: folder.url.appendingPathComponent("test_curvature.json"))
        print(String(format: "test: curvature H v RMSE %.4f eV/Å², relative error %.1f %% (%d probes)", curvature.rmse, 100 * curvature.relativeError, curvature.probes))
      }
      print("model: \(RunFolder(URL(fileURLWithPath: output)).model.path)")
    }
  }
}

