import Collections
import OrderedCollections

/// A value stored in a structure's `info` (the extxyz comment line's key=value pairs).
public enum InfoValue: Sendable, Hashable {
  case bool(Bool)
  case int(Int)
  case double(Double)
  case string(String)
  case bools([Bool])
  case ints([Int])
  case doubles([Double])
  case strings([String])
}

/// A per-atom array (an extxyz `Properties` column group): `columns` values per atom, row-major.
public enum PerAtomArray: Sendable, Hashable {
  /// `R` type: [nAtoms × columns] Double.
  case doubles(columns: Int, values: [Double])
  /// `I` type: [nAtoms × columns] Int.
  case ints(columns: Int, values: [Int])
  /// `S` type: [nAtoms × columns] String.
  case strings(columns: Int, values: [String])
  /// `L` type: [nAtoms × columns] Bool.
  case bools(columns: Int, values: [Bool])

  /// Values per atom.
  public var columns: Int {
    switch self {
    case .doubles(let c, _), .ints(let c, _), .strings(let c, _), .bools(let c, _): return c
    }
  }

  /// Total number of stored values (nAtoms × columns).
  public var valueCount: Int {
    switch self {
    case .doubles(_, let v): return v.count
    case .ints(_, let v): return v.count
    case .strings(_, let v): return v.count
    case .bools(_, let v): return v.count
    }
  }
}

/// One atomic configuration: atoms, cell, periodicity, and optional reference labels.
///
/// Positions are Cartesian in Å. The cell's rows are the lattice vectors (ASE). Labels follow
/// ASE's calculator contract: `energy` in eV, `forces` = −∂E/∂R in eV/Å, and `stress` =
/// (1/V) ∂E/∂ε in eV/Å³, Voigt order xx yy zz yz xz xy.
public struct Structure: Sendable, Hashable {
  /// Atomic numbers Z, [nAtoms].
  public var atomicNumbers: [Int]
  /// Cartesian positions, [nAtoms], Å.
  public var positions: [SIMD3<Double>]
  /// Lattice vectors as rows, Å. `Cell.zero` for a molecule without a box.
  public var cell: Cell
  /// Periodic along a₁, a₂, a₃: [3].
  public var pbc: [Bool]
  /// Reference energy, eV (nil when unlabelled).
  public var energy: Double?
  /// Reference forces, [nAtoms], eV/Å (nil when unlabelled).
  public var forces: [SIMD3<Double>]?
  /// Reference stress, [6] Voigt xx yy zz yz xz xy, eV/Å³ (nil when unlabelled).
  public var stress: [Double]?
  /// Free-form per-structure values, in file order; preserved on round trips.
  public var info: OrderedDictionary<String, InfoValue>
  /// Free-form per-atom arrays (not species, positions or forces), in file order.
  public var arrays: OrderedDictionary<String, PerAtomArray>

  public init(
    atomicNumbers: [Int], positions: [SIMD3<Double>], cell: Cell = .zero,
    pbc: [Bool] = [false, false, false], energy: Double? = nil,
    forces: [SIMD3<Double>]? = nil, stress: [Double]? = nil,
    info: OrderedDictionary<String, InfoValue> = [:],
    arrays: OrderedDictionary<String, PerAtomArray> = [:]
  ) {
    precondition(atomicNumbers.count == positions.count,
                 "atomicNumbers has \(atomicNumbers.count) entries but positions has \(positions.count)")
    precondition(pbc.count == 3, "pbc has \(pbc.count) entries, expected 3")
    self.atomicNumbers = atomicNumbers
    self.positions = positions
    self.cell = cell
    self.pbc = pbc
    self.energy = energy
    self.forces = forces
    self.stress = stress
    self.info = info
    self.arrays = arrays
  }

  /// Number of atoms.
  public var count: Int { atomicNumbers.count }

  /// True when any direction is periodic.
  public var isPeriodic: Bool { pbc[0] || pbc[1] || pbc[2] }

  /// True when all three directions are periodic (stress is defined).
  public var isFullyPeriodic: Bool { pbc[0] && pbc[1] && pbc[2] }

  /// The same structure with its labels removed.
  public var unlabelled: Structure {
    var s = self
    s.energy = nil
    s.forces = nil
    s.stress = nil
    s.hessianProducts = nil
    return s
  }

  /// Positions wrapped into the cell along periodic directions (fractional coordinates in [0, 1)).
  public func wrapped() -> Structure {
    guard isPeriodic, let _ = cell.reciprocal else { return self }
    var s = self
    for k in 0..<count {
      var f = cell.fractional(positions[k])!
      for d in 0..<3 where pbc[d] { f[d] -= f[d].rounded(.down) }
      s.positions[k] = cell.cartesian(f)
    }
    return s
  }

  /// An n₁×n₂×n₃ supercell; labels are repeated (energy scaled by the number of copies).
  public func supercell(_ n1: Int, _ n2: Int, _ n3: Int) -> Structure {
    precondition(n1 > 0 && n2 > 0 && n3 > 0, "supercell repeats must be positive")
    var z: [Int] = []
    var r: [SIMD3<Double>] = []
    var f: [SIMD3<Double>] = []
    let copies = n1 * n2 * n3
    z.reserveCapacity(count * copies)
    r.reserveCapacity(count * copies)
    for i in 0..<n1 {
      for j in 0..<n2 {
        for k in 0..<n3 {
          let t = Double(i) * cell.a1 + Double(j) * cell.a2 + Double(k) * cell.a3
          z += atomicNumbers
          r += positions.map { $0 + t }
          if let forces { f += forces }
        }
      }
    }
    var newArrays: OrderedDictionary<String, PerAtomArray> = [:]
    for (key, array) in arrays {
      switch array {
      case .doubles(let c, let v): newArrays[key] = .doubles(columns: c, values: Array(repeating: v, count: copies).flatMap { $0 })
      case .ints(let c, let v): newArrays[key] = .ints(columns: c, values: Array(repeating: v, count: copies).flatMap { $0 })
      case .strings(let c, let v): newArrays[key] = .strings(columns: c, values: Array(repeating: v, count: copies).flatMap { $0 })
      case .bools(let c, let v): newArrays[key] = .bools(columns: c, values: Array(repeating: v, count: copies).flatMap { $0 })
      }
    }
    return Structure(
      atomicNumbers: z, positions: r,
      cell: Cell(a1: Double(n1) * cell.a1, a2: Double(n2) * cell.a2, a3: Double(n3) * cell.a3),
      pbc: pbc, energy: energy.map { $0 * Double(copies) }, forces: forces == nil ? nil : f,
      stress: stress, info: info, arrays: newArrays)
  }
}
