import Atomistic
import PaiNN
import Potentials
import Testing

/// Per-atom energies of the inference potential: they sum to the structure's energy, they are
/// the same atom by atom whether a structure is evaluated alone or in a batch, and asking for
/// them changes nothing else.
@Suite struct AtomicEnergiesTests {
  @Test(arguments: PaiNNPrecision.allCases)
  func sumToTheEnergyInABatch(precision: PaiNNPrecision) throws {
    let potential = PaiNNPotential(model: Fixtures.model(), precision: precision)
    let batch = [Fixtures.ethanol, Fixtures.silicon, Fixtures.selfImageCell]
    let with = try potential.compute(batch, [.energy, .forces, .stress, .atomicEnergies])
    let without = try potential.compute(batch, .all)
    for (s, (r, plain)) in zip(with, without).enumerated() {
      let e = try #require(r.atomicEnergies, "structure \(s) has no per-atom energies")
      #expect(e.count == batch[s].count)
      let sum = e.reduce(0, +)
      #expect(abs(sum - r.energy) <= 1e-12 * max(1, abs(r.energy)), "structure \(s): Σe_i = \(sum), E = \(r.energy)")
      #expect(Set(e).count > 1, "structure \(s): every atom has the same energy")
      #expect(r.energy == plain.energy && r.forces == plain.forces && r.stress == plain.stress)
      #expect(plain.atomicEnergies == nil)
      // Float rounds differently when BLAS sees another number of rows.
      let tolerance = precision == .double ? 1e-10 : 1e-5
      let alone = try potential.compute([batch[s]], [.energy, .atomicEnergies])[0]
      for (a, b) in zip(e, alone.atomicEnergies!) {
        #expect(abs(a - b) <= tolerance, "structure \(s): per-atom energy \(a) in the batch, \(b) alone")
      }
    }
  }
}
