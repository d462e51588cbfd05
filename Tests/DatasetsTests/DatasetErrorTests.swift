import Atomistic
import CHDF5
import Foundation
import Testing
@testable import Datasets

/// Bad, foreign and damaged files give a `DatasetError` naming the file and what is wrong.
@Suite("Dataset file errors")
struct DatasetErrorTests {
  let folder = temporaryFolder()

  func expectError(_ url: URL, _ kind: DatasetError.Kind, mentioning words: [String]) {
    do {
      _ = try Dataset.read(url)
      Issue.record("reading \(url.lastPathComponent) should have failed with \(kind)")
    } catch let error as DatasetError {
      #expect(error.kind == kind, "\(error)")
      #expect(error.description.contains(url.path), "\(error)")
      for word in words { #expect(error.description.contains(word), "'\(word)' missing from: \(error)") }
    } catch {
      Issue.record("unexpected error type: \(error)")
    }
  }

  /// A correct file written by hand, with one part altered by `change`.
  func handWritten(_ name: String, nAtoms: Int = 5, offsets: [Int64] = [0, 2, 5], skip: Set<String> = [],
                   change: (HDF5File) throws -> Void = { _ in }) throws -> URL {
    let url = folder.appendingPathComponent(name)
    try writeRawFile(url) { file in
      let n = offsets.count - 1
      if !skip.contains("format") { try file.setAttribute("format", "mlff-dataset") }
      if !skip.contains("atomic_numbers") {
        try file.write("atomic_numbers", [Int32](repeating: 14, count: nAtoms), shape: [nAtoms],
                       fileType: mlff_h5t_std_i32le(), memoryType: mlff_h5t_native_int32())
      }
      if !skip.contains("positions") {
        try file.write("positions", (0..<(3 * nAtoms)).map(Double.init), shape: [nAtoms, 3],
                       fileType: mlff_h5t_ieee_f64le(), memoryType: mlff_h5t_native_double())
      }
      if !skip.contains("offsets") {
        try file.write("offsets", offsets, shape: [n + 1], fileType: mlff_h5t_std_i64le(), memoryType: mlff_h5t_native_int64())
      }
      try change(file)
    }
    return url
  }

  @Test("a minimal hand-written file reads, with defaults for what it leaves out")
  func minimalFile() throws {
    let url = try handWritten("minimal.h5")
    let dataset = try Dataset.read(url)
    #expect(dataset.structures.map(\.count) == [2, 3])
    #expect(dataset.structures[1].positions[0] == SIMD3(6, 7, 8))
    #expect(dataset.structures.allSatisfy { $0.energy == nil && $0.forces == nil && $0.stress == nil })
    #expect(dataset.structures.allSatisfy { $0.cell == .zero && $0.pbc == [false, false, false] })
    #expect(dataset.metadata.teacher == nil)
    #expect(dataset.splits == nil)
  }

  @Test("labels without masks: NaN means missing")
  func masksDerived() throws {
    let url = try handWritten("nomask.h5") { file in
      try file.write("energy", [1.5, Double.nan], shape: [2], fileType: mlff_h5t_ieee_f64le(), memoryType: mlff_h5t_native_double())
    }
    let dataset = try Dataset.read(url)
    #expect(dataset.structures.map(\.energy) == [1.5, nil])
  }

  @Test("a missing file") func missingFile() {
    expectError(folder.appendingPathComponent("nothing-here.h5"), .fileNotFound, mentioning: ["no such file"])
  }

  @Test("a text file is not HDF5") func textFile() throws {
    let url = folder.appendingPathComponent("structures.h5")
    try "2\nLattice=\"1 0 0 0 1 0 0 0 1\"\nH 0 0 0\nH 0 0 1\n".write(to: url, atomically: true, encoding: .utf8)
    expectError(url, .notHDF5, mentioning: ["not an HDF5 file"])
  }

  @Test("a truncated file gives an error, not a crash") func truncated() throws {
    let url = folder.appendingPathComponent("cut.h5")
    try Dataset(structures: sampleStructures(count: 40, seed: 2)).write(to: url)
    let data = try Data(contentsOf: url)
    try data.prefix(data.count / 2).write(to: url)
    do {
      _ = try Dataset.read(url)
      Issue.record("a truncated file was read")
    } catch let error as DatasetError {
      #expect(error.description.contains(url.path))
      #expect([.notHDF5, .hdf5, .notMLFFDataset, .malformed].contains(error.kind))
    }
  }

  @Test("garbage inside the data gives an error") func corruptedBytes() throws {
    let url = folder.appendingPathComponent("flipped.h5")
    try Dataset(structures: sampleStructures(count: 40, seed: 2)).write(to: url)
    var data = try Data(contentsOf: url)
    for k in stride(from: 8, to: min(data.count, 2048), by: 1) { data[k] = 0xFF }
    try data.write(to: url)
    #expect(throws: DatasetError.self) { try Dataset.read(url) }
  }

  @Test("another HDF5 file is not an mlff dataset") func foreignFormat() throws {
    let url = try handWritten("foreign.h5") { try $0.setAttribute("format", "schnetpack") }
    expectError(url, .notMLFFDataset, mentioning: ["'format'", "schnetpack"])
  }

  @Test("a newer layout version is refused") func newerVersion() throws {
    let url = try handWritten("v9.h5") {
      try $0.setAttribute("format_version", [Int64(9)], fileType: mlff_h5t_std_i64le(), memoryType: mlff_h5t_native_int64())
    }
    expectError(url, .unsupportedVersion, mentioning: ["9", "Update mlff"])
  }

  @Test("other units are refused") func otherUnits() throws {
    let url = try handWritten("kcal.h5") { try $0.setAttribute("energy_unit", "kcal/mol") }
    expectError(url, .unsupportedUnits, mentioning: ["energy_unit", "kcal/mol"])
  }

  @Test("a required dataset that is missing is named") func missingDataset() throws {
    let url = try handWritten("nopos.h5", skip: ["positions"])
    expectError(url, .notMLFFDataset, mentioning: ["'positions'", "missing"])
  }

  @Test("a dataset of the wrong shape is named with both shapes") func wrongShape() throws {
    let url = try handWritten("shape.h5") {
      try $0.write("forces", [Double](repeating: 0, count: 10), shape: [5, 2], fileType: mlff_h5t_ieee_f64le(), memoryType: mlff_h5t_native_double())
    }
    expectError(url, .malformed, mentioning: ["'forces'", "(5, 2)", "(5, 3)"])
  }

  @Test("offsets that do not match the atoms") func badOffsets() throws {
    let url = try handWritten("offsets.h5", offsets: [0, 2, 4])
    expectError(url, .malformed, mentioning: ["'offsets'", "4", "5 atoms"])
    let decreasing = try handWritten("offsets2.h5", offsets: [0, 3, 2, 5])
    expectError(decreasing, .malformed, mentioning: ["'offsets'", "decreases"])
  }

  @Test("strings where numbers belong") func wrongType() throws {
    let url = try handWritten("strings.h5", skip: ["atomic_numbers"]) { try $0.writeStrings("atomic_numbers", ["Si", "Si", "Si", "Si", "Si"]) }
    expectError(url, .malformed, mentioning: ["'atomic_numbers'", "strings"])
  }

  @Test("an impossible atomic number") func badElement() throws {
    let url = try handWritten("z.h5", skip: ["atomic_numbers"]) {
      try $0.write("atomic_numbers", [Int32(14), 14, 0, 14, 14], shape: [5], fileType: mlff_h5t_std_i32le(), memoryType: mlff_h5t_native_int32())
    }
    expectError(url, .malformed, mentioning: ["atomic number 0", "structure 1"])
  }

  @Test("split indices out of range or shared between splits") func badSplits() throws {
    let url = try handWritten("split.h5") { file in
      try file.createGroup("splits")
      try file.write("splits/train", [Int64(0), 7], shape: [2], fileType: mlff_h5t_std_i64le(), memoryType: mlff_h5t_native_int64())
    }
    expectError(url, .malformed, mentioning: ["splits/train", "index 7"])
    let shared = try handWritten("split2.h5") { file in
      try file.createGroup("splits")
      try file.write("splits/train", [Int64(0), 1], shape: [2], fileType: mlff_h5t_std_i64le(), memoryType: mlff_h5t_native_int64())
      try file.write("splits/test", [Int64(1)], shape: [1], fileType: mlff_h5t_std_i64le(), memoryType: mlff_h5t_native_int64())
    }
    expectError(shared, .malformed, mentioning: ["structure 1", "'train'"])
  }

  @Test("a mask that claims a label the file does not hold") func maskDisagrees() throws {
    let url = try handWritten("mask.h5") { file in
      try file.write("energy", [1.0, Double.nan], shape: [2], fileType: mlff_h5t_ieee_f64le(), memoryType: mlff_h5t_native_double())
      try file.writeFlags("has_energy", [true, true], shape: [2])
    }
    expectError(url, .malformed, mentioning: ["'energy'", "structure 1", "has_energy"])
  }
}
