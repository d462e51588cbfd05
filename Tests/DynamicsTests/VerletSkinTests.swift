import Atomistic
import Dynamics
import PaiNN
import Potentials
import Testing

/// An MD run with a Verlet-skin neighbour list follows the run that builds a new list every
/// step: the skin changes only the order of sums, never which pairs interact.
@Suite struct VerletSkinTests {
  @Test func trajectoryWithASkinFollowsOneRebuildingEveryStep() throws {
    let a = 5.43
    let fractional: [SIMD3<Double>] = [
      SIMD3(0, 0, 0), SIMD3(0.5, 0.5, 0), SIMD3(0.5, 0, 0.5), SIMD3(0, 0.5, 0.5),
      SIMD3(0.25, 0.25, 0.25), SIMD3(0.75, 0.75, 0.25), SIMD3(0.75, 0.25, 0.75), SIMD3(0.25, 0.75, 0.75),
    ]
    let silicon = Structure(atomicNumbers: Array(repeating: 14, count: 8), positions: fractional.map { $0 * a },
                            cell: .orthorhombic(a, a, a), pbc: [true, true, true]).supercell(2, 1, 1)
    let model = PaiNNModel.random(PaiNNPreset.tiny.configuration, elements: [14], seed: 3)
    func run(skin: Double) throws -> (MDState, PaiNNPotential) {
      let potential = PaiNNPotential(model: model, precision: .float, skin: skin)
      var state = MDState(structure: silicon)
      initializeMaxwellBoltzmann(&state, temperature: 300, seed: 2)
      let vv = VelocityVerlet(timestep: 0.5)
      try vv.prepare(&state, potential: potential)
      for _ in 0..<400 { try vv.step(&state, potential: potential) }
      return (state, potential)
    }
    let (rebuilt, everyStep) = try run(skin: 0)
    let (skinned, reusing) = try run(skin: 0.1)
    var largest = 0.0
    for (p, q) in zip(rebuilt.structure.positions, skinned.structure.positions) {
      let d = p - q
      largest = max(largest, abs(d.x), abs(d.y), abs(d.z))
    }
    // 200 fs at 300 K: atoms move about 0.1 Å, more than half the 0.1 Å skin, so the skinned run
    // rebuilt its list several times and reused it in between. (A hot run of this random model
    // is chaotic enough that Float rounding alone separates two runs within 200 fs.)
    #expect(reusing.neighbourListBuilds > 1 && reusing.neighbourListBuilds < 100, "\(reusing.neighbourListBuilds) builds")
    #expect(everyStep.neighbourListBuilds == 0, "no skin: no kept list")
    #expect(largest < 1e-4, "positions differ by \(largest) Å after 400 steps")
    #expect(abs(rebuilt.potentialEnergy - skinned.potentialEnergy) < 1e-4)
  }
}
