import Atomistic

/// A dataset as flat arrays, the layout of the HDF5 file and the fast path into training.
///
/// Structure `s` owns atoms `offsets[s] ..< offsets[s + 1]`; per-atom arrays are concatenated
/// over structures in order. Missing labels are NaN in `energy`/`forces`/`stress` and false in
/// the matching `has…` mask (the masks are authoritative).
public struct DatasetColumns: Sendable, Hashable {
  /// Atomic numbers Z, [nAtoms].
  public var atomicNumbers: [Int32]
  /// Cartesian positions, [nAtoms × 3] row-major, Å.
  public var positions: [Double]
  /// Reference forces, [nAtoms × 3] row-major, eV/Å; NaN for structures without forces.
  public var forces: [Double]
  /// Atom ranges: structure s is atoms `offsets[s] ..< offsets[s + 1]`, [nStructures + 1], offsets[0] = 0.
  public var offsets: [Int]
  /// Reference energies, [nStructures], eV; NaN when missing.
  public var energy: [Double]
  /// Reference stress, [nStructures × 6] Voigt xx yy zz yz xz xy, eV/Å³; NaN when missing.
  public var stress: [Double]
  /// Cells, [nStructures × 9] row-major, rows are lattice vectors, Å; zeros for a molecule without a box.
  public var cell: [Double]
  /// Periodicity along a₁, a₂, a₃, [nStructures × 3].
  public var pbc: [Bool]
  /// Structure has an energy label, [nStructures].
  public var hasEnergy: [Bool]
  /// Structure has force labels, [nStructures].
  public var hasForces: [Bool]
  /// Structure has a stress label, [nStructures].
  public var hasStress: [Bool]
  /// k_s, the curvature probes of structure s (0: no curvature labels), [nStructures].
  public var hessianProbeCount: [Int]
  /// Finite-difference step h of structure s's products, [nStructures], Å; NaN without them.
  public var hessianStep: [Double]
  /// Probe directions v_p, [Σ_s k_s·N_s × 3] row-major, dimensionless: structure s's block
  /// (after those of structures 0..<s) is [k_s, N_s, 3], probe-major.
  public var hessianProbes: [Double]
  /// Hessian–vector products H v_p, laid out as `hessianProbes`, eV/Å².
  public var hessianProducts: [Double]

  /// Number of structures.
  public var structureCount: Int { offsets.count - 1 }
  /// Total number of atoms over all structures.
  public var atomCount: Int { atomicNumbers.count }
  /// Number of atoms of structure `s`.
  public func atomCount(of s: Int) -> Int { offsets[s + 1] - offsets[s] }

  /// An empty dataset (no structures).
  public init() {
    atomicNumbers = []
    positions = []
    forces = []
    offsets = [0]
    energy = []
    stress = []
    cell = []
    pbc = []
    hasEnergy = []
    hasForces = []
    hasStress = []
    hessianProbeCount = []
    hessianStep = []
    hessianProbes = []
    hessianProducts = []
  }

  /// The columns of `structures`, in order. Labels that are nil become NaN with a false mask.
  public init(_ structures: [Structure]) {
    self.init()
    let nAtoms = structures.reduce(0) { $0 + $1.count }
    atomicNumbers.reserveCapacity(nAtoms)
    positions.reserveCapacity(3 * nAtoms)
    forces.reserveCapacity(3 * nAtoms)
    offsets.reserveCapacity(structures.count + 1)
    for structure in structures { append(structure) }
  }

  /// Appends one structure's atoms and labels.
  public mutating func append(_ structure: Structure) {
    for k in 0..<structure.count {
      atomicNumbers.append(Int32(truncatingIfNeeded: structure.atomicNumbers[k]))
      let r = structure.positions[k]
      positions += [r.x, r.y, r.z]
    }
    if let f = structure.forces, f.count == structure.count {
      for v in f { forces += [v.x, v.y, v.z] }
      hasForces.append(true)
    } else {
      forces += [Double](repeating: .nan, count: 3 * structure.count)
      hasForces.append(false)
    }
    offsets.append(atomicNumbers.count)
    energy.append(structure.energy ?? .nan)
    hasEnergy.append(structure.energy != nil)
    if let s = structure.stress, s.count == 6 {
      stress += s
      hasStress.append(true)
    } else {
      stress += [Double](repeating: .nan, count: 6)
      hasStress.append(false)
    }
    for row in [structure.cell.a1, structure.cell.a2, structure.cell.a3] { cell += [row.x, row.y, row.z] }
    pbc += structure.pbc
    let k = structure.hessianLabelCount
    hessianProbeCount.append(k)
    hessianStep.append(k > 0 ? structure.hessianStep ?? .nan : .nan)
    if k > 0, let probes = structure.hessianProbes, let products = structure.hessianProducts {
      for block in probes { for v in block { hessianProbes += [v.x, v.y, v.z] } }
      for block in products { for v in block { hessianProducts += [v.x, v.y, v.z] } }
    }
  }

