import Foundation
import OrderedCollections
import Testing

@testable import Atomistic

/// The comment-line and column conventions of ASE's extxyz reader, checked on hand-written frames.
@Suite struct ExtXYZReadTests {
  @Test func commentLineKeyValueSyntax() throws {
    let text = """
      1
      a=1 b = 2.5 c="x y" d='q' e={1 2 3} f=[1.5, 2] bare g=T h=False i=TRUE s=abc t="with \\"quote\\"" u=a=b v=1,2 w=T,F uid=0042 Properties=species:S:1:pos:R:3
      H 0 0 0

      """
    let s = try #require(try ExtXYZ.parse(text).first)
    let expected: OrderedDictionary<String, InfoValue> = [
      "a": .int(1), "b": .double(2.5), "c": .string("x y"), "d": .string("q"), "e": .ints([1, 2, 3]),
      "f": .doubles([1.5, 2]), "bare": .bool(true), "g": .bool(true), "h": .bool(false), "i": .bool(true),
      "s": .string("abc"), "t": .string("with \"quote\""), "u": .string("a=b"), "v": .ints([1, 2]),
      "w": .bools([true, false]), "uid": .string("0042"),
    ]
    #expect(s.info == expected)
    #expect(s.pbc == [false, false, false])
    #expect(s.cell == .zero)
  }

