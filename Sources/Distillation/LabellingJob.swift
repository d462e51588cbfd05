import Atomistic
import Basics
import Datasets
import Dispatch
import Foundation
import Potentials
import Reporting
import Teacher

/// A resumable labelling job: every structure of an extxyz file labelled by a teacher pool
/// into an HDF5 dataset, losing nothing to an interruption.
///
/// Each labelled structure is appended at once to `OUTPUT.journal.xyz` (written to the
/// kernel, so a killed process loses nothing; forced to disk at most `synchronizeInterval`
/// seconds later, so a power loss loses at most that much); failures go to
/// `OUTPUT.failed.jsonl` with the reason. Running the job again skips what the journal
/// holds (a partial last frame left by a power loss is dropped and labelled again). When
/// every structure is done the dataset is written atomically and the journal removed; when
/// some failed, the dataset holds every success and the journal stays, so a rerun retries
/// only the failures.
///
/// Every label passes the quality checks (`LabelQualityCriteria`, `checkLabels`) before it
/// enters the dataset. They run when the dataset is written, over every label in the journal
/// (the energy-outlier check needs the whole set): a rejected label is listed in the failures
/// file with its check and reason and left out, and the journal stays, so a rerun with other
/// thresholds judges it again without labelling it again. Datasets merged from shards are not
/// judged again as a whole; `mlff check merged.h5` shows the merged set's verdicts.
public struct LabellingJob {
  /// Structures to label (extxyz).
  public var input: URL
  /// The dataset to write (.h5).
  public var output: URL
  /// Quantities wanted (stress only for fully periodic structures).
  public var properties: PropertySet = .all
  /// Splits stored in the dataset (nil: none).
  public var splits: (fractions: SplitFractions, seed: UInt64)?
  /// Extra provenance stored in the dataset.
  public var provenance: [String: String] = [:]
  /// Curvature labels (Hessian–vector products for random probes) besides energy and forces;
  /// nil: none.
  public var curvature: CurvatureLabelling?
  /// The label quality checks every label passes before it enters the dataset.
  public var quality = LabelQualityCriteria()
  /// Labels already accepted that this job's labels will join (active learning adds to an
  /// existing dataset): part of the energy-outlier fit, never judged. See `checkLabels`.
  public var qualityContext: [Structure] = []
  /// Label only this slice of the input (`LabelShard.deal`); nil labels every frame. A shard
  /// records its input's fingerprint, K/N and each structure's input frame, for
  /// `Dataset.mergeLabelShards`.
  public var shard: LabelShard?
  /// Show a progress line.
  public var showsProgress = true
  /// Seconds between forced flushes (fsync) of the journal, ≥ 0; 0 forces one after every
  /// structure. Every structure is written to the journal as soon as it is labelled either
  /// way, so `kill -9` loses nothing; this only bounds what a power loss or a kernel crash
  /// can take. One fsync costs about 3 ms on the 2-core benchmark machine, as much as a small
  /// EMT structure's label, hence 1 s rather than 0.
  public var synchronizeInterval: Double = 1
  /// Where messages go.
  public var log: (String) -> Void = { FileHandle.standardError.write(Data(($0 + "\n").utf8)) }

  public init(input: URL, output: URL) {
    self.input = input
    self.output = output
  }

  /// What a finished job did.
  public struct Outcome: Sendable {
    /// Structures in the input.
    public var total: Int
    /// Structures labelled (in the dataset).
    public var labelled: Int
    /// Input frame index → why the teacher failed on it.
    public var failed: [Int: String]
    /// Input frame index → why the quality checks rejected the teacher's label (kept in the
    /// journal, left out of the dataset).
    public var rejected: [Int: LabelRejection]
    /// Labelled before this run (found in the journal).
    public var resumed: Int
    /// The side file listing failures.
    public var failuresFile: URL
    /// Wall-clock seconds the teacher pool spent labelling in this run (reading the input,
    /// starting the workers and writing the dataset not included).
    public var labellingSeconds: Double
  }

