// The one Voigt convention of the project (ASE's): a symmetric 3×3 tensor as six numbers in
// the order xx yy zz yz xz xy, as `Results.stress` holds it.

/// The (row, column) of each Voigt component, in order: xx yy zz yz xz xy.
public let voigtComponents: [(row: Int, column: Int)] = [(0, 0), (1, 1), (2, 2), (1, 2), (0, 2), (0, 1)]

/// Stress in Voigt order from the strain derivative of the energy:
/// `σ_v = (∂E/∂ε_ab + ∂E/∂ε_ba) / (2V)` for (a, b) = `voigtComponents[v]`, the symmetric part
/// of ∂E/∂ε divided by the volume (ASE's sign: positive is tensile).
/// - Parameters:
///   - strainDerivative: ∂E/∂ε (for a pair potential, the virial Σ r_a ∂E/∂r_b), row-major
///     3×3, eV.
///   - volume: cell volume V, Å³ (> 0).
/// - Returns: [6] eV/Å³, xx yy zz yz xz xy.
public func voigtStress(strainDerivative g: [Double], volume: Double) -> [Double] {
  precondition(g.count == 9, "the strain derivative must have 9 components, got \(g.count)")
  return voigtComponents.map { a, b in (g[3 * a + b] + g[3 * b + a]) / (2 * volume) }
}

/// The symmetric 3×3 tensor, as rows, of six Voigt components xx yy zz yz xz xy.
/// - Parameter voigt: [6], any unit (kept).
public func symmetricTensor(voigt v: [Double]) -> [[Double]] {
  precondition(v.count == 6, "a Voigt tensor has 6 components, got \(v.count)")
  return [[v[0], v[5], v[4]], [v[5], v[1], v[3]], [v[4], v[3], v[2]]]
}
