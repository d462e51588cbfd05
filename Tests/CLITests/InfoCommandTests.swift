import Atomistic
import Foundation
import Testing

/// `mlff info`, run as a user runs it.
@Suite struct InfoCommandTests {
  func json(_ run: MLFFRun) throws -> [String: Any] {
    #expect(run.status == 0, "stderr: \(run.stderr)")
    return try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any], "\(run.stdout)")
  }

  @Test func siliconDiamondSummaryAndNeighbours() throws {
    let file = examplesFolder().appendingPathComponent("si-diamond.xyz").path
    let plain = try json(runMLFF(["info", file, "--json"]))
    #expect(plain["frames"] as? Int == 1)
    #expect(plain["atoms_total"] as? Int == 8)
    #expect(plain["elements"] as? [String: Int] == ["Si": 8])
    #expect(plain["periodic_frames"] as? Int == 1)
    #expect(plain["pbc"] as? [String: Int] == ["T T T": 1])
    let volume = try #require(plain["cell_volume"] as? [String: Double])
    #expect(abs((volume["mean"] ?? 0) - 5.43 * 5.43 * 5.43) < 1e-9)
    #expect(plain["neighbor_pairs_total"] == nil)

    // Diamond: 4 nearest neighbours at a√3/4 = 2.351 Å, then 12 at a/√2 = 3.840 Å.
    let first = try json(runMLFF(["info", file, "--json", "--cutoff", "2.5"]))
    #expect(first["neighbor_pairs_total"] as? Int == 8 * 4 / 2)
    #expect(first["neighbors_per_atom_mean"] as? Double == 4)
    #expect(first["neighbors_per_atom_max"] as? Int == 4)
    let second = try json(runMLFF(["info", file, "--json", "--cutoff", "4.0"]))
    #expect(second["neighbor_pairs_total"] as? Int == 8 * 16 / 2)
    let frames = try #require(second["per_frame_neighbors"] as? [[String: Any]])
    #expect(frames.count == 1 && frames[0]["pairs"] as? Int == 64 && frames[0]["max"] as? Int == 16)
  }

  @Test func textOutputCountsLabelsAndElements() throws {
    let folder = try cliTemporaryFolder()
    let url = folder.appendingPathComponent("mixed.extxyz")
    let water = Structure(
      atomicNumbers: [8, 1, 1], positions: [SIMD3(0, 0, 0), SIMD3(0.96, 0, 0), SIMD3(-0.24, 0.93, 0)],
      energy: -14.2, forces: [.zero, .zero, .zero], info: ["config_type": .string("molecule")])
    var slab = Structure(
      atomicNumbers: [29, 29], positions: [SIMD3(0, 0, 0), SIMD3(1.8, 1.8, 0)],
      cell: .orthorhombic(3.6, 3.6, 20), pbc: [true, true, false])
    slab.energy = -7
    try ExtXYZ.write([water, slab], to: url)
    let run = try runMLFF(["info", url.path, "--cutoff", "3", "--per-frame"])
    #expect(run.status == 0, "\(run.stderr)")
    #expect(run.stdout.contains("frames    2"))
    #expect(run.stdout.contains("atoms     5 total; per frame min 2, mean 2.5, max 3"))
    #expect(run.stdout.contains("elements  H 2, O 1, Cu 2"))
    #expect(run.stdout.contains("labels    energy 2, forces 1, stress 0 of 2 frames"))
    #expect(run.stdout.contains("config_type (1)"))
    #expect(run.stdout.contains("\"T T F\" 1"))
    // Water: O–H, O–H, H–H (1.52 Å) all within 3 Å → 3 pairs. Slab: Cu–Cu at 2.546 Å, each atom
    // sees the other in 4 images (pbc in x and y) → 4 pairs.
    #expect(run.stdout.contains("neighbors cutoff 3 Å: 7 pairs"))
  }

  @Test func badFileGivesNonZeroExitWithWhere() throws {
    let folder = try cliTemporaryFolder()
    let url = folder.appendingPathComponent("bad.xyz")
    try "1\nenergy=1\nH 0 0 0\n2\nenergy=2\nH 0 0 0\nH 0 zero 0\n".write(to: url, atomically: true, encoding: .utf8)
    let run = try runMLFF(["info", url.path])
    #expect(run.status != 0)
    #expect(run.stderr.contains(url.path))
    #expect(run.stderr.contains("frame 1 (counting from 0)"))
    #expect(run.stderr.contains("line 7"))
    #expect(run.stderr.contains("'zero'"))
  }

  @Test func missingFileAndBadCutoff() throws {
    let missing = try runMLFF(["info", "/nonexistent/x.xyz"])
    #expect(missing.status != 0 && missing.stderr.contains("no such file"))
    let file = examplesFolder().appendingPathComponent("cu-fcc.xyz").path
    let cutoff = try runMLFF(["info", file, "--cutoff", "-1"])
    #expect(cutoff.status != 0 && cutoff.stderr.contains("--cutoff"))
  }

  @Test func emptyFileHasZeroFrames() throws {
    let folder = try cliTemporaryFolder()
    let url = folder.appendingPathComponent("empty.xyz")
    try Data().write(to: url)
    let summary = try json(runMLFF(["info", url.path, "--json"]))
    #expect(summary["frames"] as? Int == 0)
  }
}
