import Atomistic
import Basics
import Potentials

/// The physics battery: checks every energy model must pass, written once for any `Potential`.
///
/// Each check evaluates the potential on transformed copies of a structure and compares with
/// what physics demands, within per-precision `Tolerances`. A passing check returns a
/// `PhysicsCheckResult` (its largest deviation); a failing one throws `PhysicsCheckFailure`
/// saying what differed and by how much. Call them from any test target:
///
///     #expect(throws: Never.self) { try PhysicsChecks.rotationInvariance(model, silicon, tolerances: .float) }
public enum PhysicsChecks {}

extension PhysicsChecks {
  /// E(R·x) = E(x), F(R·x) = R·F(x), σ(R·x) = R σ Rᵀ for random proper rotations R of
  /// positions and cell together.
  /// - Parameters:
  ///   - potential: the model under test.
  ///   - structure: any structure (stress compared when fully periodic).
  ///   - tolerances: per-precision tolerances.
  ///   - trials: number of random rotations.
  ///   - seed: makes the rotations reproducible.
  @discardableResult
  public static func rotationInvariance(
    _ potential: any Potential, _ structure: Structure, tolerances: Tolerances, trials: Int = 3, seed: UInt64 = 1
  ) throws -> PhysicsCheckResult {
    let check = "energy invariant and forces, stress equivariant under rotation"
    var cmp = Comparator(check, tolerances)
    let properties = allProperties(structure)
    let reference = try evaluate(potential, structure.unlabelled, properties, check: check)
    var g = checkGenerator(seed: seed)
    for trial in 0..<trials {
      let rotation = Rotation.random(using: &g)
      let result = try evaluate(potential, rotated(structure, by: rotation), properties, check: check)
      try cmp.expectEnergy(result.energy, reference.energy, atoms: structure.count, "rotation \(trial)")
      try cmp.expectForces(result.forces, reference.forces?.map(rotation.apply), "rotation \(trial)")
      if properties.contains(.stress) {
        try cmp.expectStress(result.stress, reference.stress.map(rotation.applyToStress), "rotation \(trial)")
      }
    }
    return cmp.result()
  }

  /// E, F and σ unchanged when every atom is moved by the same random vector (up to ±5 Å).
  /// - Parameters: as `rotationInvariance`.
  @discardableResult
  public static func translationInvariance(
    _ potential: any Potential, _ structure: Structure, tolerances: Tolerances, trials: Int = 3, seed: UInt64 = 2
  ) throws -> PhysicsCheckResult {
    let check = "energy, forces and stress invariant under translation"
    var cmp = Comparator(check, tolerances)
    let properties = allProperties(structure)
    let reference = try evaluate(potential, structure.unlabelled, properties, check: check)
    var g = checkGenerator(seed: seed)
    for trial in 0..<trials {
      let t = SIMD3(g.nextUniform(in: -5...5), g.nextUniform(in: -5...5), g.nextUniform(in: -5...5))
      var moved = structure.unlabelled
      moved.positions = structure.positions.map { $0 + t }
      let result = try evaluate(potential, moved, properties, check: check)
      try cmp.expectEnergy(result.energy, reference.energy, atoms: structure.count, "translation \(trial)")
      try cmp.expectForces(result.forces, reference.forces, "translation \(trial)")
      if properties.contains(.stress) { try cmp.expectStress(result.stress, reference.stress, "translation \(trial)") }
    }
    return cmp.result()
  }

  /// E and σ unchanged, forces permuted with the atoms, for random permutations of the atoms.
  /// - Parameters: as `rotationInvariance`.
  @discardableResult
  public static func permutationInvariance(
    _ potential: any Potential, _ structure: Structure, tolerances: Tolerances, trials: Int = 3, seed: UInt64 = 3
  ) throws -> PhysicsCheckResult {
    let check = "energy invariant and forces equivariant under permutation of atoms"
    var cmp = Comparator(check, tolerances)
    let properties = allProperties(structure)
    let reference = try evaluate(potential, structure.unlabelled, properties, check: check)
    var g = checkGenerator(seed: seed)
    for trial in 0..<trials {
      let order = g.permutation(of: structure.count)
      var permuted = structure.unlabelled
      permuted.atomicNumbers = order.map { structure.atomicNumbers[$0] }
      permuted.positions = order.map { structure.positions[$0] }
      permuted.arrays = [:]
      let result = try evaluate(potential, permuted, properties, check: check)
      try cmp.expectEnergy(result.energy, reference.energy, atoms: structure.count, "permutation \(trial)")
      try cmp.expectForces(result.forces, reference.forces.map { f in order.map { f[$0] } }, "permutation \(trial)")
      if properties.contains(.stress) { try cmp.expectStress(result.stress, reference.stress, "permutation \(trial)") }
    }
    return cmp.result()
  }

  /// Wrapped positions, and positions moved by random whole lattice vectors (±2 along each
  /// periodic direction), give the same E, F and σ as the structure as given.
  /// - Parameters: as `rotationInvariance`; the structure must be periodic in some direction.
  @discardableResult
  public static func wrappedMatchesUnwrapped(
    _ potential: any Potential, _ structure: Structure, tolerances: Tolerances, seed: UInt64 = 4
  ) throws -> PhysicsCheckResult {
    let check = "wrapped and unwrapped positions agree"
    var cmp = Comparator(check, tolerances)
    guard structure.isPeriodic else { throw cmp.fail("needs a periodic structure") }
    let properties = allProperties(structure)
    let reference = try evaluate(potential, structure.unlabelled, properties, check: check)
    var g = checkGenerator(seed: seed)
    var unwrapped = structure.unlabelled
    for k in 0..<structure.count {
      var t = SIMD3<Double>.zero
      for d in 0..<3 where structure.pbc[d] {
        t += Double(g.next(below: 5) - 2) * structure.cell[d]
      }
      unwrapped.positions[k] += t
    }
    for (name, variant) in [("wrapped", structure.unlabelled.wrapped()), ("unwrapped", unwrapped)] {
      let result = try evaluate(potential, variant, properties, check: check)
      try cmp.expectEnergy(result.energy, reference.energy, atoms: structure.count, name)
      try cmp.expectForces(result.forces, reference.forces, name)
      if properties.contains(.stress) { try cmp.expectStress(result.stress, reference.stress, name) }
    }
    return cmp.result()
  }
}
