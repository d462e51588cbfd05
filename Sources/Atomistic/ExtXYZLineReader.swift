import Foundation

/// Reads a text file line by line through a fixed-size buffer, so memory stays constant however
/// large the file. Lines end at `\n`; a trailing `\r` (Windows line ends) is dropped.
final class BufferedLineReader {
  private let handle: FileHandle?
  private var buffer: [UInt8]
  private var start = 0
  private var atEnd = false
  private let chunkSize: Int
  /// Number of the last line returned or skipped, counting from 1 (0 before the first).
  private(set) var lineNumber = 0
  /// Bytes consumed so far (lines returned or skipped, with their line ends).
  private(set) var bytesConsumed: Int64 = 0

  /// Reads from an open file handle (closed by `close()`).
  init(handle: FileHandle, chunkSize: Int = 1 << 20) {
    self.handle = handle
    self.buffer = []
    self.chunkSize = chunkSize
  }

  /// Reads from bytes in memory.
  init(bytes: [UInt8]) {
    self.handle = nil
    self.buffer = bytes
    self.atEnd = true
    self.chunkSize = 0
  }

  func close() { try? handle?.close() }

  /// Pulls another chunk into the buffer; false at end of file.
  private func refill() throws -> Bool {
    guard !atEnd, let handle else { return false }
    if start > 0 {
      buffer.removeSubrange(0..<start)
      start = 0
    }
    guard let data = try handle.read(upToCount: chunkSize), !data.isEmpty else {
      atEnd = true
      return false
    }
    buffer.append(contentsOf: data)
    return true
  }

  /// Index of the next `\n` at or after `from`, or nil.
  private func newline(from: Int) -> Int? {
    buffer.withUnsafeBufferPointer { p -> Int? in
      guard from < p.count, let base = p.baseAddress else { return nil }
      guard let hit = memchr(base + from, 0x0A, p.count - from) else { return nil }
      return base.distance(to: hit.assumingMemoryBound(to: UInt8.self))
    }
  }

  /// Finds the next line: (start, end without line end, index after the line end); nil at EOF.
  private func nextLineRange() throws -> (Int, Int, Int)? {
    var searchFrom = start
    while true {
      if let nl = newline(from: searchFrom) {
        var end = nl
        if end > start && buffer[end - 1] == 0x0D { end -= 1 }
        return (start, end, nl + 1)
      }
      searchFrom = buffer.count
      let offset = searchFrom - start
      if try !refill() {
        guard start < buffer.count else { return nil }
        var end = buffer.count
        if end > start && buffer[end - 1] == 0x0D { end -= 1 }
        return (start, end, buffer.count)
      }
      searchFrom = start + offset
    }
  }

  /// The next line as a String (invalid UTF-8 is replaced by U+FFFD), or nil at end of file.
  func nextLine() throws -> String? {
    guard let (s, e, next) = try nextLineRange() else { return nil }
    let line = buffer.withUnsafeBufferPointer { p in
      String(decoding: UnsafeBufferPointer(rebasing: p[s..<e]), as: UTF8.self)
    }
    bytesConsumed += Int64(next - start)
    start = next
    lineNumber += 1
    return line
  }

  /// Skips the next line without decoding it; false at end of file.
  func skipLine() throws -> Bool {
    guard let (_, _, next) = try nextLineRange() else { return false }
    bytesConsumed += Int64(next - start)
    start = next
    lineNumber += 1
    return true
  }
}
