import Atomistic
import Basics
import Potentials

extension PhysicsChecks {
  /// The checks `PhysicsChecks.all` runs, in order, for a periodic structure and a molecule and
  /// a potential with a cutoff: symmetry and finite-difference forces on each structure, then
  /// stress, supercell and wrapping on the crystal, separated copies of the molecule, the cutoff
  /// dimer and the batch. A check silently dropped from the battery makes this list differ.
  public static let fullBatteryCheckNames = [
    "energy invariant and forces, stress equivariant under rotation",
    "energy, forces and stress invariant under translation",
    "energy invariant and forces equivariant under permutation of atoms",
    "forces equal −∂E/∂R (central finite differences)",
    "energy invariant and forces, stress equivariant under rotation",
    "energy, forces and stress invariant under translation",
    "energy invariant and forces equivariant under permutation of atoms",
    "forces equal −∂E/∂R (central finite differences)",
    "stress equals (1/V) ∂E/∂ε (central finite differences)",
    "a 2×2×2 supercell gives eight times the energy",
    "wrapped and unwrapped positions agree",
    "two far-apart copies give twice the energy",
    "energy and forces go smoothly to zero at the cutoff",
    "a batch equals one structure at a time",
  ]

  /// Runs every check that applies: symmetry, finite differences and wrapping on `periodic`,
  /// symmetry, finite differences and separated copies on `molecule`, smoothness at the cutoff
  /// on a dimer of the first two atoms of `molecule` (or `periodic`), and batching on all of them.
  /// - Parameters:
  ///   - potential: the model under test.
  ///   - periodic: a slightly rattled periodic crystal (stress, supercell, wrapping), or nil.
  ///   - molecule: a slightly distorted molecule or cluster, or nil.
  ///   - tolerances: per-precision tolerances.
  /// - Returns: one result per check, in the order run.
  /// - Throws: the first `PhysicsCheckFailure`.
  public static func all(
    _ potential: any Potential, periodic: Structure?, molecule: Structure?, tolerances: Tolerances
  ) throws -> [PhysicsCheckResult] {
    var results: [PhysicsCheckResult] = []
    for s in [periodic, molecule].compactMap({ $0 }) {
      results.append(try rotationInvariance(potential, s, tolerances: tolerances))
      results.append(try translationInvariance(potential, s, tolerances: tolerances))
      results.append(try permutationInvariance(potential, s, tolerances: tolerances))
      results.append(try forcesMatchFiniteDifferences(potential, s, tolerances: tolerances))
    }
    if let periodic {
      results.append(try stressMatchesFiniteDifferences(potential, periodic, tolerances: tolerances))
      results.append(try supercellIsExtensive(potential, periodic, tolerances: tolerances))
      results.append(try wrappedMatchesUnwrapped(potential, periodic, tolerances: tolerances))
    }
    if let molecule {
      results.append(try separatedCopiesAreAdditive(potential, molecule, tolerances: tolerances))
    }
    if let dimerSource = molecule ?? periodic, dimerSource.count >= 2, potential.cutoff != nil {
      let z = (dimerSource.atomicNumbers[0], dimerSource.atomicNumbers[1])
      results.append(try smoothAtCutoff(potential, atomicNumbers: z, tolerances: tolerances))
    }
    let batch = [periodic, molecule, periodic?.supercell(1, 1, 2)].compactMap { $0 }
    results.append(try batchMatchesSingle(potential, batch, tolerances: tolerances))
    return results
  }

  /// `structure` with every atom moved by a random vector of up to `amplitude` Å per component
  /// (seeded): a generic, off-equilibrium configuration for the checks.
  /// - Parameters:
  ///   - structure: any structure.
  ///   - amplitude: largest displacement per Cartesian component, Å.
  ///   - seed: makes the displacements reproducible.
  public static func rattled(_ structure: Structure, amplitude: Double, seed: UInt64 = 7) -> Structure {
    var g = checkGenerator(seed: seed)
    var s = structure.unlabelled
    s.positions = s.positions.map {
      $0 + SIMD3(g.nextUniform(in: -amplitude...amplitude), g.nextUniform(in: -amplitude...amplitude),
                 g.nextUniform(in: -amplitude...amplitude))
    }
    return s
  }
}
