import Atomistic
import Foundation
import Testing

/// `mlff convert`, run as a user runs it.
@Suite struct ConvertCommandTests {
  static func labelled() -> [Structure] {
    var a = Structure(
      atomicNumbers: [14, 14], positions: [SIMD3(0, 0, 0), SIMD3(1.3575, 1.3575, 1.3575)],
      cell: Cell(a1: SIMD3(0, 2.715, 2.715), a2: SIMD3(2.715, 0, 2.715), a3: SIMD3(2.715, 2.715, 0)),
      pbc: [true, true, true])
    a.energy = -10.8
    a.forces = [SIMD3(0.1, -0.2, 0.3), SIMD3(-0.1, 0.2, -0.3)]
    a.stress = [0.01, 0.02, 0.03, 0.001, 0.002, 0.003]
    a.info["step"] = .int(4)
    a.arrays["charge"] = .doubles(columns: 1, values: [0.1, -0.1])
    let b = Structure(atomicNumbers: [6, 8], positions: [SIMD3(0, 0, 0), SIMD3(0, 0, 1.128)])
    return [a, b]
  }

  @Test func extendedRoundTripKeepsEverything() throws {
    let folder = try cliTemporaryFolder()
    let input = folder.appendingPathComponent("in.xyz"), output = folder.appendingPathComponent("out/out.extxyz")
    try ExtXYZ.write(Self.labelled(), to: input)
    let run = try runMLFF(["convert", input.path, output.path])
    #expect(run.status == 0, "\(run.stderr)")
    #expect(run.stdout.contains("wrote 2 frames (4 atoms)"))
    #expect(try ExtXYZ.read(output) == Self.labelled())
  }

  @Test func plainXYZDropsEverythingButSpeciesAndPositions() throws {
    let folder = try cliTemporaryFolder()
    let input = folder.appendingPathComponent("in.extxyz"), output = folder.appendingPathComponent("out.xyz")
    try ExtXYZ.write(Self.labelled(), to: input)
    let run = try runMLFF(["convert", input.path, output.path, "--format", "xyz"])
    #expect(run.status == 0, "\(run.stderr)")
    let text = try String(contentsOf: output, encoding: .utf8)
    #expect(!text.contains("Lattice") && !text.contains("energy"))
    #expect(text.split(separator: "\n", omittingEmptySubsequences: false).count == 2 * (2 + 2) + 1)
    let back = try ExtXYZ.read(output)
    #expect(back.map(\.atomicNumbers) == Self.labelled().map(\.atomicNumbers))
    #expect(back.map(\.positions) == Self.labelled().map(\.positions))
    #expect(back.allSatisfy { $0.energy == nil && $0.cell == .zero })
  }

  @Test func labelKeysMapOnInputAndOutput() throws {
    let folder = try cliTemporaryFolder()
    let input = folder.appendingPathComponent("ref.extxyz"), output = folder.appendingPathComponent("copy.extxyz")
    let keys = ExtXYZOptions(energyKey: "REF_energy", forcesKey: "REF_forces", stressKey: "REF_stress")
    try ExtXYZ.write(Self.labelled(), to: input, options: keys)
    let run = try runMLFF([
      "convert", input.path, output.path, "--energy-key", "REF_energy", "--forces-key", "REF_forces",
      "--stress-key", "REF_stress",
    ])
    #expect(run.status == 0, "\(run.stderr)")
    #expect(try ExtXYZ.read(output, options: keys) == Self.labelled())
    #expect(try String(contentsOf: output, encoding: .utf8).contains("REF_energy=-10.8"))
  }

  @Test func outputGivenWithDashO() throws {
    let folder = try cliTemporaryFolder()
    let input = folder.appendingPathComponent("in.xyz"), output = folder.appendingPathComponent("out.extxyz")
    try ExtXYZ.write(Self.labelled(), to: input)
    let run = try runMLFF(["convert", input.path, "-o", output.path])
    #expect(run.status == 0, "\(run.stderr)")
    #expect(try ExtXYZ.read(output) == Self.labelled())
    let twice = try runMLFF(["convert", input.path, output.path, "-o", output.path])
    #expect(twice.status == 64 && twice.stderr.contains("give the output file once"), "\(twice.stderr)")
    let none = try runMLFF(["convert", input.path])
    #expect(none.status == 64 && none.stderr.contains("-o"), "\(none.stderr)")
  }

  @Test func userMistakesGiveActionableErrors() throws {
    let folder = try cliTemporaryFolder()
    let input = folder.appendingPathComponent("in.xyz")
    try ExtXYZ.write(Self.labelled(), to: input)
    let unknown = try runMLFF(["convert", input.path, folder.appendingPathComponent("out.pdb").path])
    #expect(unknown.status != 0 && unknown.stderr.contains("--format"))
    let same = try runMLFF(["convert", input.path, input.path])
    #expect(same.status != 0 && same.stderr.contains("is the input file"))
    let missing = try runMLFF(["convert", folder.appendingPathComponent("nope.xyz").path, folder.appendingPathComponent("o.xyz").path])
    #expect(missing.status != 0 && missing.stderr.contains("no such file"))
    // A bad input leaves no output file behind.
    let bad = folder.appendingPathComponent("bad.xyz"), output = folder.appendingPathComponent("never.xyz")
    try "2\nenergy=1\nH 0 0 0\n".write(to: bad, atomically: true, encoding: .utf8)
    let truncated = try runMLFF(["convert", bad.path, output.path])
    #expect(truncated.status != 0 && truncated.stderr.contains("frame 0 (counting from 0)"))
    #expect(!FileManager.default.fileExists(atPath: output.path))
    #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted() == ["bad.xyz", "in.xyz"])
  }
}
