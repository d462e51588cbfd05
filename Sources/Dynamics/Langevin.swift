import Atomistic
import Basics
import Foundation
import Potentials

/// Langevin dynamics for the canonical (NVT) ensemble with the BAOAB splitting
/// (Leimkuhler & Matthews 2013):
///
///     B: v ← v + (Δt/2) F/m
///     A: x ← x + (Δt/2) v
///     O: v ← c₁ v + √(1 − c₁²) √(k_B T / m) ξ,   c₁ = e^{−γΔt},  ξ ~ N(0, 1)
///     A: x ← x + (Δt/2) v
///        F ← F(x)
///     B: v ← v + (Δt/2) F/m
///
/// BAOAB samples configurations with an O(Δt²) error that is small even at large steps.
/// The noise is `GaussianNoise(seed:)` at (step, 3·atom + component), so a resumed run
/// continues the same trajectory. Fixed atoms get neither kicks nor noise.
public struct LangevinBAOAB: Integrator {
  public let timestep: Double
  /// Target temperature T, K.
  public let temperature: Double
  /// Friction γ, 1/fs (0.01 fs⁻¹ = a 100 fs velocity relaxation time).
  public let friction: Double
  /// The noise source.
  public let noise: GaussianNoise
  public var conservesMomentum: Bool { false }
  public var ensemble: MDEnsemble { .nvtLangevin }
  public var targetTemperature: Double? { temperature }

  /// - Parameters:
  ///   - timestep: Δt, fs.
  ///   - temperature: T, K (≥ 0).
  ///   - friction: γ, 1/fs (> 0).
  ///   - seed: seed of the noise.
  public init(timestep: Double, temperature: Double, friction: Double, seed: UInt64) {
    precondition(timestep > 0 && timestep.isFinite, "timestep must be positive, got \(timestep) fs")
    precondition(temperature >= 0 && temperature.isFinite, "temperature must be ≥ 0 K, got \(temperature)")
    precondition(friction > 0 && friction.isFinite, "friction must be positive, got \(friction) 1/fs")
    self.timestep = timestep
    self.temperature = temperature
    self.friction = friction
    self.noise = GaussianNoise(seed: seed)
  }

  public func step(_ state: inout MDState, potential: any Potential) throws {
    let c1 = exp(-friction * timestep)
    let c2 = (1 - c1 * c1).squareRoot()
    let kT = Units.kB * temperature * Units.accelerationFactor  // amu·Å²/fs²
    state.kick(0.5 * timestep)
    state.drift(0.5 * timestep)
    for k in 0..<state.count where !state.fixed[k] {
      let sigma = c2 * (kT / state.masses[k]).squareRoot()
      let xi = SIMD3(noise.normal(step: state.step, index: 3 * k),
                     noise.normal(step: state.step, index: 3 * k + 1),
                     noise.normal(step: state.step, index: 3 * k + 2))
      state.velocities[k] = c1 * state.velocities[k] + sigma * xi
    }
    state.drift(0.5 * timestep)
    try state.updateForces(potential)
    state.kick(0.5 * timestep)
    state.step += 1
    state.time += timestep
  }
}
