import ArgumentParser
import Atomistic
import Distillation
import Foundation
import Potentials
import Teacher

extension MLFF {
  /// `mlff label INPUT.xyz -o data.h5 --teacher emt --workers 2`: teacher labels into a dataset.
  struct Label: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "label",
      abstract: "Label structures with a teacher (energy, forces, stress) into an HDF5 dataset; resumable.",
      discussion: """
        Each labelled structure is appended at once to OUTPUT.journal.xyz; structures the teacher
        failed on are listed with the reason in OUTPUT.failed.jsonl. After an interruption
        (Ctrl-C, kill -9, power loss) run the same command again: it continues where it stopped
        and keeps everything already labelled. When every structure is done the dataset is
        written (atomically) and the journal removed.

        If some structures failed, the dataset still holds every success, the journal is kept,
        the command exits with status 3, and running it again retries only the failed ones.

        Teachers: emt, lj, chgnet, sevennet-0, orb-v2, mace-mp-0, mace-off, or module:function
        for any function that returns an ASE calculator (its folder on PYTHONPATH).
        """)

    @Argument(help: "Structures to label (extxyz).")
    var input: String

    @Option(name: .shortAndLong, help: "The dataset to write (.h5).")
    var output: String

    @Option(help: "The teacher: emt, lj, chgnet, sevennet-0, orb-v2, mace-mp-0, mace-off, or module:function.")
    var teacher: String

    @Option(help: "Worker processes, each with its own copy of the teacher.")
    var workers: Int = 1

    @Option(help: "Seconds one structure may take before its worker is killed and the structure marked failed.")
    var timeout: Double = 600

    @Option(help: "Python interpreter for the teacher (default: $MLFF_PYTHON, else .venv/bin/python).")
    var python: String?

    @Option(help: "Comma-separated: energy, forces, stress (stress only for fully periodic structures).")
    var properties: String = "energy,forces,stress"

    @Option(help: "Device for the teacher: cpu or cuda (default: the teacher's choice).")
    var device: String?

    @Flag(help: "Copy the teacher workers' messages (stderr) to this terminal.")
    var verbose = false

    @Flag(help: "Label again from scratch even when OUTPUT exists or a journal is there.")
    var overwrite = false

    func validate() throws {
      guard workers >= 1 else { throw ValidationError("--workers must be at least 1, got \(workers)") }
      guard timeout > 0 else { throw ValidationError("--timeout must be positive (seconds), got \(timeout)") }
      _ = try parsedProperties()
    }

    func parsedProperties() throws -> PropertySet {
      var set: PropertySet = [.energy]
      for word in properties.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces).lowercased() }) {
        switch word {
        case "energy": set.insert(.energy)
        case "forces": set.insert(.forces)
        case "stress": set.insert(.stress)
        default: throw ValidationError("--properties: unknown property '\(word)'; use energy, forces, stress")
        }
      }
      return set
    }

    func run() throws {
      let inputURL = URL(fileURLWithPath: input)
      let outputURL = URL(fileURLWithPath: output)
      let journal = LabelJournal(output: outputURL)
      let manager = FileManager.default
      if overwrite {
        try? manager.removeItem(at: journal.journalURL)
        try? manager.removeItem(at: journal.failuresURL)
      } else if manager.fileExists(atPath: outputURL.path) && !manager.fileExists(atPath: journal.journalURL.path) {
        print("\(output) already exists and no journal is left, so that job is complete; "
              + "use --overwrite to label again, or choose another -o")
        return
      }

      var configuration = TeacherConfiguration(model: teacher, workers: workers, timeout: timeout, python: python)
      configuration.device = device
      configuration.echoWorkerStderr = verbose
      let pool: TeacherPool
      do { pool = try TeacherPool(configuration: configuration) } catch let error as TeacherError {
        throw ValidationError(error.description)
      }
      defer { pool.close() }

      var job = LabellingJob(input: inputURL, output: outputURL)
      job.properties = try parsedProperties()
      job.provenance = ["properties": properties]
      let outcome: LabellingJob.Outcome
      do { outcome = try job.run(pool: pool) } catch let error as DistillConfigurationError {
        throw ValidationError(error.description)
      }
      let identity = pool.identity
      if outcome.failed.isEmpty {
        print("labelled \(outcome.labelled) structures with \(identity.teacher) (\(identity.package) \(identity.version)) into \(output)"
              + String(format: "; labelling took %.3f s", outcome.labellingSeconds))
        return
      }
      let failed = outcome.failed
      let first = failed.keys.sorted().prefix(3).map { "  frame \($0): \(failed[$0]!)" }.joined(separator: "\n")
      print("""
        labelled \(outcome.labelled) of \(outcome.total) structures into \(output); \(failed.count) failed, listed with the reason in \(outcome.failuresFile.path):
        \(first)\(failed.count > 3 ? "\n  …" : "")
        The journal \(journal.journalURL.path) is kept: run the same command again to retry only the failed ones.
        """)
      throw ExitCode(3)
    }
  }
}
