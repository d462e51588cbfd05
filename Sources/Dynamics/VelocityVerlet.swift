import Atomistic
import Potentials

/// Velocity Verlet for the microcanonical (NVE) ensemble:
///
///     v ← v + (Δt/2) F/m;   x ← x + Δt v;   F ← F(x);   v ← v + (Δt/2) F/m
///
/// Symplectic and time-reversible; the energy error is bounded and O(Δt²).
public struct VelocityVerlet: Integrator {
  public let timestep: Double
  public var conservesMomentum: Bool { true }
  public var ensemble: MDEnsemble { .nve }
  public var targetTemperature: Double? { nil }

  /// - Parameter timestep: Δt, fs.
  public init(timestep: Double) {
    precondition(timestep > 0 && timestep.isFinite, "timestep must be positive, got \(timestep) fs")
    self.timestep = timestep
  }

  public func step(_ state: inout MDState, potential: any Potential) throws {
    state.kick(0.5 * timestep)
    state.drift(timestep)
    try state.updateForces(potential)
    state.kick(0.5 * timestep)
    state.step += 1
    state.time += timestep
  }
}