  /// Labels what is left to label with `pool` and writes the dataset.
  /// - Throws: `DistillConfigurationError` for an empty or unreadable input, a journal from
  ///   another input, or a teacher that failed on every structure (naming the side file).
  @discardableResult
  public func run(pool: TeacherPool) throws -> Outcome {
    let journal = LabelJournal(output: output, synchronizeInterval: synchronizeInterval)
    let atomCounts = try Self.atomCounts(input)
    let inputTotal = atomCounts.count
    guard inputTotal > 0 else {
      throw DistillConfigurationError("\(input.path) holds no structures to label")
    }
    // The frames this job labels: all, or its shard's.
    let selected: Set<Int>? = try shard.map { shard in
      guard shard.count <= inputTotal else {
        throw DistillConfigurationError(
          "\(input.path) has \(inputTotal) structures, fewer than the \(shard.count) shards asked for: use at most \(inputTotal) shards")
      }
      return Set(shard.frames(atomCounts: atomCounts))
    }
    let total = selected?.count ?? inputTotal
    let teacherName = pool.configuration.model
    let previous = try journal.load(teacher: teacherName)
    if previous.droppedPartialFrame {
      log("label: dropped a partial frame at the end of \(journal.journalURL.path) (an interrupted write); that structure is labelled again")
    }
    if let stray = previous.labelled.keys.first(where: { $0 >= inputTotal }) {
      throw DistillConfigurationError(
        "\(journal.journalURL.path) holds input frame \(stray), but \(input.path) has only \(inputTotal) frames: it belongs to another input. Delete it to start again")
    }
    if let selected, let shard, let stray = previous.labelled.keys.sorted().first(where: { !selected.contains($0) }) {
      throw DistillConfigurationError(
        "\(journal.journalURL.path) holds input frame \(stray), which is not in shard \(shard) of \(input.path): it belongs to another shard or input. Give each shard its own -o, or delete the journal to start again")
    }
    if let mismatch = previous.labelled.sorted(by: { $0.key < $1.key }).first(where: {
      $0.value.hessianLabelCount != (self.curvature?.probes ?? 0) || (self.curvature != nil && $0.value.hessianStep != self.curvature?.step)
    }) {
      let found = mismatch.value.hessianLabelCount == 0 ? "no curvature labels"
        : "\(mismatch.value.hessianLabelCount) Hessian probes at step \(mismatch.value.hessianStep ?? .nan) Å"
      let asked = self.curvature.map { "\($0.probes) probes at step \($0.step) Å" } ?? "no curvature labels"
      throw DistillConfigurationError(
        "\(journal.journalURL.path) holds input frame \(mismatch.key) labelled with \(found), but this run asks for \(asked): continue with the settings it was started with, or start again (mlff label --fresh; mlff distill: a new -o)")
    }
    if !previous.labelled.isEmpty {
      log("label: resuming: \(previous.labelled.count) of \(total) structures already labelled in \(journal.journalURL.path)")
    }
    if let supported = pool.supportedAtomicNumbers {
      try Self.checkElements(input, supported: supported, teacher: teacherName)
    }

    try journal.open()
    let progress = showsProgress
      ? ProgressLine(label: "label", total: total, unit: "structures", alreadyDone: previous.labelled.count) : nil
    let state = LabelState(labelled: previous.labelled)

    // Ctrl-C / SIGTERM: finish the write in progress, stop the workers, say how to resume.
    let log = self.log
    let interrupts = [SIGINT, SIGTERM].map { (signalNumber: Int32) -> DispatchSourceSignal in
      signal(signalNumber, SIG_IGN)
      let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: .global())
      source.setEventHandler {
        journal.withWritesPaused {
          pool.terminateNow()
          log("\nlabel: interrupted; \(state.doneCount) of \(total) labelled are safe in \(journal.journalURL.path). Run the same command again to continue.")
          Foundation.exit(130)
        }
      }
      source.resume()
      return source
    }
    defer {
      interrupts.forEach { $0.cancel() }
      signal(SIGINT, SIG_DFL)
      signal(SIGTERM, SIG_DFL)
    }

