import Atomistic
import Dynamics
import Foundation
import Potentials
import Testing
import Training
@testable import Distillation

/// A potential that fails on chosen structures (by their `md_step`) and passes the others on.
final class PartlyFailingPotential: Potential, @unchecked Sendable {
  let inner: any Potential
  let failingSteps: Set<Int>
  private(set) var calls = 0
  init(_ inner: any Potential, failingSteps: Set<Int>) {
    self.inner = inner
    self.failingSteps = failingSteps
  }
  func compute(_ structures: [Structure], _ properties: PropertySet) throws -> [Results] {
    calls += 1
    var results: [Results?] = []
    var failures: [Int: String] = [:]
    for (k, s) in structures.enumerated() {
      if let step = mdStep(of: s), failingSteps.contains(step) {
        results.append(nil)
        failures[k] = "the test teacher refuses step \(step)"
      } else {
        results.append(try inner.compute([s], properties)[0])
      }
    }
    if !failures.isEmpty { throw PotentialError.partialFailure(results: results, failures: failures) }
    return results.map { $0! }
  }
}

/// A Morse diatomic, C–O at 1.13 Å, not periodic.
let carbonMonoxide = Structure(atomicNumbers: [6, 8], positions: [.zero, SIMD3(1.13, 0, 0)])

/// A Morse bond for carbon monoxide with stiffness α (Å⁻¹).
func morseBond(alpha: Double) -> Morse { Morse(depth: 4.0, alpha: alpha, equilibriumDistance: 1.13) }

/// Runs `steps` Langevin steps of carbon monoxide at 300 K into `folder`, a frame every 2 steps.
func morseTrajectory(_ potential: any Potential, steps: Int, folder: URL, seed: UInt64 = 4) throws -> [Structure] {
  try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
  let outputs = MDOutputs(trajectory: folder.appendingPathComponent("trajectory.xyz"))
  let options = MDRunOptions(steps: steps, trajectoryInterval: 2, logInterval: 10, initialTemperature: 300,
                             useInputVelocities: false, seed: seed, showProgress: false)
  _ = try MDSimulation(potential: potential, integrator: LangevinBAOAB(timestep: 0.5, temperature: 300, friction: 0.002, seed: seed),
                       initial: carbonMonoxide, options: options, outputs: outputs).run()
  return try ExtXYZ.read(outputs.trajectory)
}

@Suite struct InUseErrorTests {
  func frames(_ steps: [Int]) -> [Structure] {
    steps.map { step in
      var s = carbonMonoxide
      s.positions[1].x += 0.001 * Double(step % 7)
      s.info["md_step"] = .int(step)
      return s
    }
  }

  @Test func snapshotsAreSpreadOverTheRunWithoutTheStart() {
    let all = frames(Array(stride(from: 0, through: 100, by: 10)))
    #expect(inUseSnapshots(of: all, count: 5).compactMap(mdStep) == [20, 40, 60, 80, 100])
    #expect(inUseSnapshots(of: all, count: 50).compactMap(mdStep) == Array(stride(from: 10, through: 100, by: 10)))
    #expect(inUseSnapshots(of: all, count: 0).isEmpty)
    #expect(inUseSnapshots(of: frames([0]), count: 4).isEmpty)
  }

  @Test func teacherFailuresAreCountedAndLeftOut() {
    let teacher = PartlyFailingPotential(morseBond(alpha: 2.0), failingSteps: [20, 40])
    let (labelled, failures) = labelSnapshots(frames([10, 20, 30, 40]), teacher: teacher)
    #expect(labelled.compactMap(mdStep) == [10, 30])
    #expect(failures.count == 2 && failures[0].hasPrefix("step 20: the test teacher refuses step 20"))
    #expect(labelled.allSatisfy { $0.forces?.count == 2 && $0.energy != nil && $0.stress == nil })
  }

  @Test func inUseErrorsAreTheStudentAgainstTheTeacherAndAreNotMeasuredTwice() throws {
    let folder = try distillTemporaryFolder()
    defer { try? FileManager.default.removeItem(at: folder) }
    // The "student" ran the MD; a stiffer Morse bond is the "teacher".
    let student = morseBond(alpha: 2.0)
    _ = try morseTrajectory(student, steps: 100, folder: folder)
    let teacher = PartlyFailingPotential(morseBond(alpha: 2.2), failingSteps: [50])
    let result = try measureInUseErrors(folder: folder, run: "nvt_300K", temperature: 300, count: 4,
                                        student: student, teacher: { teacher })
    #expect(result.steps == [24, 50, 74, 100])
    #expect(result.taken == 4 && result.labelled == 3 && result.failed == 1)
    // The same errors as mlff eval computes from the labelled file.
    let labelled = try ExtXYZ.read(URL(fileURLWithPath: result.labelsFile))
    #expect(labelled.count == 3)
    let direct = try Evaluation(potential: student, structures: labelled).summary
    let errors = try #require(result.errors)
    #expect(errors.forceMAE == direct.forceMAE && errors.energyMAE == direct.energyMAE)
    #expect(errors.forceMAE! > 0)
    // Measured again (a resumed run): read back, the teacher not called.
    let callsBefore = teacher.calls
    let again = try measureInUseErrors(folder: folder, run: "nvt_300K", temperature: 300, count: 4, student: student,
                                       teacher: { Issue.record("the teacher was asked again"); return teacher })
    #expect(teacher.calls == callsBefore && again.errors == result.errors && again.failures == result.failures)
    let table = inUseTable(test: direct, runs: [again])
    #expect(table.rows.count == 2 && table.rows[1][0] == "in use, nvt_300K (3 of 4 snapshots, 1 failed)")
    #expect(table.rows[1][1] == String(format: "%.1f", 1000 * errors.forceMAE!))
  }
}

