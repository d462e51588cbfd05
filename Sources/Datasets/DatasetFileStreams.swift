import Atomistic
import Foundation

/// Structures of a dataset file handed out one at a time (for format-generic code such as
/// `mlff convert` and `mlff info`). The file is read whole on opening: the layout is made for
/// whole-array reads.
public final class DatasetFileReader {
  private let columns: DatasetColumns
  private var nextIndex = 0
  /// The file's metadata.
  public let metadata: DatasetMetadata
  /// The file's splits, if any.
  public let splits: DatasetSplits?

  /// Opens and reads `url`. - Throws: `DatasetError` as `Dataset.read(_:)`.
  public init(url: URL) throws {
    (columns, metadata, splits) = try Dataset.readColumns(url)
    hessianStarts = columns.hessianOffsets
  }

  /// Where each structure's curvature block starts (computed once, not per structure).
  private let hessianStarts: [Int]

  /// Number of structures in the file.
  public var count: Int { columns.structureCount }

  /// The next structure, or nil after the last.
  public func next() throws -> Structure? {
    guard nextIndex < columns.structureCount else { return nil }
    defer { nextIndex += 1 }
    return columns.structure(at: nextIndex, hessianStart: hessianStarts[nextIndex])
  }
}

/// Collects structures and writes them as one dataset file on `finish()` (atomically), with
/// random splits when asked for.
public final class DatasetFileWriter {
  private let url: URL
  private var columns = DatasetColumns()
  private let metadata: DatasetMetadata
  private let splitFractions: SplitFractions?
  private let seed: UInt64

  /// - Parameters:
  ///   - url: the `.h5` file to write.
  ///   - metadata: teacher and provenance to record (default: this command line, now).
  ///   - splitFractions: make random train/validation/test splits with these fractions; nil for none.
  ///   - seed: seed of the splits.
  public init(url: URL, metadata: DatasetMetadata = DatasetMetadata(createdBy: DatasetMetadata.commandLine()),
              splitFractions: SplitFractions? = nil, seed: UInt64 = 0) {
    self.url = url
    self.metadata = metadata
    self.splitFractions = splitFractions
    self.seed = seed
  }

  /// Adds one structure.
  public func write(_ structure: Structure) throws {
    columns.append(structure)
  }

  /// Writes the file. - Throws: `DatasetError` naming the file.
  public func finish() throws {
    let splits = splitFractions.map { DatasetSplits.random(count: columns.structureCount, fractions: $0, seed: seed) }
    try Dataset.write(columns: columns, metadata: metadata, splits: splits, to: url)
  }
}
