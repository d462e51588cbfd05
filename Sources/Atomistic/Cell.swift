/// A simulation cell: three lattice vectors as the rows of a 3×3 matrix (ASE's convention).
///
/// Cartesian position from fractional coordinates f: `r = f₁·a₁ + f₂·a₂ + f₃·a₃`,
/// i.e. `r = fᵀ · C` with the rows of `C` the lattice vectors.
public struct Cell: Sendable, Hashable, Codable {
  /// First lattice vector a₁, Å.
  public var a1: SIMD3<Double>
  /// Second lattice vector a₂, Å.
  public var a2: SIMD3<Double>
  /// Third lattice vector a₃, Å.
  public var a3: SIMD3<Double>

  public init(a1: SIMD3<Double>, a2: SIMD3<Double>, a3: SIMD3<Double>) {
    self.a1 = a1
    self.a2 = a2
    self.a3 = a3
  }

  /// A cell from its rows. - Parameter rows: [3][3], Å; row k is lattice vector a_{k+1}.
  public init(rows: [[Double]]) {
    precondition(rows.count == 3 && rows.allSatisfy { $0.count == 3 }, "a cell has 3 rows of 3")
    a1 = SIMD3(rows[0][0], rows[0][1], rows[0][2])
    a2 = SIMD3(rows[1][0], rows[1][1], rows[1][2])
    a3 = SIMD3(rows[2][0], rows[2][1], rows[2][2])
  }

  /// An orthorhombic cell with edge lengths (a, b, c), Å.
  public static func orthorhombic(_ a: Double, _ b: Double, _ c: Double) -> Cell {
    Cell(a1: SIMD3(a, 0, 0), a2: SIMD3(0, b, 0), a3: SIMD3(0, 0, c))
  }

  /// The all-zero cell used for molecules without a box.
  public static let zero = Cell(a1: .zero, a2: .zero, a3: .zero)

  /// Lattice vector k (0, 1 or 2).
  public subscript(k: Int) -> SIMD3<Double> {
    get {
      switch k {
      case 0: return a1
      case 1: return a2
      case 2: return a3
      default: preconditionFailure("cell row index \(k) out of 0...2")
      }
    }
    set {
      switch k {
      case 0: a1 = newValue
      case 1: a2 = newValue
      case 2: a3 = newValue
      default: preconditionFailure("cell row index \(k) out of 0...2")
      }
    }
  }

  /// The rows as nested arrays, [3][3], Å.
  public var rows: [[Double]] { [a1, a2, a3].map { [$0.x, $0.y, $0.z] } }

  /// Signed volume `a₁ · (a₂ × a₃)`, Å³.
  public var determinant: Double { dot(a1, cross(a2, a3)) }

  /// Volume |a₁ · (a₂ × a₃)|, Å³.
  public var volume: Double { abs(determinant) }

  /// True when every entry is zero (no cell given).
  public var isZero: Bool { a1 == .zero && a2 == .zero && a3 == .zero }

  /// Reciprocal vectors b_k (without 2π) with `a_i · b_j = δ_ij`, Å⁻¹; the columns of C⁻¹.
  /// The spacing between lattice planes normal to b_k is `1/|b_k|`. Nil for a singular cell.
  public var reciprocal: (SIMD3<Double>, SIMD3<Double>, SIMD3<Double>)? {
    let det = determinant
    guard det != 0, det.isFinite else { return nil }
    return (cross(a2, a3) / det, cross(a3, a1) / det, cross(a1, a2) / det)
  }

  /// Cartesian position of fractional coordinates, Å: `f₁a₁ + f₂a₂ + f₃a₃`.
  public func cartesian(_ fractional: SIMD3<Double>) -> SIMD3<Double> {
    fractional.x * a1 + fractional.y * a2 + fractional.z * a3
  }

  /// Fractional coordinates of a Cartesian position; nil for a singular cell.
  public func fractional(_ r: SIMD3<Double>) -> SIMD3<Double>? {
    guard let (b1, b2, b3) = reciprocal else { return nil }
    return SIMD3(dot(r, b1), dot(r, b2), dot(r, b3))
  }

  /// The cell deformed by a strain: every row a_k ↦ a_k · (I + ε). - Parameter strain: [3][3] symmetric, dimensionless.
  public func deformed(by strain: [[Double]]) -> Cell {
    func apply(_ v: SIMD3<Double>) -> SIMD3<Double> {
      var out = v
      for c in 0..<3 { out[c] += v[0] * strain[0][c] + v[1] * strain[1][c] + v[2] * strain[2][c] }
      return out
    }
    return Cell(a1: apply(a1), a2: apply(a2), a3: apply(a3))
  }
}

/// Dot product of two 3-vectors.
@inlinable public func dot(_ a: SIMD3<Double>, _ b: SIMD3<Double>) -> Double { (a * b).sum() }

/// Cross product `a × b`.
@inlinable public func cross(_ a: SIMD3<Double>, _ b: SIMD3<Double>) -> SIMD3<Double> {
  SIMD3(a.y * b.z - a.z * b.y, a.z * b.x - a.x * b.z, a.x * b.y - a.y * b.x)
}

/// Euclidean length |a|.
@inlinable public func length(_ a: SIMD3<Double>) -> Double { dot(a, a).squareRoot() }
