import Atomistic
import Basics
import Foundation
import Testing
@testable import Datasets

@Suite("Label shards: dealing and merging")
struct LabelShardTests {
  /// Atom counts of a mixed input: small molecules and a few large cells.
  func mixedAtomCounts(_ n: Int, seed: UInt64) -> [Int] {
    var g = Xoshiro256StarStar(seed: seed)
    return (0..<n).map { _ in g.next(below: 10) == 0 ? 50 + g.next(below: 200) : 1 + g.next(below: 30) }
  }

  @Test("the N shards partition the input: every frame exactly once, each shard in input order")
  func partition() {
    for (frames, seed) in [(0, 1), (1, 2), (7, 3), (64, 4), (301, 5)] as [(Int, UInt64)] {
      let atoms = mixedAtomCounts(frames, seed: seed)
      for n in [1, 2, 3, 8, 17] {
        let slices = LabelShard.deal(atomCounts: atoms, shards: n)
        #expect(slices.count == n)
        #expect(slices.flatMap { $0 }.sorted() == Array(0..<frames), "\(frames) frames, \(n) shards")
        for slice in slices { #expect(slice == slice.sorted()) }
        for k in 0..<n { #expect(LabelShard(index: k, count: n).frames(atomCounts: atoms) == slices[k]) }
      }
    }
  }

  @Test("shards differ in atoms by at most one structure's atoms")
  func balance() {
    for seed: UInt64 in 1...20 {
      let atoms = mixedAtomCounts(40 + Int(seed) * 13, seed: seed)
      for n in [2, 3, 5, 8] {
        let loads = LabelShard.deal(atomCounts: atoms, shards: n).map { $0.reduce(0) { $0 + atoms[$1] } }
        #expect(loads.max()! - loads.min()! <= atoms.max()!, "seed \(seed), \(n) shards: loads \(loads)")
        #expect(loads.reduce(0, +) == atoms.reduce(0, +))
      }
    }
  }

  @Test("equal atom counts are dealt round robin, and the dealing depends on the atom counts alone")
  func roundRobin() {
    let slices = LabelShard.deal(atomCounts: [Int](repeating: 4, count: 10), shards: 3)
    #expect(slices == [[0, 3, 6, 9], [1, 4, 7], [2, 5, 8]])
    let atoms = mixedAtomCounts(100, seed: 9)
    #expect(LabelShard.deal(atomCounts: atoms, shards: 6) == LabelShard.deal(atomCounts: atoms, shards: 6))
    // Largest first: the one large structure opens shard 0, the rest fill shard 1 first.
    #expect(LabelShard.deal(atomCounts: [1, 1, 10, 1], shards: 2) == [[2], [0, 1, 3]])
  }

  @Test("K/N is parsed 0-based and a wrong one is refused with what to write")
  func parsing() {
    guard case .success(let s) = LabelShard.parse("3/8") else { Issue.record("3/8 refused"); return }
    #expect(s == LabelShard(index: 3, count: 8) && s.description == "3/8")
    for bad in ["8/8", "-1/4", "3", "a/b", "1/0", "2/"] {
      guard case .failure(let error) = LabelShard.parse(bad) else { Issue.record("\(bad) accepted"); continue }
      #expect(error.description.contains(bad))
    }
    if case .failure(let error) = LabelShard.parse("8/8") { #expect(error.description.contains("0…7")) }
  }

  @Test("the fingerprint is FNV-1a of the bytes and tells one changed byte apart")
  func fingerprint() throws {
    let folder = temporaryFolder()
    defer { try? FileManager.default.removeItem(at: folder) }
    let a = folder.appendingPathComponent("a"), b = folder.appendingPathComponent("b")
    try Data("a".utf8).write(to: a)
    // FNV-1a 64 of "a" (the published test vector).
    #expect(try fileFingerprint(a) == "fnv1a64:af63dc4c8601ec8c:1")
    try Data("ab".utf8).write(to: a)
    try Data("ac".utf8).write(to: b)
    #expect(try fileFingerprint(a) != fileFingerprint(b))
  }

  // MARK: Merging

  /// Writes the N shards of `structures` as `LabellingJob` would, returning their files.
  func writeShards(_ structures: [Structure], n: Int, in folder: URL, name: String = "shard",
                   fingerprint: String = "fnv1a64:0123456789abcdef:99", teacher: String = "emt",
                   splits: Bool = false) throws -> [URL] {
    let slices = LabelShard.deal(atomCounts: structures.map(\.count), shards: n)
    return try slices.enumerated().map { k, frames in
      var metadata = DatasetMetadata(teacher: teacher, teacherVersion: "3.23", provenance: [
        "shard": "\(k)/\(n)", "shard_rule": LabelShard.rule, "input_fingerprint": fingerprint,
        "structures_in_input": String(structures.count), "structures_in_shard": String(frames.count),
        "teacher_settings": "device=default", "structures_failed": "1", "input": "in.xyz",
      ])
      metadata.inputFrames = frames
      let part = frames.map { structures[$0] }
      let url = folder.appendingPathComponent("\(name)-\(k).h5")
      try Dataset(structures: part, metadata: metadata,
                  splits: splits ? .random(count: part.count, fractions: .standard, seed: 5) : nil).write(to: url)
      return url
    }
  }

  @Test("merged shards, given in any order, are the input in input order with the seed's splits")
  func mergeRestoresInputOrder() throws {
    let folder = temporaryFolder()
    defer { try? FileManager.default.removeItem(at: folder) }
    let all = sampleStructures(count: 41, seed: 3)
    let urls = try writeShards(all, n: 4, in: folder, splits: true)
    let output = folder.appendingPathComponent("data.h5")
    let summary = try Dataset.mergeLabelShards([urls[2], urls[0], urls[3], urls[1]], into: output)
    #expect(summary.structures == 41 && summary.missingFrames.isEmpty && summary.shards == 4)
    let merged = try Dataset.read(output)
    #expect(merged.structures == all)
    #expect(merged.splits == .random(count: 41, fractions: .standard, seed: 5))
    #expect(merged.metadata.inputFrames == Array(0..<41))
    #expect(merged.metadata.provenance["shards"] == "4")
    #expect(merged.metadata.provenance["shard"] == nil)
    #expect(merged.metadata.provenance["structures_failed"] == "4")  // summed
    #expect(merged.metadata.provenance["merged_from"] == "shard-0.h5, shard-1.h5, shard-2.h5, shard-3.h5")
  }

  @Test("a frame missing from a shard (a failure) is left out and reported")
  func missingFrame() throws {
    let folder = temporaryFolder()
    defer { try? FileManager.default.removeItem(at: folder) }
    let all = sampleStructures(count: 10, seed: 4)
    let urls = try writeShards(all, n: 2, in: folder)
    // Shard 1 without its first structure, as when the teacher failed on it.
    var shard = try Dataset.read(urls[1])
    let dropped = shard.metadata.inputFrames![0]
    shard.metadata.inputFrames!.removeFirst()
    shard = Dataset(structures: Array(shard.structures.dropFirst()), metadata: shard.metadata)
    try shard.write(to: urls[1])
    let summary = try Dataset.mergeLabelShards(urls, into: folder.appendingPathComponent("data.h5"))
    #expect(summary.missingFrames == [dropped])
    #expect(try Dataset.read(folder.appendingPathComponent("data.h5")).structures == all.enumerated().filter { $0.offset != dropped }.map(\.element))
  }

  /// The message of the error `body` throws ("" when it throws none).
  func failure(_ body: () throws -> Void) -> String {
    do { try body() } catch { return "\(error)" }
    return ""
  }

  @Test("merge refuses a missing shard, a duplicate, another input, another teacher, another N and a non-shard")
  func refusals() throws {
    let folder = temporaryFolder()
    defer { try? FileManager.default.removeItem(at: folder) }
    let all = sampleStructures(count: 20, seed: 6)
    let urls = try writeShards(all, n: 4, in: folder)
    let out = folder.appendingPathComponent("data.h5")

    let missing = failure { try Dataset.mergeLabelShards([urls[0], urls[1], urls[3]], into: out) }
    #expect(missing.contains("shard 2/4 is missing (given: 0/4, 1/4, 3/4)"), "\(missing)")
    #expect(missing.contains("--shard 2/4"), "\(missing)")
    let twoMissing = failure { try Dataset.mergeLabelShards([urls[0], urls[3]], into: out) }
    #expect(twoMissing.contains("shards 1/4, 2/4 are missing"), "\(twoMissing)")

    let copy = folder.appendingPathComponent("copy.h5")
    try FileManager.default.copyItem(at: urls[1], to: copy)
    let duplicate = failure { try Dataset.mergeLabelShards(urls + [copy], into: out) }
    #expect(duplicate.contains("shard 1/4 is given twice") && duplicate.contains("copy.h5"), "\(duplicate)")

    let other = try writeShards(all, n: 4, in: folder, name: "other", fingerprint: "fnv1a64:ffffffffffffffff:99")
    let input = failure { try Dataset.mergeLabelShards([urls[0], urls[1], urls[2], other[3]], into: out) }
    #expect(input.contains("different inputs") && input.contains("other-3.h5"), "\(input)")

    let mace = try writeShards(all, n: 4, in: folder, name: "mace", teacher: "mace-mp-0")
    let teacher = failure { try Dataset.mergeLabelShards([urls[0], urls[1], urls[2], mace[3]], into: out) }
    #expect(teacher.contains("different teachers") && teacher.contains("mace-mp-0"), "\(teacher)")

    let eight = try writeShards(all, n: 8, in: folder, name: "eight")
    let count = failure { try Dataset.mergeLabelShards([urls[0], eight[1]], into: out) }
    #expect(count.contains("different numbers of shards"), "\(count)")

    let plain = folder.appendingPathComponent("plain.h5")
    try Dataset(structures: all, metadata: DatasetMetadata(teacher: "emt")).write(to: plain)
    let notShard = failure { try Dataset.mergeLabelShards(urls + [plain], into: out) }
    #expect(notShard.contains("plain.h5 is not a labelling shard"), "\(notShard)")
    #expect(!FileManager.default.fileExists(atPath: out.path))
  }

  @Test("input_frames is written and read back, and left out when it no longer fits")
  func inputFramesRoundTrip() throws {
    let folder = temporaryFolder()
    defer { try? FileManager.default.removeItem(at: folder) }
    var metadata = DatasetMetadata(teacher: "emt")
    metadata.inputFrames = [4, 9, 11]
    let url = folder.appendingPathComponent("a.h5")
    try Dataset(structures: sampleStructures(count: 3, seed: 1), metadata: metadata).write(to: url)
    #expect(try Dataset.read(url).metadata.inputFrames == [4, 9, 11])
    #expect(try Dataset.metadata(of: url).teacher == "emt")
    try Dataset(structures: sampleStructures(count: 2, seed: 1), metadata: metadata).write(to: url)
    #expect(try Dataset.read(url).metadata.inputFrames == nil)
  }
}
