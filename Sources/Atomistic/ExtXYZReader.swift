import Foundation

/// Reads an extxyz (or plain XYZ) file one frame at a time, with memory that does not grow with
/// the file: a multi-GB trajectory is read in constant memory.
///
/// ```swift
/// let reader = try ExtXYZReader(url: url)
/// while let structure = try reader.next() { … }
/// ```
/// Frames follow ASE's conventions (see `ExtXYZ`). Blank lines between frames are skipped. After
/// an error the reader stays failed: every later `next()` throws the same error.
public final class ExtXYZReader {
  /// The file being read (nil for text given in memory).
  public let url: URL?
  /// Label keys used to fill `energy`, `forces`, `stress`.
  public let options: ExtXYZOptions
  /// Number of frames returned so far (the index of the next frame, counting from 0).
  public private(set) var framesRead = 0
  /// Size of the file in bytes (nil for text in memory).
  public let fileSize: Int64?

  private let name: String
  private let lines: BufferedLineReader
  private var failure: (any Error)?
  private let parser: ExtXYZFrameParser

  /// Opens a file for reading.
  /// - Throws: `ExtXYZError` (kind `.io`) when the file does not exist or cannot be opened.
  public init(url: URL, options: ExtXYZOptions = .init()) throws {
    let path = url.path
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
      throw ExtXYZError(.io, file: path, message: "no such file; check the path")
    }
    guard !isDirectory.boolValue else {
      throw ExtXYZError(.io, file: path, message: "this is a folder, not a structure file")
    }
    guard let handle = FileHandle(forReadingAtPath: path) else {
      throw ExtXYZError(.io, file: path, message: "cannot open the file for reading; check its permissions")
    }
    self.url = url
    self.options = options
    self.name = path
    self.lines = BufferedLineReader(handle: handle)
    let attributes = try? FileManager.default.attributesOfItem(atPath: path)
    self.fileSize = (attributes?[.size] as? NSNumber)?.int64Value
    self.parser = ExtXYZFrameParser(file: path, options: options)
  }

  /// Reads frames from text in memory; `name` stands for the file in error messages.
  public init(text: String, name: String = "<text>", options: ExtXYZOptions = .init()) {
    self.url = nil
    self.options = options
    self.name = name
    self.lines = BufferedLineReader(bytes: Array(text.utf8))
    self.fileSize = Int64(text.utf8.count)
    self.parser = ExtXYZFrameParser(file: name, options: options)
  }

  deinit { lines.close() }

  /// Bytes read so far (for progress against `fileSize`).
  public var bytesRead: Int64 { lines.bytesConsumed }

  /// Closes the file; `next()` must not be called afterwards.
  public func close() { lines.close() }

  /// The next frame, or nil at the end of the file.
  /// - Throws: `ExtXYZError` naming the file, the frame (from 0) and the line (from 1).
  public func next() throws -> Structure? {
    if let failure { throw failure }
    do {
      guard let s = try readFrame() else { return nil }
      framesRead += 1
      return s
    } catch {
      let wrapped: any Error = (error is ExtXYZError)
        ? error : ExtXYZError(.io, file: name, frame: framesRead, message: "read failed: \(error)")
      failure = wrapped
      throw wrapped
    }
  }

  private func readFrame() throws -> Structure? {
    var header: String
    repeat {
      guard let line = try lines.nextLine() else { return nil }
      header = line
    } while header.trimmingWhitespace().isEmpty
    let headerLine = lines.lineNumber
    let frame = framesRead
    let count = try parser.atomCount(header, frame: frame, line: headerLine)
    guard let comment = try lines.nextLine() else {
      throw ExtXYZError(.truncatedFrame, file: name, frame: frame, line: headerLine,
        message: "the file ends after the atom count; a frame needs a comment line and \(count) atom lines")
    }
    let h = try parser.header(comment, frame: frame, line: lines.lineNumber)
    let lines = self.lines
    return try parser.structure(header: h, count: count, frame: frame, headerLine: headerLine) {
      guard let text = try lines.nextLine() else { return nil }
      return (text, lines.lineNumber)
    }
  }

  /// Counts the frames of a file quickly (atom lines are skipped, not parsed).
  /// - Throws: `ExtXYZError` for a bad atom count or a truncated frame.
  public static func countFrames(_ url: URL) throws -> Int {
    let reader = try ExtXYZReader(url: url)
    defer { reader.close() }
    return try reader.skipAllFrames()
  }

  /// Skips the remaining frames and returns how many there were.
  func skipAllFrames() throws -> Int {
    var frames = 0
    while true {
      var header: String
      repeat {
        guard let line = try lines.nextLine() else { return frames }
        header = line
      } while header.trimmingWhitespace().isEmpty
      let headerLine = lines.lineNumber
      let count = try parser.atomCount(header, frame: framesRead + frames, line: headerLine)
      for k in 0..<(count + 1) where try !lines.skipLine() {
        throw ExtXYZError(.truncatedFrame, file: name, frame: framesRead + frames, line: nil,
          message: "the file ends after \(max(k - 1, 0)) of the \(count) atom lines this frame declares (count on line \(headerLine))")
      }
      frames += 1
    }
  }
}
