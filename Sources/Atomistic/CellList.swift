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
  /// Bin of each atom as (p₁, p₂, p₃), [nAtoms].
  let binOfAtom: [SIMD3<Int32>]

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
    var binOfAtom = [SIMD3<Int32>](repeating: .zero, count: nAtoms)
    var linearBin = [Int32](repeating: 0, count: nAtoms)
    var start = [Int32](repeating: 0, count: nBins + 1)
    for a in 0..<nAtoms {
      let f = (frame.fractional[a] - lower) / width
      var p = SIMD3<Int32>.zero
      for k in 0..<3 {
        let index = f[k].rounded(.down)
        p[k] = Int32(max(0, min(Double(n[k] - 1), index)))
      }
      binOfAtom[a] = p
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
    self.binOfAtom = binOfAtom
  }

  /// Bins searched from bin p along direction k: (bin index, image shift) for each bin offset
  /// in `-m_k...m_k` that stays inside the range (non-periodic) or wraps (periodic).
  func searchedBins(direction k: Int) -> [[(bin: Int, image: Int32)]] {
    let n = binCounts[k], m = searchRange[k]
    return (0..<n).map { p in
      var out: [(bin: Int, image: Int32)] = []
      for delta in -m...m {
        let q = p + delta
        if frame.isPeriodic(k) {
          let wrappedBin = ((q % n) + n) % n
          out.append((wrappedBin, Int32((q - wrappedBin) / n)))
        } else if q >= 0 && q < n {
          out.append((q, 0))
        }
      }
      return out
    }
  }

  /// Every directed edge within the cutoff, grouped by center in increasing order.
  func neighborList() -> NeighborList {
    var list = NeighborList()
    let capacity = estimatedEdgeCount()
    list.centers.reserveCapacity(capacity)
    list.neighbors.reserveCapacity(capacity)
    list.shifts.reserveCapacity(capacity)
    forEachEdge { i, j, shift, _, _ in
      list.centers.append(i)
      list.neighbors.append(j)
      list.shifts.append(shift)
    }
    return list
  }

  /// Every directed edge within the cutoff with its vector and length.
  func neighborListWithGeometry() -> NeighborListGeometry {
    var list = NeighborList()
    var vectors: [SIMD3<Double>] = []
    var distances: [Double] = []
    let capacity = estimatedEdgeCount()
    list.centers.reserveCapacity(capacity)
    list.neighbors.reserveCapacity(capacity)
    list.shifts.reserveCapacity(capacity)
    vectors.reserveCapacity(capacity)
    distances.reserveCapacity(capacity)
    forEachEdge { i, j, shift, vector, distance2 in
      list.centers.append(i)
      list.neighbors.append(j)
      list.shifts.append(shift)
      vectors.append(vector)
      distances.append(distance2.squareRoot())
    }
    return NeighborListGeometry(list: list, vectors: vectors, distances: distances)
  }

  /// Number of edges expected at uniform density, plus a tenth: `N · (4π/3)c³ · N/V · 1.1`.
  func estimatedEdgeCount() -> Int {
    let nAtoms = Double(atomsInBinOrder.count)
    let (a1, a2, a3) = frame.basis
    var volume = abs(dot(a1, cross(a2, a3)))
    for k in 0..<3 where !frame.isPeriodic(k) {
      // The atoms' spread along k, counted as at least one cutoff thick.
      volume *= max(extent[k], cutoff * length(frame.reciprocalRow(k)))
    }
    guard volume > 0, volume.isFinite else { return 0 }
    let sphere = 4.0 / 3.0 * Double.pi * cutoff * cutoff * cutoff
    let estimate = nAtoms * sphere * nAtoms / volume * 1.1
    return Int(min(estimate, 4e9))
  }

  /// Calls `body(i, j, S, r_ij, |r_ij|²)` for every directed edge, centers in increasing order.
  ///
  /// `r_ij` is computed as `wrapped[j] − wrapped[i] + S'·cell` (S' the shift between the
  /// wrapped atoms), equal to `R[j] − R[i] + S·cell` up to rounding.
  @inline(__always)
  func forEachEdge(
    _ body: (_ i: Int32, _ j: Int32, _ shift: SIMD3<Int32>, _ vector: SIMD3<Double>, _ distance2: Double) -> Void
  ) {
    let nAtoms = atomsInBinOrder.count
    guard nAtoms > 0 else { return }
    let cutoff2 = cutoff * cutoff
    let ny = binCounts.y, nz = binCounts.z
    let bins = (searchedBins(direction: 0), searchedBins(direction: 1), searchedBins(direction: 2))
    // s·a_k for every image s needed along k, indexed by s + m_k.
    func products(_ k: Int) -> [SIMD3<Double>] {
      let m = searchRange[k] / max(binCounts[k], 1) + 2
      return (-m...m).map { Double(Int32($0)) * frame.row(k) }
    }
    let t1 = products(0), t2 = products(1), t3 = products(2)
    let o1 = t1.count / 2, o2 = t2.count / 2, o3 = t3.count / 2
    binStart.withUnsafeBufferPointer { start in
      positionsInBinOrder.withUnsafeBufferPointer { positions in
        atomsInBinOrder.withUnsafeBufferPointer { atoms in
          offsetsInBinOrder.withUnsafeBufferPointer { binOffsets in
            for i in 0..<nAtoms {
              let p = binOfAtom[i]
              let ri = frame.wrapped[i]
              let offsetI = frame.offsets[i]
              for (q1, s1) in bins.0[Int(p.x)] {
                let ta = t1[Int(s1) + o1]
                for (q2, s2) in bins.1[Int(p.y)] {
                  let tb = ta + t2[Int(s2) + o2]
                  let q12 = (q1 * ny + q2) * nz
                  for (q3, s3) in bins.2[Int(p.z)] {
                    let t = tb + t3[Int(s3) + o3]
                    let q = q12 + q3
                    let image = SIMD3<Int32>(s1, s2, s3)
                    let isZeroImage = image == .zero
                    for jj in Int(start[q])..<Int(start[q + 1]) {
                      let d = positions[jj] - ri + t
                      let d2 = dot(d, d)
                      if d2 < cutoff2 {
                        let j = atoms[jj]
                        if isZeroImage && Int(j) == i { continue }
                        body(Int32(i), j, image &- binOffsets[jj] &+ offsetI, d, d2)
                      }
                    }
                  }
                }
              }
            }
          }
        }
      }
    }
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
