import Foundation

/// Writes `data` to `url` atomically: a temporary file in the same folder, flushed to disk,
/// then renamed over the destination. A reader sees the old file or the new one, never half.
/// - Throws: a `CocoaError` naming the path when the folder is not writable or the disk is full.
public func writeAtomically(_ data: Data, to url: URL) throws {
  let folder = url.deletingLastPathComponent()
  try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
  let temporary = folder.appendingPathComponent(".\(url.lastPathComponent).tmp-\(ProcessInfo.processInfo.processIdentifier)")
  FileManager.default.createFile(atPath: temporary.path, contents: nil)
  guard let handle = FileHandle(forWritingAtPath: temporary.path) else {
    throw CocoaError(.fileWriteNoPermission, userInfo: [NSFilePathErrorKey: temporary.path])
  }
  do {
    try handle.write(contentsOf: data)
    try handle.synchronize()
    try handle.close()
  } catch {
    try? handle.close()
    try? FileManager.default.removeItem(at: temporary)
    throw error
  }
  if rename(temporary.path, url.path) != 0 {
    let code = errno
    try? FileManager.default.removeItem(at: temporary)
    throw CocoaError(.fileWriteUnknown, userInfo: [
      NSFilePathErrorKey: url.path,
      NSLocalizedDescriptionKey: "cannot move \(temporary.path) to \(url.path): \(String(cString: strerror(code)))",
    ])
  }
}

/// Writes a UTF-8 string atomically; see `writeAtomically(_:to:)`.
public func writeAtomically(_ text: String, to url: URL) throws {
  try writeAtomically(Data(text.utf8), to: url)
}
