import Basics
import Foundation
import Testing

@testable import Atomistic

/// One random structure for the cell-list-versus-brute-force sweep.
struct RandomNeighborCase: CustomStringConvertible {
  var kind: String
  var structure: Structure
  var cutoff: Double
  var description: String {
    "\(kind): \(structure.count) atoms, pbc \(structure.pbc), cutoff \(cutoff), cell \(structure.cell.rows)"
  }
}

/// A random cell with edge lengths in `lengths` and shear up to `skew` times the lengths.
func randomCell(lengths: ClosedRange<Double>, skew: Double, using g: inout SplitMix64) -> Cell {
  let a = Double.random(in: lengths, using: &g)
  let b = Double.random(in: lengths, using: &g)
  let c = Double.random(in: lengths, using: &g)
  func s() -> Double { Double.random(in: -skew...skew, using: &g) }
  return Cell(
    a1: SIMD3(a, s() * a, s() * a),
    a2: SIMD3(s() * b, b, s() * b),
    a3: SIMD3(s() * c, s() * c, c))
}

/// Cartesian positions from random fractional coordinates in `fractions`.
func randomPositions(
  _ n: Int, in cell: Cell, fractions: ClosedRange<Double>, using g: inout SplitMix64
) -> [SIMD3<Double>] {
  (0..<n).map { _ in
    cell.cartesian(
      SIMD3(
        Double.random(in: fractions, using: &g), Double.random(in: fractions, using: &g),
        Double.random(in: fractions, using: &g)))
  }
}

/// The random sweep: 8 kinds of structure, `count` structures in all.
func randomNeighborCases(count: Int, seed: UInt64) -> [RandomNeighborCase] {
  var g = SplitMix64(seed: seed)  // every random cell reproducible
  let allPBC: [[Bool]] = (0..<8).map { [($0 & 1) != 0, ($0 & 2) != 0, ($0 & 4) != 0] }
  var cases: [RandomNeighborCase] = []
  for index in 0..<count {
    let kind = index % 8
    let z = { (n: Int) in [Int](repeating: 14, count: n) }
    switch kind {
    case 0:  // skewed triclinic, fully periodic, inside the cell
      let cell = randomCell(lengths: 3...9, skew: 0.6, using: &g)
      let n = Int.random(in: 1...30, using: &g)
      cases.append(
        RandomNeighborCase(
          kind: "skewed triclinic",
          structure: Structure(
            atomicNumbers: z(n), positions: randomPositions(n, in: cell, fractions: 0...1, using: &g),
            cell: cell, pbc: [true, true, true]),
          cutoff: Double.random(in: 1.5...6, using: &g)))
    case 1:  // tiny cells, cutoff several times the cell
      let cell = randomCell(lengths: 0.8...2, skew: 0.4, using: &g)
      let n = Int.random(in: 1...4, using: &g)
      cases.append(
        RandomNeighborCase(
          kind: "tiny cell",
          structure: Structure(
            atomicNumbers: z(n), positions: randomPositions(n, in: cell, fractions: 0...1, using: &g),
            cell: cell, pbc: [true, true, true]),
          cutoff: Double.random(in: 2.5...4.5, using: &g)))
    case 2:  // large cells, many bins
      let cell = randomCell(lengths: 14...22, skew: 0.2, using: &g)
      let n = Int.random(in: 60...160, using: &g)
      cases.append(
        RandomNeighborCase(
          kind: "large cell",
          structure: Structure(
            atomicNumbers: z(n), positions: randomPositions(n, in: cell, fractions: 0...1, using: &g),
            cell: cell, pbc: [true, true, true]),
          cutoff: Double.random(in: 3...5, using: &g)))
    case 3:  // every partial periodicity, atoms outside the cell
      let cell = randomCell(lengths: 3...8, skew: 0.5, using: &g)
      let n = Int.random(in: 1...25, using: &g)
      cases.append(
        RandomNeighborCase(
          kind: "partial pbc",
          structure: Structure(
            atomicNumbers: z(n), positions: randomPositions(n, in: cell, fractions: -0.7...1.7, using: &g),
            cell: cell, pbc: allPBC[(index / 8) % 8]),
          cutoff: Double.random(in: 1.5...7, using: &g)))
    case 4:  // molecules without a cell
      let n = Int.random(in: 1...40, using: &g)
      let box = Cell.orthorhombic(9, 12, 7)
      cases.append(
        RandomNeighborCase(
          kind: "molecule",
          structure: Structure(
            atomicNumbers: z(n), positions: randomPositions(n, in: box, fractions: -0.5...0.5, using: &g)),
          cutoff: Double.random(in: 1.5...5, using: &g)))
    case 5:  // unwrapped positions, several cells away
      let cell = randomCell(lengths: 3...8, skew: 0.5, using: &g)
      let n = Int.random(in: 1...20, using: &g)
      cases.append(
        RandomNeighborCase(
          kind: "unwrapped",
          structure: Structure(
            atomicNumbers: z(n), positions: randomPositions(n, in: cell, fractions: -3...4, using: &g),
            cell: cell, pbc: [true, true, true]),
          cutoff: Double.random(in: 1.5...6, using: &g)))
    case 6:  // one-atom cells, cutoff up to three cells
      let cell = randomCell(lengths: 1.5...4, skew: 0.5, using: &g)
      cases.append(
        RandomNeighborCase(
          kind: "one atom",
          structure: Structure(
            atomicNumbers: [29], positions: randomPositions(1, in: cell, fractions: -1...2, using: &g),
            cell: cell, pbc: [true, true, true]),
          cutoff: Double.random(in: 1...8, using: &g)))
    default:  // partial periodicity with zero lattice vectors along the open directions
      var cell = randomCell(lengths: 3...7, skew: 0.4, using: &g)
      var pbc = allPBC[1 + (index / 8) % 6]  // one or two periodic directions
      if pbc == [true, true, true] { pbc = [true, false, true] }
      let positions = randomPositions(Int.random(in: 1...20, using: &g), in: cell, fractions: -1...2, using: &g)
      for k in 0..<3 where !pbc[k] { cell[k] = .zero }
      cases.append(
        RandomNeighborCase(
          kind: "open directions with zero vectors",
          structure: Structure(
            atomicNumbers: z(positions.count), positions: positions, cell: cell, pbc: pbc),
          cutoff: Double.random(in: 1.5...6, using: &g)))
    }
  }
  return cases
}

