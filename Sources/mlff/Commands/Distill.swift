import ArgumentParser
import Distillation
import Foundation

extension MLFF {
  /// `mlff distill --teacher chgnet --structures seeds.xyz -o runs/si`: the whole chain.
  struct Distill: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "distill",
      abstract: "Run the whole chain: sample, label, train, evaluate, validate with MD, measure speed, report.",
      discussion: """
        Stages: sample candidates from the seeds; label them with the teacher; (optionally) rounds
        of active learning by query by committee; train the student; evaluate it on a held-out
        test split; validate it with MD (stability per temperature, NVE drift, RDF against the
        teacher's); time teacher and student; write report.html.

        Every setting can come from a TOML file (--config); options given here override it; the
        resolved settings are saved in the run folder as distill.toml. Rerunning the same command
        continues from the last finished stage, and inside labelling and training from their
        journal and checkpoint: nothing labelled or trained is lost.
        """)

    @Option(help: "Settings file (TOML); see docs/distill.md for every key.")
    var config: String?

    @Option(help: "Teacher: emt, lj, chgnet, sevennet-0, orb-v2, mace-mp-0, mace-off or module:function.")
    var teacher: String?

    @Option(help: "Seed structures (extxyz).")
    var structures: String?

    @Option(name: .shortAndLong, help: "Run folder.")
    var output: String

    @Option(help: "Student size: tiny, small, medium or large.")
    var preset: String?

    @Option(help: "Wall-clock budget of the final training, e.g. 5m.")
    var maxTime: String?

    @Option(help: "Candidates sampled from the seeds.")
    var samples: Int?

    @Option(help: "Teacher worker processes.")
    var workers: Int?

    @Option(help: "Comma-separated MD validation temperatures, K.")
    var temperatures: String?

    @Option(help: "Rounds of active learning (0: none).")
    var rounds: Int?

    @Option(help: "Python interpreter for the teacher (default: $MLFF_PYTHON, else .venv/bin/python).")
    var python: String?

    @Option(help: "Seed of every random choice.")
    var seed: UInt64?

    @Option(help: ArgumentHelp("Stop after this stage (a rerun without it continues from there): \(DistillStage.allCases.map(\.rawValue).joined(separator: ", ")).", valueName: "stage"))
    var until: String?

    @Flag(help: "No progress lines.")
    var quiet = false

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
      } else if FileManager.default.fileExists(atPath: saved.path) {
        // A rerun without --config continues with the settings the run folder was made with.
        c = try DistillConfiguration.read(saved)
      } else {
        c = DistillConfiguration()
      }
      if let teacher { c.teacher = teacher }
      if let structures { c.structures = URL(fileURLWithPath: structures).standardizedFileURL.path }
      if let preset { c.train.preset = preset }
      if let maxTime { c.train.maxTime = maxTime }
      if let samples { c.sample.count = samples }
      if let workers { c.label.workers = workers }
      if let rounds { c.activeLearning.rounds = rounds }
      if let python { c.python = python }
      if let seed { c.seed = seed }
      if let temperatures {
        let values = temperatures.split(separator: ",").map { Double($0.trimmingCharacters(in: .whitespaces)) }
        guard !values.isEmpty, values.allSatisfy({ $0 != nil }) else {
          throw ValidationError("--temperatures '\(temperatures)' must be numbers in kelvin separated by commas, e.g. 300,600")
        }
        c.validate.temperatures = values.map { $0! }
      }
      return c
    }

    func validate() throws {
      if let until, DistillStage(rawValue: until) == nil {
        throw ValidationError("--until must be one of \(DistillStage.allCases.map(\.rawValue).joined(separator: ", ")); got '\(until)'")
      }
    }

    func run() throws {
      do {
        let c = try resolvedConfiguration()
        let run = try DistillRun(configuration: c, folder: URL(fileURLWithPath: output))
        run.verbose = !quiet
        let summary = try run.run(until: until.flatMap(DistillStage.init(rawValue:)))
        if let until, until != DistillStage.report.rawValue {
          print("stopped after the stage '\(until)' as asked; run the same command without --until to continue")
          return
        }
        print("report: \(summary.report)")
        print("test force MAE: " + (summary.testForceMAE.map { String(format: "%.1f meV/Å", 1000 * $0) } ?? "—")
              + ", test energy MAE: " + (summary.testEnergyMAE.map { String(format: "%.2f meV/atom", 1000 * $0) } ?? "—"))
        print("MD stability: \(summary.stableRuns) of \(summary.validationRuns) runs stable")
        print("speed-up over the teacher: " + (summary.speedup.map { String(format: "%.1f×", $0) } ?? "—"))
      } catch let error as ValidationError {
        throw error
      } catch {
        let message = (error as? DistillConfigurationError)?.description ?? describeDistillFailure(error)
        throw CommandFailure(description: message + "\nThe run folder \(output) keeps everything finished so far; fix this and run the same command again to continue.")
      }
    }
  }
}