  @Test func splitterFollowsASE() throws {
    // Escapes outside quotes, '=' glued to the previous key, empty quoted values.
    let p = try splitCommentLine(#"k\ ey=va\"l x ="y" z= 3 e="" n=1"#)
    #expect(p.pairs.map(\.key) == ["k ey", "x", "z", "e", "n"])
    #expect(p.pairs.map(\.value) == ["va\"l", "y", "3", "", "1"])
    #expect(throws: CommentLineProblem.self) { try splitCommentLine("a=\"open") }
    #expect(throws: CommentLineProblem.self) { try splitCommentLine("=5") }
  }

  @Test func latticeAndPBCDefaults() throws {
    let text = """
      1
      Lattice="1 2 3 4 5 6 7 8 10"
      H 0 0 0
      1
      Lattice="2 0 0 0 3 0 0 0 4" pbc="T F T"
      H 0 0 0
      1
      Lattice=[[1,0,0],[0,1,0],[0,0,1]] pbc=F
      H 0 0 0
      1
      pbc="1 1 0"
      H 0 0 0

      """
    let f = try ExtXYZ.parse(text)
    try #require(f.count == 4)
    #expect(f[0].cell.a1 == SIMD3(1, 2, 3) && f[0].cell.a2 == SIMD3(4, 5, 6) && f[0].cell.a3 == SIMD3(7, 8, 10))
    #expect(f[0].pbc == [true, true, true])
    #expect(f[1].cell == .orthorhombic(2, 3, 4))
    #expect(f[1].pbc == [true, false, true])
    #expect(f[2].cell == .orthorhombic(1, 1, 1))
    #expect(f[2].pbc == [false, false, false])
    #expect(f[3].cell == .zero && f[3].pbc == [true, true, false])
  }

  @Test func labelsUnderCustomKeysAndOtherKeysKept() throws {
    let text = """
      2
      Lattice="4 0 0 0 4 0 0 0 4" Properties=species:S:1:pos:R:3:forces:R:3:REF_forces:R:3 energy=1.5 REF_energy=-3 REF_stress="1 2 3 4 5 6" stress="9 9 9 9 9 9"
      Cu 0 0 0 1 2 3 -1 -2 -3
      Cu 2 2 2 4 5 6 -4 -5 -6

      """
    let options = ExtXYZOptions(energyKey: "REF_energy", forcesKey: "REF_forces", stressKey: "REF_stress")
    let s = try #require(try ExtXYZ.parse(text, options: options).first)
    #expect(s.energy == -3)
    #expect(s.forces == [SIMD3(-1, -2, -3), SIMD3(-4, -5, -6)])
    #expect(s.stress == [1, 2, 3, 4, 5, 6])
    #expect(s.info["energy"] == .double(1.5))
    #expect(s.info["stress"] == .ints([9, 9, 9, 9, 9, 9]))
    #expect(s.arrays["forces"] == .doubles(columns: 3, values: [1, 2, 3, 4, 5, 6]))
    // Round trip under the same keys keeps everything.
    #expect(try ExtXYZ.parse(ExtXYZ.format([s], options: options), options: options) == [s])
  }

  @Test func stressAs3x3AndVirial() throws {
    // 3×3 stress (row-major, symmetric) → Voigt xx yy zz yz xz xy.
    let text = """
      1
      Lattice="2 0 0 0 2 0 0 0 2" stress="1 6 5 6 2 4 5 4 3"
      H 0 0 0
      1
      Lattice="2 0 0 0 2 0 0 0 2" virial="8 0 0 0 16 0 0 0 -8"
      H 0 0 0
      1
      Lattice="2 0 0 0 2 0 0 0 2" stress="1 2 3 4 5 6" virial="1 2 3 4 5 6 7 8 9"
      H 0 0 0

      """
    let f = try ExtXYZ.parse(text)
    #expect(f[0].stress == [1, 2, 3, 4, 5, 6])
    // σ = −W/V with V = 8 Å³.
    #expect(f[1].stress == [-1, -2, 1, -0.0, -0.0, -0.0])
    #expect(f[1].info["virial"] == nil)
    #expect(f[2].stress == [1, 2, 3, 4, 5, 6])
    #expect(f[2].info["virial"] == .ints([1, 2, 3, 4, 5, 6, 7, 8, 9]))
  }

  @Test func atomicNumberColumnAndCaseOfSpecies() throws {
    let text = """
      2
      Properties=Z:I:1:pos:R:3
      8 0 0 0
      1 0 0 1
      2
      Properties=species:S:1:pos:R:3
      SI 0 0 0
      cu 0 0 1

      """
    let f = try ExtXYZ.parse(text)
    #expect(f[0].atomicNumbers == [8, 1])
    #expect(f[1].atomicNumbers == [14, 29])
  }

  @Test func plainXYZAndLayoutTolerance() throws {
    // Windows line ends, tabs, blank lines between frames, a free-text comment, no final newline.
    let text = "3\r\nwater molecule, from a textbook\r\nO\t0.0 0.0 0.0\r\nH 0.7572 0.5858 0.0\r\nH -0.7572 0.5858 0.0 extra\r\n\r\n\n1\n\nAr 1 2 3"
    let f = try ExtXYZ.parse(text)
    try #require(f.count == 2)
    #expect(f[0].atomicNumbers == [8, 1, 1])
    #expect(f[0].positions[1] == SIMD3(0.7572, 0.5858, 0.0))
    #expect(f[0].info == ["comment": .string("water molecule, from a textbook")])
    #expect(f[1].info.isEmpty)
    #expect(f[1].positions == [SIMD3(1, 2, 3)])
    // Plain output: count, comment, species x y z.
    let plain = try ExtXYZ.format([f[0]], options: .init(format: .plain))
    #expect(plain.split(separator: "\n").count == 5)
    #expect(plain.hasPrefix("3\nwater molecule, from a textbook\nO "))
    #expect(try ExtXYZ.parse(plain) == [f[0]])
  }

  @Test func emptyFileHasNoFrames() throws {
    #expect(try ExtXYZ.parse("").isEmpty)
    #expect(try ExtXYZ.parse("\n\n  \n").isEmpty)
    let folder = try extxyzTemporaryFolder()
    let url = folder.appendingPathComponent("empty.xyz")
    try Data().write(to: url)
    #expect(try ExtXYZ.read(url).isEmpty)
    #expect(try ExtXYZReader.countFrames(url) == 0)
  }

  @Test func zeroAtomFrame() throws {
    let f = try ExtXYZ.parse("0\nenergy=0.5\n1\n\nH 0 0 0\n")
    #expect(f.count == 2)
    #expect(f[0].count == 0 && f[0].energy == 0.5)
  }

  @Test func jsonValuesBecomeArrays() throws {
    let f = try ExtXYZ.parse(#"1\#nnames="_JSON [\"a b\", \"c\"]" nested="_JSON [[1, 2]]"\#nH 0 0 0\#n"#)
    #expect(f[0].info["names"] == .strings(["a b", "c"]))
    #expect(f[0].info["nested"] == .string("_JSON [[1, 2]]"))
  }
}
