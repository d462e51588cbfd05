import Foundation

/// Writes extxyz (or plain XYZ) frames to a file one at a time; each frame reaches the operating
/// system as soon as `write(_:)` returns, so a journal survives a crash of the program.
///
/// ```swift
/// let writer = try ExtXYZWriter(url: journal, append: true)
/// try writer.write(structure)
/// try writer.close()
/// ```
public final class ExtXYZWriter {
  /// The file written.
  public let url: URL
  /// Label keys and flavour (extended or plain).
  public let options: ExtXYZOptions
  /// Number of frames written through this writer.
  public private(set) var framesWritten = 0

  private var handle: FileHandle?
  private let formatter: ExtXYZFrameFormatter

  /// Opens `url` for writing.
  /// - Parameters:
  ///   - append: add frames after the existing ones (the file is created when missing);
  ///     when false an existing file is replaced.
  /// - Throws: `ExtXYZError` (kind `.io`) when the file cannot be created or opened.
  public init(url: URL, append: Bool = false, options: ExtXYZOptions = .init()) throws {
    self.url = url
    self.options = options
    self.formatter = ExtXYZFrameFormatter(file: url.path, options: options)
    let manager = FileManager.default
    do {
      try manager.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
    } catch {
      throw ExtXYZError(.io, file: url.path, message: "cannot create the folder: \(error.localizedDescription)")
    }
    if !append || !manager.fileExists(atPath: url.path) {
      guard manager.createFile(atPath: url.path, contents: nil) else {
        throw ExtXYZError(.io, file: url.path, message: "cannot create the file; check that the folder is writable")
      }
    }
    guard let handle = FileHandle(forWritingAtPath: url.path) else {
      throw ExtXYZError(.io, file: url.path, message: "cannot open the file for writing; check its permissions")
    }
    if append {
      do { try handle.seekToEnd() } catch {
        throw ExtXYZError(.io, file: url.path, message: "cannot append: \(error.localizedDescription)")
      }
    }
    self.handle = handle
  }

  deinit { try? handle?.close() }

  /// Writes one frame.
  /// - Throws: `ExtXYZError` for a structure that cannot be written (kind `.invalidStructure`)
  ///   or a failed write (kind `.io`, e.g. a full disk).
  public func write(_ structure: Structure) throws {
    guard let handle else {
      throw ExtXYZError(.io, file: url.path, message: "the writer is closed")
    }
    let text = try formatter.format(structure, frame: framesWritten)
    do {
      try handle.write(contentsOf: Data(text.utf8))
    } catch {
      throw ExtXYZError(.io, file: url.path, frame: framesWritten, message: "write failed: \(error.localizedDescription)")
    }
    framesWritten += 1
  }

  /// Flushes the file to disk (fsync); slower than `write`, for checkpoints that must survive a power cut.
  public func synchronize() throws {
    try handle?.synchronize()
  }

  /// Closes the file. Further writes throw.
  public func close() throws {
    guard let handle else { return }
    self.handle = nil
    try handle.close()
  }
}
