import Atomistic
import Potentials
import Testing

/// The committee's mean and disagreement against values computed member by member.
@Suite struct CommitteeTests {
  /// A small argon cluster with unequal distances so forces do not vanish.
  let cluster = Structure(
    atomicNumbers: [18, 18, 18, 18],
    positions: [SIMD3(0, 0, 0), SIMD3(3.6, 0.1, 0), SIMD3(0.2, 3.9, 0.3), SIMD3(1.9, 1.7, 3.3)])

  @Test func meanEnergyAndForcesAreTheMembersMean() throws {
    let a = LennardJones(epsilon: 0.0104, sigma: 3.40)
    let b = LennardJones(epsilon: 0.0125, sigma: 3.30)
    let committee = try CommitteePotential(members: [a, b])
    let ra = try a.compute(cluster)
    let rb = try b.compute(cluster)
    let (mean, deviation) = try committee.computeWithDeviation([cluster], .energyAndForces)[0]
    #expect(abs(mean.energy - (ra.energy + rb.energy) / 2) < 1e-15)
    var expectedMax = 0.0
    for i in 0..<cluster.count {
      let m = (ra.forces![i] + rb.forces![i]) / 2
      #expect(length(mean.forces![i] - m) < 1e-15)
      // With two members each is |F_a − F_b|/2 from the mean, so the deviation is that.
      expectedMax = max(expectedMax, length(ra.forces![i] - rb.forces![i]) / 2)
    }
    #expect(abs(deviation.maxForceDeviation - expectedMax) < 1e-14)
    #expect(deviation.maxForceDeviation > 0)
    let energySpread = abs(ra.energy - rb.energy) / 2 / Double(cluster.count)
    #expect(abs(deviation.energyDeviationPerAtom - energySpread) < 1e-15)
  }

  @Test func identicalMembersAgreeExactly() throws {
    let committee = try CommitteePotential(members: [LennardJones(), LennardJones(), LennardJones()])
    let (_, deviation) = try committee.computeWithDeviation([cluster], .energyAndForces)[0]
    #expect(deviation.maxForceDeviation < 1e-15)
    #expect(deviation.energyDeviationPerAtom < 1e-15)
  }

  @Test func aCommitteeOfOneIsRefused() {
    #expect(throws: PotentialError.self) { try CommitteePotential(members: [LennardJones()]) }
  }
}