/// The edges of a list as sorted tuples, for readable comparisons.
func sortedEdges(_ list: NeighborList) -> [[Int32]] {
  let s = list.sorted()
  return (0..<s.count).map { [s.centers[$0], s.neighbors[$0], s.shifts[$0].x, s.shifts[$0].y, s.shifts[$0].z] }
}

@Suite("Neighbour lists")
struct NeighborListTests {
  @Test("the cell list equals brute force on 240 random structures")
  func cellListMatchesBruteForce() throws {
    var kindsSeen = Set<String>()
    var totalEdges = 0
    for randomCase in randomNeighborCases(count: 240, seed: 7) {
      let fast = try CellList(randomCase.structure, cutoff: randomCase.cutoff).neighborList()
      let reference = try bruteForceNeighborList(randomCase.structure, cutoff: randomCase.cutoff)
      let a = sortedEdges(fast), b = sortedEdges(reference)
      #expect(a == b, "\(randomCase): \(a.count) edges from the cell list, \(b.count) from brute force")
      if a != b { return }
      kindsSeen.insert(randomCase.kind)
      totalEdges += a.count
    }
    #expect(kindsSeen.count == 8)
    #expect(totalEdges > 10_000)
  }

  @Test("small molecules: every pair tested directly gives brute force's list, centers in index order")
  func moleculePairsMatchBruteForce() throws {
    var g = SplitMix64(seed: 21)
    var direct = 0, totalEdges = 0
    for trial in 0..<160 {
      // 0 to a few atoms past the direct limit, dense and sparse, some with a cell but no pbc.
      let n = trial < 4 ? trial : Int.random(in: 2...(directPairAtoms + 8), using: &g)
      let side = Double.random(in: 3...14, using: &g)
      let box = Cell.orthorhombic(side, side * 0.8, side * 1.2)
      var molecule = Structure(
        atomicNumbers: Array(repeating: 6, count: n), positions: randomPositions(n, in: box, fractions: -0.5...0.5, using: &g))
      if trial % 3 == 0 { molecule.cell = box }
      let cutoff = Double.random(in: 1.5...6, using: &g)
      let reference = sortedEdges(try bruteForceNeighborList(molecule, cutoff: cutoff))
      let list = try neighborList(molecule, cutoff: cutoff)
      #expect(sortedEdges(list) == reference, "\(n) atoms, cutoff \(cutoff)")
      #expect(sortedEdges(try CellList(molecule, cutoff: cutoff).neighborList()) == reference)
      if n <= directPairAtoms {
        direct += 1
        let pairs = try moleculePairList(molecule, cutoff: cutoff)
        #expect(pairs == list, "the dispatch takes the direct list up to directPairAtoms")
        #expect(pairs.centers == pairs.centers.sorted(), "centers in index order")
        #expect(pairs.shifts.allSatisfy { $0 == .zero })
      }
      totalEdges += reference.count
    }
    #expect(direct > 100 && totalEdges > 5_000)
    // Its refusals are the cell list's.
    var nan = Structure(atomicNumbers: [1, 1, 1], positions: [.zero, SIMD3(1, 0, 0), SIMD3(0, 1, 0)])
    nan.positions[2] = SIMD3(0, .infinity, 0)
    #expect(throws: NeighborListError.invalidPosition(atom: 2, "its position is not a finite number")) {
      try neighborList(nan, cutoff: 2)
    }
    for bad in [0.0, -1.0, .nan, .infinity] {
      let error = #expect(throws: NeighborListError.self) {
        try neighborList(Structure(atomicNumbers: [1], positions: [.zero]), cutoff: bad)
      }
      guard case .invalidCutoff = error else { Issue.record("cutoff \(bad): \(String(describing: error))"); continue }
    }
  }

  @Test("thin bins (two per cutoff) give the same list")
  func thinBinsMatchBruteForce() throws {
    for randomCase in randomNeighborCases(count: 48, seed: 11) {
      let thin = try CellList(randomCase.structure, cutoff: randomCase.cutoff, binsPerCutoff: 2).neighborList()
      let reference = try bruteForceNeighborList(randomCase.structure, cutoff: randomCase.cutoff)
      #expect(sortedEdges(thin) == sortedEdges(reference), "\(randomCase)")
    }
  }

  @Test("every edge is shorter than the cutoff, appears in both directions, never a zero-shift self pair")
  func invariants() throws {
    for randomCase in randomNeighborCases(count: 64, seed: 3) {
      let s = randomCase.structure
      let list = try neighborList(s, cutoff: randomCase.cutoff)
      var edges = Set<[Int32]>()
      for e in 0..<list.count {
        let r = list.vector(e, in: s)
        #expect(length(r) < randomCase.cutoff * (1 + 1e-12), "\(randomCase), edge \(e)")
        #expect(!(list.centers[e] == list.neighbors[e] && list.shifts[e] == .zero), "\(randomCase)")
        for k in 0..<3 where !s.pbc[k] { #expect(list.shifts[e][k] == 0) }
        edges.insert([list.centers[e], list.neighbors[e], list.shifts[e].x, list.shifts[e].y, list.shifts[e].z])
      }
      #expect(edges.count == list.count, "\(randomCase): an edge is listed twice")
      for edge in edges {
        #expect(edges.contains([edge[1], edge[0], -edge[2], -edge[3], -edge[4]]), "\(randomCase): \(edge) one way only")
      }
      // The edges of each center are contiguous: a center's run never starts twice.
      var runs = Set<Int32>()
      for e in 0..<list.count where e == 0 || list.centers[e] != list.centers[e - 1] {
        #expect(runs.insert(list.centers[e]).inserted, "\(randomCase): center \(list.centers[e]) split")
      }
    }
  }

  @Test("edge vectors and distances of the geometry variant")
  func geometry() throws {
    for randomCase in randomNeighborCases(count: 32, seed: 5) {
      let s = randomCase.structure
      let g = try neighborListWithGeometry(s, cutoff: randomCase.cutoff)
      #expect(sortedEdges(g.list) == sortedEdges(try bruteForceNeighborList(s, cutoff: randomCase.cutoff)))
      for e in 0..<g.list.count {
        let r = g.list.vector(e, in: s)
        let scale = 1e-11 * max(1, length(s.cell.a1) + length(s.cell.a2) + length(s.cell.a3)) * 8
        #expect(length(g.vectors[e] - r) < scale, "\(randomCase), edge \(e)")
        #expect(abs(g.distances[e] - length(r)) < scale)
      }
    }
  }

  @Test("fcc copper has 12 neighbours at a/√2 and 6 more at a")
  func fccShells() throws {
    let a = 3.61
    let cubic = Structure(
      atomicNumbers: [29, 29, 29, 29],
      positions: [SIMD3(0, 0, 0), SIMD3(0, a / 2, a / 2), SIMD3(a / 2, 0, a / 2), SIMD3(a / 2, a / 2, 0)],
      cell: .orthorhombic(a, a, a), pbc: [true, true, true])
    for structure in [cubic, cubic.supercell(3, 2, 4)] {
      let first = try neighborList(structure, cutoff: 3.0)
      #expect(first.count == 12 * structure.count)
      let second = try neighborList(structure, cutoff: 4.0)
      #expect(second.count == 18 * structure.count)
    }
  }

  @Test("atoms exactly on the cell boundary and at fractional coordinate 1 − ε")
  func boundaryAtoms() throws {
    let cell = Cell(a1: SIMD3(4, 0, 0), a2: SIMD3(1, 4, 0), a3: SIMD3(0.5, 0.5, 4))
    let fractions: [SIMD3<Double>] = [
      SIMD3(0, 0, 0), SIMD3(1, 1, 1), SIMD3(1 - 1e-17, 0.5, 0), SIMD3(-1e-17, -1e-300, 0.999_999_999_999_999_9),
      SIMD3(0.5, 1, 0.25), SIMD3(2, -1, 0.5),
    ]
    let s = Structure(
      atomicNumbers: [Int](repeating: 6, count: fractions.count), positions: fractions.map(cell.cartesian),
      cell: cell, pbc: [true, true, true])
    for cutoff in [1.0, 2.0, 3.9, 4.0, 4.1, 7.0] {
      #expect(sortedEdges(try neighborList(s, cutoff: cutoff)) == sortedEdges(try bruteForceNeighborList(s, cutoff: cutoff)))
    }
  }

  @Test("empty structures, bad cutoffs, degenerate cells and bad positions")
  func errors() throws {
    let empty = Structure(atomicNumbers: [], positions: [], cell: .orthorhombic(3, 3, 3), pbc: [true, true, true])
    #expect(try neighborList(empty, cutoff: 5).count == 0)
    #expect(try neighborList(Structure(atomicNumbers: [], positions: []), cutoff: 5).count == 0)
    let one = Structure(atomicNumbers: [1], positions: [.zero], cell: .orthorhombic(3, 3, 3), pbc: [true, true, true])
    for bad in [0.0, -1.0, .nan, .infinity] {
      #expect(throws: NeighborListError.self) {
        try neighborList(one, cutoff: bad)
      }
    }
    var flat = one
    flat.cell = Cell(a1: SIMD3(3, 0, 0), a2: SIMD3(0, 3, 0), a3: SIMD3(3, 3, 0))
    #expect(throws: NeighborListError.self) { try neighborList(flat, cutoff: 2) }
    flat.pbc = [true, true, false]  // the coplanar third vector is no longer used
    #expect(try sortedEdges(neighborList(flat, cutoff: 4)) == sortedEdges(bruteForceNeighborList(flat, cutoff: 4)))
    var zero = one
    zero.cell = .zero
    #expect(throws: NeighborListError.self) { try neighborList(zero, cutoff: 2) }
    var nan = one
    nan.positions[0] = SIMD3(.nan, 0, 0)
    #expect(throws: NeighborListError.invalidPosition(atom: 0, "its position is not a finite number")) {
      try neighborList(nan, cutoff: 2)
    }
    var far = one
    far.positions[0] = SIMD3(1e20, 0, 0)
    #expect(throws: NeighborListError.self) { try neighborList(far, cutoff: 2) }
    // A molecule spread over a huge region still bins into a bounded number of bins.
    let spread = Structure(atomicNumbers: [1, 1, 1], positions: [.zero, SIMD3(1e7, 0, 0), SIMD3(1e7, 1e7, 0.5)])
    let list = try CellList(spread, cutoff: 1e-3)
    #expect(list.binCounts.x * list.binCounts.y * list.binCounts.z <= 64)
    #expect(try neighborList(spread, cutoff: 1e-3).count == 0)
  }
}