    var skip = Set(previous.labelled.keys)
    if let selected { skip.formUnion((0..<inputTotal).filter { !selected.contains($0) }) }
    let curvature = self.curvature
    let source = try InputFrames(url: input, skip: skip) { index, structure in
      curvature.map { $0.prepare(structure, index: index) } ?? structure
    }
    let labellingStart = Date()
    pool.label(next: { source.next() }, properties: properties) { index, outcome in
      let structure = source.structure(index)
      Self.settle(index: index, structure: structure, outcome: outcome.mapError { $0 as Error },
                  teacher: teacherName, journal: journal, state: state)
      progress?.update(done: state.doneCount, extra: state.failedCount > 0 ? "failed \(state.failedCount)" : "")
    }
    let labellingSeconds = Date().timeIntervalSince(labellingStart)
    progress?.finish(extra: state.failedCount > 0 ? "failed \(state.failedCount)" : "")
    for warning in state.warnings { log(warning) }
    if let readError = source.error { throw readError }

    let (everyLabel, failed) = state.snapshot()
    guard !everyLabel.isEmpty else {
      try journal.close()
      let first = failed.keys.sorted().first.map { "frame \($0): \(failed[$0]!)" } ?? ""
      throw DistillConfigurationError(
        "the teacher '\(teacherName)' failed on every one of the \(total) structures (first: \(first)); the reasons are listed in \(journal.failuresURL.path). Fix the teacher or the structures and run again")
    }
    // The quality checks judge every label the journal holds, this run's and earlier runs', so
    // a rerun with other thresholds judges again without labelling again.
    let order = everyLabel.keys.sorted()
    let verdicts = checkLabels(order.map { everyLabel[$0]! }, criteria: quality, context: qualityContext).rejections
    var rejected: [Int: LabelRejection] = [:]
    for (position, rejection) in verdicts { rejected[order[position]] = rejection }
    for index in rejected.keys.sorted() {
      let rejection = rejected[index]!
      do {
        try journal.recordFailure(index: index, atoms: everyLabel[index]!.count, reason: rejection.reason, check: rejection.check.rawValue)
      } catch {
        log("label: warning: input frame \(index) was rejected (\(rejection.reason)), and writing that to the failures file failed too: \(error)")
      }
    }
    try journal.close()
    if !rejected.isEmpty {
      let counts = LabelQualityCheck.allCases.compactMap { check -> String? in
        let n = rejected.values.filter { $0.check == check }.count
        return n > 0 ? "\(n) \(check.rawValue)" : nil
      }
      log("label: the quality checks rejected \(rejected.count) of \(everyLabel.count) labels (\(counts.joined(separator: ", "))); they are listed in \(journal.failuresURL.path) and left out of the dataset")
    }
    let labelled = everyLabel.filter { rejected[$0.key] == nil }
    guard !labelled.isEmpty else {
      let first = rejected.keys.sorted().first.map { "frame \($0): \(rejected[$0]!.reason)" } ?? ""
      throw DistillConfigurationError(
        "the quality checks rejected every one of the \(everyLabel.count) labels (first: \(first)); the reasons are listed in \(journal.failuresURL.path). The labels stay in \(journal.journalURL.path): change the thresholds (\(quality.summary)) and run again to judge them again without relabelling, or fix the structures")
    }
    let identity = pool.identity
    var info = provenance
    info["teacher_package"] = identity.package
    info["input"] = input.path
    info["structures_in_input"] = String(inputTotal)
    if let shard {
      info[ShardProvenance.shard] = shard.description
      info[ShardProvenance.rule] = LabelShard.rule
      info[ShardProvenance.shardFrames] = String(total)
      info[ShardProvenance.inputFingerprint] = try fileFingerprint(input)
      info[ShardProvenance.teacherSettings] = "device=\(pool.configuration.device ?? "default")"
    }
    info["structures_failed"] = String(failed.count)
    info["structures_rejected"] = String(rejected.count)
    for check in LabelQualityCheck.allCases {
      info["structures_rejected_\(check.rawValue)"] = String(rejected.values.filter { $0.check == check }.count)
    }
    info["label_quality"] = quality.summary
    var metadata = DatasetMetadata(
      teacher: identity.teacher, teacherVersion: identity.version,
      createdBy: DatasetMetadata.commandLine(), provenance: info)
    if shard != nil { metadata.inputFrames = labelled.keys.sorted() }
    let structures = labelled.keys.sorted().map { labelled[$0]!.withoutJournalKeys }
    var dataset = Dataset(structures: structures, metadata: metadata)
    if let splits { dataset.split(fractions: splits.fractions, seed: splits.seed) }
    try dataset.write(to: output)
    if failed.isEmpty && rejected.isEmpty { journal.removeJournal(keepFailures: false) }
    return Outcome(total: total, labelled: structures.count, failed: failed, rejected: rejected,
                   resumed: previous.labelled.count, failuresFile: journal.failuresURL,
                   labellingSeconds: labellingSeconds)
  }

  /// Records one structure's outcome: a labelled structure goes to the journal and then to the
  /// results; a teacher failure, or a labelled structure the journal could not take, counts as
  /// failed (once) and is listed in the failures file. A failures file that cannot be written
  /// adds a warning to `state.warnings` (logged when labelling ends; the failure still counts
  /// and reaches `Outcome.failed`).
  static func settle(index: Int, structure: Structure, outcome: Result<Results, any Error>,
                     teacher: String, journal: some LabelRecording, state: LabelState) {
    let reason: String
    var check: String? = nil
    switch outcome {
    case .success(let results):
      var labelled = structure.unlabelled
      labelled.energy = results.energy
      labelled.forces = results.forces
      labelled.stress = results.stress
      if structure.hessianProbes != nil {
        labelled.hessianProducts = results.hessianProducts
        if let products = results.hessianProducts,
           products.contains(where: { $0.contains { !($0.x.isFinite && $0.y.isFinite && $0.z.isFinite) } }) {
          reason = "the teacher's Hessian–vector products are not finite (a force call at a displaced position failed?)"
          break
        }
      }
      // A NaN or infinity cannot be written to (or read back from) the journal: it fails here,
      // before the journal, and is tried again on a rerun.
      if let rejection = judgeLabel(measureLabel(labelled), structure: labelled, criteria: .finiteOnly) {
        reason = rejection.reason
        check = rejection.check.rawValue
        break
      }
      do {
        try journal.record(labelled, index: index, teacher: teacher)
        state.add(index, labelled)
        return
      } catch {
        reason = "the teacher labelled it, but the journal could not be written (disk full? read-only folder?): \(error)"
      }
    case .failure(let error):
      reason = "\(error)"
    }
    state.fail(index, reason)
    do {
      try journal.recordFailure(index: index, atoms: structure.count, reason: reason, check: check)
    } catch {
      state.warn("label: warning: input frame \(index) failed (\(reason)), and writing that to the failures file failed too: \(error); it is still counted as failed and labelled again on the next run")
    }
  }

  /// Frames in an extxyz file (a streaming pass that also checks every frame parses).
  static func countFrames(_ url: URL) throws -> Int { try atomCounts(url).count }

  /// The atom count of every frame of an extxyz file, in order (a streaming pass that also
  /// checks every frame parses).
  static func atomCounts(_ url: URL) throws -> [Int] {
    let reader = try ExtXYZReader(url: url)
    defer { reader.close() }
    var counts: [Int] = []
    while let s = try reader.next() { counts.append(s.count) }
    return counts
  }

  /// Refuses input with elements the teacher does not know, naming them and a frame.
  static func checkElements(_ url: URL, supported: Set<Int>, teacher: String) throws {
    let reader = try ExtXYZReader(url: url)
    defer { reader.close() }
    var frame = 0
    while let s = try reader.next() {
      do { try requireSupport([s], supported: supported, firstIndex: frame) } catch {
        let message = error.describing(structure: { "\(url.path), frame \($0) (0-based)" }, potential: "the teacher '\(teacher)'")
        throw DistillConfigurationError("\(message). Remove those structures or choose another teacher")
      }
      frame += 1
    }
  }
}