@Suite struct MolecularComparisonTests {
  @Test func identicalRunsAgreeAndAStifferBondShiftsTheSpectrum() throws {
    let folder = try distillTemporaryFolder()
    defer { try? FileManager.default.removeItem(at: folder) }
    let geometry = try BondGeometry(reference: carbonMonoxide)
    let teacher = try morseTrajectory(morseBond(alpha: 2.0), steps: 2000, folder: folder.appendingPathComponent("teacher"))
    let same = try morseTrajectory(morseBond(alpha: 2.0), steps: 2000, folder: folder.appendingPathComponent("same"))
    let stiffer = try morseTrajectory(morseBond(alpha: 2.4), steps: 2000, folder: folder.appendingPathComponent("stiffer"))

    let (identical, t, s) = MolecularComparison.compare(run: "nvt_300K", teacher: teacher, student: same, geometry: geometry, timestep: 0.5)
    #expect(identical.bonds.map(\.label) == ["O–C"] && identical.angles.isEmpty)
    #expect(identical.bonds[0].teacherMean == identical.bonds[0].studentMean && identical.bonds[0].count == teacher.count)
    #expect(abs(try #require(identical.spectralOverlap) - 1) < 1e-12)
    #expect(identical.teacherSpectrum?.interval == 1)

    let (shifted, _, _) = MolecularComparison.compare(run: "nvt_300K", teacher: teacher, student: stiffer, geometry: geometry, timestep: 0.5)
    // The free molecule's translation and rotation sit near 0 cm⁻¹; its stretch is the peak
    // above 300 cm⁻¹, and ω ∝ α: the stiffer bond vibrates 20 % faster.
    let tPeak = try #require(shifted.teacherSpectrum?.peakWavenumber(above: 300))
    let sPeak = try #require(shifted.studentSpectrum?.peakWavenumber(above: 300))
    #expect(abs(sPeak / tPeak - 1.2) < 0.05, "peaks \(tPeak) and \(sPeak) cm⁻¹")
    let overlap = try #require(shifted.spectralOverlap)
    #expect(overlap < 0.9)

    let plots = try writeComparisonPlots(identical, teacher: t, student: s, folder: folder)
    #expect(plots.map { $0.0.lastPathComponent } == ["bonds_O-C.svg", "vdos.svg"])
    let svg = try String(contentsOf: plots[1].0, encoding: .utf8)
    #expect(svg.hasPrefix("<svg") || svg.contains("<svg"))
  }

  @Test func framesOffTheRegularGridAreLeftOut() {
    let steps = [0, 2, 4, 6, 7]
    let frames = steps.map { step -> Structure in
      var s = carbonMonoxide
      s.info["md_step"] = .int(step)
      return s
    }
    let regular = regularlySpacedFrames(frames)
    #expect(regular?.stepInterval == 2 && regular?.frames.count == 4)
  }
}

@Suite struct ValidationSettingsTests {
  @Test func lengthInPicosecondsAndTemperaturesByKindOfStructure() throws {
    let c = try DistillConfiguration.parse(toml: "[validate]\nlength_ps = 0.5\ntimestep = 0.5\n", source: "test.toml")
    #expect(c.validate.resolvedSteps == 1000)
    #expect(c.validate.resolvedTemperatures(molecule: true) == [300, 500])
    #expect(c.validate.resolvedTemperatures(molecule: false) == [300])
    let old = try DistillConfiguration.parse(toml: "[validate]\nsteps = 300\ntemperatures = [450]\n", source: "test.toml")
    #expect(old.validate.resolvedSteps == 300 && old.validate.resolvedTemperatures(molecule: true) == [450])
    var bad = DistillConfiguration()
    bad.structures = "seeds.xyz"
    bad.validate.lengthPs = 0
    #expect(bad.problem?.contains("validate.length_ps") == true)
    bad.validate.lengthPs = 1
    bad.validate.traceInterval = 0
    #expect(bad.problem?.contains("validate.trace_interval") == true)
  }
}
