import Foundation

/// The provenance keys a labelling shard carries (`mlff label --shard K/N`), which
/// `Dataset.mergeLabelShards` checks.
public enum ShardProvenance {
  /// `K/N`.
  public static let shard = "shard"
  /// The dealing rule (`LabelShard.rule`).
  public static let rule = "shard_rule"
  /// `fileFingerprint` of the labelling input.
  public static let inputFingerprint = "input_fingerprint"
  /// Frames in the whole input.
  public static let inputFrames = "structures_in_input"
  /// Frames dealt to this shard.
  public static let shardFrames = "structures_in_shard"
  /// Teacher settings that can change a label (device), as `key=value` pairs.
  public static let teacherSettings = "teacher_settings"
  /// Keys every shard of one job must agree on, beside the teacher's name and version.
  static let agreed = [inputFingerprint, inputFrames, rule, teacherSettings, "teacher_package", "properties", "label_quality"]
  /// Counts summed over the shards in the merged provenance.
  static let summed = ["structures_failed", "structures_rejected"]
}

/// What `Dataset.mergeLabelShards` wrote.
public struct ShardMergeSummary: Sendable {
  /// Shards merged (N).
  public var shards: Int
  /// Frames in the labelling input.
  public var inputFrames: Int
  /// Structures in the merged dataset.
  public var structures: Int
  /// Input frames with no structure in the merged dataset (the teacher failed on them or the
  /// quality checks rejected their labels), ascending.
  public var missingFrames: [Int]
}

extension Dataset {
  /// True when the metadata is a labelling shard's (it has `shard` and `shard_rule` provenance).
  public static func isLabelShard(_ metadata: DatasetMetadata) -> Bool {
    metadata.provenance[ShardProvenance.shard] != nil && metadata.provenance[ShardProvenance.rule] != nil
  }

