import Atomistic
import Foundation
import Testing

/// `mlff sample`, run as a user runs it.
@Suite struct SampleCommandTests {
  @Test func rattledSupercellsOfTheSeed() throws {
    let folder = try cliTemporaryFolder()
    let seeds = examplesFolder().appendingPathComponent("cu-fcc.xyz")
    let output = folder.appendingPathComponent("candidates.xyz")
    let run = try runMLFF(["sample", seeds.path, "--rattle", "0.05", "--supercell", "2, 1,1", "-n", "6", "--seed", "3", "-o", output.path])
    #expect(run.status == 0, "\(run.stderr)")
    #expect(run.stdout.contains("wrote 6 candidates (48 atoms) from 1 seed structure to \(output.path)"), "\(run.stdout)")
    let seed = try ExtXYZ.read(seeds)[0].supercell(2, 1, 1)
    let candidates = try ExtXYZ.read(output)
    #expect(candidates.count == 6)
    for (k, c) in candidates.enumerated() {
      #expect(c.count == 8 && c.cell == seed.cell && c.energy == nil)
      #expect(c.info["mlff_candidate_index"] == .int(k))
      // Gaussian displacements of σ = 0.05 Å: every coordinate moved, none by more than 6σ.
      let moves = zip(c.positions, seed.positions).flatMap { a, b in [a.x - b.x, a.y - b.y, a.z - b.z].map(abs) }
      #expect(moves.allSatisfy { $0 > 0 && $0 < 0.3 }, "\(moves.max() ?? 0)")
    }
    // The same seed gives the same candidates.
    let again = folder.appendingPathComponent("again.xyz")
    #expect(try runMLFF(["sample", seeds.path, "--rattle", "0.05", "--supercell", "2,1,1", "-n", "6", "--seed", "3", "-o", again.path]).status == 0)
    #expect(try ExtXYZ.read(again) == candidates)
  }

  @Test func mdSnapshotsAtEveryTemperature() throws {
    let folder = try cliTemporaryFolder()
    let seeds = examplesFolder().appendingPathComponent("cu-fcc.xyz")
    let output = folder.appendingPathComponent("md.xyz")
    let run = try runMLFF([
      "sample", seeds.path, "--md", "--potential", "morse", "--temperatures", "300,600", "--md-steps", "40",
      "--md-every", "10", "--md-equilibration", "0", "-o", output.path, "--quiet",
    ])
    #expect(run.status == 0, "\(run.stderr)")
    #expect(run.stderr.isEmpty, "--quiet leaves no progress line: \(run.stderr)")
    let snapshots = try ExtXYZ.read(output)
    // One seed × two temperatures × four snapshots (steps 10, 20, 30, 40), unlabelled.
    #expect(snapshots.count == 8, "\(run.stdout)")
    #expect(snapshots.allSatisfy { $0.count == 4 && $0.energy == nil && $0.forces == nil })
    #expect(Set(snapshots.compactMap { s -> Double? in
      if case .double(let t)? = s.info["md_temperature"] { return t } else { return nil }
    }) == [300, 600])
    // The older name of --md-every still works and gives the same snapshots.
    let old = folder.appendingPathComponent("old.xyz")
    let again = try runMLFF([
      "sample", seeds.path, "--md", "--potential", "morse", "--temperatures", "300,600", "--md-steps", "40",
      "--md-interval", "10", "--md-equilibration", "0", "-o", old.path, "--quiet",
    ])
    #expect(again.status == 0, "\(again.stderr)")
    #expect(try ExtXYZ.read(old) == snapshots)
  }

  @Test func mistakesAreExplained() throws {
    let seeds = examplesFolder().appendingPathComponent("cu-fcc.xyz").path
    let nothing = try runMLFF(["sample", seeds, "-o", "/tmp/never.xyz"])
    #expect(nothing.status == 64 && nothing.stderr.contains("nothing to do"), "\(nothing.stderr)")
    let supercell = try runMLFF(["sample", seeds, "--supercell", "2,2", "-o", "/tmp/never.xyz"])
    #expect(supercell.status == 64 && supercell.stderr.contains("three positive integers"), "\(supercell.stderr)")
    let list = try runMLFF(["sample", seeds, "--md", "--potential", "morse", "--temperatures", "300,hot", "-o", "/tmp/never.xyz"])
    #expect(list.status == 64 && list.stderr.contains("300,hot"), "\(list.stderr)")
    let driver = try runMLFF(["sample", seeds, "--md", "-o", "/tmp/never.xyz"])
    #expect(driver.status == 64 && driver.stderr.contains("say what gives the energies"), "\(driver.stderr)")
  }
}
