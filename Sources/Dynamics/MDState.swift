import Atomistic
import Potentials

/// The state of a molecular-dynamics run: a plain value every integrator reads and advances.
///
/// Units: positions Å (unwrapped: atoms are never folded back into the cell during a run, so
/// bonds and displacements stay continuous), velocities Å/fs, forces eV/Å, energies eV, masses
/// amu, time fs. Kinetic energy `K = ½ Σ m v² / accelerationFactor` converts amu·Å²/fs² to eV.
public struct MDState: Sendable {
  /// Atoms, positions (Å), cell and pbc; labels are not used.
  public var structure: Structure
  /// Velocities, [nAtoms], Å/fs.
  public var velocities: [SIMD3<Double>]
  /// Forces at the current positions, [nAtoms], eV/Å (zero on fixed atoms).
  public var forces: [SIMD3<Double>]
  /// Potential energy at the current positions, eV.
  public var potentialEnergy: Double
  /// Masses, [nAtoms], amu.
  public var masses: [Double]
  /// Atoms held in place, [nAtoms]: zero velocity, zero force, never moved.
  public var fixed: [Bool]
  /// Steps taken since the start of the run.
  public var step: Int
  /// Simulated time since the start of the run, fs.
  public var time: Double
  /// Thermostat positions (a Nosé–Hoover chain's ξ_j, dimensionless); empty for other integrators.
  public var thermostatPositions: [Double]
  /// Thermostat velocities (a Nosé–Hoover chain's v_ξj, 1/fs); empty for other integrators.
  public var thermostatVelocities: [Double]

  /// A state at rest-free initial conditions; forces and energy are filled by `updateForces`.
  /// - Parameters:
  ///   - structure: atoms, positions (Å), cell and pbc.
  ///   - velocities: [nAtoms], Å/fs (default zero).
  ///   - masses: [nAtoms], amu (default: standard atomic weights from `Elements.mass`).
  ///   - fixed: indices of atoms held in place.
  public init(structure: Structure, velocities: [SIMD3<Double>]? = nil, masses: [Double]? = nil, fixed: Set<Int> = []) {
    let n = structure.count
    precondition(velocities == nil || velocities!.count == n, "velocities must have one entry per atom")
    precondition(masses == nil || masses!.count == n, "masses must have one entry per atom")
    precondition(fixed.allSatisfy { $0 >= 0 && $0 < n }, "fixed atom indices must lie in 0..<\(n)")
    self.structure = structure.unlabelled
    self.velocities = velocities ?? Array(repeating: .zero, count: n)
    self.forces = Array(repeating: .zero, count: n)
    self.potentialEnergy = 0
    self.masses = masses ?? structure.atomicNumbers.map(Elements.mass)
    self.fixed = (0..<n).map { fixed.contains($0) }
    self.step = 0
    self.time = 0
    self.thermostatPositions = []
    self.thermostatVelocities = []
    for k in 0..<n where self.fixed[k] { self.velocities[k] = .zero }
  }

  /// Number of atoms.
  public var count: Int { structure.count }

  /// Number of atoms not fixed.
  public var freeCount: Int { fixed.lazy.filter { !$0 }.count }

  /// Kinetic energy `½ Σ m v²`, eV.
  public var kineticEnergy: Double {
    var twiceK = 0.0
    for k in 0..<count { twiceK += masses[k] * dot(velocities[k], velocities[k]) }
    return 0.5 * twiceK / Units.accelerationFactor
  }

  /// Total momentum `Σ m v`, amu·Å/fs.
  public var momentum: SIMD3<Double> {
    var p = SIMD3<Double>.zero
    for k in 0..<count { p += masses[k] * velocities[k] }
    return p
  }

  /// Evaluates the potential at the current positions and stores energy and forces (forces on
  /// fixed atoms set to zero).
  /// - Throws: whatever the potential throws (`PotentialError`).
  public mutating func updateForces(_ potential: any Potential) throws {
    let results = try potential.compute([structure], .energyAndForces)
    guard let result = results.first, let f = result.forces, f.count == count else {
      throw PotentialError.failed("the potential returned no forces for the \(count)-atom structure at step \(step)")
    }
    potentialEnergy = result.energy
    forces = f
    for k in 0..<count where fixed[k] { forces[k] = .zero }
  }

  /// True when positions, velocities, forces and energy are all finite numbers.
  public var isFinite: Bool {
    guard potentialEnergy.isFinite else { return false }
    for k in 0..<count {
      let p = structure.positions[k], v = velocities[k], f = forces[k]
      for c in 0..<3 where !(p[c].isFinite && v[c].isFinite && f[c].isFinite) { return false }
    }
    return true
  }
}
