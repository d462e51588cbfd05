import Atomistic
import Potentials

extension PhysicsChecks {
  /// Forces equal the central finite difference of the energy:
  /// `F_kc ≈ −[E(R + h·e_kc) − E(R − h·e_kc)] / 2h`, h = `tolerances.displacementStep`,
  /// for every Cartesian component of up to `maxAtoms` atoms (spread over the structure).
  /// - Parameters:
  ///   - potential: the model under test.
  ///   - structure: best slightly rattled (at equilibrium forces vanish and test little).
  ///   - tolerances: `finiteDifferenceForce` (eV/Å) is the absolute tolerance.
  ///   - maxAtoms: atoms checked.
  @discardableResult
  public static func forcesMatchFiniteDifferences(
    _ potential: any Potential, _ structure: Structure, tolerances: Tolerances, maxAtoms: Int = 8
  ) throws -> PhysicsCheckResult {
    let check = "forces equal −∂E/∂R (central finite differences)"
    var cmp = Comparator(check, tolerances)
    let base = structure.unlabelled
    let analytic = try evaluate(potential, base, .energyAndForces, check: check)
    guard let forces = analytic.forces else { throw cmp.fail("the potential returned no forces") }
    let h = tolerances.displacementStep
    let stride = max(1, structure.count / max(1, maxAtoms))
    for k in Swift.stride(from: 0, to: structure.count, by: stride).prefix(maxAtoms) {
      for c in 0..<3 {
        var plus = base, minus = base
        plus.positions[k][c] += h
        minus.positions[k][c] -= h
        let ePlus = try evaluate(potential, plus, .energy, check: check).energy
        let eMinus = try evaluate(potential, minus, .energy, check: check).energy
        let numeric = -(ePlus - eMinus) / (2 * h)
        try cmp.expect(forces[k][c], numeric, absolute: tolerances.finiteDifferenceForce,
                       "atom \(k) component \(c): analytic vs numeric force (eV/Å)")
      }
    }
    return cmp.result()
  }

  /// Stress equals the finite-difference strain derivative `σ = (1/V) ∂E/∂ε`, with positions and
  /// cell deformed together by a symmetric strain (x ↦ x·(I + ε)), ASE's sign and Voigt order:
  ///
  ///     σ_aa = [E(ε_aa = +h) − E(ε_aa = −h)] / (2hV)
  ///     σ_ab = [E(ε_ab = ε_ba = +h) − E(ε_ab = ε_ba = −h)] / (4hV)      (a ≠ b)
  ///
  /// - Parameters:
  ///   - potential: the model under test.
  ///   - structure: periodic in all three directions.
  ///   - tolerances: `strainStep` is h; `finiteDifferenceStress` (eV/Å³) the absolute tolerance.
  @discardableResult
  public static func stressMatchesFiniteDifferences(
    _ potential: any Potential, _ structure: Structure, tolerances: Tolerances
  ) throws -> PhysicsCheckResult {
    let check = "stress equals (1/V) ∂E/∂ε (central finite differences)"
    var cmp = Comparator(check, tolerances)
    guard structure.isFullyPeriodic else { throw cmp.fail("needs a structure periodic in all three directions") }
    let base = structure.unlabelled
    let analytic = try evaluate(potential, base, .all, check: check)
    guard let stress = analytic.stress else { throw cmp.fail("the potential returned no stress") }
    let h = tolerances.strainStep
    let volume = base.cell.volume
    func strained(_ a: Int, _ b: Int, _ amount: Double) -> Structure {
      var strain = [[Double]](repeating: [0, 0, 0], count: 3)
      strain[a][b] = amount
      strain[b][a] = amount
      var s = base
      s.cell = base.cell.deformed(by: strain)
      s.positions = base.positions.map { r in
        var out = r
        for col in 0..<3 { out[col] += r[0] * strain[0][col] + r[1] * strain[1][col] + r[2] * strain[2][col] }
        return out
      }
      return s
    }
    for (v, (a, b)) in voigtComponents.enumerated() {
      let ePlus = try evaluate(potential, strained(a, b, h), .energy, check: check).energy
      let eMinus = try evaluate(potential, strained(a, b, -h), .energy, check: check).energy
      let numeric = (ePlus - eMinus) / ((a == b ? 2 : 4) * h * volume)
      try cmp.expect(stress[v], numeric, absolute: tolerances.finiteDifferenceStress,
                     "Voigt component \(v): analytic vs numeric stress (eV/Å³)")
    }
    return cmp.result()
  }
}