@Suite("Neighbour list: implausible cells")
struct ImplausibleCellTests {
  /// One Cu atom in a cubic cell of edge `a` Å, periodic along `pbc`.
  func cell(_ a: Double, pbc: [Bool] = [true, true, true]) -> Structure {
    Structure(atomicNumbers: [29], positions: [.zero], cell: Cell(a1: SIMD3(a, 0, 0), a2: SIMD3(0, a, 0), a3: SIMD3(0, 0, a)),
              pbc: pbc)
  }

  @Test("the implied count is N/V · 4/3 π r³ for a full cell and the image product for a partial one")
  func impliedCountFollowsTheFormula() {
    let full = impliedNeighboursPerAtom(cell(2.0), cutoff: 5.0)
    #expect(abs(full - 1.0 / 8.0 * 4.0 / 3.0 * Double.pi * 125.0) < 1e-9)
    let slab = impliedNeighboursPerAtom(cell(2.0, pbc: [true, true, false]), cutoff: 5.0)
    #expect(abs(slab - 6.0 * 6.0) < 1e-9)  // (2·5/2 + 1)² images in the plane
    #expect(impliedNeighboursPerAtom(cell(2.0, pbc: [false, false, false]), cutoff: 5.0) == 0)
  }

  @Test("a collapsed cell is refused with a message instead of exhausting memory")
  func collapsedCellIsRefused() throws {
    #expect(throws: NeighborListError.self) { try neighborList(self.cell(0.01), cutoff: 5.0) }
    #expect(throws: NeighborListError.self) {
      try neighborList(self.cell(0.0001, pbc: [true, false, false]), cutoff: 5.0)
    }
    do {
      _ = try neighborList(cell(0.01), cutoff: 5.0)
    } catch let error as NeighborListError {
      #expect(error.description.contains("far more than any real material"))
      #expect(error.description.contains("5.0 Å"))
    }
  }

  @Test("dense matter within a long cutoff is still listed, and the count agrees with the estimate")
  func denseMatterWithALongCutoffIsListed() throws {
    // fcc Cu (4 atoms in 3.61³ Å³) within 12 Å: about 612 neighbours per atom, under the limit.
    let a = 3.61
    let fcc = Structure(
      atomicNumbers: [29, 29, 29, 29],
      positions: [.zero, SIMD3(0, a / 2, a / 2), SIMD3(a / 2, 0, a / 2), SIMD3(a / 2, a / 2, 0)],
      cell: Cell(a1: SIMD3(a, 0, 0), a2: SIMD3(0, a, 0), a3: SIMD3(0, 0, a)), pbc: [true, true, true])
    let list = try neighborList(fcc, cutoff: 12.0)
    let perAtom = Double(list.centers.count) / 4.0
    let implied = impliedNeighboursPerAtom(fcc, cutoff: 12.0)
    #expect(abs(perAtom - implied) / implied < 0.05)
  }
}
