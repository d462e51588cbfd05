import Atomistic

/// Labelled structures with where their labels came from and how they are split.
///
/// Labels live in each `Structure`'s `energy` (eV), `forces` (eV/Å) and `stress` (eV/Å³, Voigt
/// xx yy zz yz xz xy); any of them may be nil. The HDF5 file keeps atoms, cells, periodicity
/// and labels; a structure's free-form `info` and per-atom `arrays` are not stored (see
/// docs/dataset-format.md). Read and write `.h5` files with `read(_:)` and `write(to:)`.
public struct Dataset: Sendable {
  /// The structures, in file order.
  public var structures: [Structure]
  /// Teacher, command line, time and free-form provenance.
  public var metadata: DatasetMetadata
  /// Train/validation/test indices into `structures`; nil when none were made.
  public var splits: DatasetSplits?

  public init(structures: [Structure], metadata: DatasetMetadata = DatasetMetadata(), splits: DatasetSplits? = nil) {
    self.structures = structures
    self.metadata = metadata
    self.splits = splits
  }

  /// The structures as flat arrays (atoms concatenated, with offsets).
  public var columns: DatasetColumns { DatasetColumns(structures) }

  /// The structures of one split, in index order; empty when there are no splits.
  public func structures(in split: SplitName) -> [Structure] {
    (splits?[split] ?? []).map { structures[$0] }
  }

  /// Gives the dataset random splits (see `DatasetSplits.random(count:fractions:seed:)`).
  public mutating func split(fractions: SplitFractions, seed: UInt64) {
    splits = DatasetSplits.random(count: structures.count, fractions: fractions, seed: seed)
  }
}
