import ArgumentParser
import Atomistic
import Datasets
import Dispatch
import Foundation
import Potentials
import Reporting
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
      let wanted = try parsedProperties()
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

      // First pass: count and check the input, so errors come before any labelling.
      let total = try countFrames(inputURL)
      guard total > 0 else { throw ValidationError("\(input) holds no structures") }

      let previous = try journal.load(teacher: teacher)
      if previous.droppedPartialFrame {
        FileHandle.standardError.write(Data("label: dropped a partial frame at the end of \(journal.journalURL.path) (an interrupted write); that structure is labelled again\n".utf8))
      }
      if let stray = previous.labelled.keys.first(where: { $0 >= total }) {
        throw ValidationError("\(journal.journalURL.path) holds input frame \(stray), but \(input) has only \(total) frames: "
          + "it belongs to another input. Delete it, or use --overwrite")
      }
      if !previous.labelled.isEmpty {
        FileHandle.standardError.write(Data("label: resuming: \(previous.labelled.count) of \(total) structures already labelled in \(journal.journalURL.path)\n".utf8))
      }

      var configuration = TeacherConfiguration(model: teacher, workers: workers, timeout: timeout, python: python)
      configuration.device = device
      configuration.echoWorkerStderr = verbose
      let pool: TeacherPool
      do { pool = try TeacherPool(configuration: configuration) } catch let error as TeacherError {
        throw ValidationError(error.description)
      }
      defer { pool.close() }

      try journal.open()
      let progress = ProgressLine(label: "label", total: total, unit: "structures", alreadyDone: previous.labelled.count)
      let state = LabelState(labelled: previous.labelled)

      // Ctrl-C / SIGTERM: finish the write in progress, stop the workers, say how to resume.
      let interrupts = [SIGINT, SIGTERM].map { (signalNumber: Int32) -> DispatchSourceSignal in
        signal(signalNumber, SIG_IGN)
        let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: .global())
        source.setEventHandler {
          journal.withWritesPaused {
            pool.terminateNow()
            FileHandle.standardError.write(Data("\nlabel: interrupted; \(state.doneCount) of \(total) labelled are safe in \(journal.journalURL.path). Run the same command again to continue.\n".utf8))
            Foundation.exit(130)
          }
        }
        source.resume()
        return source
      }
      defer { interrupts.forEach { $0.cancel() } }

      let source = try InputStream(url: inputURL, skip: Set(previous.labelled.keys))
      let labellingStart = Date()
      let teacherName = teacher
      pool.label(next: { source.next() }, properties: wanted) { index, outcome in
        let structure = source.structure(index)
        switch outcome {
        case .success(let results):
          var labelled = structure.unlabelled
          labelled.energy = results.energy
          labelled.forces = results.forces
          labelled.stress = results.stress
          do { try journal.record(labelled, index: index, teacher: teacherName) } catch {
            state.fail(index, "the journal could not be written: \(error)")
          }
          state.add(index, labelled)
        case .failure(let error):
          state.fail(index, error.description)
          try? journal.recordFailure(index: index, atoms: structure.count, reason: error.description)
        }
        progress.update(done: state.doneCount, extra: state.failedCount > 0 ? "failed \(state.failedCount)" : "")
      }
      progress.finish(extra: state.failedCount > 0 ? "failed \(state.failedCount)" : "")
      let labellingSeconds = Date().timeIntervalSince(labellingStart)
      if let readError = source.error { throw readError }
      try journal.close()

      let (labelled, failed) = state.snapshot()
      let identity = pool.identity
      let metadata = DatasetMetadata(
        teacher: identity.teacher, teacherVersion: identity.version,
        createdBy: DatasetMetadata.commandLine(),
        provenance: [
          "teacher_package": identity.package, "input": inputURL.path, "properties": properties,
          "structures_in_input": String(total), "structures_failed": String(failed.count),
        ])
      let structures = labelled.keys.sorted().map { labelled[$0]!.withoutJournalKeys }
      try Dataset(structures: structures, metadata: metadata).write(to: outputURL)

      if failed.isEmpty {
        journal.removeJournal(keepFailures: false)
        print("labelled \(structures.count) structures with \(identity.teacher) (\(identity.package) \(identity.version)) into \(output)"
              + String(format: "; labelling took %.3f s", labellingSeconds))
        return
      }
      let first = failed.keys.sorted().prefix(3).map { "  frame \($0): \(failed[$0]!)" }.joined(separator: "\n")
      print("""
        labelled \(structures.count) of \(total) structures into \(output); \(failed.count) failed, listed with the reason in \(journal.failuresURL.path):
        \(first)\(failed.count > 3 ? "\n  …" : "")
        The journal \(journal.journalURL.path) is kept: run the same command again to retry only the failed ones.
        """)
      throw ExitCode(3)
    }

    private func countFrames(_ url: URL) throws -> Int {
      let reader = try ExtXYZReader(url: url)
      defer { reader.close() }
      var count = 0
      while try reader.next() != nil { count += 1 }
      return count
    }
  }
}

/// Results gathered so far, shared by the workers' callbacks.
private final class LabelState: @unchecked Sendable {
  private let lock = NSLock()
  private var labelled: [Int: Structure]
  private var failed: [Int: String] = [:]

  init(labelled: [Int: Structure]) { self.labelled = labelled }

  var doneCount: Int { lock.lock(); defer { lock.unlock() }; return labelled.count + failed.count }
  var failedCount: Int { lock.lock(); defer { lock.unlock() }; return failed.count }
  func add(_ index: Int, _ s: Structure) { lock.lock(); labelled[index] = s; lock.unlock() }
  func fail(_ index: Int, _ reason: String) { lock.lock(); failed[index] = reason; lock.unlock() }
  func snapshot() -> ([Int: Structure], [Int: String]) { lock.lock(); defer { lock.unlock() }; return (labelled, failed) }
}

/// The input read frame by frame, skipping frames already labelled; remembers the structures
/// handed out until their results come back.
private final class InputStream: @unchecked Sendable {
  private let reader: ExtXYZReader
  private let skip: Set<Int>
  private var position = 0
  private var inFlight: [Int: Structure] = [:]
  private let lock = NSLock()
  private(set) var error: Error?

  init(url: URL, skip: Set<Int>) throws {
    reader = try ExtXYZReader(url: url)
    self.skip = skip
  }

  /// The next frame still to label, with its index in the input; nil at the end.
  func next() -> (index: Int, structure: Structure)? {
    lock.lock(); defer { lock.unlock() }
    while true {
      let structure: Structure?
      do { structure = try reader.next() } catch { self.error = error; return nil }
      guard let structure else { return nil }
      let index = position
      position += 1
      if skip.contains(index) { continue }
      inFlight[index] = structure
      return (index, structure)
    }
  }

  /// The structure handed out under `index` (forgotten afterwards).
  func structure(_ index: Int) -> Structure {
    lock.lock(); defer { lock.unlock() }
    return inFlight.removeValue(forKey: index)!
  }
}

extension Structure {
  /// The structure without the journal's bookkeeping keys in `info`.
  fileprivate var withoutJournalKeys: Structure {
    var s = self
    s.info.removeValue(forKey: LabelJournal.indexKey)
    s.info.removeValue(forKey: LabelJournal.teacherKey)
    return s
  }
}
