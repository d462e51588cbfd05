import Basics
import Foundation
import OrderedCollections
import Testing

@testable import Atomistic

/// Writing: exact round trips of every Double, the layout ASE writes, appending and atomic files.
@Suite struct ExtXYZWriteTests {
  /// Doubles that a fixed-precision format would damage.
  static let awkward: [Double] = [
    0.1, 1.0 / 3.0, -2.5e-300, 1e300, 5e-324, .ulpOfOne, -0.0, 123456789.123456789,
    Double.pi, -1.7976931348623157e308, 3.0000000000000004, 1e-5, 1e16,
  ]

  static func randomStructure(atoms: Int, using g: inout SplitMix64) -> Structure {
    func r() -> Double {
      Bool.random(using: &g) ? awkward.randomElement(using: &g)! : Double.random(in: -20...20, using: &g)
    }
    let z = (0..<atoms).map { _ in Int.random(in: 1...118, using: &g) }
    let positions = (0..<atoms).map { _ in SIMD3(r(), r(), r()) }
    let periodic = [Bool.random(using: &g), Bool.random(using: &g), Bool.random(using: &g)]
    let cell = periodic.contains(true) ? Cell(a1: SIMD3(r(), r(), r()), a2: SIMD3(r(), r(), r()), a3: SIMD3(r(), r(), r())) : .zero
    var s = Structure(atomicNumbers: z, positions: positions, cell: cell, pbc: periodic)
    if Bool.random(using: &g) { s.energy = r() }
    if Bool.random(using: &g) { s.forces = (0..<atoms).map { _ in SIMD3(r(), r(), r()) } }
    if Bool.random(using: &g) { s.stress = (0..<6).map { _ in r() } }
    s.info["step"] = .int(Int.random(in: Int.min...Int.max, using: &g))
    s.info["t"] = .double(r())
    s.info["ok"] = .bool(Bool.random(using: &g))
    s.info["name"] = .string(["bulk", "two words", "quote\"inside", "back\\slash", "a=b", "{x}", "it's"].randomElement(using: &g)!)
    s.info["v"] = .doubles((0..<Int.random(in: 2...9, using: &g)).map { _ in r() })
    s.info["n"] = .ints([1, -2, 3])
    s.info["flags"] = .bools([true, false])
    s.info["labels"] = .strings(["x", "y z", "\"q\""])
    s.arrays["charge"] = .doubles(columns: 1, values: (0..<atoms).map { _ in r() })
    s.arrays["tag"] = .ints(columns: 2, values: (0..<(2 * atoms)).map { _ in Int.random(in: -9...9, using: &g) })
    s.arrays["fixed"] = .bools(columns: 3, values: (0..<(3 * atoms)).map { _ in Bool.random(using: &g) })
    s.arrays["site"] = .strings(columns: 1, values: (0..<atoms).map { k in "s\(k)" })
    return s
  }

