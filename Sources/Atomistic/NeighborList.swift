/// All pairs of atoms closer than a cutoff, including periodic images.
///
/// Edge e joins `centers[e]` (i) to `neighbors[e]` (j) in the image shifted by `shifts[e]` (S):
/// `r_ij = R[j] − R[i] + S·cell` with S an integer triple multiplying the rows of the cell.
/// Both directions of every pair are listed; an atom is its own neighbour only through a
/// non-zero shift. Distances are strictly below the cutoff.
public struct NeighborList: Sendable, Hashable {
  /// i of each edge, [nEdges].
  public var centers: [Int32]
  /// j of each edge, [nEdges].
  public var neighbors: [Int32]
  /// Cell shift S of each edge, [nEdges]; zero along non-periodic directions.
  public var shifts: [SIMD3<Int32>]

  public init(centers: [Int32] = [], neighbors: [Int32] = [], shifts: [SIMD3<Int32>] = []) {
    precondition(centers.count == neighbors.count && centers.count == shifts.count)
    self.centers = centers
    self.neighbors = neighbors
    self.shifts = shifts
  }

  /// Number of directed edges.
  public var count: Int { centers.count }

  /// Edge vector `r_ij = R[j] − R[i] + S·cell` of edge e, Å.
  @inlinable
  public func vector(_ e: Int, in structure: Structure) -> SIMD3<Double> {
    let s = SIMD3<Double>(shifts[e])
    return structure.positions[Int(neighbors[e])] - structure.positions[Int(centers[e])]
      + s.x * structure.cell.a1 + s.y * structure.cell.a2 + s.z * structure.cell.a3
  }

  /// Edges sorted by (i, j, S) — a canonical order for comparing two lists.
  public func sorted() -> NeighborList {
    let order = (0..<count).sorted { a, b in
      if centers[a] != centers[b] { return centers[a] < centers[b] }
      if neighbors[a] != neighbors[b] { return neighbors[a] < neighbors[b] }
      let sa = shifts[a], sb = shifts[b]
      if sa.x != sb.x { return sa.x < sb.x }
      if sa.y != sb.y { return sa.y < sb.y }
      return sa.z < sb.z
    }
    return NeighborList(
      centers: order.map { centers[$0] }, neighbors: order.map { neighbors[$0] },
      shifts: order.map { shifts[$0] })
  }
}

/// Why a neighbour list cannot be built.
public enum NeighborListError: Error, CustomStringConvertible, Equatable {
  /// The cutoff is zero, negative or not finite.
  case invalidCutoff(Double)
  /// A periodic direction has a (near-)zero-length or linearly dependent lattice vector.
  case degenerateCell(String)
  /// Atom `atom` (0-based) has a position that cannot be placed in the cell; the string says why.
  case invalidPosition(atom: Int, String)

  /// `.invalidPosition` for a position with a NaN or infinite coordinate (every search's words).
  static func nonFinitePosition(atom: Int) -> NeighborListError {
    .invalidPosition(atom: atom, "its position is not a finite number")
  }
  /// The periodic cell is so small for the cutoff that each atom would have about
  /// `neighboursPerAtom` neighbours (`impliedNeighboursPerAtom`): a list that would not fit in
  /// memory, and no real material (a cell in the wrong units, or collapsed).
  case implausibleCell(neighboursPerAtom: Double, cutoff: Double)

  public var description: String {
    switch self {
    case .invalidCutoff(let c):
      return "neighbour-list cutoff must be a positive finite number of Å, got \(c)"
    case .degenerateCell(let why):
      return "cannot build a periodic neighbour list: \(why); give the structure a cell with independent lattice vectors along its periodic directions or set pbc to false"
    case .invalidPosition(let atom, let why):
      return "cannot build a neighbour list: atom \(atom + 1) (1-based) is unusable because \(why); check the positions of the structure"
    case .implausibleCell(let neighbours, let cutoff):
      return "cannot build a neighbour list: the periodic cell is so small for a cutoff of \(cutoff) Å that each atom would have about \(neighbours < 1e15 ? String(Int(neighbours.rounded())) : "10^15 or more") neighbours, far more than any real material; check the cell (Å, rows = lattice vectors; a collapsed cell?)"
    }
  }
}

/// The most neighbours per atom `impliedNeighboursPerAtom` may give before a neighbour list is
/// refused. Dense matter within a generous cutoff has thousands (a metal within 20 Å: about
/// 2,800); a cell in the wrong units or collapsed implies millions, which would exhaust memory.
public let maximumImpliedNeighboursPerAtom = 100_000.0

/// How many neighbours per atom a periodic structure implies for a cutoff, before any list is
/// built:
///
///     fully periodic:      n̄ = (N / V) · (4/3) π r_c³
///     partly periodic:     n̄ ≥ Π_k (2 r_c / h_k + 1) over the periodic directions k,
///
/// where h_k = V / |a_i × a_j| is the spacing of the lattice planes along a_k (the images of
/// one atom within r_c). 0 for a structure with no periodic direction or no atoms; a direction
/// whose plane spacing is undefined (a degenerate cell, refused elsewhere) is left out.
/// - Parameters:
///   - structure: atoms, cell (Å) and pbc.
///   - cutoff: r_c, Å.
public func impliedNeighboursPerAtom(_ structure: Structure, cutoff: Double) -> Double {
  guard structure.isPeriodic, structure.count > 0 else { return 0 }
  let cell = structure.cell
  let volume = abs(cell.volume)
  if structure.isFullyPeriodic {
    return volume > 0 ? Double(structure.count) / volume * (4.0 / 3.0 * Double.pi * cutoff * cutoff * cutoff) : 0
  }
  let vectors = [cell.a1, cell.a2, cell.a3]
  var images = 1.0
  for k in 0..<3 where structure.pbc[k] {
    let across = length(cross(vectors[(k + 1) % 3], vectors[(k + 2) % 3]))
    guard across > 0, volume > 0 else { continue }
    images *= 2 * cutoff / (volume / across) + 1
  }
  return images
}

