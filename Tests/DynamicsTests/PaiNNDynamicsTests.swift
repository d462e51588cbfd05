import Atomistic
import Dynamics
import PaiNN
import Potentials
import Testing

@Suite struct PaiNNDynamicsTests {
  /// Diamond silicon, conventional cell (8 atoms), a = 5.43 Å, slightly rattled.
  var silicon: Structure {
    let a = 5.43
    let fractional: [SIMD3<Double>] = [
      SIMD3(0, 0, 0), SIMD3(0.5, 0.5, 0), SIMD3(0.5, 0, 0.5), SIMD3(0, 0.5, 0.5),
      SIMD3(0.25, 0.25, 0.25), SIMD3(0.75, 0.75, 0.25), SIMD3(0.75, 0.25, 0.75), SIMD3(0.25, 0.75, 0.75),
    ]
    let shifts: [SIMD3<Double>] = [SIMD3(0.03, -0.02, 0.01), SIMD3(-0.04, 0.02, 0), SIMD3(0, 0.03, -0.02), SIMD3(0.02, 0, 0.04),
                                   SIMD3(-0.01, -0.03, 0.02), SIMD3(0.03, 0.01, -0.04), SIMD3(-0.02, 0.04, 0), SIMD3(0, -0.01, -0.03)]
    return Structure(atomicNumbers: Array(repeating: 14, count: 8),
                     positions: zip(fractional, shifts).map { $0 * a + $1 },
                     cell: .orthorhombic(a, a, a), pbc: [true, true, true])
  }

  @Test func randomStudentConservesEnergyInNVE() throws {
    let model = PaiNNModel.random(PaiNNPreset.tiny.configuration, elements: [14], seed: 3)
    let potential = PaiNNPotential(model: model, precision: .double)
    var state = MDState(structure: silicon)
    initializeMaxwellBoltzmann(&state, temperature: 300, seed: 2)
    let vv = VelocityVerlet(timestep: 0.5)
    try vv.prepare(&state, potential: potential)
    var time: [Double] = [], total: [Double] = [], kinetic: [Double] = []
    for _ in 0..<1000 {
      try vv.step(&state, potential: potential)
      time.append(state.time)
      total.append(state.kineticEnergy + state.potentialEnergy)
      kinetic.append(state.kineticEnergy)
    }
    let drift = try #require(EnergyDrift(time: time, total: total, kinetic: kinetic, atoms: 8))
    // The dynamics actually exchange energy between K and U…
    #expect(drift.kineticFluctuation > 0.1, "σ_K = \(drift.kineticFluctuation) meV/atom")
    // …while the total is conserved: fluctuation and drift far below the kinetic fluctuation.
    #expect(drift.fluctuationRatio < 0.02, "σ_E/σ_K = \(drift.fluctuationRatio)")
    #expect(drift.driftToFluctuation < 0.02, "drift over the run / σ_K = \(drift.driftToFluctuation)")
  }
}