/// Where a labelling job writes each outcome as it arrives (`LabelJournal`; tests use a
/// journal that fails).
protocol LabelRecording {
  /// Appends one labelled structure (durably) or throws.
  func record(_ structure: Structure, index: Int, teacher: String) throws
  /// Appends one failure with its reason or throws.
  func recordFailure(index: Int, atoms: Int, reason: String) throws
  /// Appends one failure with its reason and the quality check that rejected the label (nil
  /// for a teacher failure) or throws.
  func recordFailure(index: Int, atoms: Int, reason: String, check: String?) throws
}

extension LabelRecording {
  func recordFailure(index: Int, atoms: Int, reason: String, check: String?) throws {
    try recordFailure(index: index, atoms: atoms, reason: reason)
  }
}

extension LabelJournal: LabelRecording {}

/// Results gathered so far, shared by the workers' callbacks.
final class LabelState: Sendable {
  private let results: Locked<(labelled: [Int: Structure], failed: [Int: String], warnings: [String])>

  init(labelled: [Int: Structure]) { results = Locked((labelled, [:], [])) }

  var doneCount: Int { results.withLock { $0.labelled.count + $0.failed.count } }
  var failedCount: Int { results.withLock { $0.failed.count } }
  func add(_ index: Int, _ s: Structure) { results.withLock { $0.labelled[index] = s } }
  func fail(_ index: Int, _ reason: String) { results.withLock { $0.failed[index] = reason } }
  func warn(_ message: String) { results.withLock { $0.warnings.append(message) } }
  /// Problems to report that did not stop the job, in the order they happened.
  var warnings: [String] { results.withLock { $0.warnings } }
  func snapshot() -> ([Int: Structure], [Int: String]) { results.withLock { ($0.labelled, $0.failed) } }
}