/// The reference neighbour list: every pair against every image in range, O(N²·images).
///
/// Obviously correct and slow; the fast cell-list path is tested against it. Edge vectors are
/// computed as `wrapped[j] − wrapped[i] + S'·cell` exactly as the fast path does, so both agree
/// bit for bit on which pairs lie inside the cutoff.
/// - Parameters:
///   - structure: atoms, cell and pbc.
///   - cutoff: pairs with |r_ij| < cutoff are listed, Å.
public func bruteForceNeighborList(_ structure: Structure, cutoff: Double) throws -> NeighborList {
  guard cutoff > 0, cutoff.isFinite else { throw NeighborListError.invalidCutoff(cutoff) }
  let frame = try NeighborSearchFrame(structure)
  let wrapped = frame.wrapped, offsets = frame.offsets
  var range = SIMD3<Int32>.zero
  for d in 0..<3 where frame.isPeriodic(d) {
    // Planes normal to b_d are 1/|b_d| apart; wrapped fractional differences are at most 1.
    range[d] = Int32((cutoff * length(frame.reciprocalRow(d))).rounded(.up)) + 1
  }
  let cutoff2 = cutoff * cutoff
  var list = NeighborList()
  let n = structure.count
  for s1 in -range.x...range.x {
    for s2 in -range.y...range.y {
      for s3 in -range.z...range.z {
        let image = SIMD3(s1, s2, s3)
        let t = frame.translation(image)
        let isZero = image == .zero
        for i in 0..<n {
          for j in 0..<n {
            if isZero && i == j { continue }
            let d = wrapped[j] - wrapped[i] + t
            if dot(d, d) < cutoff2 {
              list.centers.append(Int32(i))
              list.neighbors.append(Int32(j))
              list.shifts.append(image &- offsets[j] &+ offsets[i])
            }
          }
        }
      }
    }
  }
  return list
}

/// The neighbour list used everywhere, equal (as a set) to the brute-force one: every pair
/// directly for a molecule of at most `directPairAtoms` atoms, else an O(N) cell list.
///
/// The edges of each center are contiguous (in index order for a small molecule, centers
/// visited bin by bin for the cell list); use `sorted()` for a canonical order.
/// - Parameters:
///   - structure: atoms, cell and pbc.
///   - cutoff: pairs with |r_ij| < cutoff are listed, Å.
/// - Throws: `NeighborListError` for a bad cutoff, a degenerate periodic cell or a position
///   that is not finite.
public func neighborList(_ structure: Structure, cutoff: Double) throws -> NeighborList {
  if !structure.isPeriodic && structure.count <= directPairAtoms {
    return try moleculePairList(structure, cutoff: cutoff)
  }
  return try cellListNeighborList(structure, cutoff: cutoff)
}

/// The O(N) cell-list search alone, whatever the structure (`neighborList` takes it for
/// periodic structures and larger molecules).
/// - Throws: as `neighborList`.
public func cellListNeighborList(_ structure: Structure, cutoff: Double) throws -> NeighborList {
  try CellList(structure, cutoff: cutoff).neighborList()
}

/// The most atoms of a molecule whose neighbour list tests every pair instead of building a
/// cell list. For compact clusters at liquid density and a 5 Å cutoff the N(N−1) distance
/// tests cost 5× less than the cell list at 8 atoms, 1.2–1.5× less at 64, and about the same
/// near 250 (`mlff bench neighbors --molecules`); 64 leaves a margin for elongated molecules,
/// whose cell lists have fewer atoms per bin.
public let directPairAtoms = 64

/// Every ordered pair (i, j ≠ i) of a molecule (no periodic direction) with
/// ‖R_j − R_i‖ < r_c, centers in index order: N(N−1) tests, for small molecules.
///
/// The edge vector is `R_j − R_i`, what the cell list and `bruteForceNeighborList` compute for
/// a molecule (no wrapping, a zero image translation), so all three agree at the cutoff.
/// - Parameters:
///   - structure: a structure with no periodic direction.
///   - cutoff: r_c, Å.
/// - Throws: `NeighborListError.invalidCutoff`, or `.invalidPosition` for a non-finite position.
public func moleculePairList(_ structure: Structure, cutoff: Double) throws -> NeighborList {
  precondition(!structure.isPeriodic, "moleculePairList takes structures without periodic directions")
  guard cutoff > 0, cutoff.isFinite else { throw NeighborListError.invalidCutoff(cutoff) }
  let n = structure.count
  var centers: [Int32] = [], neighbors: [Int32] = []
  try structure.positions.withUnsafeBufferPointer { r in
    for k in 0..<n where !(r[k].x.isFinite && r[k].y.isFinite && r[k].z.isFinite) {
      throw NeighborListError.nonFinitePosition(atom: k)
    }
    centers.reserveCapacity(n * (n - 1))
    neighbors.reserveCapacity(n * (n - 1))
    let cutoff2 = cutoff * cutoff
    for i in 0..<n {
      for j in 0..<n where j != i {
        let d = r[j] - r[i]
        if (d * d).sum() < cutoff2 {
          centers.append(Int32(i))
          neighbors.append(Int32(j))
        }
      }
    }
  }
  return NeighborList(centers: centers, neighbors: neighbors, shifts: Array(repeating: .zero, count: centers.count))
}
