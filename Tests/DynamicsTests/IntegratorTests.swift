import Atomistic
import Dynamics
import Foundation
import Potentials
import Testing

@Suite struct VelocityVerletTests {
  let lj = LennardJones()

  /// Standard deviation of the total energy over `duration` fs of NVE argon at timestep `dt`.
  func totalEnergyFluctuation(dt: Double, duration: Double) throws -> (std: Double, driftPerPs: Double) {
    var state = MDState(structure: Systems.argon(2))
    initializeMaxwellBoltzmann(&state, temperature: 60, seed: 3)
    let vv = VelocityVerlet(timestep: dt)
    try vv.prepare(&state, potential: lj)
    var times: [Double] = [], energies: [Double] = []
    _ = try Systems.run(vv, state, potential: lj, steps: Int(duration / dt)) { s in
      times.append(s.time)
      energies.append(s.kineticEnergy + s.potentialEnergy)
    }
    let drift = EnergyDrift(time: times, total: energies, kinetic: energies, atoms: 32)!
    return (meanAndVariance(energies).variance.squareRoot(), drift.slope)
  }

  @Test func conservesEnergyWithFluctuationScalingAsTimestepSquared() throws {
    let small = try totalEnergyFluctuation(dt: 2, duration: 1000)
    let large = try totalEnergyFluctuation(dt: 4, duration: 1000)
    // Bounded, small fluctuation: argon at 60 K has K ≈ 0.25 eV for 32 atoms.
    #expect(small.std < 2e-4)
    #expect(abs(small.driftPerPs) < 0.05)  // meV/atom/ps
    let ratio = large.std / small.std
    #expect(ratio > 3.2 && ratio < 4.8, "σ_E ratio for 2× timestep: \(ratio), expected ≈ 4")
  }

  @Test func isTimeReversible() throws {
    var state = MDState(structure: Systems.argon(1))
    initializeMaxwellBoltzmann(&state, temperature: 80, seed: 5)
    let vv = VelocityVerlet(timestep: 5)
    try vv.prepare(&state, potential: lj)
    let start = state.structure.positions
    var s = try Systems.run(vv, state, potential: lj, steps: 300)
    let moved = zip(s.structure.positions, start).map { length($0 - $1) }.max()!
    #expect(moved > 0.05)
    s.velocities = s.velocities.map { -$0 }
    s = try Systems.run(vv, s, potential: lj, steps: 300)
    let back = zip(s.structure.positions, start).map { length($0 - $1) }.max()!
    #expect(back < 1e-9, "returned within \(back) Å")
  }

  @Test func fixedAtomsStayPut() throws {
    var state = MDState(structure: Systems.argon(1), fixed: [0, 2])
    initializeMaxwellBoltzmann(&state, temperature: 80, seed: 6)
    #expect(state.velocities[0] == .zero && state.velocities[2] == .zero)
    let vv = VelocityVerlet(timestep: 5)
    try vv.prepare(&state, potential: lj)
    let end = try Systems.run(vv, state, potential: lj, steps: 100)
    #expect(end.structure.positions[0] == state.structure.positions[0])
    #expect(end.structure.positions[2] == state.structure.positions[2])
    #expect(end.structure.positions[1] != state.structure.positions[1])
    // 2 free atoms, no momentum constraint with fixed atoms: N_f = 6.
    #expect(degreesOfFreedom(end, conservesMomentum: true) == 6)
  }
}

@Suite struct MaxwellBoltzmannTests {
  @Test func periodicHasZeroMomentumAndExactTemperature() {
    var state = MDState(structure: Systems.argon(2))
    initializeMaxwellBoltzmann(&state, temperature: 300, seed: 9)
    #expect(length(state.momentum) < 1e-12)
    let nf = degreesOfFreedom(state, conservesMomentum: true)
    #expect(nf == 3 * 32 - 3)
    // T = 2K / (N_f k_B), K from ½ m v² with m in amu and v in Å/fs (1 amu Å²/fs² = 103.6427 eV).
    var k = 0.0
    for i in 0..<32 { k += 0.5 * 39.948 * dot(state.velocities[i], state.velocities[i]) * 103.642696 }
    #expect(abs(2 * k / (Double(nf) * 8.617333e-5) - 300) < 0.01)
  }

