import Atomistic
import Basics
import Foundation

/// The resumable record of a labelling job: every finished structure as one extxyz frame,
/// appended as soon as it is labelled, and every failure as one JSON line.
///
/// A frame is handed to the kernel (one `write`) before `record` returns, so a process that is
/// killed (SIGKILL included) loses nothing; it is forced to disk (fsync) when
/// `synchronizeInterval` seconds have passed since the last flush, so a power loss loses at
/// most that much.
///
/// - `<output>.journal.xyz`: labelled frames, each with info `mlff_index=<input frame index>`
///   and `mlff_teacher=<teacher name>`; energy eV, forces eV/Å, stress eV/Å³ (ASE's keys).
/// - `<output>.failed.jsonl`: `{"index": i, "atoms": n, "reason": "…"}` per failed structure;
///   a label that the teacher gave but the quality checks rejected also has `"check": "max_force"`
///   (or `non_finite`, `overlap`, `energy_outlier`); it stays in the journal, so a rerun with
///   other thresholds judges it again without labelling it again.
///
/// A journal cut short by a power loss ends in a partial frame; `load` drops it (a frame whose
/// last line has no newline, or that does not parse) and rewrites the journal without it.
///
/// Safe to share between threads: everything that changes (the open files and the time of the
/// last flush) is in `state` and touched only under its lock. It is `@unchecked` only because
/// `ExtXYZWriter` is not `Sendable`; the writer never leaves the lock.
public final class LabelJournal: @unchecked Sendable {
  /// The journal of labelled frames.
  public let journalURL: URL
  /// The side file listing failed structures.
  public let failuresURL: URL
  /// Seconds between forced flushes to disk (fsync); 0 flushes after every structure.
  public let synchronizeInterval: Double

  private let state = Locked(Files())

  /// The open journal and failures file, and when the journal was last flushed.
  private struct Files {
    var writer: ExtXYZWriter?
    var failures: FileHandle?
    var lastSynchronize = Date.distantPast
  }

  /// Info key holding the input frame index in journal frames.
  public static let indexKey = "mlff_index"
  /// Info key holding the teacher's name in journal frames.
  public static let teacherKey = "mlff_teacher"

  /// - Parameters:
  ///   - output: the dataset being made (`data.h5`); the journal files sit beside it.
  ///   - synchronizeInterval: seconds between forced flushes to disk (fsync), ≥ 0; 0 flushes
  ///     after every structure.
  public init(output: URL, synchronizeInterval: Double = 0) {
    precondition(synchronizeInterval >= 0, "the flush interval must be ≥ 0 s")
    self.synchronizeInterval = synchronizeInterval
    journalURL = URL(fileURLWithPath: output.path + ".journal.xyz")
    failuresURL = URL(fileURLWithPath: output.path + ".failed.jsonl")
  }

  /// What an earlier run left: labelled structures by input index, and how many trailing bytes
  /// of a partial frame were dropped.
  public struct Contents: Sendable {
    public var labelled: [Int: Structure]
    public var droppedPartialFrame: Bool
  }