  @Test func randomStructuresRoundTripBitForBit() throws {
    var g = SplitMix64(seed: 7)
    let frames = (0..<40).map { k in Self.randomStructure(atoms: k % 7, using: &g) }
    let text = try ExtXYZ.format(frames)
    let back = try ExtXYZ.parse(text)
    try #require(back.count == frames.count)
    for (a, b) in zip(frames, back) {
      #expect(a == b)
      // Bit patterns too (== treats -0.0 and 0.0 as equal).
      #expect(a.positions.flatMap { [$0.x.bitPattern, $0.y.bitPattern, $0.z.bitPattern] }
              == b.positions.flatMap { [$0.x.bitPattern, $0.y.bitPattern, $0.z.bitPattern] })
      #expect(a.energy?.bitPattern == b.energy?.bitPattern)
    }
  }

  @Test func layoutIsWhatASEWrites() throws {
    let s = Structure(
      atomicNumbers: [14, 8], positions: [SIMD3(0, 0, 0), SIMD3(1.25, 0.5, -0.1)],
      cell: Cell(a1: SIMD3(5.43, 0, 0), a2: SIMD3(0, 5.43, 0), a3: SIMD3(0, 0, 5.43)), pbc: [true, true, false],
      energy: -10.5, forces: [SIMD3(0.1, 0, 0), SIMD3(-0.1, 0, 0)], stress: [1, 2, 3, 4, 5, 6],
      info: ["step": .int(3), "note": .string("a b")],
      arrays: ["charge": .doubles(columns: 1, values: [0.5, -0.5])])
    let lines = try ExtXYZ.format([s]).split(separator: "\n", omittingEmptySubsequences: false)
    #expect(lines[0] == "2")
    #expect(lines[1] == #"Lattice="5.43 0.0 0.0 0.0 5.43 0.0 0.0 0.0 5.43" Properties=species:S:1:pos:R:3:charge:R:1:forces:R:3 step=3 note="a b" energy=-10.5 stress="1.0 6.0 5.0 6.0 2.0 4.0 5.0 4.0 3.0" pbc="T T F""#)
    #expect(lines[2] == "Si" + String(repeating: " ", count: 14) + "0.0" + String(repeating: " ", count: 14) + "0.0" + String(repeating: " ", count: 14) + "0.0" + String(repeating: " ", count: 14) + "0.5" + String(repeating: " ", count: 14) + "0.1" + String(repeating: " ", count: 14) + "0.0" + String(repeating: " ", count: 14) + "0.0")
    #expect(lines.count == 5 && lines[4].isEmpty)
  }

  @Test func customLabelKeysAreWritten() throws {
    let s = Structure(atomicNumbers: [1], positions: [.zero], energy: 2, forces: [SIMD3(1, 2, 3)])
    let options = ExtXYZOptions(energyKey: "REF_energy", forcesKey: "REF_forces", stressKey: "REF_stress")
    let text = try ExtXYZ.format([s], options: options)
    #expect(text.contains("Properties=species:S:1:pos:R:3:REF_forces:R:3 REF_energy=2.0 pbc=\"F F F\""))
    // Read with default keys, the labels stay as ordinary data.
    let plainKeys = try #require(try ExtXYZ.parse(text).first)
    #expect(plainKeys.energy == nil && plainKeys.info["REF_energy"] == .double(2))
    #expect(plainKeys.arrays["REF_forces"] == .doubles(columns: 3, values: [1, 2, 3]))
  }

  @Test func appendingWriterAddsFramesAndFlushesEach() throws {
    let folder = try extxyzTemporaryFolder()
    let url = folder.appendingPathComponent("sub/journal.extxyz")
    var g = SplitMix64(seed: 11)
    let frames = (0..<5).map { _ in Self.randomStructure(atoms: 3, using: &g) }
    let first = try ExtXYZWriter(url: url)
    try first.write(frames[0])
    try first.write(frames[1])
    // Visible to a reader before close.
    #expect(try ExtXYZ.read(url) == Array(frames[0..<2]))
    try first.close()
    let second = try ExtXYZWriter(url: url, append: true)
    for s in frames[2...] { try second.write(s) }
    try second.close()
    #expect(try ExtXYZ.read(url) == frames)
    #expect(second.framesWritten == 3)
    // Without append the file is replaced.
    let third = try ExtXYZWriter(url: url)
    try third.write(frames[4])
    try third.close()
    #expect(try ExtXYZ.read(url) == [frames[4]])
  }

  @Test func atomicWriteLeavesOldFileOnFailure() throws {
    let folder = try extxyzTemporaryFolder()
    let url = folder.appendingPathComponent("data.xyz")
    let good = Structure(atomicNumbers: [1], positions: [.zero])
    try ExtXYZ.write([good], to: url)
    var bad = good
    bad.forces = []
    #expect(throws: ExtXYZError.self) { try ExtXYZ.write([good, bad], to: url) }
    #expect(try ExtXYZ.read(url) == [good])
    // No temporary file is left behind.
    #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["data.xyz"])
  }
}

@Suite("Atomic files")
struct AtomicFileTests {
  func folder() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("atomic-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
  }

  @Test("the destination appears only at commit, with the complete content; no temporary file is left")
  func commitMovesIntoPlace() throws {
    let dir = try folder()
    let destination = dir.appendingPathComponent("sub/out.txt")
    let file = try AtomicFile(destination: destination)
    #expect(file.temporaryURL.deletingLastPathComponent() == destination.deletingLastPathComponent())
    try "partial".write(to: file.temporaryURL, atomically: false, encoding: .utf8)
    #expect(!FileManager.default.fileExists(atPath: destination.path))
    try "complete".write(to: file.temporaryURL, atomically: false, encoding: .utf8)
    try file.commit()
    #expect(file.isCommitted)
    #expect(try String(contentsOf: destination, encoding: .utf8) == "complete")
    #expect(try FileManager.default.contentsOfDirectory(atPath: destination.deletingLastPathComponent().path) == ["out.txt"])
  }

  @Test("an abandoned file leaves the old destination untouched and removes its temporary file")
  func abandonedLeavesOldFile() throws {
    let dir = try folder()
    let destination = dir.appendingPathComponent("data.txt")
    try writeAtomically("old", to: destination)
    var temporary: URL? = nil
    do {
      let file = try AtomicFile(destination: destination)
      temporary = file.temporaryURL
      try "half of the new".write(to: file.temporaryURL, atomically: false, encoding: .utf8)
    }
    #expect(!FileManager.default.fileExists(atPath: temporary!.path))
    #expect(try String(contentsOf: destination, encoding: .utf8) == "old")
  }

  @Test("two files for the same destination use different temporary files")
  func distinctTemporaries() throws {
    let destination = try folder().appendingPathComponent("x.xyz")
    let a = try AtomicFile(destination: destination), b = try AtomicFile(destination: destination)
    #expect(a.temporaryURL != b.temporaryURL)
  }

  @Test("a commit that cannot rename says where and why, and removes the temporary file")
  func failedCommit() throws {
    let dir = try folder()
    let destination = dir.appendingPathComponent("taken")
    try FileManager.default.createDirectory(at: destination.appendingPathComponent("inside"), withIntermediateDirectories: true)
    let file = try AtomicFile(destination: destination)
    try "x".write(to: file.temporaryURL, atomically: false, encoding: .utf8)
    do {
      try file.commit()
      Issue.record("renaming a file over a non-empty folder succeeded")
    } catch {
      #expect(error.path == destination.path && error.description.contains(destination.path))
    }
    #expect(!FileManager.default.fileExists(atPath: file.temporaryURL.path))
  }
}