  @Test func moleculeHasZeroAngularMomentum() {
    let molecule = Structure(atomicNumbers: [8, 1, 1, 6, 1],
                             positions: [SIMD3(0, 0, 0), SIMD3(0.96, 0, 0), SIMD3(-0.24, 0.93, 0), SIMD3(0.3, -1.1, 0.7), SIMD3(1.0, -1.5, 1.2)])
    var state = MDState(structure: molecule)
    initializeMaxwellBoltzmann(&state, temperature: 500, seed: 2)
    let m = state.masses, r = molecule.positions
    let com = zip(m, r).map { $0 * $1 }.reduce(.zero, +) / m.reduce(0, +)
    var l = SIMD3<Double>.zero
    for i in 0..<5 { l += m[i] * cross(r[i] - com, state.velocities[i]) }
    #expect(length(l) < 1e-12)
    #expect(length(state.momentum) < 1e-12)
    #expect(degreesOfFreedom(state, conservesMomentum: true) == 9)
    #expect(abs(temperature(state, degreesOfFreedom: 9) - 500) < 1e-9)
    // A linear molecule has 2 rotations: 3·3 − 3 − 2 = 4.
    let co2 = MDState(structure: Structure(atomicNumbers: [8, 6, 8], positions: [SIMD3(-1.16, 0, 0), .zero, SIMD3(1.16, 0, 0)]))
    #expect(degreesOfFreedom(co2, conservesMomentum: true) == 4)
  }
}

@Suite struct ThermostatTests {
  let lj = LennardJones()

  /// Kinetic energies sampled from a long run of the 4-atom argon cell, after equilibration.
  func kineticSamples(_ integrator: any Integrator, temperature: Double, steps: Int) throws -> (k: [Double], state: MDState) {
    var state = MDState(structure: Systems.argon(1))
    initializeMaxwellBoltzmann(&state, temperature: temperature / 3, seed: 4)
    try integrator.prepare(&state, potential: lj)
    var samples: [Double] = []
    let end = try Systems.run(integrator, state, potential: lj, steps: steps, every: 4) { s in
      if s.step > steps / 10 { samples.append(s.kineticEnergy) }
    }
    return (samples, end)
  }

  /// ⟨K⟩ = (N_f/2) kT and var K = (N_f/2)(kT)² (canonical Gamma distribution), within statistical tolerance.
  func expectCanonical(_ k: [Double], nf: Int, temperature: Double, meanTolerance: Double, varianceTolerance: Double) {
    let kT = 8.617333262e-5 * temperature
    let (mean, variance) = meanAndVariance(k)
    let expectedMean = Double(nf) / 2 * kT
    let expectedVariance = Double(nf) / 2 * kT * kT
    #expect(abs(mean / expectedMean - 1) < meanTolerance, "⟨K⟩ = \(mean) eV, expected \(expectedMean)")
    #expect(abs(variance / expectedVariance - 1) < varianceTolerance, "var K = \(variance) eV², expected \(expectedVariance)")
  }

  @Test func langevinSamplesTheCanonicalKineticEnergy() throws {
    let langevin = LangevinBAOAB(timestep: 5, temperature: 60, friction: 0.02, seed: 17)
    let (k, end) = try kineticSamples(langevin, temperature: 60, steps: 60_000)
    // Langevin kicks each atom independently: momentum is not conserved, N_f = 3N = 12.
    #expect(degreesOfFreedom(end, conservesMomentum: false) == 12)
    expectCanonical(k, nf: 12, temperature: 60, meanTolerance: 0.04, varianceTolerance: 0.15)
  }

  @Test func noseHooverChainSamplesTheCanonicalKineticEnergyAndConservesItsEnergy() throws {
    let nhc = NoseHooverChain(timestep: 5, temperature: 60, relaxationTime: 100)
    var state = MDState(structure: Systems.argon(1))
    initializeMaxwellBoltzmann(&state, temperature: 20, seed: 4)
    try nhc.prepare(&state, potential: lj)
    var k: [Double] = [], h: [Double] = []
    let steps = 60_000
    let end = try Systems.run(nhc, state, potential: lj, steps: steps, every: 4) { s in
      h.append(nhc.conservedEnergy(s))
      if s.step > steps / 10 { k.append(s.kineticEnergy) }
    }
    // Momentum conserved: N_f = 3N − 3 = 9.
    #expect(degreesOfFreedom(end, conservesMomentum: true) == 9)
    expectCanonical(k, nf: 9, temperature: 60, meanTolerance: 0.05, varianceTolerance: 0.2)
    // The extended energy is conserved to a small fraction of the kinetic-energy fluctuation.
    let sigmaK = meanAndVariance(k).variance.squareRoot()
    let spread = h.max()! - h.min()!
    #expect(spread < 0.05 * sigmaK, "conserved quantity spread \(spread) eV vs σ_K \(sigmaK) eV")
    // …while K + U alone is not (the thermostat exchanges energy).
    #expect(length(end.momentum) < 1e-9)
  }
}
