import Basics
import Foundation
import Testing

@testable import Atomistic

/// The buffered line reader and streaming frame reader, checked against splitting in memory.
@Suite struct ExtXYZStreamingTests {
  /// Lines read through tiny buffers equal `split` on the whole text, whatever the chunk size.
  @Test(arguments: [1, 2, 3, 7, 64, 1 << 20]) func lineReaderAgreesWithSplit(chunk: Int) throws {
    let folder = try extxyzTemporaryFolder()
    let url = folder.appendingPathComponent("lines.txt")
    let text = "first\r\n\nsecond line\n  third \r\né ü 漢字\n\nlast without newline"
    try text.write(to: url, atomically: true, encoding: .utf8)
    let reader = BufferedLineReader(handle: try FileHandle(forReadingFrom: url), chunkSize: chunk)
    defer { reader.close() }
    var lines: [String] = []
    while let line = try reader.nextLine() { lines.append(line) }
    // Split on bytes: a Swift Character joins "\r\n" into one grapheme.
    let expected = text.utf8.split(separator: 0x0A, omittingEmptySubsequences: false).map {
      String(decoding: $0.last == 0x0D ? $0.dropLast() : $0, as: UTF8.self)
    }
    #expect(lines == expected)
    #expect(reader.lineNumber == expected.count)
    #expect(reader.bytesConsumed == Int64(text.utf8.count))
  }

  @Test func streamingReaderMatchesReadAllAndCounts() throws {
    let folder = try extxyzTemporaryFolder()
    let url = folder.appendingPathComponent("many.extxyz")
    var g = SplitMix64(seed: 3)
    let frames = (0..<200).map { k in ExtXYZWriteTests.randomStructure(atoms: 1 + k % 13, using: &g) }
    try ExtXYZ.write(frames, to: url)
    #expect(try ExtXYZReader.countFrames(url) == frames.count)
    let reader = try ExtXYZReader(url: url)
    var k = 0
    while let s = try reader.next() {
      #expect(s == frames[k])
      k += 1
    }
    #expect(k == frames.count && reader.framesRead == frames.count)
    #expect(reader.bytesRead == reader.fileSize)
    #expect(try reader.next() == nil)
  }
}
