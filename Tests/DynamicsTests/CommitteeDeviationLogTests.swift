import Atomistic
import Dynamics
import Foundation
import PaiNN
import Potentials
import Testing

/// The committee log that `mlff md --committee` writes: the mean drives, the deviation is logged
/// in the row of the step the MD loop reports.
@Suite struct CommitteeDeviationLogTests {
  func copperCell(shift: Double) -> Structure {
    Structure(
      atomicNumbers: [29, 29, 29, 29],
      positions: [SIMD3(0, 0, 0), SIMD3(0, 1.8, 1.8), SIMD3(1.8, 0, 1.8), SIMD3(1.8 + shift, 1.8, 0)],
      cell: Cell(a1: SIMD3(3.6, 0, 0), a2: SIMD3(0, 3.6, 0), a3: SIMD3(0, 0, 3.6)), pbc: [true, true, true])
  }

  func committee() throws -> CommitteePotential {
    let members: [any Potential] = (1...3).map { seed in
      PaiNNPotential(model: .random(PaiNNPreset.tiny.configuration, elements: [29], seed: UInt64(seed)), precision: .double)
    }
    return try CommitteePotential(members: members)
  }

  /// Evaluates `structure` through the log, as the integrator does, then shows it as step `step`.
  func evaluateAndObserve(_ log: CommitteeDeviationLog, _ structure: Structure, step: Int) throws -> Results {
    let results = try log.compute([structure], .energyAndForces)
    var state = MDState(structure: structure)
    state.step = step
    #expect(try log.observe(state, step: step) == .proceed)
    return results[0]
  }

  @Test func rowsEveryIntervalWithTheCommitteesDeviationAndResumeAppends() throws {
    let folder = try Systems.temporaryFolder()
    defer { try? FileManager.default.removeItem(at: folder) }
    let committee = try committee()
    let url = folder.appendingPathComponent("md.committee.csv")
    let structures = (0..<5).map { copperCell(shift: 0.05 * Double($0)) }

    let log = try CommitteeDeviationLog(committee: committee, url: url, interval: 2)
    var means: [Results] = []
    for (step, s) in structures.enumerated() { means.append(try evaluateAndObserve(log, s, step: step)) }
    let expected = try committee.computeWithDeviation(structures, .energyAndForces)
    // The mean is passed through unchanged.
    for (m, e) in zip(means, expected) {
      #expect(m.energy == e.results.energy && m.forces! == e.results.forces!)
    }
    var rows = try String(contentsOf: url, encoding: .utf8).split(separator: "\n").map(String.init)
    #expect(rows.first == "step,max_force_deviation_eV_per_A,mean_force_deviation_eV_per_A,energy_deviation_eV_per_atom")
    rows.removeFirst()
    #expect(rows.map { $0.split(separator: ",")[0] } == ["0", "2", "4"])
    for (row, step) in zip(rows, [0, 2, 4]) {
      let value = try #require(Double(row.split(separator: ",")[1]))
      let truth = expected[step].deviation.maxForceDeviation
      #expect(abs(value - truth) <= 1e-5 * max(truth, 1e-12))
    }
    #expect(log.largestDeviation == expected.map(\.deviation.maxForceDeviation).max())
    #expect(log.largestDeviation > 0)

    // A resumed run from step 4 appends from step 6 on, without repeating step 4: its first
    // evaluation (`prepare` at step 4) is not shown to the observers.
    let resumed = try CommitteeDeviationLog(committee: committee, url: url, resumingFrom: 4, interval: 2)
    _ = try resumed.compute([structures[4]], .energyAndForces)
    _ = try evaluateAndObserve(resumed, structures[0], step: 5)
    _ = try evaluateAndObserve(resumed, structures[1], step: 6)
    func steps() throws -> [Substring] {
      try String(contentsOf: url, encoding: .utf8).split(separator: "\n").dropFirst().map { $0.split(separator: ",")[0] }
    }
    #expect(try steps() == ["0", "2", "4", "6"])

    // A run interrupted after rows beyond its last trajectory frame (here frame 2) resumes from
    // that frame: the later rows are dropped and written again, so no step appears twice.
    let again = try CommitteeDeviationLog(committee: committee, url: url, resumingFrom: 2, interval: 2)
    _ = try again.compute([structures[2]], .energyAndForces)
    _ = try evaluateAndObserve(again, structures[3], step: 3)
    _ = try evaluateAndObserve(again, structures[4], step: 4)
    #expect(try steps() == ["0", "2", "4"])
  }

  @Test func aStateTheLogDidNotEvaluateIsRefused() throws {
    let folder = try Systems.temporaryFolder()
    defer { try? FileManager.default.removeItem(at: folder) }
    let log = try CommitteeDeviationLog(committee: try committee(), url: folder.appendingPathComponent("c.csv"), interval: 1)
    _ = try log.compute([copperCell(shift: 0)], .energyAndForces)
    #expect(throws: PotentialError.self) { try log.observe(MDState(structure: copperCell(shift: 0.1)), step: 3) }
  }

  /// Through `MDSimulation`, every row is the deviation of the trajectory frame of its step.
  @Test func rowsOfAnMDRunAreTheDeviationsOfItsFrames() throws {
    let folder = try Systems.temporaryFolder()
    defer { try? FileManager.default.removeItem(at: folder) }
    let committee = try committee()
    let log = try CommitteeDeviationLog(committee: committee, url: folder.appendingPathComponent("md.committee.csv"), interval: 5)
    let outputs = MDOutputs(trajectory: folder.appendingPathComponent("md.xyz"))
    let options = MDRunOptions(steps: 20, trajectoryInterval: 5, logInterval: 5, initialTemperature: 300,
                               seed: 2, criteria: StabilityCriteria(maxBondDeviation: nil), showProgress: false)
    let report = try MDSimulation(potential: log, integrator: VelocityVerlet(timestep: 1), initial: copperCell(shift: 0.05),
                                  options: options, outputs: outputs, observers: [log]).run()
    #expect(report.status == .stable)
    let frames = try ExtXYZ.read(outputs.trajectory)
    #expect(frames.map { $0.info["md_step"] } == [0, 5, 10, 15, 20].map { .int($0) })
    let rows = try String(contentsOf: log.url, encoding: .utf8).split(separator: "\n").dropFirst()
    #expect(rows.map { $0.split(separator: ",")[0] } == ["0", "5", "10", "15", "20"])
    let truth = try committee.computeWithDeviation(frames.map(\.unlabelled), .energyAndForces)
    for (row, t) in zip(rows, truth) {
      let value = try #require(Double(row.split(separator: ",")[1]))
      #expect(abs(value - t.deviation.maxForceDeviation) <= 1e-5 * t.deviation.maxForceDeviation)
    }
    #expect(log.stepsSeen == 21)  // the initial evaluation and one per step
  }
}
