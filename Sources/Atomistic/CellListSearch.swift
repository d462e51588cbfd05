/// The pair search over a `CellList`: for every bin, the bins within reach (with their periodic
/// images), then every candidate pair tested against the cutoff.
extension CellList {
  /// Bins searched from each bin along direction k, flattened: entries `first[p]..<first[p+1]`
  /// of `bins` and `images` are the (bin index, periodic image) pairs reached from bin p by the
  /// offsets `-m_k...m_k` that stay inside the range (non-periodic) or wrap (periodic).
  func searchedBins(direction k: Int) -> (first: [Int], bins: [Int], images: [Int32]) {
    let n = binCounts[k], m = searchRange[k]
    var first = [0], bins: [Int] = [], images: [Int32] = []
    for p in 0..<n {
      for delta in -m...m {
        let q = p + delta
        if frame.isPeriodic(k) {
          let wrappedBin = ((q % n) + n) % n
          bins.append(wrappedBin)
          images.append(Int32((q - wrappedBin) / n))
        } else if q >= 0 && q < n {
          bins.append(q)
          images.append(0)
        }
      }
      first.append(bins.count)
    }
    return (first, bins, images)
  }

  /// Every directed edge within the cutoff; the edges of each center are contiguous.
  func neighborList() -> NeighborList {
    var edges = CellListEdges(capacity: estimatedEdgeCount(), withGeometry: false)
    search(into: &edges)
    return edges.list
  }

  /// Every directed edge within the cutoff with its vector and length.
  func neighborListWithGeometry() -> NeighborListGeometry {
    var edges = CellListEdges(capacity: estimatedEdgeCount(), withGeometry: true)
    search(into: &edges)
    return NeighborListGeometry(list: edges.list, vectors: edges.vectors, distances: edges.distances)
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
    return Int(min(estimate, 2e9))
  }

