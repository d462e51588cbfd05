import Atomistic
import Potentials

// The one boundary between i-PI's atomic units and layout and the project's: positions and the
// cell arrive in Bohr with the lattice vectors as the columns of h; energy, forces and the
// virial leave in Hartree, Hartree/Bohr and Hartree. Nothing else in the program sees atomic
// units.

/// The geometry of one POSDATA message, as i-PI lays it out.
public struct IPIPositionData: Sendable, Equatable {
  /// The cell matrix h, whose columns are the lattice vectors a₁, a₂, a₃, sent row-major:
  /// [9], Bohr; `h[3 * r + c]` is component r of lattice vector c.
  public var cellMatrix: [Double]
  /// h⁻¹ as the server sent it, [9], 1/Bohr. Not used: i-PI sends h⁻¹ but ASE its transpose,
  /// and the cell alone defines the geometry.
  public var inverseCellMatrix: [Double]
  /// Cartesian positions, [3 nAtoms] (x₀ y₀ z₀ x₁ …), Bohr.
  public var positions: [Double]

  public init(cellMatrix: [Double], inverseCellMatrix: [Double], positions: [Double]) {
    precondition(cellMatrix.count == 9 && inverseCellMatrix.count == 9, "a cell matrix has 9 entries")
    precondition(positions.count % 3 == 0, "positions come in threes")
    self.cellMatrix = cellMatrix
    self.inverseCellMatrix = inverseCellMatrix
    self.positions = positions
  }

  /// Number of atoms.
  public var atomCount: Int { positions.count / 3 }

  /// The message as a server sends it, from a structure in the project's units: h = Cᵀ / a₀
  /// (C has the lattice vectors as rows, in Å), positions / a₀; the inverse is that of h
  /// (zero for a cell without volume, as ASE sends for a molecule).
  public init(structure: Structure) {
    let rows = structure.cell.rows
    var h = [Double](repeating: 0, count: 9)
    for r in 0..<3 { for c in 0..<3 { h[3 * r + c] = rows[c][r] / Units.bohr } }
    var hInverse = [Double](repeating: 0, count: 9)
    if let (b1, b2, b3) = structure.cell.reciprocal {
      // (Cᵀ)⁻¹ = (C⁻¹)ᵀ; the columns of C⁻¹ are b₁, b₂, b₃, so row k of h⁻¹ is b_k (times a₀).
      for (k, b) in [b1, b2, b3].enumerated() { for c in 0..<3 { hInverse[3 * k + c] = b[c] * Units.bohr } }
    }
    self.init(cellMatrix: h, inverseCellMatrix: hInverse,
              positions: structure.positions.flatMap { [$0.x / Units.bohr, $0.y / Units.bohr, $0.z / Units.bohr] })
  }

  /// The message's bytes: header, h, h⁻¹, int32 atom count, positions.
  public var encoded: [UInt8] {
    var w = IPIMessageWriter()
    w.append(.positionData)
    w.append(float64: cellMatrix)
    w.append(float64: inverseCellMatrix)
    w.append(int32: Int32(atomCount))
    w.append(float64: positions)
    return w.bytes
  }

  /// The structure this message describes: the template's species and periodicity with the
  /// message's positions and cell, converted to Å. The lattice vectors are the columns of h:
  /// `a_c[r] = h[3r + c] · a₀`. A template periodic in no direction gets no cell (`Cell.zero`):
  /// the box i-PI needs for a molecule plays no part in its energy.
  /// - Parameters:
  ///   - template: species and `pbc`, [nAtoms] in the order the server sends the atoms.
  ///   - request: the 1-based count of this message in the session, for errors.
  /// - Throws: `IPIError.atomCountMismatch`, `.nonFinitePositions`, `.badCell`.
  public func structure(template: Structure, request: Int) throws -> Structure {
    guard atomCount == template.count else {
      throw IPIError.atomCountMismatch(received: atomCount, template: template.count, request: request)
    }
    var s = template.unlabelled
    for k in 0..<atomCount {
      let r = SIMD3(positions[3 * k], positions[3 * k + 1], positions[3 * k + 2]) * Units.bohr
      guard r.x.isFinite, r.y.isFinite, r.z.isFinite else { throw IPIError.nonFinitePositions(atom: k, request: request) }
      s.positions[k] = r
    }
    if template.isPeriodic {
      func column(_ c: Int) -> SIMD3<Double> { SIMD3(cellMatrix[c], cellMatrix[3 + c], cellMatrix[6 + c]) * Units.bohr }
      let cell = Cell(a1: column(0), a2: column(1), a3: column(2))
      guard cellMatrix.allSatisfy(\.isFinite) else {
        throw IPIError.badCell("holds a non-finite number", request: request)
      }
      guard cell.reciprocal != nil else {
        throw IPIError.badCell("has no volume (its lattice vectors are linearly dependent)", request: request)
      }
      s.cell = cell
    } else {
      s.cell = .zero
    }
    return s
  }
}

