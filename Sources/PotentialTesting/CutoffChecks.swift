import Atomistic
import Potentials

extension PhysicsChecks {
  /// A dimer's energy and force go smoothly to their separated-atom values at the cutoff r_c:
  ///
  ///     |E(r_c − δ) − E(∞)| ≤ cutoffEnergy,   |F(r_c − δ)| ≤ cutoffForce,
  ///     E(r) = E(∞) and F(r) = 0 for r ≥ r_c,
  ///
  /// with δ = `tolerances.cutoffProbe` and E(∞) the dimer at r_c + 5 Å. Also checks that the
  /// energy change over the last 0.1 Å before r_c shrinks toward the cutoff (no step).
  /// - Parameters:
  ///   - potential: the model under test; its `cutoff` must be set.
  ///   - atomicNumbers: the dimer's two elements.
  ///   - tolerances: per-precision tolerances.
  @discardableResult
  public static func smoothAtCutoff(
    _ potential: any Potential, atomicNumbers: (Int, Int), tolerances: Tolerances
  ) throws -> PhysicsCheckResult {
    let check = "energy and forces go smoothly to zero at the cutoff"
    var cmp = Comparator(check, tolerances)
    guard let rc = potential.cutoff else { throw cmp.fail("the potential does not state its cutoff") }
    func dimer(_ r: Double) throws -> Results {
      let axis = SIMD3(0.48, 0.6, 0.64)  // a unit vector off the Cartesian axes
      let s = Structure(atomicNumbers: [atomicNumbers.0, atomicNumbers.1], positions: [.zero, r * axis])
      return try evaluate(potential, s, .energyAndForces, check: check)
    }
    let far = try dimer(rc + 5).energy
    let inside = try dimer(rc - tolerances.cutoffProbe)
    try cmp.expectEnergy(inside.energy, far, atoms: 2, absolute: tolerances.cutoffEnergy, "E(r_c − δ) vs E(∞)")
    guard let f = inside.forces else { throw cmp.fail("the potential returned no forces") }
    try cmp.expect(length(f[0]), 0, absolute: tolerances.cutoffForce, "|F(r_c − δ)| (eV/Å)")
    for r in [rc, rc + tolerances.cutoffProbe, rc + 1] {
      let out = try dimer(r)
      try cmp.expectEnergy(out.energy, far, atoms: 2, "E(\(r) Å) beyond the cutoff vs E(∞)")
      try cmp.expect(length(out.forces?[0] ?? .zero), 0, absolute: tolerances.force, "|F(\(r) Å)| beyond the cutoff (eV/Å)")
    }
    // Approach: |E(r) − E(∞)| over the last 0.1 Å must not grow toward r_c.
    let deviations = try [0.1, 0.05, 0.02, 0.01].map { abs(try dimer(rc - $0).energy - far) }
    for k in 1..<deviations.count where deviations[k] > deviations[k - 1] + tolerances.energy {
      throw cmp.fail("|E(r) − E(∞)| grows approaching the cutoff: \(deviations) eV at r_c − 0.1, 0.05, 0.02, 0.01 Å")
    }
    return cmp.result()
  }
}