  /// True when any structure has curvature labels.
  public var hasCurvature: Bool { hessianProbeCount.contains { $0 > 0 } }

  /// Start of each structure's block in `hessianProbes` (in values), [nStructures + 1].
  public var hessianOffsets: [Int] {
    var out = [0]
    out.reserveCapacity(structureCount + 1)
    for s in 0..<hessianProbeCount.count { out.append(out[s] + 3 * hessianProbeCount[s] * atomCount(of: s)) }
    return out
  }

  /// Structure `s` rebuilt from the columns (labels nil where the masks are false; no info or arrays).
  public func structure(at s: Int) -> Structure {
    structure(at: s, hessianStart: hessianProbeCount[s] > 0 ? hessianOffsets[s] : 0)
  }

  /// Structure `s`, whose curvature block starts at `start` in `hessianProbes`
  /// (`hessianOffsets[s]`, for readers that walk many structures).
  func structure(at s: Int, hessianStart start: Int) -> Structure {
    precondition(s >= 0 && s < structureCount, "structure index \(s) outside 0..<\(structureCount)")
    let atoms = offsets[s]..<offsets[s + 1]
    let z = atoms.map { Int(atomicNumbers[$0]) }
    let r = atoms.map { SIMD3(positions[3 * $0], positions[3 * $0 + 1], positions[3 * $0 + 2]) }
    let f: [SIMD3<Double>]? = hasForces[s] ? atoms.map { SIMD3(forces[3 * $0], forces[3 * $0 + 1], forces[3 * $0 + 2]) } : nil
    let c = Cell(
      a1: SIMD3(cell[9 * s], cell[9 * s + 1], cell[9 * s + 2]),
      a2: SIMD3(cell[9 * s + 3], cell[9 * s + 4], cell[9 * s + 5]),
      a3: SIMD3(cell[9 * s + 6], cell[9 * s + 7], cell[9 * s + 8]))
    var structure = Structure(
      atomicNumbers: z, positions: r, cell: c, pbc: Array(pbc[(3 * s)..<(3 * s + 3)]),
      energy: hasEnergy[s] ? energy[s] : nil, forces: f,
      stress: hasStress[s] ? Array(stress[(6 * s)..<(6 * s + 6)]) : nil)
    if hessianProbeCount[s] > 0 {
      let n = atoms.count
      func blocks(_ values: [Double]) -> [[SIMD3<Double>]] {
        (0..<hessianProbeCount[s]).map { p in
          (0..<n).map { i in
            let o = start + 3 * (p * n + i)
            return SIMD3(values[o], values[o + 1], values[o + 2])
          }
        }
      }
      structure.hessianProbes = blocks(hessianProbes)
      structure.hessianProducts = blocks(hessianProducts)
      if hessianStep[s].isFinite { structure.hessianStep = hessianStep[s] }
    }
    return structure
  }

  /// All structures, in order.
  public var structures: [Structure] {
    let starts = hessianOffsets
    return (0..<structureCount).map { structure(at: $0, hessianStart: starts[$0]) }
  }

  /// The columns of a subset of structures, in the order given (e.g. one split).
  /// - Parameter indices: structure indices in `0..<structureCount`.
  public func subset(_ indices: [Int]) -> DatasetColumns {
    var out = DatasetColumns()
    let curvatureOffsets = hessianOffsets
    for s in indices {
      precondition(s >= 0 && s < structureCount, "structure index \(s) outside 0..<\(structureCount)")
      let atoms = offsets[s]..<offsets[s + 1]
      out.atomicNumbers += atomicNumbers[atoms]
      out.positions += positions[(3 * atoms.lowerBound)..<(3 * atoms.upperBound)]
      out.forces += forces[(3 * atoms.lowerBound)..<(3 * atoms.upperBound)]
      out.offsets.append(out.atomicNumbers.count)
      out.energy.append(energy[s])
      out.stress += stress[(6 * s)..<(6 * s + 6)]
      out.cell += cell[(9 * s)..<(9 * s + 9)]
      out.pbc += pbc[(3 * s)..<(3 * s + 3)]
      out.hasEnergy.append(hasEnergy[s])
      out.hasForces.append(hasForces[s])
      out.hasStress.append(hasStress[s])
      out.hessianProbeCount.append(hessianProbeCount[s])
      out.hessianStep.append(hessianStep[s])
      out.hessianProbes += hessianProbes[curvatureOffsets[s]..<curvatureOffsets[s + 1]]
      out.hessianProducts += hessianProducts[curvatureOffsets[s]..<curvatureOffsets[s + 1]]
    }
    return out
  }

