import Foundation
import Testing

@testable import Atomistic

/// Malformed files give an `ExtXYZError` with the right kind, frame (from 0) and line (from 1),
/// never a crash and never silently wrong numbers.
@Suite struct ExtXYZErrorTests {
  /// A good frame to put before the bad one, so frame and line numbers are not trivially 0 and 1.
  static let good = "1\nPropertes_ok=T\nH 0 0 0\n"

  struct Case: CustomTestStringConvertible, Sendable {
    var name: String
    var badFrame: String
    var kind: ExtXYZError.Kind
    /// Line of the problem within the bad frame, counting from 1 (nil: not tied to a line).
    var line: Int?
    /// Words the message must contain.
    var mentions: [String]
    var testDescription: String { name }
  }

  static let cases: [Case] = [
    Case(name: "truncated frame", badFrame: "3\nenergy=1\nH 0 0 0\nH 0 0 1\n",
         kind: .truncatedFrame, line: nil, mentions: ["2 of the 3 atom lines"]),
    Case(name: "file ends after the count", badFrame: "2\n", kind: .truncatedFrame, line: 1, mentions: ["comment line"]),
    Case(name: "too few columns", badFrame: "1\nProperties=species:S:1:pos:R:3:forces:R:3\nH 0 0 0 1 2\n",
         kind: .wrongColumnCount, line: 3, mentions: ["expected 7 columns", "found 6"]),
    Case(name: "too many columns", badFrame: "1\nLattice=\"1 0 0 0 1 0 0 0 1\"\nH 0 0 0 5\n",
         kind: .wrongColumnCount, line: 3, mentions: ["expected 4 columns", "found 5"]),
    Case(name: "non-numeric position", badFrame: "2\nenergy=1\nH 0 0 0\nH 0 abc 0\n",
         kind: .badValue, line: 4, mentions: ["column 3", "'abc'", "atom 1"]),
    Case(name: "non-integer I column", badFrame: "1\nProperties=species:S:1:pos:R:3:tag:I:1\nH 0 0 0 1.5\n",
         kind: .badValue, line: 3, mentions: ["'tag'", "integer"]),
    Case(name: "bad logical", badFrame: "1\nProperties=species:S:1:pos:R:3:fixed:L:1\nH 0 0 0 yes\n",
         kind: .badValue, line: 3, mentions: ["logical"]),
    Case(name: "Lattice with 6 numbers", badFrame: "1\nLattice=\"1 0 0 0 1 0\"\nH 0 0 0\n",
         kind: .badLattice, line: 2, mentions: ["6 numbers", "expected 9"]),
    // ASE: "expecting a 9-long numerical vector"; three edge lengths are not read as a box.
    Case(name: "Lattice with 3 numbers", badFrame: "1\nLattice=\"1 2 3\"\nH 0 0 0\n",
         kind: .badLattice, line: 2, mentions: ["3 numbers", "expected 9", "Lattice=\"1.0 0 0 0 2.0 0 0 0 3.0\""]),
    Case(name: "Lattice not numbers", badFrame: "1\nLattice=\"1 0 0 0 1 0 0 0 x\"\nH 0 0 0\n",
         kind: .badLattice, line: 2, mentions: ["'x'"]),
    Case(name: "unknown species", badFrame: "2\nenergy=1\nH 0 0 0\nQq 0 0 0\n",
         kind: .unknownSpecies, line: 4, mentions: ["'Qq'"]),
    Case(name: "atomic number out of range", badFrame: "1\nProperties=Z:I:1:pos:R:3\n119 0 0 0\n",
         kind: .unknownSpecies, line: 3, mentions: ["119"]),
    Case(name: "Properties type unknown", badFrame: "1\nProperties=species:S:1:pos:X:3\nH 0 0 0\n",
         kind: .badProperties, line: 2, mentions: ["'X'"]),
    Case(name: "Properties not triples", badFrame: "1\nProperties=species:S:1:pos:R\nH 0 0 0\n",
         kind: .badProperties, line: 2, mentions: ["multiple of 3"]),
    Case(name: "Properties without positions", badFrame: "1\nProperties=species:S:1:x:R:3\nH 0 0 0\n",
         kind: .badProperties, line: 2, mentions: ["pos:R:3"]),
    Case(name: "pos with 2 columns", badFrame: "1\nProperties=species:S:1:pos:R:2\nH 0 0\n",
         kind: .badProperties, line: 2, mentions: ["R:3"]),
    Case(name: "negative atom count", badFrame: "-2\nenergy=1\n", kind: .badAtomCount, line: 1, mentions: ["-2"]),
    Case(name: "non-integer atom count", badFrame: "2.5\nenergy=1\nH 0 0 0\nH 0 0 0\n",
         kind: .badAtomCount, line: 1, mentions: ["'2.5'"]),
    Case(name: "text where the count should be", badFrame: "H 0 0 0\n", kind: .badAtomCount, line: 1, mentions: ["number of atoms"]),
    Case(name: "unterminated quote", badFrame: "1\nLattice=\"1 0 0 0 1 0 0 0 1 pbc=T\nH 0 0 0\n",
         kind: .badCommentLine, line: 2, mentions: ["unterminated"]),
    Case(name: "NaN position", badFrame: "1\nenergy=1\nH 0 nan 0\n", kind: .nonFiniteValue, line: 3, mentions: ["finite"]),
    Case(name: "infinite force", badFrame: "1\nProperties=species:S:1:pos:R:3:forces:R:3\nH 0 0 0 0 inf 0\n",
         kind: .nonFiniteValue, line: 3, mentions: ["force"]),
    Case(name: "stress with 5 values", badFrame: "1\nLattice=\"1 0 0 0 1 0 0 0 1\" stress=\"1 2 3 4 5\"\nH 0 0 0\n",
         kind: .badLabel, line: 2, mentions: ["5 numbers", "6", "9"]),
    Case(name: "energy not a number", badFrame: "1\nenergy=low\nH 0 0 0\n", kind: .badLabel, line: 2, mentions: ["energy"]),
    Case(name: "NaN energy", badFrame: "1\nenergy=nan\nH 0 0 0\n", kind: .nonFiniteValue, line: 2, mentions: ["finite"]),
    Case(name: "pbc with two values", badFrame: "1\npbc=\"T F\"\nH 0 0 0\n", kind: .badPBC, line: 2, mentions: ["three"]),
    Case(name: "forces with 2 columns", badFrame: "1\nProperties=species:S:1:pos:R:3:forces:R:2\nH 0 0 0 1 1\n",
         kind: .badLabel, line: 2, mentions: ["R:3"]),
    Case(name: "virial without a cell", badFrame: "1\nvirial=\"1 0 0 0 1 0 0 0 1\"\nH 0 0 0\n",
         kind: .badLabel, line: 2, mentions: ["volume"]),
    Case(name: "species and Z disagree", badFrame: "1\nProperties=species:S:1:Z:I:1:pos:R:3\nH 2 0 0 0\n",
         kind: .unknownSpecies, line: 3, mentions: ["disagree"]),
    Case(name: "hexadecimal number", badFrame: "1\nenergy=1\nH 0x1p3 0 0\n", kind: .badValue, line: 3, mentions: ["0x1p3"]),
  ]

