import Atomistic

/// Per-element reference energies μ_Z fitted by least squares to the total energies of a set
/// of structures:
///
///     minimise Σ_s (E_s − Σ_k n_sk μ_k)² + λ Σ_k μ_k²
///
/// with n_sk the number of atoms of element k in structure s. The normal equations
/// (NᵀN + λI) μ = Nᵀ E are solved by Cholesky factorisation. The small ridge
/// λ = `relativeRidge` · trace(NᵀN)/K keeps the fit defined when the composition does not
/// vary (one element only, or fixed stoichiometry); it then splits the energy between the
/// elements in proportion to their counts, which is all the data can tell.
///
/// - Parameters:
///   - structures: labelled structures (those without an energy are skipped).
///   - elements: the atomic numbers to fit, [K]; every atom must be one of them.
///   - relativeRidge: λ relative to the mean diagonal of NᵀN (dimensionless).
/// - Returns: μ_k, [K], eV per atom, in the order of `elements`.
public func fitReferenceEnergies(
  _ structures: [Structure], elements: [Int], relativeRidge: Double = 1e-8
) -> [Double] {
  let k = elements.count
  precondition(k > 0, "fitReferenceEnergies needs at least one element")
  let column = Dictionary(uniqueKeysWithValues: elements.enumerated().map { ($1, $0) })
  var normal = [Double](repeating: 0, count: k * k)
  var rhs = [Double](repeating: 0, count: k)
  for s in structures {
    guard let e = s.energy else { continue }
    var counts = [Double](repeating: 0, count: k)
    for z in s.atomicNumbers {
      guard let c = column[z] else { preconditionFailure("atomic number \(z) is not among \(elements)") }
      counts[c] += 1
    }
    for a in 0..<k where counts[a] != 0 {
      rhs[a] += counts[a] * e
      for b in 0..<k { normal[a * k + b] += counts[a] * counts[b] }
    }
  }
  var trace = 0.0
  for a in 0..<k { trace += normal[a * k + a] }
  let ridge = max(relativeRidge * trace / Double(k), 1e-300)
  for a in 0..<k { normal[a * k + a] += ridge }
  return solveSymmetricPositiveDefinite(normal, rhs, size: k)
}

/// Solves A x = b for a symmetric positive-definite A by Cholesky factorisation A = L Lᵀ.
/// - Parameters:
///   - matrix: A, [n·n], row-major.
///   - rhs: b, [n].
/// - Returns: x, [n].
func solveSymmetricPositiveDefinite(_ matrix: [Double], _ rhs: [Double], size n: Int) -> [Double] {
  var l = [Double](repeating: 0, count: n * n)
  for i in 0..<n {
    for j in 0...i {
      var sum = matrix[i * n + j]
      for p in 0..<j { sum -= l[i * n + p] * l[j * n + p] }
      if i == j {
        l[i * n + i] = max(sum, 1e-300).squareRoot()
      } else {
        l[i * n + j] = sum / l[j * n + j]
      }
    }
  }
  var y = [Double](repeating: 0, count: n)
  for i in 0..<n {
    var sum = rhs[i]
    for p in 0..<i { sum -= l[i * n + p] * y[p] }
    y[i] = sum / l[i * n + i]
  }
  var x = [Double](repeating: 0, count: n)
  for i in stride(from: n - 1, through: 0, by: -1) {
    var sum = y[i]
    for p in (i + 1)..<n { sum -= l[p * n + i] * x[p] }
    x[i] = sum / l[i * n + i]
  }
  return x
}