  /// Appends all structures of `other`, shifting its offsets.
  public mutating func append(contentsOf other: DatasetColumns) {
    let shift = atomCount
    atomicNumbers += other.atomicNumbers
    positions += other.positions
    forces += other.forces
    offsets += other.offsets.dropFirst().map { $0 + shift }
    energy += other.energy
    stress += other.stress
    cell += other.cell
    pbc += other.pbc
    hasEnergy += other.hasEnergy
    hasForces += other.hasForces
    hasStress += other.hasStress
    hessianProbeCount += other.hessianProbeCount
    hessianStep += other.hessianStep
    hessianProbes += other.hessianProbes
    hessianProducts += other.hessianProducts
  }

  /// Checks the invariants a reader relies on; the error names `file` and the offending dataset.
  /// Offsets start at 0, never decrease and end at nAtoms; every array has its documented
  /// length; atomic numbers are in 1...118; positions and cells are finite; a label whose mask
  /// is true is finite.
  public func validate(file: String? = nil) throws {
    func bad(_ object: String, _ message: String) -> DatasetError {
      DatasetError(.malformed, file: file, object: "dataset '\(object)'", message: message,
                   hint: "See docs/dataset-format.md for the layout")
    }
    guard let first = offsets.first, first == 0 else { throw bad("offsets", "must start with 0") }
    let n = structureCount
    for s in 0..<n where offsets[s + 1] < offsets[s] {
      throw bad("offsets", "decreases at structure \(s) (\(offsets[s]) then \(offsets[s + 1]))")
    }
    guard offsets[n] == atomCount else {
      throw bad("offsets", "ends at \(offsets[n]) but there are \(atomCount) atoms in 'atomic_numbers'")
    }
    let lengths: [(String, Int, Int)] = [
      ("positions", positions.count, 3 * atomCount), ("forces", forces.count, 3 * atomCount),
      ("energy", energy.count, n), ("stress", stress.count, 6 * n), ("cell", cell.count, 9 * n),
      ("pbc", pbc.count, 3 * n), ("has_energy", hasEnergy.count, n), ("has_forces", hasForces.count, n),
      ("has_stress", hasStress.count, n), ("hessian_probe_count", hessianProbeCount.count, n),
      ("hessian_step", hessianStep.count, n),
    ]
    for (name, found, expected) in lengths where found != expected {
      throw bad(name, "holds \(found) values, expected \(expected)")
    }
    if let s = hessianProbeCount.firstIndex(where: { $0 < 0 }) {
      throw bad("hessian_probe_count", "structure \(s) has \(hessianProbeCount[s]) probes")
    }
    let curvatureValues = hessianOffsets.last ?? 0
    for (name, found) in [("hessian_probes", hessianProbes.count), ("hessian_products", hessianProducts.count)] where found != curvatureValues {
      throw bad(name, "holds \(found) values, expected \(curvatureValues) (3 × Σ_s hessian_probe_count[s] × atoms of s)")
    }
    if let k = hessianProducts.firstIndex(where: { !$0.isFinite }) ?? hessianProbes.firstIndex(where: { !$0.isFinite }) {
      throw bad("hessian_products", "value \(k) of the curvature labels is not finite")
    }
    for s in 0..<n {
      for a in offsets[s]..<offsets[s + 1] {
        guard (1...118).contains(atomicNumbers[a]) else {
          throw bad("atomic_numbers", "atom \(a - offsets[s]) of structure \(s) has atomic number \(atomicNumbers[a])")
        }
        guard positions[3 * a].isFinite && positions[3 * a + 1].isFinite && positions[3 * a + 2].isFinite else {
          throw bad("positions", "atom \(a - offsets[s]) of structure \(s) has a non-finite position")
        }
        if hasForces[s] && !(forces[3 * a].isFinite && forces[3 * a + 1].isFinite && forces[3 * a + 2].isFinite) {
          throw bad("forces", "atom \(a - offsets[s]) of structure \(s) has a non-finite force but has_forces is true")
        }
      }
      guard cell[(9 * s)..<(9 * s + 9)].allSatisfy({ $0.isFinite }) else { throw bad("cell", "structure \(s) has a non-finite cell") }
      if hasEnergy[s] && !energy[s].isFinite { throw bad("energy", "structure \(s) has energy \(energy[s]) but has_energy is true") }
      if hasStress[s] && !stress[(6 * s)..<(6 * s + 6)].allSatisfy({ $0.isFinite }) {
        throw bad("stress", "structure \(s) has a non-finite stress but has_stress is true")
      }
    }
  }
}
