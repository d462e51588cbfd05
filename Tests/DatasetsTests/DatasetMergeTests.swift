import Atomistic
import Foundation
import Testing
@testable import Datasets

@Suite("Merging shards")
struct DatasetMergeTests {
  @Test("merging shard files concatenates them and remakes the splits from the seed")
  func mergeFiles() throws {
    let folder = temporaryFolder()
    defer { try? FileManager.default.removeItem(at: folder) }
    let all = sampleStructures(count: 50, seed: 8)
    let parts = [Array(all[0..<17]), Array(all[17..<18]), Array(all[18..<50])]
    var urls: [URL] = []
    for (k, part) in parts.enumerated() {
      let url = folder.appendingPathComponent("shard\(k).h5")
      let metadata = DatasetMetadata(teacher: "emt", teacherVersion: "3.29", provenance: ["shard": "\(k)"])
      try Dataset(structures: part, metadata: metadata, splits: .random(count: part.count, fractions: .standard, seed: 4)).write(to: url)
      urls.append(url)
    }
    let output = folder.appendingPathComponent("merged.h5")
    let count = try Dataset.mergeShards(urls, into: output, createdBy: "merge test")
    #expect(count == 50)
    let merged = try Dataset.read(output)
    #expect(merged.structures == all)
    #expect(merged.splits == DatasetSplits.random(count: 50, fractions: .standard, seed: 4))
    #expect(merged.metadata.teacher == "emt" && merged.metadata.teacherVersion == "3.29")
    #expect(merged.metadata.createdBy == "merge test")
    #expect(merged.metadata.provenance["shard"] == "0")
    #expect(merged.metadata.provenance["merged_from"] == "shard0.h5, shard1.h5, shard2.h5")
  }

  @Test("hand-made splits are kept, shifted by the structures before each shard")
  func concatenatedSplits() throws {
    let a = Dataset(structures: sampleStructures(count: 4, seed: 1), splits: DatasetSplits(train: [0, 1], validation: [2], test: [3]))
    let b = Dataset(structures: sampleStructures(count: 3, seed: 2), splits: DatasetSplits(train: [2], validation: [0], test: [1]))
    let merged = try Dataset.merge([a, b])
    #expect(merged.splits == DatasetSplits(train: [0, 1, 6], validation: [2, 4], test: [3, 5]))
    #expect(merged.structures == a.structures + b.structures)
    let fresh = try Dataset.merge([a, b], splits: .random(.standard, seed: 9))
    #expect(fresh.splits == DatasetSplits.random(count: 7, fractions: .standard, seed: 9))
    #expect(try Dataset.merge([a, b], splits: .none).splits == nil)
  }

  @Test("different teachers are refused unless allowed")
  func teachersDisagree() throws {
    let a = Dataset(structures: sampleStructures(count: 2, seed: 1), metadata: DatasetMetadata(teacher: "emt", teacherVersion: "3.29"))
    let b = Dataset(structures: sampleStructures(count: 2, seed: 2), metadata: DatasetMetadata(teacher: "chgnet", teacherVersion: "0.4.2"))
    do {
      _ = try Dataset.merge([a, b], names: ["a.h5", "b.h5"])
      Issue.record("merge of different teachers succeeded")
    } catch let error as DatasetError {
      #expect(error.kind == .incompatible)
      #expect(error.description.contains("a.h5: emt 3.29") && error.description.contains("b.h5: chgnet 0.4.2"))
    }
    let mixed = try Dataset.merge([a, b], allowMixedTeachers: true)
    #expect(mixed.metadata.teacher == "chgnet, emt")
    // A shard without a teacher does not conflict.
    let c = Dataset(structures: sampleStructures(count: 1, seed: 3))
    #expect(try Dataset.merge([c, a]).metadata.teacher == "emt")
  }

  @Test("a mix of shards with and without splits is refused under the default policy")
  func mixedSplits() {
    let a = Dataset(structures: sampleStructures(count: 3, seed: 1), splits: .random(count: 3, fractions: .standard, seed: 1))
    let b = Dataset(structures: sampleStructures(count: 3, seed: 2))
    #expect(throws: DatasetError.self) { try Dataset.merge([a, b]) }
  }
}
