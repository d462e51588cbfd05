import Atomistic
import Foundation

/// How the splits of a merged dataset are made.
public enum MergedSplits: Sendable, Hashable {
  /// The default: when every shard's splits were made by `DatasetSplits.random` with the same
  /// seed and fractions, make new random splits of the merged dataset with that seed and those
  /// fractions; when every shard has splits but not that, keep each shard's splits (indices
  /// shifted); when no shard has splits, none. Any other mix is an error.
  case automatic
  /// New random splits with these fractions and seed, ignoring the shards' splits.
  case random(SplitFractions, seed: UInt64)
  /// Keep each shard's splits, with indices shifted by the structures before it.
  case concatenate
  /// No splits.
  case none
}

extension Dataset {
  /// Concatenates datasets (e.g. shards labelled by separate jobs) in order.
  ///
  /// The teacher name and version must agree (a shard without a teacher is taken to agree);
  /// with `allowMixedTeachers` differing teachers are allowed and recorded as
  /// "name1, name2" in `metadata.teacher`. The merged metadata keeps the first shard's
  /// `createdBy` and `createdAt` unless `createdBy` is given, and the union of the shards'
  /// provenance (the first shard wins on a conflicting key).
  /// - Parameters:
  ///   - datasets: at least one dataset.
  ///   - names: how the shards are called in error messages (e.g. file paths); defaults to "shard k".
  /// - Throws: `DatasetError` (.incompatible) naming the shards that disagree.
  public static func merge(
    _ datasets: [Dataset], splits: MergedSplits = .automatic, allowMixedTeachers: Bool = false,
    createdBy: String? = nil, names: [String]? = nil
  ) throws -> Dataset {
    guard !datasets.isEmpty else {
      throw DatasetError(.invalidArgument, message: "nothing to merge", hint: "Give at least one dataset")
    }
    let labels = names ?? datasets.indices.map { "shard \($0)" }
    let parts = datasets.map { (columns: $0.columns, metadata: $0.metadata, splits: $0.splits) }
    let merged = try mergeParts(parts, labels: labels, splits: splits, allowMixedTeachers: allowMixedTeachers, createdBy: createdBy)
    return Dataset(structures: datasets.flatMap(\.structures), metadata: merged.metadata, splits: merged.splits)
  }

  /// Merges shard files into one dataset file (written atomically), reading each shard as
  /// columns; see `merge(_:splits:allowMixedTeachers:createdBy:names:)` for the rules.
  /// `metadata.provenance["merged_from"]` lists the shard file names.
  /// - Returns: the number of structures written.
  @discardableResult
  public static func mergeShards(
    _ shards: [URL], into output: URL, splits: MergedSplits = .automatic, allowMixedTeachers: Bool = false,
    createdBy: String? = nil
  ) throws -> Int {
    guard !shards.isEmpty else {
      throw DatasetError(.invalidArgument, message: "no shard files to merge", hint: "Give at least one .h5 file")
    }
    let parts = try shards.map { try readColumns($0) }
    var merged = try mergeParts(parts, labels: shards.map(\.path), splits: splits, allowMixedTeachers: allowMixedTeachers,
                                createdBy: createdBy)
    merged.metadata.provenance["merged_from"] = shards.map(\.lastPathComponent).joined(separator: ", ")
    try write(columns: merged.columns, metadata: merged.metadata, splits: merged.splits, to: output)
    return merged.columns.structureCount
  }

  private static func mergeParts(
    _ parts: [(columns: DatasetColumns, metadata: DatasetMetadata, splits: DatasetSplits?)], labels: [String],
    splits policy: MergedSplits, allowMixedTeachers: Bool, createdBy: String?
  ) throws -> (columns: DatasetColumns, metadata: DatasetMetadata, splits: DatasetSplits?) {
    var metadata = parts[0].metadata
    metadata.inputFrames = nil  // frames of one shard's input; label shards merge with mergeLabelShards
    let teachers = parts.compactMap { part -> (String, String?)? in part.metadata.teacher.map { ($0, part.metadata.teacherVersion) } }
    var distinct: [String] = []
    for (name, version) in teachers {
      let text = version.map { "\(name) \($0)" } ?? name
      if !distinct.contains(text) { distinct.append(text) }
    }
    if distinct.count > 1 {
      guard allowMixedTeachers else {
        let listing = zip(labels, parts).map { label, part in
          "\(label): \(part.metadata.teacher ?? "none") \(part.metadata.teacherVersion ?? "")".trimmingCharacters(in: .whitespaces)
        }
        throw DatasetError(.incompatible, message: "the shards were labelled by different teachers (\(listing.joined(separator: "; ")))",
                           hint: "Relabel them with one teacher, or allow mixed teachers explicitly")
      }
      metadata.teacher = Array(Set(teachers.map(\.0))).sorted().joined(separator: ", ")
      metadata.teacherVersion = distinct.joined(separator: ", ")
    } else if let (name, version) = teachers.first {
      metadata.teacher = name
      metadata.teacherVersion = version
    }
    if let createdBy {
      metadata.createdBy = createdBy
      metadata.createdAt = DatasetMetadata.timestamp()
    }
    for part in parts.dropFirst() {
      for (key, value) in part.metadata.provenance where metadata.provenance[key] == nil { metadata.provenance[key] = value }
    }

    var columns = DatasetColumns()
    for part in parts { columns.append(contentsOf: part.columns) }
    let count = columns.structureCount

    let shardSplits = parts.map(\.splits)
    func concatenated() -> DatasetSplits {
      var out = DatasetSplits(train: [], validation: [], test: [])
      var shift = 0
      for (part, split) in zip(parts, shardSplits) {
        if let split {
          out.train += split.train.map { $0 + shift }
          out.validation += split.validation.map { $0 + shift }
          out.test += split.test.map { $0 + shift }
        }
        shift += part.columns.structureCount
      }
      return out
    }
    let merged: DatasetSplits?
    switch policy {
    case .none: merged = nil
    case .random(let fractions, let seed):
      try fractions.validate()
      merged = .random(count: count, fractions: fractions, seed: seed)
    case .concatenate: merged = concatenated()
    case .automatic:
      let present = shardSplits.compactMap { $0 }
      if present.isEmpty {
        merged = nil
      } else if present.count != parts.count {
        let missing = zip(labels, shardSplits).filter { $0.1 == nil }.map(\.0)
        throw DatasetError(.incompatible, message: "some shards have splits and some do not (without: \(missing.joined(separator: ", ")))",
                           hint: "Choose new random splits for the merged dataset (a seed and fractions), or drop the splits")
      } else if let seed = present[0].seed, let fractions = present[0].fractions,
                present.allSatisfy({ $0.seed == seed && $0.fractions == fractions }) {
        merged = .random(count: count, fractions: fractions, seed: seed)
      } else {
        merged = concatenated()
      }
    }
    return (columns, metadata, merged)
  }
}
