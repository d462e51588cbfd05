/// Atoms sorted into bins of the cell, for an O(N) neighbour search (a "cell list").
///
/// Bins are parallelepipeds of the (completed) cell in fractional coordinates. Along direction k
/// the fractional range `L_k` (1 when periodic, the atoms' extent when not) is cut into
/// `n_k = ⌊L_k · h_k / cutoff⌋` bins (at least one), with `h_k = 1/|b_k|` the spacing of the
/// lattice planes normal to the reciprocal vector b_k, so a bin is at least one cutoff thick
/// perpendicular to each face. Two atoms closer than the cutoff differ in fractional coordinate
/// k by less than `cutoff·|b_k|`, so their bins differ by at most
/// `m_k = ⌈cutoff·|b_k| / w_k⌉` bins (w_k = L_k/n_k the bin width): 1 in a cell larger than
/// twice the cutoff, more when the cutoff is longer than the cell, where the bin offsets run
/// over several periodic images of the same bin. Every (bin, image) pair is visited once, so
/// nothing is listed twice.
struct CellList {
  /// The coordinate frame: completed basis, wrapped positions and their lattice offsets.
  let frame: NeighborSearchFrame
  /// Pairs with |r_ij| < cutoff are listed, Å.
  let cutoff: Double
  /// Fractional extent binned along each direction: 1 when periodic, the atoms' spread otherwise.
  let extent: SIMD3<Double>
  /// Bins along each direction, n_k.
  let binCounts: SIMD3<Int>
  /// Bin offsets searched along each direction, m_k.
  let searchRange: SIMD3<Int>
  /// First atom (in bin order) of each bin, [nBins + 1]; bin (p₁, p₂, p₃) is `(p₁n₂ + p₂)n₃ + p₃`.
  let binStart: [Int32]
  /// Atom indices in bin order, [nAtoms].
  let atomsInBinOrder: [Int32]
  /// Wrapped positions in bin order, [nAtoms], Å.
  let positionsInBinOrder: [SIMD3<Double>]
  /// Lattice offsets of the wrapped positions in bin order, [nAtoms].
  let offsetsInBinOrder: [SIMD3<Int32>]

