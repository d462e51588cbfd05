import Atomistic
import Foundation
import Potentials

/// A Nosé–Hoover chain thermostat for the canonical (NVT) ensemble (Martyna, Klein &
/// Tuckerman 1992), integrated with the Trotter splitting of Martyna, Tuckerman, Tobias &
/// Klein (1996): a thermostat half-step, a velocity Verlet step, a thermostat half-step.
///
/// Chain of M thermostats with positions ξ_j and velocities v_ξj (1/fs), masses
/// `Q₁ = N_f k_B T τ²` and `Q_j = k_B T τ²` (eV·fs²), forces
///
///     G₁ = (2K − N_f k_B T) / Q₁,    G_j = (Q_{j−1} v_ξ{j−1}² − k_B T) / Q_j.
///
/// The thermostat half-step uses third-order Suzuki–Yoshida weights. The conserved quantity is
///
///     H = K + U + Σ_j ½ Q_j v_ξj² + N_f k_B T ξ₁ + k_B T Σ_{j≥2} ξ_j      (eV).
///
/// Thermostat variables live in `MDState.thermostatPositions` / `thermostatVelocities`, so a
/// resumed run continues exactly.
public struct NoseHooverChain: Integrator {
  public let timestep: Double
  /// Target temperature T, K.
  public let temperature: Double
  /// Relaxation time τ of the thermostat, fs (typically 50–200 fs, ≫ Δt).
  public let relaxationTime: Double
  /// Number of thermostats M in the chain.
  public let chainLength: Int
  public var conservesMomentum: Bool { true }
  public var ensemble: MDEnsemble { .nvtNoseHoover }
  public var targetTemperature: Double? { temperature }

  /// - Parameters:
  ///   - timestep: Δt, fs.
  ///   - temperature: T, K (> 0).
  ///   - relaxationTime: τ, fs (> 0).
  ///   - chainLength: M ≥ 1 (default 3).
  public init(timestep: Double, temperature: Double, relaxationTime: Double, chainLength: Int = 3) {
    precondition(timestep > 0 && timestep.isFinite, "timestep must be positive, got \(timestep) fs")
    precondition(temperature > 0 && temperature.isFinite, "temperature must be positive, got \(temperature) K")
    precondition(relaxationTime > 0 && relaxationTime.isFinite, "relaxation time must be positive, got \(relaxationTime) fs")
    precondition(chainLength >= 1, "a Nosé–Hoover chain needs at least one thermostat")
    self.timestep = timestep
    self.temperature = temperature
    self.relaxationTime = relaxationTime
    self.chainLength = chainLength
  }

  /// Thermostat masses Q_j, eV·fs².
  func masses(degreesOfFreedom nf: Int) -> [Double] {
    let kT = Units.kB * temperature
    let tau2 = relaxationTime * relaxationTime
    return (0..<chainLength).map { $0 == 0 ? Double(nf) * kT * tau2 : kT * tau2 }
  }

  public func prepare(_ state: inout MDState, potential: any Potential) throws {
    if state.thermostatPositions.count != chainLength || state.thermostatVelocities.count != chainLength {
      state.thermostatPositions = Array(repeating: 0, count: chainLength)
      state.thermostatVelocities = Array(repeating: 0, count: chainLength)
    }
    try state.updateForces(potential)
  }

  public func step(_ state: inout MDState, potential: any Potential) throws {
    precondition(state.thermostatVelocities.count == chainLength, "call prepare(_:potential:) before step")
    let nf = degreesOfFreedom(state, conservesMomentum: true)
    let q = masses(degreesOfFreedom: nf)
    thermostatHalfStep(&state, q: q, nf: nf)
    state.kick(0.5 * timestep)
    state.drift(timestep)
    try state.updateForces(potential)
    state.kick(0.5 * timestep)
    thermostatHalfStep(&state, q: q, nf: nf)
    state.step += 1
    state.time += timestep
  }

  /// Propagates the chain and scales velocities over Δt/2 (Suzuki–Yoshida order 3).
  func thermostatHalfStep(_ state: inout MDState, q: [Double], nf: Int) {
    let kT = Units.kB * temperature
    let m = chainLength
    let w1 = 1 / (2 - pow(2, 1.0 / 3))
    let weights = [w1, 1 - 2 * w1, w1]
    var kinetic = state.kineticEnergy
    var v = state.thermostatVelocities
    var xi = state.thermostatPositions
    var scale = 1.0
    func force(_ j: Int) -> Double {
      j == 0 ? (2 * kinetic - Double(nf) * kT) / q[0] : (q[j - 1] * v[j - 1] * v[j - 1] - kT) / q[j]
    }
    for w in weights {
      let delta = w * 0.5 * timestep
      v[m - 1] += 0.5 * delta * force(m - 1)
      for j in stride(from: m - 2, through: 0, by: -1) {
        let e = exp(-0.25 * delta * v[j + 1])
        v[j] = (v[j] * e + 0.5 * delta * force(j)) * e
      }
      for j in 0..<m { xi[j] += delta * v[j] }
      let s = exp(-delta * v[0])
      scale *= s
      kinetic *= s * s
      for j in 0..<(m - 1) {
        let e = exp(-0.25 * delta * v[j + 1])
        v[j] = (v[j] * e + 0.5 * delta * force(j)) * e
      }
      v[m - 1] += 0.5 * delta * force(m - 1)
    }
    for k in 0..<state.count { state.velocities[k] *= scale }
    state.thermostatVelocities = v
    state.thermostatPositions = xi
  }

  public func conservedEnergy(_ state: MDState) -> Double {
    let nf = degreesOfFreedom(state, conservesMomentum: true)
    let q = masses(degreesOfFreedom: nf)
    let kT = Units.kB * temperature
    var h = state.kineticEnergy + state.potentialEnergy
    for j in 0..<min(chainLength, state.thermostatVelocities.count) {
      h += 0.5 * q[j] * state.thermostatVelocities[j] * state.thermostatVelocities[j]
      h += (j == 0 ? Double(nf) * kT : kT) * state.thermostatPositions[j]
    }
    return h
  }
}
