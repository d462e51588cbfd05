/// The coordinate frame a neighbour search works in: the periodic lattice vectors as given,
/// completed to a basis by orthonormal vectors along the non-periodic directions, and every
/// atom wrapped into the cell along the periodic directions.
///
/// Along a non-periodic direction the cell row plays no part in any edge vector (its shift is
/// always 0), so it is replaced: a zero row, or a row parallel to the periodic ones, is then no
/// obstacle (ASE's `complete_cell` does the same for zero rows). For atom k,
/// `R[k] = wrapped[k] + offsets[k]·cell`, with the fractional coordinates of `wrapped[k]` in
/// [0, 1] along every periodic direction (1 only through rounding).
struct NeighborSearchFrame {
  /// Lattice rows a₁, a₂, a₃ of the completed basis, Å.
  var basis: (SIMD3<Double>, SIMD3<Double>, SIMD3<Double>)
  /// Reciprocal rows b_k with `a_i · b_j = δ_ij`, Å⁻¹; planes normal to b_k are `1/|b_k|` apart.
  var reciprocal: (SIMD3<Double>, SIMD3<Double>, SIMD3<Double>)
  /// Periodicity along a₁, a₂, a₃.
  var pbc: (Bool, Bool, Bool)
  /// Positions after wrapping along the periodic directions, [nAtoms], Å.
  var wrapped: [SIMD3<Double>]
  /// Fractional coordinates of `wrapped` in the completed basis, [nAtoms], dimensionless.
  var fractional: [SIMD3<Double>]
  /// Integer lattice translations removed by wrapping, [nAtoms]; zero along non-periodic directions.
  var offsets: [SIMD3<Int32>]

  /// Lattice row k of the completed basis.
  func row(_ k: Int) -> SIMD3<Double> {
    k == 0 ? basis.0 : (k == 1 ? basis.1 : basis.2)
  }

  /// Reciprocal row k.
  func reciprocalRow(_ k: Int) -> SIMD3<Double> {
    k == 0 ? reciprocal.0 : (k == 1 ? reciprocal.1 : reciprocal.2)
  }

  /// Whether direction k is periodic.
  func isPeriodic(_ k: Int) -> Bool {
    k == 0 ? pbc.0 : (k == 1 ? pbc.1 : pbc.2)
  }

  /// The translation `s₁a₁ + s₂a₂ + s₃a₃` of an image, Å, always summed in this order so that
  /// every search computes bit-identical edge vectors.
  @inline(__always)
  func translation(_ s: SIMD3<Int32>) -> SIMD3<Double> {
    Double(s.x) * basis.0 + Double(s.y) * basis.1 + Double(s.z) * basis.2
  }

  /// Builds the frame of a structure.
  /// - Throws: `NeighborListError.degenerateCell` when the periodic rows are zero or linearly
  ///   dependent; `NeighborListError.invalidPosition` for a non-finite position or one too far
  ///   from the cell to wrap.
  init(_ structure: Structure) throws {
    let pbc = (structure.pbc[0], structure.pbc[1], structure.pbc[2])
    self.pbc = pbc
    let given = [structure.cell.a1, structure.cell.a2, structure.cell.a3]
    let periodic = [pbc.0, pbc.1, pbc.2]
    let basis = try completedBasis(given, periodic: periodic)
    self.basis = (basis[0], basis[1], basis[2])
    let det = dot(basis[0], cross(basis[1], basis[2]))
    let b = (
      cross(basis[1], basis[2]) / det, cross(basis[2], basis[0]) / det,
      cross(basis[0], basis[1]) / det
    )
    reciprocal = b

    let n = structure.count
    var wrapped = structure.positions
    var fractional = [SIMD3<Double>](repeating: .zero, count: n)
    var offsets = [SIMD3<Int32>](repeating: .zero, count: n)
    let isPeriodic = structure.isPeriodic
    let periodicMask = SIMD3<Double>(pbc.0 ? 1 : 0, pbc.1 ? 1 : 0, pbc.2 ? 1 : 0)
    // Beyond this many cells away a wrap would lose all precision (and overflow Int32).
    let farthest = 1e9
    for k in 0..<n {
      let r = structure.positions[k]
      guard r.x.isFinite, r.y.isFinite, r.z.isFinite else {
        throw NeighborListError.nonFinitePosition(atom: k)
      }
      var f = SIMD3(dot(r, b.0), dot(r, b.1), dot(r, b.2))
      if isPeriodic {
        let whole = (f * periodicMask).rounded(.down)
        guard (whole.x.magnitude < farthest) && (whole.y.magnitude < farthest) && (whole.z.magnitude < farthest)
        else {
          throw NeighborListError.invalidPosition(
            atom: k, "it lies more than \(Int(farthest)) cells away from the cell")
        }
        if whole != .zero {
          let s = SIMD3<Int32>(whole)
          offsets[k] = s
          wrapped[k] = r - (Double(s.x) * basis[0] + Double(s.y) * basis[1] + Double(s.z) * basis[2])
          f -= whole
        }
      }
      fractional[k] = f
    }
    self.wrapped = wrapped
    self.fractional = fractional
    self.offsets = offsets
  }
}

/// The periodic rows as given, completed by orthonormal rows along the non-periodic directions.
/// - Parameters:
///   - rows: [3] lattice rows, Å.
///   - periodic: [3] periodicity of each row.
func completedBasis(_ rows: [SIMD3<Double>], periodic: [Bool]) throws -> [SIMD3<Double>] {
  let p = (0..<3).filter { periodic[$0] }
  let names = ["a1", "a2", "a3"]
  for k in p where !(length(rows[k]) > 0) || !length(rows[k]).isFinite {
    throw NeighborListError.degenerateCell(
      "lattice vector \(names[k]) is periodic but has zero (or non-finite) length")
  }
  // A relative tolerance: |sin| of the angle between rows, or the normalised volume.
  let tolerance = 1e-10
  var out = rows
  switch p.count {
  case 3:
    let det = dot(rows[0], cross(rows[1], rows[2]))
    if !(abs(det) > tolerance * length(rows[0]) * length(rows[1]) * length(rows[2])) {
      throw NeighborListError.degenerateCell("the three lattice vectors are (nearly) coplanar")
    }
  case 2:
    let normal = cross(rows[p[0]], rows[p[1]])
    if !(length(normal) > tolerance * length(rows[p[0]]) * length(rows[p[1]])) {
      throw NeighborListError.degenerateCell(
        "the periodic lattice vectors \(names[p[0]]) and \(names[p[1]]) are (nearly) parallel")
    }
    let free = (0..<3).first { !periodic[$0] }!
    out[free] = normal / length(normal)
  case 1:
    let u = rows[p[0]] / length(rows[p[0]])
    // The Cartesian axis least aligned with u gives a well-conditioned perpendicular.
    let magnitudes = [abs(u.x), abs(u.y), abs(u.z)]
    let axis = magnitudes.firstIndex(of: magnitudes.min()!)!
    var e = SIMD3<Double>.zero
    e[axis] = 1
    let v = cross(u, e) / length(cross(u, e))
    let w = cross(u, v)
    let free = (0..<3).filter { !periodic[$0] }
    out[free[0]] = v
    out[free[1]] = w
  default:
    out = [SIMD3(1, 0, 0), SIMD3(0, 1, 0), SIMD3(0, 0, 1)]
  }
  return out
}