  /// Sorts the atoms of a structure into bins.
  /// - Parameters:
  ///   - structure: atoms, cell and pbc.
  ///   - cutoff: pairs with |r_ij| < cutoff are wanted, Å.
  ///   - binsPerCutoff: bins are at least `cutoff / binsPerCutoff` thick; 1 searches 3³ bins
  ///     per atom, 2 searches 5³ thinner ones.
  init(_ structure: Structure, cutoff: Double, binsPerCutoff: Int = 1) throws {
    guard cutoff > 0, cutoff.isFinite else { throw NeighborListError.invalidCutoff(cutoff) }
    precondition(binsPerCutoff >= 1, "binsPerCutoff must be at least 1")
    let frame = try NeighborSearchFrame(structure)
    let implied = impliedNeighboursPerAtom(structure, cutoff: cutoff)
    guard implied <= maximumImpliedNeighboursPerAtom else {
      throw NeighborListError.implausibleCell(neighboursPerAtom: implied, cutoff: cutoff)
    }
    self.frame = frame
    self.cutoff = cutoff
    let nAtoms = structure.count
    precondition(nAtoms < Int(Int32.max), "a neighbour list indexes atoms with Int32")

    // Fractional range of every direction: [0, 1) periodic, the atoms' extent otherwise.
    var lower = SIMD3<Double>.zero
    var extent = SIMD3<Double>(1, 1, 1)
    for k in 0..<3 where !frame.isPeriodic(k) {
      var lo = Double.infinity, hi = -Double.infinity
      for f in frame.fractional {
        lo = min(lo, f[k])
        hi = max(hi, f[k])
      }
      if nAtoms == 0 { lo = 0; hi = 0 }
      lower[k] = lo
      extent[k] = hi - lo
    }

    // Bin counts from the plane spacings; a hair of margin keeps bins thicker than the cutoff
    // despite rounding. Capped so that a sparse or spread-out structure does not allocate
    // many more bins than atoms.
    let margin = 1 + 1e-9
    var counts = SIMD3<Double>(1, 1, 1)
    for k in 0..<3 {
      let thickness = extent[k] / length(frame.reciprocalRow(k))
      let bins = (thickness * Double(binsPerCutoff) / (cutoff * margin)).rounded(.down)
      counts[k] = max(1, min(bins, 1_048_576))
    }
    let maxBins = Double(max(8 * nAtoms, 64))
    while counts.x * counts.y * counts.z > maxBins {
      let scale = (maxBins / (counts.x * counts.y * counts.z)).squareRoot().squareRoot()
      counts = pointwiseMax(SIMD3(repeating: 1), (counts * min(scale, 0.9)).rounded(.down))
    }
    let n = SIMD3<Int>(Int(counts.x), Int(counts.y), Int(counts.z))
    binCounts = n
    self.extent = extent

    var width = SIMD3<Double>(1, 1, 1)
    var range = SIMD3<Int>.zero
    for k in 0..<3 {
      width[k] = extent[k] > 0 ? extent[k] / Double(n[k]) : 1
      let bins = (cutoff * length(frame.reciprocalRow(k)) * margin / width[k]).rounded(.up)
      if frame.isPeriodic(k) {
        range[k] = Int(max(1, bins))
      } else {
        range[k] = Int(min(Double(n[k] - 1), max(0, bins)))
      }
    }
    searchRange = range

    // Bin every atom (clamping the index: a wrapped coordinate can round to exactly 1) and
    // counting-sort the atoms by bin.
    let nBins = n.x * n.y * n.z
    var linearBin = [Int32](repeating: 0, count: nAtoms)
    var start = [Int32](repeating: 0, count: nBins + 1)
    for a in 0..<nAtoms {
      let f = (frame.fractional[a] - lower) / width
      var p = SIMD3<Int32>.zero
      for k in 0..<3 {
        let index = f[k].rounded(.down)
        p[k] = Int32(max(0, min(Double(n[k] - 1), index)))
      }
      let linear = (Int(p.x) * n.y + Int(p.y)) * n.z + Int(p.z)
      linearBin[a] = Int32(linear)
      start[linear + 1] += 1
    }
    for b in 0..<nBins { start[b + 1] += start[b] }
    var fill = start
    var order = [Int32](repeating: 0, count: nAtoms)
    for a in 0..<nAtoms {
      let b = Int(linearBin[a])
      order[Int(fill[b])] = Int32(a)
      fill[b] += 1
    }
    self.binStart = start
    self.atomsInBinOrder = order
    self.positionsInBinOrder = order.map { frame.wrapped[Int($0)] }
    self.offsetsInBinOrder = order.map { frame.offsets[Int($0)] }
  }
}

/// A neighbour list with the vector and length of every edge.
public struct NeighborListGeometry: Sendable {
  /// The edges (i, j, S).
  public var list: NeighborList
  /// Edge vectors `r_ij = R[j] − R[i] + S·cell`, [nEdges], Å.
  public var vectors: [SIMD3<Double>]
  /// Edge lengths |r_ij|, [nEdges], Å.
  public var distances: [Double]
}

/// The neighbour list with the vector and length of every edge, from the cell list.
/// - Parameters:
///   - structure: atoms, cell and pbc.
///   - cutoff: pairs with |r_ij| < cutoff are listed, Å.
/// - Throws: `NeighborListError` as `neighborList(_:cutoff:)`.
public func neighborListWithGeometry(_ structure: Structure, cutoff: Double) throws -> NeighborListGeometry {
  try CellList(structure, cutoff: cutoff).neighborListWithGeometry()
}
