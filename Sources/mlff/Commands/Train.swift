import ArgumentParser
import Atomistic
import Foundation
import PaiNN
import Reporting
import Training

extension ScheduleKind: ExpressibleByArgument {}
extension LossKind: ExpressibleByArgument {}
extension PaiNNPreset: ExpressibleByArgument {}

extension MLFF {
  struct Train: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "train", abstract: "Train a PaiNN student on teacher labels.",
      discussion: """
        Reads a dataset (.h5) or extended XYZ file, fits per-element reference energies on the
        training split, and trains with AdamW, an EMA of the weights, gradient clipping and
        early stopping on the validation loss. The run folder receives config.json,
        metrics.jsonl, learning_curve.svg, model.safetensors (the best EMA weights),
        checkpoint_last/best.safetensors and, with a test split, test_metrics.json.
        Defaults and formulas: docs/training.md.

          mlff train --data data.h5 --preset small -o runs/x --max-time 20m
          mlff train --data data.h5 -o runs/x --resume --max-time 40m
        """)

    @Option(name: .long, help: "Labelled structures: a dataset (.h5) or extended XYZ (.xyz, .extxyz).")
    var data: String

    @Option(help: "Validation structures in their own file (then --data is all training data).")
    var validation: String?

    @Option(help: "Test structures in their own file (with --validation).")
    var test: String?

    @Option(name: [.short, .customLong("output")], help: "Run folder (created; must not hold a run unless --resume).")
    var output: String

    @Option(help: "Model size: tiny, small, medium, large.")
    var preset: PaiNNPreset = .small

    @Option(help: "Interaction range, Å (default: the preset's, 5 Å).")
    var cutoff: Double?

    @Option(help: "Most epochs.")
    var epochs: Int = 1000

    @Option(name: .customLong("max-time"), help: "Wall-clock budget: 90s, 20m, 1.5h, 1h30m.")
    var maxTime: String?

    @Option(name: .customLong("batch-size"), help: "Target structures per batch (balanced by atoms).")
    var batchSize: Int = 8

    @Option(name: .customLong("lr"), help: "Peak learning rate.")
    var learningRate: Double = 1e-3

    @Option(help: "Learning-rate schedule after warm-up: cosine or plateau.")
    var schedule: ScheduleKind = .cosine

    @Option(name: .customLong("warmup-steps"), help: "Linear warm-up steps (default: 5 % of the planned steps, at most 500).")
    var warmupSteps: Int?

    @Option(help: "Loss penalty: mse or huber.")
    var loss: LossKind = .mse

    @Option(name: .customLong("huber-delta"), help: "Huber δ (eV/atom, eV/Å, eV/Å³).")
    var huberDelta: Double = 0.01

    @Option(name: .customLong("energy-weight"), help: "Weight of the energy-per-atom term.")
    var energyWeight: Double = 1

    @Option(name: .customLong("force-weight"), help: "Weight of the force term.")
    var forceWeight: Double = 100

    @Option(name: .customLong("stress-weight"), help: "Weight of the stress term (0 ignores stress).")
    var stressWeight: Double = 1

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

    @Option(help: "Split fractions train,validation[,test] when the data has no splits.")
    var split: String = "0.8,0.1,0.1"

    @Option(help: "Network arithmetic: float or double.")
    var precision: String = "float"

    @Flag(help: "Continue the run in the output folder from its last checkpoint.")
    var resume = false

    @Flag(help: "No progress line.")
    var quiet = false

    func validate() throws {
      if let maxTime, parseDuration(maxTime) == nil {
        throw ValidationError("--max-time '\(maxTime)' is not a duration; write e.g. 90s, 20m, 1.5h or 1h30m")
      }
      if PaiNNPrecision(rawValue: precision) == nil {
        throw ValidationError("--precision must be 'float' or 'double', got '\(precision)'")
      }
      if test != nil && validation == nil {
        throw ValidationError("--test needs --validation as well (or put the splits in a dataset file)")
      }
      if splitFractions == nil {
        throw ValidationError("--split '\(split)' must be two or three fractions such as 0.8,0.1,0.1")
      }
      let out = URL(fileURLWithPath: output)
      let hasRun = FileManager.default.fileExists(atPath: RunFolder(out).lastCheckpoint.path)
      if hasRun && !resume {
        throw ValidationError("\(output) already holds a training run; add --resume to continue it or choose another -o folder")
      }
      if resume && !hasRun {
        throw ValidationError("--resume: \(output) holds no checkpoint_last.safetensors to continue from; start without --resume")
      }
    }

    var splitFractions: (train: Double, validation: Double)? {
      let parts = split.split(separator: ",").map { Double($0.trimmingCharacters(in: .whitespaces)) }
      guard parts.count == 2 || parts.count == 3, parts.allSatisfy({ $0 != nil && $0! >= 0 }) else { return nil }
      return (parts[0]!, parts[1]!)
    }

    func run() throws {
      var c = TrainingConfiguration()
      c.preset = preset
      c.cutoff = cutoff
      c.seed = seed
      c.maxEpochs = epochs
      c.maxTime = maxTime.flatMap(parseDuration)
      c.batchSize = batchSize
      c.learningRate = learningRate
      c.schedule = schedule
      c.warmupSteps = warmupSteps
      c.loss = LossFunction(kind: loss, weights: LossWeights(energy: energyWeight, forces: forceWeight, stress: stressWeight), huberDelta: huberDelta)
      c.weightDecay = weightDecay
      c.gradientClip = gradientClip
      c.emaDecay = emaDecay
      c.earlyStoppingPatience = patience
      c.threads = threads
      c.precisionName = precision
      c.trainFraction = splitFractions!.train
      c.validationFraction = splitFractions!.validation
      if let problem = c.problem { throw ValidationError(problem) }

      let dataURL = URL(fileURLWithPath: data)
      let trainingData: TrainingData
      if let validation {
        trainingData = try TrainingData.read(
          train: dataURL, validation: URL(fileURLWithPath: validation), test: test.map { URL(fileURLWithPath: $0) })
      } else {
        trainingData = try TrainingData.read(
          dataURL, trainFraction: c.trainFraction, validationFraction: c.validationFraction, seed: c.seed)
      }
      let trainer = try Trainer(configuration: c, data: trainingData, folder: URL(fileURLWithPath: output), resume: resume)
      trainer.showsProgress = !quiet
      trainer.provenance = [
        "data": trainingData.source,
        "command": CommandLine.arguments.joined(separator: " "),
        "mlff_version": MLFF.version,
      ]
      let m = trainer.model
      if !quiet {
        let symbols = m.elements.map { Elements.symbol($0) }.joined(separator: " ")
        print("training \(m.configuration.featureCount)×\(m.configuration.layerCount) PaiNN (\(m.parameterCount) weights) on \(trainingData.train.count) structures, validating on \(trainingData.validation.count); elements \(symbols); energy scale \(String(format: "%.4g", m.energyScale)) eV")
      }
      let outcome = try trainer.run()
      let best = outcome.state.history.first { $0.epoch == outcome.state.bestEpoch }
      print("stopped (\(outcome.reason)) after \(outcome.state.epoch) epochs, \(formatDuration(outcome.state.elapsed))")
      if let best {
        print(String(format: "best epoch %d: validation force MAE %.2f meV/Å, energy MAE %.2f meV/atom", best.epoch, 1000 * best.validationForceMAE, 1000 * best.validationEnergyMAE))
      }
      if let t = outcome.test {
        print(String(format: "test: force MAE %.2f meV/Å, energy MAE %.2f meV/atom (%d structures)", 1000 * (t.forceMAE ?? Double.nan), 1000 * (t.energyMAE ?? Double.nan), t.structures))
      }
      print("model: \(RunFolder(URL(fileURLWithPath: output)).model.path)")
    }
  }
}

