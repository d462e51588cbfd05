import Atomistic
import Potentials

extension PhysicsChecks {
  /// Two copies of a structure far apart (treated as a cluster, pbc off) give twice its energy
  /// and each copy the forces of the original.
  /// - Parameters:
  ///   - potential: the model under test.
  ///   - structure: a molecule or cluster (a periodic structure is tested with pbc off).
  ///   - separation: gap between the copies' bounding boxes, Å (raised to cutoff + 1 Å when needed).
  ///   - tolerances: per-precision tolerances (energy compared with twice the absolute energy
  ///     tolerance plus the relative one per atom).
  @discardableResult
  public static func separatedCopiesAreAdditive(
    _ potential: any Potential, _ structure: Structure, tolerances: Tolerances, separation: Double = 20
  ) throws -> PhysicsCheckResult {
    let check = "two far-apart copies give twice the energy"
    var cmp = Comparator(check, tolerances)
    var single = structure.unlabelled
    single.pbc = [false, false, false]
    single.cell = .zero
    let reference = try evaluate(potential, single, .energyAndForces, check: check)
    let xs = single.positions.map(\.x)
    let gap = max(separation, (potential.cutoff ?? 0) + 1)
    let shift = SIMD3((xs.max() ?? 0) - (xs.min() ?? 0) + gap, 0, 0)
    var pair = single
    pair.atomicNumbers += single.atomicNumbers
    pair.positions += single.positions.map { $0 + shift }
    pair.arrays = [:]
    let result = try evaluate(potential, pair, .energyAndForces, check: check)
    try cmp.expectEnergy(result.energy, 2 * reference.energy, atoms: pair.count, absolute: 2 * tolerances.energy, "two copies vs twice one")
    try cmp.expectForces(result.forces, reference.forces.map { $0 + $0 }, "copies")
    return cmp.result()
  }

  /// A 2×2×2 supercell gives eight times the energy, the same forces on every image of an atom,
  /// and the same stress.
  /// - Parameters:
  ///   - potential: the model under test.
  ///   - structure: periodic in all three directions.
  ///   - tolerances: per-precision tolerances (energy compared with 8× the absolute energy
  ///     tolerance plus the relative one per atom).
  @discardableResult
  public static func supercellIsExtensive(
    _ potential: any Potential, _ structure: Structure, tolerances: Tolerances
  ) throws -> PhysicsCheckResult {
    let check = "a 2×2×2 supercell gives eight times the energy"
    var cmp = Comparator(check, tolerances)
    guard structure.isFullyPeriodic else { throw cmp.fail("needs a structure periodic in all three directions") }
    let base = structure.unlabelled
    let reference = try evaluate(potential, base, .all, check: check)
    let result = try evaluate(potential, base.supercell(2, 2, 2), .all, check: check)
    try cmp.expectEnergy(result.energy, 8 * reference.energy, atoms: 8 * base.count, absolute: 8 * tolerances.energy, "supercell vs 8× cell")
    try cmp.expectForces(result.forces, reference.forces.map { Array(repeating: $0, count: 8).flatMap { $0 } }, "supercell images")
    try cmp.expectStress(result.stress, reference.stress, "supercell")
    return cmp.result()
  }

  /// A batch gives the same results as one structure at a time, in order.
  /// - Parameters:
  ///   - potential: the model under test.
  ///   - structures: a mixed batch (different sizes, periodic and not).
  ///   - tolerances: per-precision tolerances.
  @discardableResult
  public static func batchMatchesSingle(
    _ potential: any Potential, _ structures: [Structure], tolerances: Tolerances
  ) throws -> PhysicsCheckResult {
    let check = "a batch equals one structure at a time"
    var cmp = Comparator(check, tolerances)
    let inputs = structures.map(\.unlabelled)
    let properties: PropertySet = .all
    let batch: [Results]
    do { batch = try potential.compute(inputs, properties) } catch {
      throw cmp.fail("the potential threw on the batch: \(error)")
    }
    guard batch.count == inputs.count else { throw cmp.fail("\(batch.count) results for \(inputs.count) structures") }
    for (k, s) in inputs.enumerated() {
      let single = try evaluate(potential, s, properties, check: check)
      try cmp.expectEnergy(batch[k].energy, single.energy, atoms: s.count, "structure \(k)")
      try cmp.expectForces(batch[k].forces, single.forces, "structure \(k)")
      if s.isFullyPeriodic { try cmp.expectStress(batch[k].stress, single.stress, "structure \(k)") }
    }
    return cmp.result()
  }
}