  /// Tests every candidate pair and records the edges.
  ///
  /// Centers are visited bin by bin (atoms close in space one after the other). The edge vector
  /// is `wrapped[j] − wrapped[i] + S'·cell` (S' the image between the wrapped atoms), the same
  /// expression as in `bruteForceNeighborList`, so both make identical decisions at the cutoff;
  /// the shift reported is `S = S' − offset[j] + offset[i]`, relative to the original positions.
  func search(into edges: inout CellListEdges) {
    let nAtoms = atomsInBinOrder.count
    guard nAtoms > 0 else { return }
    let cutoff2 = cutoff * cutoff
    let n = binCounts
    let along = (searchedBins(direction: 0), searchedBins(direction: 1), searchedBins(direction: 2))
    // s·a_k for every image s reachable along k, indexed by s + reach_k.
    func products(_ k: Int) -> (values: [SIMD3<Double>], reach: Int) {
      let reach = searchRange[k] / max(n[k], 1) + 2
      return ((-reach...reach).map { Double(Int32($0)) * frame.row(k) }, reach)
    }
    let t1 = products(0), t2 = products(1), t3 = products(2)

    // The bins reached from the current bin: atom range, translation and image.
    var reachedStart: [Int] = [], reachedEnd: [Int] = []
    var reachedTranslation: [SIMD3<Double>] = [], reachedImage: [SIMD3<Int32>] = []

    binStart.withUnsafeBufferPointer { start in
      positionsInBinOrder.withUnsafeBufferPointer { positions in
        atomsInBinOrder.withUnsafeBufferPointer { atoms in
          offsetsInBinOrder.withUnsafeBufferPointer { offsets in
            for p1 in 0..<n.x {
              for p2 in 0..<n.y {
                for p3 in 0..<n.z {
                  let p = (p1 * n.y + p2) * n.z + p3
                  let centersStart = Int(start[p]), centersEnd = Int(start[p + 1])
                  if centersStart == centersEnd { continue }
                  reachedStart.removeAll(keepingCapacity: true)
                  reachedEnd.removeAll(keepingCapacity: true)
                  reachedTranslation.removeAll(keepingCapacity: true)
                  reachedImage.removeAll(keepingCapacity: true)
                  var candidates = 0
                  for e1 in along.0.first[p1]..<along.0.first[p1 + 1] {
                    let q1 = along.0.bins[e1], s1 = along.0.images[e1]
                    let ta = t1.values[Int(s1) + t1.reach]
                    for e2 in along.1.first[p2]..<along.1.first[p2 + 1] {
                      let q2 = along.1.bins[e2], s2 = along.1.images[e2]
                      let tb = ta + t2.values[Int(s2) + t2.reach]
                      for e3 in along.2.first[p3]..<along.2.first[p3 + 1] {
                        let q = (q1 * n.y + q2) * n.z + along.2.bins[e3]
                        let first = Int(start[q]), last = Int(start[q + 1])
                        if first == last { continue }
                        let s3 = along.2.images[e3]
                        reachedStart.append(first)
                        reachedEnd.append(last)
                        reachedTranslation.append(tb + t3.values[Int(s3) + t3.reach])
                        reachedImage.append(SIMD3(s1, s2, s3))
                        candidates += last - first
                      }
                    }
                  }
                  for ii in centersStart..<centersEnd {
                    edges.reserveRoom(candidates)
                    let i = atoms[ii]
                    let ri = positions[ii]
                    let offsetI = offsets[ii]
                    for r in 0..<reachedStart.count {
                      let t = reachedTranslation[r]
                      let image = reachedImage[r]
                      let isZeroImage = image == .zero
                      for jj in reachedStart[r]..<reachedEnd[r] {
                        let d = positions[jj] - ri + t
                        let d2 = (d * d).sum()
                        if d2 < cutoff2 {
                          if isZeroImage && jj == ii { continue }
                          edges.append(i, atoms[jj], image &- offsets[jj] &+ offsetI, d, d2)
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
    edges.flush()
  }
}

/// Edges collected by a cell-list search: a small scratch block that the search fills without
/// any checks, copied in bulk onto the growing result arrays.
struct CellListEdges: ~Copyable {
  /// The result so far.
  var list = NeighborList()
  /// Edge vectors, [nEdges], Å (only with geometry).
  var vectors: [SIMD3<Double>] = []
  /// Edge lengths, [nEdges], Å (only with geometry).
  var distances: [Double] = []
  let withGeometry: Bool

  private var blockCapacity = 1 << 14
  private var blockCount = 0
  private var centers: UnsafeMutablePointer<Int32>
  private var neighbors: UnsafeMutablePointer<Int32>
  private var shifts: UnsafeMutablePointer<SIMD3<Int32>>
  private var blockVectors: UnsafeMutablePointer<SIMD3<Double>>
  private var blockDistances: UnsafeMutablePointer<Double>

  /// - Parameters:
  ///   - capacity: edges to reserve room for in the result.
  ///   - withGeometry: also keep every edge's vector and length.
  init(capacity: Int, withGeometry: Bool) {
    self.withGeometry = withGeometry
    list.centers.reserveCapacity(capacity)
    list.neighbors.reserveCapacity(capacity)
    list.shifts.reserveCapacity(capacity)
    if withGeometry {
      vectors.reserveCapacity(capacity)
      distances.reserveCapacity(capacity)
    }
    centers = .allocate(capacity: blockCapacity)
    neighbors = .allocate(capacity: blockCapacity)
    shifts = .allocate(capacity: blockCapacity)
    blockVectors = .allocate(capacity: withGeometry ? blockCapacity : 1)
    blockDistances = .allocate(capacity: withGeometry ? blockCapacity : 1)
  }

  deinit {
    centers.deallocate()
    neighbors.deallocate()
    shifts.deallocate()
    blockVectors.deallocate()
    blockDistances.deallocate()
  }

  /// Makes sure `room` more edges fit in the scratch block without a check.
  @inline(__always)
  mutating func reserveRoom(_ room: Int) {
    if blockCount + room <= blockCapacity { return }
    flush()
    if room > blockCapacity {
      blockCapacity = room
      for pointer in [centers, neighbors] { pointer.deallocate() }
      shifts.deallocate()
      centers = .allocate(capacity: room)
      neighbors = .allocate(capacity: room)
      shifts = .allocate(capacity: room)
      if withGeometry {
        blockVectors.deallocate()
        blockDistances.deallocate()
        blockVectors = .allocate(capacity: room)
        blockDistances = .allocate(capacity: room)
      }
    }
  }

  /// Records one edge; room must have been reserved.
  @inline(__always)
  mutating func append(_ i: Int32, _ j: Int32, _ shift: SIMD3<Int32>, _ vector: SIMD3<Double>, _ distance2: Double) {
    centers[blockCount] = i
    neighbors[blockCount] = j
    shifts[blockCount] = shift
    if withGeometry {
      blockVectors[blockCount] = vector
      blockDistances[blockCount] = distance2.squareRoot()
    }
    blockCount += 1
  }

  /// Moves the scratch block onto the result arrays.
  mutating func flush() {
    guard blockCount > 0 else { return }
    list.centers.append(contentsOf: UnsafeBufferPointer(start: centers, count: blockCount))
    list.neighbors.append(contentsOf: UnsafeBufferPointer(start: neighbors, count: blockCount))
    list.shifts.append(contentsOf: UnsafeBufferPointer(start: shifts, count: blockCount))
    if withGeometry {
      vectors.append(contentsOf: UnsafeBufferPointer(start: blockVectors, count: blockCount))
      distances.append(contentsOf: UnsafeBufferPointer(start: blockDistances, count: blockCount))
    }
    blockCount = 0
  }
}
