import Atomistic

/// The energy scale σ of the network's per-atom output: the root mean square of all force
/// components in the training structures,
///
///     σ = √( Σ_s Σ_i |F_si|² / (3 Σ_s N_s) )   (eV/Å, used as eV: the per-atom energy
///                                              varies by about σ·1 Å across the data)
///
/// as MACE scales its output by the RMS of the training forces. With this scale the raw
/// network output and its gradients start at order one whatever the system.
///
/// When no structure has forces, or all forces are zero, σ falls back to the standard
/// deviation of the per-atom energy residuals `(E_s − Σ μ_Z)/N_s`, and to 1 eV when that
/// is zero too.
///
/// - Parameters:
///   - structures: training structures.
///   - referenceEnergies: μ_Z by atomic number, eV (for the fallback only).
/// - Returns: σ > 0, eV.
public func energyScale(_ structures: [Structure], referenceEnergies: [Int: Double]) -> Double {
  var sum = 0.0
  var count = 0
  for s in structures {
    guard let f = s.forces else { continue }
    for v in f { sum += (v * v).sum() }
    count += 3 * f.count
  }
  if count > 0, sum > 0 { return (sum / Double(count)).squareRoot() }
  let residuals: [Double] = structures.compactMap { s in
    guard let e = s.energy, s.count > 0 else { return nil }
    let reference = s.atomicNumbers.reduce(0.0) { $0 + (referenceEnergies[$1] ?? 0) }
    return (e - reference) / Double(s.count)
  }
  guard residuals.count > 1 else { return 1 }
  let mean = residuals.reduce(0, +) / Double(residuals.count)
  let variance = residuals.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(residuals.count - 1)
  return variance > 0 ? variance.squareRoot() : 1
}