  /// Reads the journal of an earlier run (empty when there is none), dropping a partial last
  /// frame and rewriting the journal without it.
  /// - Parameter teacher: the teacher of this run; a journal written by another one is an error.
  /// - Throws: `ValidationFailure`-style `LabelJournalError` when the journal belongs to another
  ///   teacher or is not a journal; `ExtXYZError` when it cannot be read at all.
  public func load(teacher: String) throws -> Contents {
    guard FileManager.default.fileExists(atPath: journalURL.path) else { return Contents(labelled: [:], droppedPartialFrame: false) }
    var data = try Data(contentsOf: journalURL)
    var dropped = false
    if let last = data.last, last != UInt8(ascii: "\n") {
      // The last write was cut: keep up to the last complete line; the frame is then short and
      // fails to parse below.
      let cut = data.lastIndex(of: UInt8(ascii: "\n")).map { $0 + 1 } ?? 0
      data = data.prefix(cut)
      dropped = true
    }
    let reader = ExtXYZReader(text: String(decoding: data, as: UTF8.self), name: journalURL.path)
    var frames: [Structure] = []
    while true {
      do {
        guard let frame = try reader.next() else { break }
        frames.append(frame)
      } catch {
        dropped = true  // a partial frame: everything from here on is dropped
        break
      }
    }
    var labelled: [Int: Structure] = [:]
    for (k, frame) in frames.enumerated() {
      guard case .int(let index)? = frame.info[Self.indexKey] else {
        throw LabelJournalError("\(journalURL.path), frame \(k): no \(Self.indexKey) key; this is not a labelling journal. Move it away or delete it")
      }
      if case .string(let name)? = frame.info[Self.teacherKey], name != teacher {
        throw LabelJournalError("\(journalURL.path) was written with the teacher '\(name)', not '\(teacher)': "
          + "rerun with --teacher \(name) to continue it, or delete it to start again")
      }
      labelled[index] = frame
    }
    if dropped {
      try writeAtomically(try ExtXYZ.format(frames), to: journalURL)
    }
    return Contents(labelled: labelled, droppedPartialFrame: dropped)
  }

  /// Opens the journal for appending and starts a fresh failures file.
  public func open() throws {
    try state.withLock { files in
      files.writer = try ExtXYZWriter(url: journalURL, append: true)
      _ = FileManager.default.createFile(atPath: failuresURL.path, contents: nil)
      guard let handle = FileHandle(forWritingAtPath: failuresURL.path) else {
        throw LabelJournalError("cannot write \(failuresURL.path); check that the folder is writable")
      }
      files.failures = handle
    }
  }

  /// Appends one labelled structure, and flushes the journal to disk when
  /// `synchronizeInterval` has passed since the last flush.
  /// - Parameter structure: the input structure with its teacher labels set.
  public func record(_ structure: Structure, index: Int, teacher: String) throws {
    var frame = structure
    frame.info[Self.indexKey] = .int(index)
    frame.info[Self.teacherKey] = .string(teacher)
    try state.withLock { files in
      try files.writer?.write(frame)
      if Date().timeIntervalSince(files.lastSynchronize) >= synchronizeInterval {
        try files.writer?.synchronize()
        files.lastSynchronize = Date()
      }
    }
  }

  /// Appends one failure to the side file and flushes it to disk.
  public func recordFailure(index: Int, atoms: Int, reason: String) throws {
    try recordFailure(index: index, atoms: atoms, reason: reason, check: nil)
  }

  /// Appends one failure with the quality check that rejected the label (nil for a teacher
  /// failure) and flushes it to disk.
  public func recordFailure(index: Int, atoms: Int, reason: String, check: String?) throws {
    var entry: [String: Any] = ["index": index, "atoms": atoms, "reason": reason]
    if let check { entry["check"] = check }
    var line = try JSONSerialization.data(withJSONObject: entry, options: [.sortedKeys, .withoutEscapingSlashes])
    line.append(UInt8(ascii: "\n"))
    try state.withLock { files in
      try files.failures?.write(contentsOf: line)
      try files.failures?.synchronize()
    }
  }

  /// Holds the journal lock while `body` runs (an interrupt handler uses it so that it never
  /// stops the process in the middle of a write).
  public func withWritesPaused<T>(_ body: () throws -> T) rethrows -> T {
    try state.withLock { _ in try body() }
  }

  /// Flushes and closes both files.
  public func close() throws {
    try state.withLock { files in
      try files.writer?.synchronize()
      try files.writer?.close()
      files.writer = nil
      try files.failures?.close()
      files.failures = nil
    }
  }

  /// Removes the journal (after the dataset was written) and an empty failures file.
  public func removeJournal(keepFailures: Bool) {
    try? FileManager.default.removeItem(at: journalURL)
    if !keepFailures { try? FileManager.default.removeItem(at: failuresURL) }
  }
}

/// A journal that cannot be continued; the message says what to do.
public struct LabelJournalError: Error, CustomStringConvertible {
  public let description: String
  public init(_ description: String) { self.description = description }
}