  /// Merges the N shards of one sharded labelling job into one dataset file (atomically), with
  /// the structures in input order, as one unsharded `mlff label` of the same input writes them.
  ///
  /// Refuses, naming the files: a file that is not a shard; shards of different inputs (their
  /// input fingerprints differ), of different N or dealing rules, or labelled with different
  /// teachers or teacher settings, properties or quality thresholds; a shard number given twice;
  /// any shard of 0..<N missing (named, with the command that labels it); two shards holding
  /// the same input frame.
  ///
  /// Splits: when every shard has random splits of the same seed and fractions (as `mlff
  /// distill` makes them), the merged dataset gets new random splits of that seed and those
  /// fractions, as an unsharded run would; when every shard has other splits, each shard's
  /// splits are kept (indices moved to the merged order); when none has splits, none.
  /// Provenance: the first shard's, less the shard's own keys, with `shards` = N,
  /// `merged_from` (the file names) and the failure and rejection counts summed.
  /// - Parameter shards: the shard files, in any order.
  /// - Throws: `DatasetError` (.incompatible) saying what is wrong and what to do.
  @discardableResult
  public static func mergeLabelShards(_ shards: [URL], into output: URL, createdBy: String? = nil) throws -> ShardMergeSummary {
    guard !shards.isEmpty else {
      throw DatasetError(.invalidArgument, message: "no shard files to merge", hint: "Give the N shard files of one sharded labelling job")
    }
    let parts = try shards.map { try readColumns($0) }
    func refuse(_ message: String, _ hint: String) -> DatasetError { DatasetError(.incompatible, message: message, hint: hint) }

    // Every file is a shard of the same job.
    var numbers: [LabelShard] = []
    for (url, part) in zip(shards, parts) {
      guard let text = part.metadata.provenance[ShardProvenance.shard] else {
        throw refuse("\(url.path) is not a labelling shard (it has no '\(ShardProvenance.shard)' provenance; it was not written by mlff label --shard K/N)",
                     "Merge only the shards of one job, or merge ordinary datasets without it")
      }
      guard case .success(let shard) = LabelShard.parse(text) else {
        throw refuse("\(url.path): its shard provenance '\(text)' is not K/N", "Label that shard again")
      }
      guard let frames = part.metadata.inputFrames, frames.count == part.columns.structureCount else {
        throw refuse("\(url.path) is shard \(shard) but does not say which input frame each structure came from (no 'input_frames')",
                     "Label that shard again with this version of mlff")
      }
      numbers.append(shard)
    }
    let first = parts[0].metadata
    func describe(_ m: DatasetMetadata, _ key: String) -> String {
      switch key {
      case "teacher": return "\(m.teacher ?? "none") \(m.teacherVersion ?? "")".trimmingCharacters(in: .whitespaces)
      default: return m.provenance[key] ?? "none"
      }
    }
    for (k, part) in parts.enumerated().dropFirst() {
      let m = part.metadata
      if numbers[k].count != numbers[0].count {
        throw refuse("\(shards[0].path) is shard \(numbers[0]) but \(shards[k].path) is shard \(numbers[k]): they belong to jobs with different numbers of shards",
                     "Merge the N shards of one job")
      }
      if m.provenance[ShardProvenance.inputFingerprint] != first.provenance[ShardProvenance.inputFingerprint]
          || m.provenance[ShardProvenance.inputFrames] != first.provenance[ShardProvenance.inputFrames] {
        throw refuse("\(shards[0].path) and \(shards[k].path) were labelled from different inputs ("
                     + "\(first.provenance["input"] ?? "?") \(describe(first, ShardProvenance.inputFingerprint)), "
                     + "\(m.provenance["input"] ?? "?") \(describe(m, ShardProvenance.inputFingerprint)))",
                     "Label every shard from the same input file")
      }
      if m.teacher != first.teacher || m.teacherVersion != first.teacherVersion {
        throw refuse("\(shards[0].path) and \(shards[k].path) were labelled by different teachers (\(describe(first, "teacher")); \(describe(m, "teacher")))",
                     "Label every shard with the same teacher and version")
      }
      for key in ShardProvenance.agreed where m.provenance[key] != first.provenance[key] {
        throw refuse("\(shards[0].path) and \(shards[k].path) disagree on \(key) ('\(describe(first, key))'; '\(describe(m, key))')",
                     "Label every shard with the same settings")
      }
    }

    // Each of 0..<N exactly once.
    let n = numbers[0].count
    var owner: [Int: URL] = [:]
    for (url, shard) in zip(shards, numbers) {
      if let other = owner[shard.index] {
        throw refuse("shard \(shard) is given twice: \(other.path) and \(url.path)", "Give each shard once")
      }
      owner[shard.index] = url
    }
    let missing = (0..<n).filter { owner[$0] == nil }
    if !missing.isEmpty {
      let input = first.provenance["input"] ?? "INPUT.xyz"
      let names = missing.map { "\($0)/\(n)" }
      throw refuse("shard\(missing.count > 1 ? "s" : "") \(names.joined(separator: ", ")) \(missing.count > 1 ? "are" : "is") missing (given: \(numbers.map(\.description).sorted().joined(separator: ", ")))",
                   "Label \(missing.count > 1 ? "them" : "it") (mlff label \(input) --shard \(names[0]) -o …) and merge all \(n) again")
    }

    // Input order: every structure sorted by its input frame.
    var rows: [(frame: Int, part: Int, row: Int)] = []
    for (p, part) in parts.enumerated() {
      for (row, frame) in part.metadata.inputFrames!.enumerated() { rows.append((frame, p, row)) }
    }
    rows.sort { $0.frame < $1.frame }
    for (a, b) in zip(rows, rows.dropFirst()) where a.frame == b.frame {
      throw refuse("input frame \(a.frame) is in both \(shards[a.part].path) and \(shards[b.part].path)",
                   "The shards were dealt by different rules or edited; label them again")
    }
    var offsets = [0]
    for part in parts { offsets.append(offsets.last! + part.columns.structureCount) }
    var all = DatasetColumns()
    for part in parts { all.append(contentsOf: part.columns) }
    let order = rows.map { offsets[$0.part] + $0.row }
    let columns = all.subset(order)
    var position = [Int](repeating: 0, count: order.count)  // concatenated row → merged row
    for (merged, row) in order.enumerated() { position[row] = merged }

    // Splits.
    let splitsOfParts = parts.map(\.splits)
    let mergedSplits: DatasetSplits?
    let present = splitsOfParts.compactMap { $0 }
    if present.isEmpty {
      mergedSplits = nil
    } else if present.count != parts.count {
      let without = zip(shards, splitsOfParts).filter { $0.1 == nil }.map(\.0.path)
      throw refuse("some shards have splits and some do not (without: \(without.joined(separator: ", ")))",
                   "Label every shard the same way")
    } else if let seed = present[0].seed, let fractions = present[0].fractions,
              present.allSatisfy({ $0.seed == seed && $0.fractions == fractions }) {
      mergedSplits = .random(count: columns.structureCount, fractions: fractions, seed: seed)
    } else {
      var s = DatasetSplits(train: [], validation: [], test: [])
      for (p, split) in present.enumerated() {
        let moved = { (indices: [Int]) in indices.map { position[offsets[p] + $0] } }
        s.train += moved(split.train)
        s.validation += moved(split.validation)
        s.test += moved(split.test)
      }
      mergedSplits = s
    }

    // Provenance.
    var metadata = first
    for key in [ShardProvenance.shard, ShardProvenance.shardFrames] { metadata.provenance.removeValue(forKey: key) }
    for key in ShardProvenance.summed + metadata.provenance.keys.filter({ $0.hasPrefix("structures_rejected_") }) {
      let values = parts.compactMap { $0.metadata.provenance[key].flatMap { Int($0) } }
      if !values.isEmpty { metadata.provenance[key] = String(values.reduce(0, +)) }
    }
    metadata.provenance["shards"] = String(n)
    metadata.provenance["merged_from"] = zip(numbers, shards).sorted { $0.0.index < $1.0.index }.map(\.1.lastPathComponent).joined(separator: ", ")
    metadata.inputFrames = rows.map(\.frame)
    if let createdBy {
      metadata.createdBy = createdBy
      metadata.createdAt = DatasetMetadata.timestamp()
    }
    try write(columns: columns, metadata: metadata, splits: mergedSplits, to: output)

    let total = Int(first.provenance[ShardProvenance.inputFrames] ?? "") ?? (rows.last.map { $0.frame + 1 } ?? 0)
    let present_ = Set(rows.map(\.frame))
    return ShardMergeSummary(shards: n, inputFrames: total, structures: columns.structureCount,
                             missingFrames: (0..<total).filter { !present_.contains($0) })
  }
}
