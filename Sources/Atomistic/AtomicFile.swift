import Foundation

/// A file written at a temporary path next to its destination and moved into place by
/// `commit()`, so that a reader sees the old file or the complete new one, never half of one.
/// This is how every file of a long job is written (the one atomic writer of the project).
///
///     let file = try AtomicFile(destination: url)
///     let writer = try ExtXYZWriter(url: file.temporaryURL)   // any writer, any amount
///     …
///     try writer.close()
///     try file.commit()
///
/// The temporary file is `.<name>.tmp-<pid>-<random>` in the destination's folder, so the
/// final `rename(2)` stays on one file system and is atomic, and two writers of the same
/// destination never share a temporary file. When the value is freed without a commit (an error
/// part-way), the temporary file is removed and the destination is untouched.
public final class AtomicFile {
  /// Where the finished file goes.
  public let destination: URL
  /// Where to write until `commit()`.
  public let temporaryURL: URL
  /// True once `commit()` has moved the file into place.
  public private(set) var isCommitted = false

  /// - Parameter destination: the final path; its folder is created when missing.
  /// - Throws: a `CocoaError` naming the folder when it cannot be created.
  public init(destination: URL) throws {
    self.destination = destination
    let folder = destination.deletingLastPathComponent()
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    let suffix = String(UInt32.random(in: 0...UInt32.max), radix: 16)
    temporaryURL = folder.appendingPathComponent(
      ".\(destination.lastPathComponent).tmp-\(ProcessInfo.processInfo.processIdentifier)-\(suffix)")
  }

  /// Flushes the temporary file to disk (fsync) and renames it over the destination.
  /// Close the writer of `temporaryURL` first.
  /// - Throws: `AtomicFileError` when the temporary file is missing or cannot be moved (the
  ///   temporary file is then removed).
  public func commit() throws(AtomicFileError) {
    precondition(!isCommitted, "\(destination.path) was already committed")
    if let handle = FileHandle(forUpdatingAtPath: temporaryURL.path) {
      do {
        try handle.synchronize()
        try handle.close()
      } catch {
        // A file that may not have reached the disk must not replace the old one.
        discard()
        throw AtomicFileError(path: destination.path, reason: "the new file could not be flushed to disk (\(error.localizedDescription))")
      }
    }
    if rename(temporaryURL.path, destination.path) != 0 {
      let reason = String(cString: strerror(errno))
      discard()
      throw AtomicFileError(path: destination.path, reason: reason)
    }
    isCommitted = true
  }

  /// Removes the temporary file (nothing happens to the destination).
  public func discard() {
    try? FileManager.default.removeItem(at: temporaryURL)
  }

  deinit {
    if !isCommitted { discard() }
  }
}

/// The finished file could not be moved into place.
public struct AtomicFileError: Error, CustomStringConvertible {
  /// The destination, as given.
  public let path: String
  /// The system's reason (`strerror`).
  public let reason: String

  public var description: String {
    "cannot move the finished file into place at \(path): \(reason); check that the folder is writable"
  }
}

/// Writes `data` to `url` atomically (`AtomicFile`): a reader sees the old file or the new one,
/// never half.
/// - Throws: a `CocoaError` naming the path when the folder is not writable or the disk is
///   full; `AtomicFileError` when the file cannot be moved into place.
public func writeAtomically(_ data: Data, to url: URL) throws {
  let file = try AtomicFile(destination: url)
  _ = FileManager.default.createFile(atPath: file.temporaryURL.path, contents: nil)  // a failure shows as no handle below
  guard let handle = FileHandle(forWritingAtPath: file.temporaryURL.path) else {
    throw CocoaError(.fileWriteNoPermission, userInfo: [NSFilePathErrorKey: file.temporaryURL.path])
  }
  do {
    try handle.write(contentsOf: data)
    try handle.synchronize()
    try handle.close()
  } catch {
    try? handle.close()
    throw error
  }
  try file.commit()
}

/// Writes a UTF-8 string atomically; see `writeAtomically(_:to:)`.
public func writeAtomically(_ text: String, to url: URL) throws {
  try writeAtomically(Data(text.utf8), to: url)
}