/// The answer to GETFORCE, as i-PI lays it out.
public struct IPIForceData: Sendable, Equatable {
  /// Potential energy, Hartree.
  public var energy: Double
  /// Forces −∂E/∂R, [3 nAtoms], Hartree/Bohr.
  public var forces: [Double]
  /// Virial W = −∂E/∂ε, [9] row-major (symmetric), Hartree; not divided by the volume.
  public var virial: [Double]
  /// The "extra" string (free text or JSON).
  public var extra: [UInt8]

  public init(energy: Double, forces: [Double], virial: [Double], extra: [UInt8] = Array(" ".utf8)) {
    precondition(forces.count % 3 == 0 && virial.count == 9, "forces come in threes and the virial has 9 entries")
    self.energy = energy
    self.forces = forces
    self.virial = virial
    self.extra = extra
  }

  /// Number of atoms.
  public var atomCount: Int { forces.count / 3 }

  /// The answer to send for `results` of `structure`, converted from eV, eV/Å and eV/Å³:
  /// E / E_h; F · a₀ / E_h; and, for a structure periodic in all three directions,
  /// `W = −V σ / E_h` (σ the stress (1/V) ∂E/∂ε as a symmetric 3×3 tensor, V the volume in Å³),
  /// otherwise zero, as ASE's own driver sends for a structure without stress.
  /// The extra string is one space: some readers mistake an empty one for a closed socket.
  public init(results: Results, structure: Structure) {
    let forces = results.forces ?? []
    var virial = [Double](repeating: 0, count: 9)
    if let stress = results.stress, structure.isFullyPeriodic {
      let sigma = symmetricTensor(voigt: stress)
      let volume = structure.cell.volume
      for a in 0..<3 { for b in 0..<3 { virial[3 * a + b] = -volume * sigma[a][b] / Units.hartree } }
    }
    let forceUnit = Units.bohr / Units.hartree
    self.init(
      energy: results.energy / Units.hartree,
      forces: forces.flatMap { [$0.x * forceUnit, $0.y * forceUnit, $0.z * forceUnit] },
      virial: virial)
  }

  /// The message's bytes: header, energy, int32 atom count, forces, virial, int32 length, extra.
  public var encoded: [UInt8] {
    var w = IPIMessageWriter()
    w.append(.forceReady)
    w.append(float64: energy)
    w.append(int32: Int32(atomCount))
    w.append(float64: forces)
    w.append(float64: virial)
    w.append(int32: Int32(extra.count))
    w.append(raw: extra)
    return w.bytes
  }

  /// The results in the project's units: energy eV, forces eV/Å, and for a periodic structure of
  /// volume `volume` (Å³) the stress σ = −W / V in eV/Å³ (Voigt xx yy zz yz xz xy).
  public func results(volume: Double?) -> Results {
    let forceUnit = Units.hartree / Units.bohr
    let f = (0..<atomCount).map { SIMD3(forces[3 * $0], forces[3 * $0 + 1], forces[3 * $0 + 2]) * forceUnit }
    let stress = volume.map { v in voigtComponents.map { a, b in -virial[3 * a + b] * Units.hartree / v } }
    return Results(energy: energy * Units.hartree, forces: f, stress: stress)
  }
}
