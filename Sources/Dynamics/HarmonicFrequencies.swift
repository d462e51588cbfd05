import Atomistic
import Foundation
import Potentials

/// Harmonic vibrational frequencies of a structure under a potential, from its Hessian by
/// central differences of forces:
///
///     H_{iα,jβ} = −(F_iα(R + h e_jβ) − F_iα(R − h e_jβ)) / (2h),   symmetrised (H + Hᵀ)/2,
///     D = M^{-1/2} H M^{-1/2}   (eV/(Å²·amu)),   ω_k = sqrt(λ_k(D)),
///
/// reported as wavenumbers ν̃ = ω / (2πc) in cm⁻¹ (1 sqrt(eV/(Å²·amu)) = 521.47 cm⁻¹); an
/// unstable mode (λ < 0) is given as −sqrt(|λ|), the usual "imaginary" frequency.
///
/// The rigid-body modes are projected out of D before diagonalising and then dropped: for a
/// molecule (no periodic direction) the 3 translations and 3 rotations (2 for a linear
/// molecule), for a periodic cell the 3 uniform translations (the Γ-point acoustic modes; the
/// cell's other modes are the Γ-point optical modes of that supercell).
public struct HarmonicFrequencies: Sendable, Hashable, Codable {
  /// Vibrational wavenumbers, ascending, cm⁻¹ (negative: imaginary).
  public var wavenumbers: [Double]
  /// Rigid-body modes removed (6, 5 or 3).
  public var removedModes: Int
  /// Finite-difference step, Å.
  public var step: Double

  /// cm⁻¹ per sqrt(eV/(Å²·amu)): sqrt(e / (10⁻²⁰ m² · u)) / (2π c · 100 cm/m).
  public static let wavenumberPerRootEigenvalue =
    (Units.elementaryChargeSI / (1e-20 * Units.atomicMassSI)).squareRoot() / (2 * Double.pi * Units.speedOfLightSI * 100)

  /// Computes the frequencies of `structure` under `potential` (6N force evaluations, one batch).
  /// - Parameters:
  ///   - step: h, Å; 0.01 Å balances the O(h²) truncation against force noise (see
  ///     `CurvatureLabelling`).
  ///   - masses: amu per atom; nil: standard atomic masses.
  /// - Throws: the potential's error, or `PotentialError.failed` for a structure without atoms.
  public init(potential: Potential, structure: Structure, step: Double = 0.01, masses: [Double]? = nil) throws {
    let n = structure.count
    guard n > 0 else { throw PotentialError.failed("a structure without atoms has no vibrations") }
    let hessian = try Self.hessian(potential: potential, structure: structure, step: step)
    let m = masses ?? structure.atomicNumbers.map { Elements.mass($0) }
    let dim = 3 * n
    var d = [[Double]](repeating: [Double](repeating: 0, count: dim), count: dim)
    for a in 0..<dim { for b in 0..<dim { d[a][b] = hessian[a][b] / (m[a / 3] * m[b / 3]).squareRoot() } }
    let rigid = Self.rigidBodyModes(structure, masses: m)
    // P D P with P = 1 − Σ u uᵀ over the orthonormal rigid-body vectors u.
    func project(_ x: inout [Double]) {
      for u in rigid {
        var dot = 0.0
        for k in 0..<dim { dot += u[k] * x[k] }
        for k in 0..<dim { x[k] -= dot * u[k] }
      }
    }
    for a in 0..<dim { project(&d[a]) }
    for b in 0..<dim {
      var column = (0..<dim).map { d[$0][b] }
      project(&column)
      for a in 0..<dim { d[a][b] = column[a] }
    }
    let values = symmetricEigenvalues(d)
    // Drop the rigid-body modes: the eigenvalues closest to zero.
    let order = values.indices.sorted { abs(values[$0]) < abs(values[$1]) }
    let kept = order.dropFirst(rigid.count).map { values[$0] }.sorted()
    wavenumbers = kept.map { ($0 >= 0 ? 1 : -1) * abs($0).squareRoot() * Self.wavenumberPerRootEigenvalue }
    removedModes = rigid.count
    self.step = step
  }

  /// The Hessian [3N][3N] (eV/Å²) by central differences of the potential's forces.
  public static func hessian(potential: Potential, structure: Structure, step: Double) throws -> [[Double]] {
    let n = structure.count, dim = 3 * n
    var displaced: [Structure] = []
    displaced.reserveCapacity(2 * dim)
    var base = structure.unlabelled
    base.hessianProbes = nil
    for j in 0..<dim {
      for sign in [1.0, -1.0] {
        var s = base
        s.positions[j / 3][j % 3] += sign * step
        displaced.append(s)
      }
    }
    let results = try potential.compute(displaced, .energyAndForces)
    var h = [[Double]](repeating: [Double](repeating: 0, count: dim), count: dim)
    for j in 0..<dim {
      guard let plus = results[2 * j].forces, let minus = results[2 * j + 1].forces else {
        throw PotentialError.failed("the potential gave no forces for a displaced copy of the structure")
      }
      for i in 0..<n { for a in 0..<3 { h[3 * i + a][j] = -(plus[i][a] - minus[i][a]) / (2 * step) } }
    }
    for a in 0..<dim { for b in (a + 1)..<dim { let s = 0.5 * (h[a][b] + h[b][a]); h[a][b] = s; h[b][a] = s } }
    return h
  }

