/// A two-way stream of bytes between a driver and an i-PI server: a connected socket, or a
/// block of bytes in memory in tests.
public protocol IPIByteStream: AnyObject {
  /// Reads at least one and at most `buffer.count` bytes into `buffer`, waiting until some
  /// arrive.
  /// - Returns: the number of bytes read; 0 when the other side closed the stream.
  /// - Throws: `IPIError.connection` when the stream failed.
  func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int

  /// Writes all of `bytes`, waiting until they are sent.
  /// - Throws: `IPIError.connection` when the stream failed or the other side closed it.
  func write(_ bytes: [UInt8]) throws
}

/// Reads whole protocol items from a stream, telling an end of stream between messages (the
/// server is done) from one in the middle of a message (the server died or the bytes are not
/// the protocol).
struct IPIStreamReader {
  let stream: any IPIByteStream

  /// The next header; nil when the stream ended cleanly before its first byte.
  /// - Throws: `IPIError.closedMidMessage` when it ended inside the header;
  ///   `IPIError.unknownHeader` for 12 bytes that name no header.
  func header() throws -> IPIHeader? {
    var bytes = [UInt8](repeating: 0, count: IPIHeader.length)
    let got = try fill(&bytes)
    if got == 0 { return nil }
    guard got == IPIHeader.length else {
      throw IPIError.closedMidMessage(message: "a message header", received: got, expected: IPIHeader.length)
    }
    guard let header = IPIHeader(bytes: bytes) else { throw IPIError.unknownHeader(IPIHeader.printable(bytes)) }
    return header
  }

  /// Exactly `count` bytes of the body of `message` (its name, for the error).
  /// - Throws: `IPIError.closedMidMessage` when the stream ends first, with the byte counts.
  func body(_ count: Int, of message: String, alreadyReceived: Int = 0, expectedTotal: Int? = nil) throws -> [UInt8] {
    var bytes = [UInt8](repeating: 0, count: count)
    let got = try fill(&bytes)
    guard got == count else {
      throw IPIError.closedMidMessage(
        message: message, received: alreadyReceived + got, expected: expectedTotal ?? alreadyReceived + count)
    }
    return bytes
  }

  /// Reads until `bytes` is full or the stream ends; the number of bytes read.
  private func fill(_ bytes: inout [UInt8]) throws -> Int {
    var filled = 0
    try bytes.withUnsafeMutableBytes { buffer in
      while filled < buffer.count {
        let n = try stream.read(into: UnsafeMutableRawBufferPointer(rebasing: buffer[filled...]))
        if n == 0 { break }
        filled += n
      }
    }
    return filled
  }
}
