import Atomistic
import Foundation
import Potentials
import PotentialTesting
import Testing

/// Brute-force pair energy: every pair i<j within the cell plus every periodic image up to
/// `images` cells away, with the switched pair function. Independent of the neighbour list.
func bruteForcePairEnergy(_ s: Structure, images: Int, _ phi: (Double, Int, Int) -> Double) -> Double {
  var e = 0.0
  let range = s.isPeriodic ? -images...images : 0...0
  for n1 in range { for n2 in range { for n3 in range {
    let t = Double(n1) * s.cell.a1 + Double(n2) * s.cell.a2 + Double(n3) * s.cell.a3
    for i in 0..<s.count { for j in 0..<s.count {
      if n1 == 0 && n2 == 0 && n3 == 0 && i == j { continue }
      e += 0.5 * phi(length(s.positions[j] + t - s.positions[i]), s.atomicNumbers[i], s.atomicNumbers[j])
    } }
  } } }
  return e
}

@Suite struct LennardJonesTests {
  let lj = LennardJones()

  @Test func dimerMinimumIsMinusEpsilon() throws {
    let rmin = pow(2.0, 1.0 / 6) * 3.40
    let s = Structure(atomicNumbers: [18, 18], positions: [.zero, SIMD3(rmin, 0, 0)])
    let r = try lj.compute(s)
    #expect(abs(r.energy + 0.0104) < 1e-12)
    #expect(length(r.forces![0]) < 1e-12)
    // At r = σ the unswitched energy is exactly zero; at r = σ the force is 24ε/σ, repulsive.
    let s2 = Structure(atomicNumbers: [18, 18], positions: [.zero, SIMD3(0, 0, 3.40)])
    let r2 = try lj.compute(s2)
    #expect(abs(r2.energy) < 1e-15)
    #expect(abs(r2.forces![1].z - 24 * 0.0104 / 3.40) < 1e-12)
    #expect(abs(r2.forces![0].z + 24 * 0.0104 / 3.40) < 1e-12)
  }

  @Test func crystalEnergyMatchesBruteForceImageSum() throws {
    let s = TestStructures.argonCrystal
    let expected = bruteForcePairEnergy(s, images: 3) { lj.pairEnergy($0, $1, $2).energy }
    let got = try lj.compute(s, .energy).energy
    #expect(abs(got - expected) < 1e-12 * max(1, abs(expected)))
  }

  @Test func passesThePhysicsBattery() throws {
    let molecule = TestStructures.cluster(18, count: 6, spacing: 3.8)
    let results = try PhysicsChecks.all(lj, periodic: TestStructures.argonCrystal, molecule: molecule, tolerances: .double)
    #expect(results.map(\.check) == PhysicsChecks.fullBatteryCheckNames)
  }

  @Test func switchIsSmoothAndBounded() {
    // S(onset) = 1, S(cutoff) = 0, S′ matches a finite difference everywhere in between.
    let on = 6.8, rc = 8.5
    #expect(quinticSwitch(on, onset: on, cutoff: rc).value == 1)
    #expect(quinticSwitch(rc, onset: on, cutoff: rc).value == 0)
    for r in stride(from: on + 0.01, to: rc, by: 0.1) {
      let h = 1e-6
      let fd = (quinticSwitch(r + h, onset: on, cutoff: rc).value - quinticSwitch(r - h, onset: on, cutoff: rc).value) / (2 * h)
      #expect(abs(fd - quinticSwitch(r, onset: on, cutoff: rc).derivative) < 1e-7)
    }
  }

  @Test func unknownElementsAreRefusedWithAMessage() {
    let pairOnly = LennardJones(pairs: [ElementPair(18, 18): .argon])
    let s = Structure(atomicNumbers: [18, 36], positions: [.zero, SIMD3(4, 0, 0)])
    #expect(throws: PotentialError.self) { try pairOnly.compute(s) }
    #expect(pairOnly.supportedAtomicNumbers == [18])
  }

  @Test func batteryCatchesAWrongStressSign() {
    // A potential whose stress has the wrong sign must fail the finite-difference check.
    final class FlippedStress: Potential {
      let inner = LennardJones()
      var cutoff: Double? { inner.cutoff }
      func compute(_ structures: [Structure], _ properties: PropertySet) throws -> [Results] {
        try inner.compute(structures, properties).map { var r = $0; r.stress = r.stress?.map { -$0 }; return r }
      }
    }
    #expect(throws: PhysicsCheckFailure.self) {
      try PhysicsChecks.stressMatchesFiniteDifferences(FlippedStress(), TestStructures.argonCrystal, tolerances: .double)
    }
  }
}

@Suite struct MorseTests {
  let morse = Morse()

  @Test func dimerMinimumIsMinusDepth() throws {
    let s = Structure(atomicNumbers: [29, 29], positions: [.zero, SIMD3(0, 2.866, 0)])
    let r = try morse.compute(s)
    #expect(abs(r.energy + 0.3429) < 1e-12)
    #expect(length(r.forces![0]) < 1e-12)
    // Hand value at r = 3.5 Å: D (e^{−2α·0.634} − 2 e^{−α·0.634}).
    let x = exp(-1.3588 * (3.5 - 2.866))
    let s2 = Structure(atomicNumbers: [29, 29], positions: [.zero, SIMD3(3.5, 0, 0)])
    #expect(abs(try morse.compute(s2).energy - 0.3429 * (x * x - 2 * x)) < 1e-12)
  }

  @Test func crystalEnergyMatchesBruteForceImageSum() throws {
    let s = TestStructures.copperCrystal
    let expected = bruteForcePairEnergy(s, images: 3) { morse.pairEnergy($0, $1, $2).energy }
    let got = try morse.compute(s, .energy).energy
    #expect(abs(got - expected) < 1e-12 * max(1, abs(expected)))
  }

  @Test func passesThePhysicsBattery() throws {
    let molecule = TestStructures.cluster(29, count: 7, spacing: 2.6)
    let results = try PhysicsChecks.all(morse, periodic: TestStructures.copperCrystal, molecule: molecule, tolerances: .double)
    #expect(results.map(\.check) == PhysicsChecks.fullBatteryCheckNames)
  }

  @Test func mixedPairsUseTheirOwnParameters() throws {
    let cuAg = Morse.Parameters(depth: 0.3, alpha: 1.4, equilibriumDistance: 2.7)
    let m = Morse(pairs: [ElementPair(29, 29): .copper, ElementPair(47, 47): .copper, ElementPair(29, 47): cuAg])
    let s = Structure(atomicNumbers: [47, 29], positions: [.zero, SIMD3(2.7, 0, 0)])
    #expect(abs(try m.compute(s).energy + 0.3) < 1e-12)
  }
}