  /// Orthonormal mass-weighted rigid-body vectors: 3 translations, and for a structure with
  /// no periodic direction the rotations about the centre of mass (those that do not vanish:
  /// 2 for a linear molecule).
  static func rigidBodyModes(_ structure: Structure, masses m: [Double]) -> [[Double]] {
    let n = structure.count, dim = 3 * n
    var candidates: [[Double]] = []
    for a in 0..<3 {
      var t = [Double](repeating: 0, count: dim)
      for i in 0..<n { t[3 * i + a] = m[i].squareRoot() }
      candidates.append(t)
    }
    if !structure.isPeriodic {
      let total = m.reduce(0, +)
      var centre = SIMD3<Double>.zero
      for i in 0..<n { centre += m[i] * structure.positions[i] }
      centre /= total
      for axis in 0..<3 {
        var e = SIMD3<Double>.zero
        e[axis] = 1
        var r = [Double](repeating: 0, count: dim)
        for i in 0..<n {
          let x = structure.positions[i] - centre
          let c = SIMD3(e.y * x.z - e.z * x.y, e.z * x.x - e.x * x.z, e.x * x.y - e.y * x.x)
          for a in 0..<3 { r[3 * i + a] = m[i].squareRoot() * c[a] }
        }
        candidates.append(r)
      }
    }
    // Gram–Schmidt, dropping vectors that vanish (rotation about a linear molecule's axis).
    var basis: [[Double]] = []
    for var v in candidates {
      let scale = v.reduce(0) { $0 + $1 * $1 }.squareRoot()
      for u in basis {
        var dot = 0.0
        for k in 0..<dim { dot += u[k] * v[k] }
        for k in 0..<dim { v[k] -= dot * u[k] }
      }
      let norm = v.reduce(0) { $0 + $1 * $1 }.squareRoot()
      guard norm > 1e-6 * max(scale, 1e-300) else { continue }
      basis.append(v.map { $0 / norm })
    }
    return basis
  }
}

/// Eigenvalues of a real symmetric matrix by cyclic Jacobi rotations (ascending).
public func symmetricEigenvalues(_ matrix: [[Double]]) -> [Double] {
  var a = matrix
  let n = a.count
  guard n > 1 else { return n == 1 ? [a[0][0]] : [] }
  let scale = a.flatMap { $0 }.reduce(0) { max($0, abs($1)) }
  for _ in 0..<100 {
    var off = 0.0
    for p in 0..<n { for q in (p + 1)..<n { off += a[p][q] * a[p][q] } }
    if off <= 1e-30 * max(scale * scale, 1e-300) * Double(n * n) { break }
    for p in 0..<(n - 1) {
      for q in (p + 1)..<n where abs(a[p][q]) > 1e-300 {
        let theta = (a[q][q] - a[p][p]) / (2 * a[p][q])
        let t = (theta >= 0 ? 1 : -1) / (abs(theta) + (theta * theta + 1).squareRoot())
        let c = 1 / (t * t + 1).squareRoot(), s = t * c
        for k in 0..<n {
          let akp = a[k][p], akq = a[k][q]
          a[k][p] = c * akp - s * akq
          a[k][q] = s * akp + c * akq
        }
        for k in 0..<n {
          let apk = a[p][k], aqk = a[q][k]
          a[p][k] = c * apk - s * aqk
          a[q][k] = s * apk + c * aqk
        }
      }
    }
  }
  return (0..<n).map { a[$0][$0] }.sorted()
}

/// Student against teacher harmonic frequencies, mode by mode (both ascending).
public struct FrequencyComparison: Sendable, Hashable, Codable {
  public var teacher: HarmonicFrequencies
  public var student: HarmonicFrequencies

  public init(teacher: HarmonicFrequencies, student: HarmonicFrequencies) {
    self.teacher = teacher
    self.student = student
  }

  /// Mean |ν̃_student − ν̃_teacher| over modes, cm⁻¹.
  public var meanAbsoluteError: Double {
    let pairs = zip(student.wavenumbers, teacher.wavenumbers)
    return pairs.reduce(0) { $0 + abs($1.0 - $1.1) } / Double(max(1, min(student.wavenumbers.count, teacher.wavenumbers.count)))
  }

  /// Largest |ν̃_student − ν̃_teacher|, cm⁻¹.
  public var maximumError: Double { zip(student.wavenumbers, teacher.wavenumbers).map { abs($0 - $1) }.max() ?? 0 }

  /// Rows (mode, teacher, student, difference) in cm⁻¹.
  public var tableRows: [[String]] {
    zip(teacher.wavenumbers, student.wavenumbers).enumerated().map { k, pair in
      [String(k + 1), String(format: "%.1f", pair.0), String(format: "%.1f", pair.1), String(format: "%+.1f", pair.1 - pair.0)]
    }
  }
}
