/// A dataset file or request that cannot be honoured, with what was wrong, where, and what to do.
///
/// `description` reads like `data.h5: dataset 'forces': shape (10, 2) but expected (12, 3). Rewrite
/// the file with 'mlff convert' or see docs/dataset-format.md.`
public struct DatasetError: Error, CustomStringConvertible, Sendable, Equatable {
  /// What kind of problem it is (for programs; people read `description`).
  public enum Kind: Sendable, Equatable {
    /// The file does not exist.
    case fileNotFound
    /// The file exists but is not HDF5 (or is truncated or damaged beyond opening).
    case notHDF5
    /// The file is HDF5 but not an mlff dataset (wrong `format`, missing required datasets).
    case notMLFFDataset
    /// The file was written by a newer layout version than this build understands.
    case unsupportedVersion
    /// A dataset or attribute has the wrong shape, type or contents.
    case malformed
    /// The units recorded in the file are not the ones mlff uses.
    case unsupportedUnits
    /// libhdf5 refused an operation (I/O error, disk full, damaged file).
    case hdf5
    /// Datasets that cannot be combined (different teachers, mixed split schemes).
    case incompatible
    /// An argument given by the caller is not valid (fractions, indices).
    case invalidArgument
  }

  /// The kind of problem.
  public var kind: Kind
  /// The file concerned, when there is one.
  public var file: String?
  /// The HDF5 object (dataset, attribute, group) concerned, e.g. "dataset 'forces'".
  public var object: String?
  /// What was wrong.
  public var message: String
  /// What to do about it.
  public var hint: String?

  public init(_ kind: Kind, file: String? = nil, object: String? = nil, message: String, hint: String? = nil) {
    self.kind = kind
    self.file = file
    self.object = object
    self.message = message
    self.hint = hint
  }

  public var description: String {
    var parts: [String] = []
    if let file { parts.append(file) }
    if let object { parts.append(object) }
    parts.append(message)
    var text = parts.joined(separator: ": ")
    if let hint { text += ". " + hint }
    return text
  }
}