  @Test(arguments: cases) func malformedFrame(_ c: Case) throws {
    let text = Self.good + c.badFrame
    let error = try #require(extxyzError { _ = try ExtXYZ.parse(text, name: "bad.xyz") })
    #expect(error.kind == c.kind, "\(error)")
    #expect(error.file == "bad.xyz")
    #expect(error.frame == 1, "\(error)")
    #expect(error.line == c.line.map { $0 + 3 }, "\(error)")
    for word in c.mentions { #expect(error.message.contains(word), "'\(word)' not in: \(error)") }
    // The description says where, in words a user reads.
    #expect(error.description.hasPrefix("bad.xyz: frame 1 (counting from 0)"), "\(error)")
  }

  @Test func readerStaysFailedAfterAnError() throws {
    let reader = ExtXYZReader(text: Self.good + "x\n" + Self.good, name: "r.xyz")
    #expect(try reader.next() != nil)
    #expect(throws: ExtXYZError.self) { _ = try reader.next() }
    #expect(throws: ExtXYZError.self) { _ = try reader.next() }
  }

  @Test func missingFileAndFolder() throws {
    let missing = URL(fileURLWithPath: "/nonexistent/nowhere.xyz")
    let e1 = try #require(extxyzError { _ = try ExtXYZ.read(missing) })
    #expect(e1.kind == .io && e1.description.contains("/nonexistent/nowhere.xyz") && e1.description.contains("no such file"))
    let folder = try extxyzTemporaryFolder()
    let e2 = try #require(extxyzError { _ = try ExtXYZ.read(folder) })
    #expect(e2.kind == .io && e2.message.contains("folder"))
  }

  @Test func countFramesReportsTruncation() throws {
    let folder = try extxyzTemporaryFolder()
    let url = folder.appendingPathComponent("cut.xyz")
    try (Self.good + Self.good + "5\nenergy=1\nH 0 0 0\n").write(to: url, atomically: true, encoding: .utf8)
    let error = try #require(extxyzError { _ = try ExtXYZReader.countFrames(url) })
    #expect(error.kind == .truncatedFrame && error.frame == 2)
  }

  @Test func writerRefusesStructuresItCannotWrite() throws {
    var s = Structure(atomicNumbers: [1], positions: [SIMD3(0, 0, 0)])
    s.forces = [SIMD3(0, 0, 0), SIMD3(1, 1, 1)]
    #expect(extxyzError { _ = try ExtXYZ.format([s]) }?.kind == .invalidStructure)
    s.forces = nil
    s.stress = [1, 2, 3]
    #expect(extxyzError { _ = try ExtXYZ.format([s]) }?.kind == .invalidStructure)
    s.stress = nil
    s.info["pbc"] = .bool(true)
    #expect(extxyzError { _ = try ExtXYZ.format([s]) }?.kind == .invalidStructure)
    s.info = ["note": .string("two\nlines")]
    #expect(extxyzError { _ = try ExtXYZ.format([s]) }?.kind == .invalidStructure)
    s.info = [:]
    s.arrays["q"] = .doubles(columns: 1, values: [1, 2])
    #expect(extxyzError { _ = try ExtXYZ.format([s]) }?.kind == .invalidStructure)
    s.arrays = [:]
    s.positions[0].x = .nan
    #expect(extxyzError { _ = try ExtXYZ.format([s]) }?.kind == .invalidStructure)
  }
}
