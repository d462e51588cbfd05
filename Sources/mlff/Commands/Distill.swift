import ArgumentParser
import Distillation
import Foundation
import PaiNN
import Training

extension MLFF {
  /// `mlff distill seeds.xyz --teacher chgnet -o runs/si`: the whole chain.
  struct Distill: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "distill",
      abstract: "Run the whole chain: sample, label, train, evaluate, validate with MD, measure speed, report.",
      discussion: """
        Stages: sample candidates from the seeds; label them with the teacher; (optionally) rounds of active learning by query by committee; train the student; evaluate it on a held-out test split; validate it with MD (stability per temperature, NVE drift, RDF against the teacher's); time teacher and student; write report.html.

        Every setting can come from a TOML file (--config); options given here override it; the resolved settings are saved in the run folder as distill.toml. Rerunning the same command continues from the last finished stage, and inside labelling and training from their journal and checkpoint: nothing labelled or trained is lost.

        Labels from a cluster: --until sample stops after sampling and prints the mlff label --shard and mlff merge commands that label candidates.xyz elsewhere; a merged dataset placed as the run's data.h5 (or given with --labels) is then checked and taken by the rerun (docs/cluster.md).

        Examples:
          mlff distill seeds.xyz --teacher chgnet -o runs/si --max-time 20m
          mlff distill --config distill.toml -o runs/si --until train
        """)

    @Argument(help: "Seed structures (extxyz); may instead be set in the settings file.")
    var structures: String?

    /// The former spelling of the positional input.
    @Option(name: .customLong("structures"), help: .hidden)
    var structuresAlias: String?

    @Option(help: "Settings file (TOML); see docs/distill.md for every key.")
    var config: String?

    @Option(name: .shortAndLong, help: "Run folder.")
    var output: String

    // The teacher options of TeacherOptions, without defaults: what is not given comes from the
    // settings file.
    @Option(help: TeacherOptions.teacherHelp)
    var teacher: String?

    @Option(help: TeacherOptions.workersHelp)
    var workers: Int?

    @Option(help: TeacherOptions.timeoutHelp)
    var timeout: Double?

    @Option(help: TeacherOptions.pythonHelp)
    var python: String?

    @Option(help: "Device for the teacher: cpu or cuda (default: the teacher's choice; [label] device in the settings file).")
    var device: String?

    @Option(help: "Student size.")
    var preset: PaiNNPreset?

    @Option(name: .customLong("max-time"), help: ArgumentHelp("Wall-clock budget of the final training: 90s, 20m, 1.5h, 1h30m.", valueName: "duration"))
    var maxTime: DurationArgument?

    @Option(help: "Candidates sampled from the seeds.")
    var samples: Int?

    @Option(help: ArgumentHelp("A molecule as SMILES whose conformers are seeds (repeat for more; [sample] smiles).", valueName: "smiles"))
    var smiles: [String] = []

    @Option(name: .customLong("smiles-file"), help: ArgumentHelp("A file of molecules, one 'SMILES name' per line ([sample] smiles_file).", valueName: "file"))
    var smilesFile: String?

    @Option(help: ArgumentHelp("Comma-separated MD validation temperatures, K.", valueName: "K,K,…"))
    var temperatures: CommaSeparated<Double>?

    @Option(name: .customLong("md-length"), help: ArgumentHelp("Simulated time of each MD validation run, ps ([validate] length_ps; the target is a stable 100 ps).", valueName: "ps"))
    var mdLength: Double?

    @Option(help: "Rounds of active learning (0: none).")
    var rounds: Int?

    @Option(help: "Seed of every random choice.")
    var seed: UInt64?

    @Option(help: "Stop after this stage (a rerun without it continues from there).")
    var until: DistillStage?

    @Option(help: ArgumentHelp("A dataset of this run's candidates labelled elsewhere (mlff merge of mlff label --shard jobs); taken as the run's data.h5 instead of labelling.", valueName: "file"))
    var labels: String?

    @OptionGroup var progress: ProgressOptions

    /// The seed file: the positional argument or the older `--structures`.
    var seedFile: String? { structures ?? structuresAlias }

    func resolvedConfiguration() throws -> DistillConfiguration {
      let folder = URL(fileURLWithPath: output)
      let saved = folder.appendingPathComponent("distill.toml")
      var c: DistillConfiguration
      if let config {
        let url = URL(fileURLWithPath: config)
        c = try DistillConfiguration.read(url)
        // Paths in a configuration file are relative to the file's folder.
        if !c.structures.isEmpty && !c.structures.hasPrefix("/") {
          c.structures = url.deletingLastPathComponent().appendingPathComponent(c.structures).standardizedFileURL.path
        }
        if !c.sample.smilesFile.isEmpty && !c.sample.smilesFile.hasPrefix("/") {
          c.sample.smilesFile = url.deletingLastPathComponent().appendingPathComponent(c.sample.smilesFile).standardizedFileURL.path
        }
      } else if FileManager.default.fileExists(atPath: saved.path) {
        // A rerun without --config continues with the settings the run folder was made with.
        c = try DistillConfiguration.read(saved)
      } else {
        c = DistillConfiguration()
      }
      if let teacher { c.teacher = teacher }
      if let seedFile { c.structures = URL(fileURLWithPath: seedFile).standardizedFileURL.path }
      if let preset { c.train.preset = preset.rawValue }
      if let maxTime { c.train.maxTime = maxTime.text }
      if let samples { c.sample.count = samples }
      if !smiles.isEmpty { c.sample.smiles = smiles }
      if let smilesFile { c.sample.smilesFile = URL(fileURLWithPath: smilesFile).standardizedFileURL.path }
      if let workers { c.label.workers = workers }
      if let timeout { c.label.timeout = timeout }
      if let device { c.label.device = device }
      if let rounds { c.activeLearning.rounds = rounds }
      if let python { c.python = python }
      if let seed { c.seed = seed }
      if let temperatures { c.validate.temperatures = temperatures.values }
      if let mdLength {
        c.validate.lengthPs = mdLength
        c.validate.steps = 0
      }
      return c
    }

    func validate() throws {
      if structures != nil && structuresAlias != nil {
        throw ValidationError("give the seed structures once, as the first argument (--structures is its older spelling)")
      }
      if let workers, workers < 1 { throw ValidationError("--workers must be at least 1, got \(workers)") }
      if let timeout, !(timeout > 0 && timeout.isFinite) { throw ValidationError("--timeout must be a positive number of seconds, got \(timeout)") }
      if let mdLength, !(mdLength > 0 && mdLength.isFinite) {
        throw ValidationError("--md-length takes a positive number of picoseconds, e.g. 100; got \(mdLength)")
      }
      if let temperatures, !temperatures.values.allSatisfy({ $0 > 0 && $0.isFinite }) {
        throw ValidationError("--temperatures takes positive kelvin values separated by commas, e.g. 300,600; got '\(temperatures.defaultValueDescription)'")
      }
    }

    func run() throws {
      if let launched = MPIEnvironment.detect(), launched.size != nil {
        // Every rank would run every stage (sampling, labelling, MD) and write the same files.
        throw CommandFailure("mlff distill runs as one process, but an MPI launcher started it as \(launched.description): "
                             + "run mlff distill without mpirun, and use mpirun -n R mlff train on the run's data.h5 for data-parallel training (docs/cluster.md)")
      }
      do {
        let c = try resolvedConfiguration()
        let run = try DistillRun(configuration: c, folder: URL(fileURLWithPath: output))
        run.verbose = progress.showsProgress
        if let labels { try run.placeLabels(from: URL(fileURLWithPath: labels)) }
        let summary = try run.run(until: until)
        if let until, until != .report {
          print("stopped after the stage '\(until.rawValue)' as asked; run the same command without --until to continue")
          if until == .sample { print(try run.labellingInstructions()) }
          return
        }
        print("report: \(summary.report)")
        print("test force MAE: " + (summary.testForceMAE.map { String(format: "%.1f meV/Å", 1000 * $0) } ?? "—")
              + ", test energy MAE: " + (summary.testEnergyMAE.map { String(format: "%.2f meV/atom", 1000 * $0) } ?? "—"))
        print("MD stability: \(summary.stableRuns) of \(summary.validationRuns) runs stable")
        if !summary.inUseForceMAE.isEmpty {
          print("in-use force MAE (teacher labels on the student's own MD): "
                + summary.inUseForceMAE.sorted { $0.key < $1.key }.map { String(format: "%@ %.1f meV/Å", $0.key, 1000 * $0.value) }.joined(separator: ", "))
        }
        print("speed-up over the teacher: " + (summary.speedup.map { String(format: "%.1f×", $0) } ?? "—"))
      } catch {
        let message = (error as? DistillConfigurationError)?.description ?? describeDistillFailure(error)
        throw CommandFailure(message + "\nThe run folder \(output) keeps everything finished so far; fix this and run the same command again to continue.")
      }
    }
  }
}
