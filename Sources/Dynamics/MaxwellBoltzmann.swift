import Atomistic
import Basics
import Foundation

/// Initial velocities drawn from the Maxwell–Boltzmann distribution at temperature T:
/// each component `v ~ N(0, k_B T / m)` (Å/fs), then
/// 1. fixed atoms set to zero;
/// 2. total momentum removed (`v ← v − P/M`) when no atom is fixed;
/// 3. for molecules (no periodic direction) and no fixed atoms, angular momentum about the
///    centre of mass removed: `v ← v − ω × (r − r_cm)` with `ω = I⁻¹ L` (pseudo-inverse for
///    linear molecules);
/// 4. rescaled so that `2K / (N_f k_B) = T` exactly, with N_f from `degreesOfFreedom`
///    (momentum-conserving count).
///
/// - Parameters:
///   - state: atoms, masses (amu) and fixed mask; its velocities are replaced.
///   - temperature: T, K (0 gives zero velocities).
///   - seed: seed of the draw.
public func initializeMaxwellBoltzmann(_ state: inout MDState, temperature: Double, seed: UInt64) {
  precondition(temperature >= 0 && temperature.isFinite, "temperature must be ≥ 0 K")
  let noise = GaussianNoise(seed: seed ^ 0xA5A5_A5A5_0000_0001)
  let n = state.count
  var v = [SIMD3<Double>](repeating: .zero, count: n)
  let kT = Units.kB * max(temperature, 0) * Units.accelerationFactor
  for k in 0..<n where !state.fixed[k] {
    let s = (kT / state.masses[k]).squareRoot()
    v[k] = s * SIMD3(noise.normal(step: -1, index: 3 * k), noise.normal(step: -1, index: 3 * k + 1),
                     noise.normal(step: -1, index: 3 * k + 2))
  }
  state.velocities = v
  if !state.fixed.contains(true) {
    removeCenterOfMassMotion(&state)
    if !state.structure.isPeriodic { removeRotation(&state) }
  }
  let nf = degreesOfFreedom(state, conservesMomentum: true)
  let current = temperature == 0 ? 0 : Dynamics.temperature(state, degreesOfFreedom: nf)
  let factor = current > 0 ? (temperature / current).squareRoot() : 0
  for k in 0..<n { state.velocities[k] *= factor }
}

/// Removes the centre-of-mass velocity: `v ← v − (Σ m v) / (Σ m)` on free atoms.
/// - Parameter state: the MD state, velocities Å/fs.
public func removeCenterOfMassMotion(_ state: inout MDState) {
  var mass = 0.0
  for k in 0..<state.count where !state.fixed[k] { mass += state.masses[k] }
  guard mass > 0 else { return }
  let vcm = state.momentum / mass
  for k in 0..<state.count where !state.fixed[k] { state.velocities[k] -= vcm }
}

/// Removes rigid rotation about the centre of mass: `v ← v − ω × (r − r_cm)`, `ω = I⁺ L`.
/// - Parameter state: the MD state, positions Å, velocities Å/fs.
public func removeRotation(_ state: inout MDState) {
  let r = state.structure.positions, m = state.masses
  var mass = 0.0, center = SIMD3<Double>.zero
  for k in 0..<state.count { mass += m[k]; center += m[k] * r[k] }
  guard mass > 0 else { return }
  center /= mass
  var l = SIMD3<Double>.zero
  var inertia = [[Double]](repeating: [0, 0, 0], count: 3)
  for k in 0..<state.count {
    let d = r[k] - center
    l += m[k] * cross(d, state.velocities[k])
    let d2 = dot(d, d)
    for a in 0..<3 { for b in 0..<3 { inertia[a][b] += m[k] * ((a == b ? d2 : 0) - d[a] * d[b]) } }
  }
  let (values, vectors) = symmetricEigen3(inertia)
  let largest = values.max() ?? 0
  var omega = SIMD3<Double>.zero
  for i in 0..<3 where values[i] > 1e-8 * largest && values[i] > 0 {
    omega += (dot(vectors[i], l) / values[i]) * vectors[i]
  }
  for k in 0..<state.count { state.velocities[k] -= cross(omega, r[k] - center) }
}

/// Number of rotational degrees of freedom: the rank of the inertia tensor about the centre of
/// mass (3 non-linear, 2 linear, 0 single atom).
func rotationalRank(positions: [SIMD3<Double>], masses: [Double]) -> Int {
  guard positions.count > 1 else { return 0 }
  var mass = 0.0, center = SIMD3<Double>.zero
  for k in 0..<positions.count { mass += masses[k]; center += masses[k] * positions[k] }
  center /= mass
  var inertia = [[Double]](repeating: [0, 0, 0], count: 3)
  for k in 0..<positions.count {
    let d = positions[k] - center
    let d2 = dot(d, d)
    for a in 0..<3 { for b in 0..<3 { inertia[a][b] += masses[k] * ((a == b ? d2 : 0) - d[a] * d[b]) } }
  }
  let values = symmetricEigen3(inertia).values
  let largest = values.max() ?? 0
  return values.filter { $0 > 1e-8 * largest && $0 > 0 }.count
}

/// Eigenvalues and unit eigenvectors of a symmetric 3×3 matrix by cyclic Jacobi rotations.
func symmetricEigen3(_ matrix: [[Double]]) -> (values: [Double], vectors: [SIMD3<Double>]) {
  var a = matrix
  var v: [[Double]] = [[1, 0, 0], [0, 1, 0], [0, 0, 1]]
  for _ in 0..<50 {
    let off = a[0][1] * a[0][1] + a[0][2] * a[0][2] + a[1][2] * a[1][2]
    if off < 1e-30 { break }
    for (p, q) in [(0, 1), (0, 2), (1, 2)] where abs(a[p][q]) > 1e-300 {
      let theta = (a[q][q] - a[p][p]) / (2 * a[p][q])
      let t = (theta >= 0 ? 1 : -1) / (abs(theta) + (theta * theta + 1).squareRoot())
      let c = 1 / (t * t + 1).squareRoot(), s = t * c
      for k in 0..<3 {
        let akp = a[k][p], akq = a[k][q]
        a[k][p] = c * akp - s * akq
        a[k][q] = s * akp + c * akq
      }
      for k in 0..<3 {
        let apk = a[p][k], aqk = a[q][k]
        a[p][k] = c * apk - s * aqk
        a[q][k] = s * apk + c * aqk
      }
      for k in 0..<3 {
        let vkp = v[k][p], vkq = v[k][q]
        v[k][p] = c * vkp - s * vkq
        v[k][q] = s * vkp + c * vkq
      }
    }
  }
  let values = [a[0][0], a[1][1], a[2][2]]
  let vectors = (0..<3).map { i in SIMD3(v[0][i], v[1][i], v[2][i]) }
  return (values, vectors)
}
