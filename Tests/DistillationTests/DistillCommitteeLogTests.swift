import Atomistic
import Foundation
import PaiNN
import Potentials
import Testing
@testable import Distillation

/// The committee log that `mlff md --committee` writes: the mean drives, the deviation is logged.
@Suite struct DistillCommitteeLogTests {
  func copperCell(shift: Double) -> Structure {
    Structure(
      atomicNumbers: [29, 29, 29, 29],
      positions: [SIMD3(0, 0, 0), SIMD3(0, 1.8, 1.8), SIMD3(1.8, 0, 1.8), SIMD3(1.8 + shift, 1.8, 0)],
      cell: Cell(a1: SIMD3(3.6, 0, 0), a2: SIMD3(0, 3.6, 0), a3: SIMD3(0, 0, 3.6)), pbc: [true, true, true])
  }

  @Test func rowsEveryIntervalWithTheCommitteesDeviationAndResumeAppends() throws {
    let folder = try distillTemporaryFolder()
    defer { try? FileManager.default.removeItem(at: folder) }
    let members: [any Potential] = (1...3).map { seed in
      PaiNNPotential(model: .random(PaiNNPreset.tiny.configuration, elements: [29], seed: UInt64(seed)), precision: .double)
    }
    let committee = try CommitteePotential(members: members)
    let url = folder.appendingPathComponent("md.committee.csv")
    let structures = (0..<5).map { copperCell(shift: 0.05 * Double($0)) }

    let log = try CommitteeDeviationLog(committee: committee, url: url, interval: 2)
    var means: [Results] = []
    for s in structures { means += try log.compute([s], .energyAndForces) }
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

    // A resumed run from step 4 appends from step 6 on, without repeating step 4.
    let resumed = try CommitteeDeviationLog(committee: committee, url: url, firstStep: 4, interval: 2)
    for s in structures.prefix(3) { _ = try resumed.compute([s], .energyAndForces) }
    let steps = try String(contentsOf: url, encoding: .utf8).split(separator: "\n").dropFirst().map { $0.split(separator: ",")[0] }
    #expect(steps == ["0", "2", "4", "6"])
  }
}