/// The input read frame by frame, skipping frames already labelled; remembers the structures
/// handed out until their results come back.
///
/// Safe to share between threads: the reader and everything that changes are in `cursor` and
/// touched only under its lock. `@unchecked` only because `ExtXYZReader` is not `Sendable`.
private final class InputFrames: @unchecked Sendable {
  private let skip: Set<Int>
  private let cursor: Locked<Cursor>

  private struct Cursor {
    let reader: ExtXYZReader
    var position = 0
    var inFlight: [Int: Structure] = [:]
    var error: Error?
  }

  /// Applied to each frame before it is handed out (curvature probes).
  private let prepare: @Sendable (Int, Structure) -> Structure

  init(url: URL, skip: Set<Int>, prepare: @escaping @Sendable (Int, Structure) -> Structure = { $1 }) throws {
    cursor = Locked(Cursor(reader: try ExtXYZReader(url: url)))
    self.skip = skip
    self.prepare = prepare
  }

  /// The error that ended reading early, if any.
  var error: Error? { cursor.withLock { $0.error } }

  /// The next frame still to label, with its index in the input; nil at the end.
  func next() -> (index: Int, structure: Structure)? {
    cursor.withLock { cursor in
      while true {
        let structure: Structure?
        do { structure = try cursor.reader.next() } catch { cursor.error = error; return nil }
        guard let structure else { return nil }
        let index = cursor.position
        cursor.position += 1
        if skip.contains(index) { continue }
        let prepared = prepare(index, structure)
        cursor.inFlight[index] = prepared
        return (index, prepared)
      }
    }
  }

  /// The structure handed out under `index` (forgotten afterwards).
  func structure(_ index: Int) -> Structure {
    cursor.withLock { $0.inFlight.removeValue(forKey: index)! }
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
