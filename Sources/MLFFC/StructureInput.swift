import Atomistic

/// The most atoms one call accepts: every index fits the neighbour list's Int32 with room for
/// its cell shifts, and N×3 never overflows.
let maximumAtomCount: Int64 = 1 << 28

/// Structures from the raw arrays of `mlff_compute_batch` (one structure for `mlff_compute`),
/// checked before any of them reaches the model.
///
/// - Parameters:
///   - atomCounts: atoms of each structure, [S].
///   - atomicNumbers: [N], N = Σ atomCounts.
///   - positions: [N × 3], Å.
///   - cells: [S × 9] lattice vectors as rows, Å; nil when no structure is periodic.
///   - pbc: [S × 3], non-zero = periodic; nil when none is.
///   - name: how an error names structure s ("the structure", "structure 3").
/// - Throws: `CFailure` naming the structure, the atom and the value that is unusable.
func structures(
  atomCounts: [Int], atomicNumbers: UnsafePointer<Int32>?, positions: UnsafePointer<Double>?,
  cells: UnsafePointer<Double>?, pbc: UnsafePointer<Int32>?, name: (Int) -> String
) throws(CFailure) -> [Structure] {
  let total = atomCounts.reduce(0, +)
  if total > 0 {
    guard atomicNumbers != nil else { throw CFailure(.nullArgument, "atomic_numbers is NULL but there are \(total) atoms") }
    guard positions != nil else { throw CFailure(.nullArgument, "positions is NULL but there are \(total) atoms") }
  }
  var out: [Structure] = []
  out.reserveCapacity(atomCounts.count)
  var first = 0
  for (s, n) in atomCounts.enumerated() {
    var periodic = [false, false, false]
    if let pbc { for d in 0..<3 { periodic[d] = pbc[3 * s + d] != 0 } }
    var cell = Cell.zero
    if let cells {
      let c = cells + 9 * s
      for k in 0..<9 where !c[k].isFinite {
        throw CFailure(.invalidStructure, "\(name(s)): cell entry [\(k / 3)][\(k % 3)] is \(c[k]); give a finite cell in Å (rows = lattice vectors)")
      }
      cell = Cell(a1: [c[0], c[1], c[2]], a2: [c[3], c[4], c[5]], a3: [c[6], c[7], c[8]])
    } else if periodic.contains(true) {
      throw CFailure(.nullArgument, "\(name(s)) is periodic (pbc \(periodic)) but the cell is NULL; pass the lattice vectors as rows, Å")
    }
    if periodic.allSatisfy({ $0 }), !(cell.volume > 1e-12) {
      throw CFailure(.invalidStructure, "\(name(s)) is periodic in all three directions but its cell has zero volume (determinant \(cell.determinant) Å³); give three independent lattice vectors as rows, or set pbc to false where the structure is not periodic")
    }
    var z = [Int](repeating: 0, count: n)
    var r = [SIMD3<Double>](repeating: .zero, count: n)
    for i in 0..<n {
      let k = first + i
      z[i] = Int(atomicNumbers![k])
      let p = SIMD3(positions![3 * k], positions![3 * k + 1], positions![3 * k + 2])
      guard p.x.isFinite, p.y.isFinite, p.z.isFinite else {
        throw CFailure(.invalidStructure, "\(name(s)): atom \(i) (0-based) has position (\(p.x), \(p.y), \(p.z)) Å, which is not finite; check the coordinates (NaN often comes from a diverged simulation)")
      }
      r[i] = p
    }
    out.append(Structure(atomicNumbers: z, positions: r, cell: cell, pbc: periodic))
    first += n
  }
  return out
}
