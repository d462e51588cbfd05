import Atomistic
import Foundation
import Testing

/// `mlff md`, run as a user runs it: an analytic potential, a committee of students, and the
/// command lines that used to be misread.
@Suite struct MDCommandTests {
  /// fcc copper, 2×2×2 conventional cells (32 atoms, a = 3.61 Å), for the built-in Morse copper.
  static func copper() -> Structure {
    let a = 3.61
    let basis: [SIMD3<Double>] = [SIMD3(0, 0, 0), SIMD3(0.5, 0.5, 0), SIMD3(0.5, 0, 0.5), SIMD3(0, 0.5, 0.5)]
    var positions: [SIMD3<Double>] = []
    for i in 0..<2 { for j in 0..<2 { for k in 0..<2 {
      for b in basis { positions.append((b + SIMD3(Double(i), Double(j), Double(k))) * a) }
    } } }
    return Structure(atomicNumbers: Array(repeating: 29, count: positions.count), positions: positions,
                     cell: .orthorhombic(2 * a, 2 * a, 2 * a), pbc: [true, true, true])
  }

  func lines(_ url: URL) throws -> [Substring] {
    try String(contentsOf: url, encoding: .utf8).split(separator: "\n")
  }

  @Test func nveWithMorseWritesTrajectoryLogAndReport() throws {
    let folder = try cliTemporaryFolder()
    let input = folder.appendingPathComponent("cu.xyz"), trajectory = folder.appendingPathComponent("traj.xyz")
    try ExtXYZ.write([Self.copper()], to: input)
    let run = try runMLFF([
      "md", input.path, "--potential", "morse", "--ensemble", "nve", "--temperature", "300", "--timestep", "1",
      "--steps", "200", "--every", "50", "--log-every", "10", "-o", trajectory.path, "--json",
    ])
    #expect(run.status == 0, "\(run.stderr)")
    // --json prints the report and nothing else, and silences the progress line.
    let report = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any], "\(run.stdout)")
    #expect(report["status"] as? String == "stable")
    #expect(report["steps_completed"] as? Int == 200)
    #expect(run.stderr.isEmpty, "\(run.stderr)")

    // Frames at steps 0, 50, …, 200 with energy, forces and velocities.
    let frames = try ExtXYZ.read(trajectory)
    #expect(frames.map { $0.info["md_step"] } == [0, 50, 100, 150, 200].map { .int($0) })
    #expect(frames.allSatisfy { $0.count == 32 && $0.energy != nil && $0.forces?.count == 32 && $0.arrays["velocities"] != nil })
    // Velocity Verlet at 1 fs conserves the total energy of 32 Cu atoms at 300 K to well under
    // 1 meV/atom over 200 fs.
    let totals = frames.map { frame -> Double in
      guard case .double(let kinetic)? = frame.info["kinetic_energy"] else { return .nan }
      return frame.energy! + kinetic
    }
    let spread = (totals.max()! - totals.min()!) / 32
    #expect(spread < 1e-3, "total energy spread \(spread) eV/atom")
    // The initial temperature is the one asked for (Maxwell–Boltzmann, rescaled).
    if case .double(let t0)? = frames[0].info["temperature"] { #expect(abs(t0 - 300) < 1) } else { Issue.record("no temperature") }

    // One log row every 10 steps (0…200) under a header.
    let log = try lines(folder.appendingPathComponent("traj.log.csv"))
    #expect(log.count == 1 + 21, "\(log.prefix(3))")
    #expect(FileManager.default.fileExists(atPath: folder.appendingPathComponent("traj.report.json").path))
  }

  @Test func rerunResumesAndFreshStartsOver() throws {
    let folder = try cliTemporaryFolder()
    let input = folder.appendingPathComponent("cu.xyz"), trajectory = folder.appendingPathComponent("traj.xyz")
    try ExtXYZ.write([Self.copper()], to: input)
    let base = ["md", input.path, "--potential", "morse", "--timestep", "1", "--every", "20", "-o", trajectory.path, "--quiet"]
    #expect(try runMLFF(base + ["--steps", "40"]).status == 0)
    #expect(try ExtXYZ.read(trajectory).count == 3)
    let resumed = try runMLFF(base + ["--steps", "100"])
    #expect(resumed.status == 0, "\(resumed.stderr)")
    #expect(try ExtXYZ.read(trajectory).map { $0.info["md_step"] } == [0, 20, 40, 60, 80, 100].map { .int($0) })
    let fresh = try runMLFF(base + ["--steps", "20", "--fresh"])
    #expect(fresh.status == 0, "\(fresh.stderr)")
    #expect(try ExtXYZ.read(trajectory).count == 2)
  }

  /// Two random students with different seeds: the committee's disagreement is logged.
  func committeeMembers(in folder: URL) throws -> (String, String) {
    let a = folder.appendingPathComponent("a.safetensors").path, b = folder.appendingPathComponent("b.safetensors").path
    for (path, seed) in [(a, "1"), (b, "2")] {
      let made = try runMLFF(["model", "new", "--preset", "tiny", "--elements", "Cu", "--seed", seed, "-o", path])
      #expect(made.status == 0, "\(made.stderr)")
    }
    return (a, b)
  }

  @Test(arguments: ["comma list", "repeated option"])
  func committeeBeforeTheInput(spelling: String) throws {
    let folder = try cliTemporaryFolder()
    let input = folder.appendingPathComponent("init.xyz"), trajectory = folder.appendingPathComponent("committee.xyz")
    try ExtXYZ.write([Self.copper()], to: input)
    let (a, b) = try committeeMembers(in: folder)
    let committee = spelling == "comma list" ? ["--committee", "\(a),\(b)"] : ["--committee", a, "--committee", b]
    let run = try runMLFF(["md"] + committee + [input.path, "--steps", "4", "--every", "2", "--log-every", "2",
                                                  "--max-bond-deviation", "0", "-o", trajectory.path, "--quiet"])
    #expect(run.status == 0, "\(run.stderr)")
    #expect(run.stdout.contains("committee of 2:"), "\(run.stdout)")
    // The input was read as the structure, not as a third member: frames of 32 Cu atoms.
    let frames = try ExtXYZ.read(trajectory)
    #expect(frames.count == 3 && frames.allSatisfy { $0.count == 32 })
    // One row per logged step (0, 2, 4), the deviation positive (different weights) and finite.
    let log = try lines(folder.appendingPathComponent("committee.committee.csv"))
    #expect(log.first?.hasPrefix("step,max_force_deviation_eV_per_A") == true, "\(log)")
    #expect(log.dropFirst().map { $0.split(separator: ",")[0] } == ["0", "2", "4"])
    for row in log.dropFirst() {
      let deviation = try #require(Double(row.split(separator: ",")[1]))
      #expect(deviation > 0 && deviation.isFinite)
    }
  }

  /// The old spelling `--committee a b init.xyz` is refused with the spelling to use instead,
  /// before anything runs; it never takes init.xyz for a member.
  @Test func committeeMembersAsSeparateWordsAreExplained() throws {
    let folder = try cliTemporaryFolder()
    let input = folder.appendingPathComponent("init.xyz")
    try ExtXYZ.write([Self.copper()], to: input)
    let (a, b) = try committeeMembers(in: folder)
    let run = try runMLFF(["md", "--committee", a, b, input.path, "-o", folder.appendingPathComponent("t.xyz").path])
    #expect(run.status == 64)
    #expect(run.stderr.contains("--committee \(a),\(b) \(input.path)"), "\(run.stderr)")
    #expect(run.stderr.contains("Usage: mlff md"), "\(run.stderr)")
    #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("t.xyz").path))
    let one = try runMLFF(["md", input.path, "--committee", a])
    #expect(one.status == 64 && one.stderr.contains("at least two model files"), "\(one.stderr)")
  }

  @Test func runtimeFailuresExitOneWithoutUsage() throws {
    let folder = try cliTemporaryFolder()
    let input = folder.appendingPathComponent("cu.xyz")
    try ExtXYZ.write([Self.copper()], to: input)
    let frame = try runMLFF(["md", input.path, "--potential", "morse", "--frame", "5", "-o", folder.appendingPathComponent("t.xyz").path])
    #expect(frame.status == 1)
    #expect(frame.stderr.contains("\(input.path) has 1 frame; --frame 5 is out of range"), "\(frame.stderr)")
    #expect(!frame.stderr.contains("Usage:"), "\(frame.stderr)")
    let fixed = try runMLFF(["md", input.path, "--potential", "morse", "--fixed", "0,40"])
    #expect(fixed.status == 1 && fixed.stderr.contains("--fixed names atom 40") && !fixed.stderr.contains("Usage:"), "\(fixed.stderr)")
    // A student that does not know the element: a run-time failure naming file and frame.
    let model = folder.appendingPathComponent("si.safetensors").path
    #expect(try runMLFF(["model", "new", "--preset", "tiny", "--elements", "Si", "-o", model]).status == 0)
    let unknown = try runMLFF(["md", input.path, "--model", model])
    #expect(unknown.status == 1 && unknown.stderr.contains("frame 0") && unknown.stderr.contains("Cu"), "\(unknown.stderr)")
    #expect(!unknown.stderr.contains("Usage:"))
  }

  @Test func commandLineMistakesExitSixtyFourWithTheCommandsUsage() throws {
    let file = examplesFolder().appendingPathComponent("cu-fcc.xyz").path
    let ensemble = try runMLFF(["md", file, "--potential", "morse", "--ensemble", "npt"])
    #expect(ensemble.status == 64)
    #expect(ensemble.stderr.contains("nvt-langevin") && ensemble.stderr.contains("Usage: mlff md"), "\(ensemble.stderr)")
    let nothing = try runMLFF(["md", file])
    #expect(nothing.status == 64 && nothing.stderr.contains("say what gives the energies"), "\(nothing.stderr)")
    let two = try runMLFF(["md", file, "--potential", "lj", "--teacher", "emt"])
    #expect(two.status == 64 && two.stderr.contains("choose only one"), "\(two.stderr)")
  }
}
