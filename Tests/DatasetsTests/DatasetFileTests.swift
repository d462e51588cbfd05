import Atomistic
import Foundation
import Testing
@testable import Datasets

@Suite("Dataset HDF5 files")
struct DatasetFileTests {
  @Test("write then read gives back every atom, cell, flag and label bit for bit")
  func roundTrip() throws {
    let folder = temporaryFolder()
    defer { try? FileManager.default.removeItem(at: folder) }
    let structures = sampleStructures(count: 41, seed: 3)
    let metadata = DatasetMetadata(
      teacher: "emt", teacherVersion: "ase 3.29", createdBy: "mlff label in.xyz -o data.h5",
      createdAt: "2026-11-21T09:00:00Z", provenance: ["sampling": "rattle 0.05 Å", "job": "17"])
    let splits = DatasetSplits.random(count: structures.count, fractions: .standard, seed: 5)
    let url = folder.appendingPathComponent("data.h5")
    try Dataset(structures: structures, metadata: metadata, splits: splits).write(to: url)

    let back = try Dataset.read(url)
    #expect(back.structures == structures)
    #expect(back.metadata == metadata)
    #expect(back.splits == splits)
    // The structures really have the mix of labels the layout must handle.
    #expect(structures.contains { $0.energy == nil } && structures.contains { $0.forces == nil && $0.count > 0 })
    #expect(structures.contains { $0.stress != nil } && structures.contains { $0.count == 0 })
    #expect(structures.contains { $0.pbc == [true, true, false] })
  }

  @Test("the column view and the structures agree, and subsets pick the right atoms")
  func columns() throws {
    let structures = sampleStructures(count: 23, seed: 9)
    let columns = DatasetColumns(structures)
    #expect(columns.structureCount == 23)
    #expect(columns.atomCount == structures.reduce(0) { $0 + $1.count })
    #expect(columns.structures == structures)
    for s in [0, 5, 22] {
      let r = structures[s].positions
      for a in 0..<structures[s].count {
        let k = columns.offsets[s] + a
        #expect(SIMD3(columns.positions[3 * k], columns.positions[3 * k + 1], columns.positions[3 * k + 2]) == r[a])
      }
      #expect(columns.hasEnergy[s] == (structures[s].energy != nil))
      #expect(columns.energy[s].isNaN == (structures[s].energy == nil))
    }
    let picked = [7, 2, 19]
    #expect(columns.subset(picked).structures == picked.map { structures[$0] })
    try columns.validate()
  }

  @Test("reading columns is the same as reading structures")
  func readColumns() throws {
    let folder = temporaryFolder()
    defer { try? FileManager.default.removeItem(at: folder) }
    let structures = sampleStructures(count: 12, seed: 1)
    let url = folder.appendingPathComponent("d.h5")
    try Dataset(structures: structures).write(to: url)
    let (columns, _, splits) = try Dataset.readColumns(url)
    #expect(splits == nil)
    #expect(columns == DatasetColumns(structures) || columns.structures == structures)
    #expect(columns.structures == structures)
  }

  @Test("an empty dataset round-trips")
  func empty() throws {
    let folder = temporaryFolder()
    defer { try? FileManager.default.removeItem(at: folder) }
    let url = folder.appendingPathComponent("empty.h5")
    try Dataset(structures: [], splits: .random(count: 0, fractions: .standard, seed: 0)).write(to: url)
    let back = try Dataset.read(url)
    #expect(back.structures.isEmpty)
    #expect(back.splits?.train == [])
  }

  @Test("writing replaces an existing file and leaves no temporary file behind")
  func atomicReplace() throws {
    let folder = temporaryFolder()
    defer { try? FileManager.default.removeItem(at: folder) }
    let url = folder.appendingPathComponent("data.h5")
    try Dataset(structures: sampleStructures(count: 5, seed: 1)).write(to: url)
    let second = sampleStructures(count: 3, seed: 2)
    try Dataset(structures: second).write(to: url)
    #expect(try Dataset.read(url).structures == second)
    let names = try FileManager.default.contentsOfDirectory(atPath: folder.path)
    #expect(names == ["data.h5"])
  }

  @Test("invalid columns are refused before anything is written")
  func refusesInvalid() throws {
    let folder = temporaryFolder()
    defer { try? FileManager.default.removeItem(at: folder) }
    let url = folder.appendingPathComponent("bad.h5")
    var structures = sampleStructures(count: 4, seed: 1)
    structures[1].positions[0].x = .nan
    #expect(throws: DatasetError.self) { try Dataset(structures: structures).write(to: url) }
    #expect(!FileManager.default.fileExists(atPath: url.path))
    var splits = DatasetSplits(train: [0, 1], validation: [1], test: [])
    #expect(throws: DatasetError.self) {
      try Dataset(structures: sampleStructures(count: 4, seed: 1), splits: splits).write(to: url)
    }
    splits = DatasetSplits(train: [0, 4], validation: [], test: [])
    #expect(throws: DatasetError.self) {
      try Dataset(structures: sampleStructures(count: 4, seed: 1), splits: splits).write(to: url)
    }
  }

  @Test("concurrent reads and writes from many threads are serialised and all succeed")
  func concurrentUse() async throws {
    let folder = temporaryFolder()
    defer { try? FileManager.default.removeItem(at: folder) }
    let structures = sampleStructures(count: 30, seed: 4)
    let results = await withTaskGroup(of: Bool.self) { group in
      for k in 0..<16 {
        group.addTask {
          let url = folder.appendingPathComponent("t\(k % 4).h5")
          do {
            try Dataset(structures: structures).write(to: url)
            return try Dataset.read(url).structures == structures
          } catch {
            return false
          }
        }
      }
      var all: [Bool] = []
      for await ok in group { all.append(ok) }
      return all
    }
    #expect(results.count == 16 && results.allSatisfy { $0 })
  }
}
