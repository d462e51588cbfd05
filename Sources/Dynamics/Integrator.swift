import Atomistic
import Potentials

/// A time integrator: `prepare` once, then `step` repeatedly (jax-md's init/apply pair).
///
/// Every integrator advances `MDState` by one timestep `Δt` (fs), evaluating the potential once
/// per step; `prepare` computes the initial forces and any thermostat variables.
public protocol Integrator: Sendable {
  /// Timestep Δt, fs.
  var timestep: Double { get }
  /// True when the dynamics conserve total momentum (NVE, Nosé–Hoover), false when the
  /// thermostat kicks atoms independently (Langevin). Decides the degrees of freedom.
  var conservesMomentum: Bool { get }
  /// The ensemble sampled (its raw value names it in logs and reports).
  var ensemble: MDEnsemble { get }
  /// Temperature the thermostat drives toward, K; nil for NVE.
  var targetTemperature: Double? { get }

  /// Evaluates initial forces and sets up thermostat variables (kept when already present,
  /// as on a resumed run).
  func prepare(_ state: inout MDState, potential: any Potential) throws
  /// Advances the state by one timestep.
  func step(_ state: inout MDState, potential: any Potential) throws
  /// The quantity the exact dynamics conserve, eV: K + U for NVE; the extended Hamiltonian for a
  /// Nosé–Hoover chain; K + U (not conserved) for Langevin.
  func conservedEnergy(_ state: MDState) -> Double
}

/// The statistical ensemble an integrator samples; the raw values are the names used in
/// reports, logs and on the command line.
public enum MDEnsemble: String, Sendable, Hashable, Codable, CaseIterable, CustomStringConvertible {
  /// Microcanonical (velocity Verlet).
  case nve
  /// Canonical with a Langevin thermostat (BAOAB).
  case nvtLangevin = "nvt-langevin"
  /// Canonical with a Nosé–Hoover chain.
  case nvtNoseHoover = "nvt-nh"

  public var description: String { rawValue }

  /// True when the integrator conserves an extended energy that differs from K + U (a
  /// Nosé–Hoover chain's thermostat energy), which the energy plot then shows.
  public var hasExtendedEnergy: Bool { self == .nvtNoseHoover }
}

extension Integrator {
  public func prepare(_ state: inout MDState, potential: any Potential) throws {
    try state.updateForces(potential)
  }

  public func conservedEnergy(_ state: MDState) -> Double { state.kineticEnergy + state.potentialEnergy }
}

extension MDState {
  /// v ← v + (Δt/m) F · accelerationFactor for free atoms (a velocity "B" half- or full-kick).
  /// - Parameter dt: the kick's time, fs.
  @inlinable
  public mutating func kick(_ dt: Double) {
    for k in 0..<count where !fixed[k] {
      velocities[k] += (dt * Units.accelerationFactor / masses[k]) * forces[k]
    }
  }

  /// x ← x + Δt v for free atoms (a position "A" drift); advances nothing else.
  /// - Parameter dt: the drift's time, fs.
  @inlinable
  public mutating func drift(_ dt: Double) {
    for k in 0..<count where !fixed[k] {
      structure.positions[k] += dt * velocities[k]
    }
  }
}

/// Degrees of freedom for the temperature `T = 2K / (N_f k_B)`:
/// `N_f = 3·N_free − 3 (momentum conserved, no fixed atoms) − N_rot (molecule, no fixed atoms)`,
/// where N_rot is 3 for a non-linear molecule, 2 for a linear one and 0 for an atom. At least 1.
/// - Parameters:
///   - state: atoms, masses, fixed mask and pbc.
///   - conservesMomentum: whether total (and, for molecules, angular) momentum are constants of motion.
public func degreesOfFreedom(_ state: MDState, conservesMomentum: Bool) -> Int {
  var n = 3 * state.freeCount
  let anyFixed = state.fixed.contains(true)
  if conservesMomentum && !anyFixed {
    n -= 3
    if !state.structure.isPeriodic {
      n -= rotationalRank(positions: state.structure.positions, masses: state.masses)
    }
  }
  return max(1, n)
}

/// Instantaneous temperature `T = 2K / (N_f k_B)`, K.
/// - Parameters:
///   - state: the MD state.
///   - degreesOfFreedom: N_f.
public func temperature(_ state: MDState, degreesOfFreedom: Int) -> Double {
  2 * state.kineticEnergy / (Double(degreesOfFreedom) * Units.kB)
}
