import Atomistic
import Datasets
import Foundation
import Teacher
import Testing
@testable import Distillation

/// `mlff label --shard K/N` and `mlff merge`, end to end with the EMT teacher (deterministic,
/// so a label computed twice is the same to the bit).
@Suite struct ShardedLabellingTests {
  /// Rattled and strained copies of the Cu/Au seeds (4- and 8-atom cells) in `folder/name`.
  func writeInput(count: Int, in folder: URL, name: String = "in.xyz", seed: UInt64 = 1) throws -> URL {
    let seeds = try ExtXYZ.read(copperGoldSeeds())
    let candidates = try sampleCandidates(from: seeds, options: SamplingOptions(count: count, rattle: 0.05, strain: 0.02, seed: seed))
    let url = folder.appendingPathComponent(name)
    try ExtXYZ.write(candidates, to: url)
    return url
  }

  @Test func threeShardsMergedEqualOneUnshardedRunAndMergeRefusesAMissingShard() throws {
    let folder = try distillTemporaryFolder()
    defer { try? FileManager.default.removeItem(at: folder) }
    let input = try writeInput(count: 23, in: folder)
    let teacher = ["--teacher", "emt", "--python", testPython(), "--quiet"]
    let full = folder.appendingPathComponent("full.h5")
    let whole = try runDistill(["label", input.path, "-o", full.path] + teacher, logs: folder)
    #expect(whole.status == 0, "\(whole.stderr)")

    var shards: [URL] = []
    for k in 0..<3 {
      let shard = folder.appendingPathComponent("shard-\(k).h5")
      let run = try runDistill(["label", input.path, "-o", shard.path, "--shard", "\(k)/3"] + teacher, logs: folder)
      #expect(run.status == 0, "shard \(k): \(run.stderr)")
      shards.append(shard)
    }
    // The shards partition the input, balanced within one structure's atoms.
    let frames = try shards.map { try Dataset.read($0).metadata.inputFrames ?? [] }
    #expect(frames.flatMap { $0 }.sorted() == Array(0..<23))
    let atoms = try ExtXYZ.read(input).map(\.count)
    let loads = frames.map { $0.reduce(0) { $0 + atoms[$1] } }
    #expect(loads.max()! - loads.min()! <= atoms.max()!, "\(loads)")

    let merged = folder.appendingPathComponent("data.h5")
    let merge = try runDistill(["merge", shards[2].path, shards[0].path, shards[1].path, "-o", merged.path], logs: folder)
    #expect(merge.status == 0, "\(merge.stderr)")
    #expect(merge.stdout.contains("merged 3 shards: 23 of 23 input structures"), "\(merge.stdout)")
    let a = try Dataset.read(full), b = try Dataset.read(merged)
    #expect(a.structures.count == 23)
    #expect(a.structures == b.structures, "the merged shards differ from the unsharded run")  // labels to the bit
    #expect(a.metadata.teacher == b.metadata.teacher && a.metadata.teacherVersion == b.metadata.teacherVersion)
    #expect(b.metadata.provenance["shards"] == "3")
    #expect(b.metadata.provenance["input_fingerprint"] == (try fileFingerprint(input)))

    let missing = try runDistill(["merge", shards[0].path, shards[2].path, "-o", folder.appendingPathComponent("x.h5").path], logs: folder)
    #expect(missing.status != 0)
    #expect(missing.stderr.contains("shard 1/3 is missing"), "\(missing.stderr)")

    // A shard of another input (the same frames but one more) is refused.
    let other = try writeInput(count: 24, in: folder, name: "other.xyz")
    let stranger = folder.appendingPathComponent("other-1.h5")
    #expect(try runDistill(["label", other.path, "-o", stranger.path, "--shard", "1/3"] + teacher, logs: folder).status == 0)
    let mixed = try runDistill(["merge", shards[0].path, stranger.path, shards[2].path, "-o", folder.appendingPathComponent("y.h5").path], logs: folder)
    #expect(mixed.status != 0)
    #expect(mixed.stderr.contains("different inputs"), "\(mixed.stderr)")
  }

  @Test func aShardKilledWithSIGKILLResumesAloneAndRefusesAnotherShardsJournal() throws {
    let folder = try distillTemporaryFolder()
    defer { try? FileManager.default.removeItem(at: folder) }
    try writeTestTeachers(in: folder)
    let input = try writeInput(count: 40, in: folder)
    let environment = ["PYTHONPATH": folder.path]
    let shard = folder.appendingPathComponent("shard-0.h5")
    let journal = LabelJournal(output: shard).journalURL
    // 0.1 s per structure: the shard's ~20 structures take seconds.
    let arguments = ["label", input.path, "-o", shard.path, "--shard", "0/2", "--teacher", "distill_test_teachers:slow",
                     "--python", testPython(), "--quiet"]
    let first = try MLFFProcess(arguments, environment: environment, logs: folder)
    let started = waitUntil(timeout: 120) { countFramesQuickly(journal) >= 3 }
    first.kill()
    #expect(started, "the journal never reached 3 frames: \(first.stderr)")
    let before = countFramesQuickly(journal)
    #expect(!FileManager.default.fileExists(atPath: shard.path), "the shard finished before the kill; the test proves nothing")

    // The journal belongs to shard 0/2; shard 1/2 may not continue it.
    let wrong = try runDistill(["label", input.path, "-o", shard.path, "--shard", "1/2", "--teacher", "distill_test_teachers:slow",
                                "--python", testPython(), "--quiet"], environment: environment, logs: folder)
    #expect(wrong.status != 0)
    #expect(wrong.stderr.contains("not in shard 1/2"), "\(wrong.stderr)")

    let second = try runDistill(arguments, environment: environment, logs: folder)
    #expect(second.status == 0, "\(second.stderr)")
    #expect(second.stderr.contains("resuming: \(before) of"), "\(second.stderr)")
    let expected = LabelShard(index: 0, count: 2).frames(atomCounts: try ExtXYZ.read(input).map(\.count))
    let dataset = try Dataset.read(shard)
    #expect(dataset.metadata.inputFrames == expected)
    let frames = try ExtXYZ.read(input)
    for (k, frame) in expected.enumerated() {
      #expect(dataset.structures[k].positions == frames[frame].positions, "structure \(k) is not input frame \(frame)")
      #expect(dataset.structures[k].forces?.count == frames[frame].count)
    }
    #expect(!FileManager.default.fileExists(atPath: journal.path))
  }
}
