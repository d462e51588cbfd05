import Foundation
import Testing

@testable import Atomistic

/// One case of `Fixtures/neighbors/ase_neighbor_lists.json`, written by
/// `scripts/make_neighbor_fixtures.py` from `ase.neighborlist.neighbor_list('ijS', atoms, cutoff)`.
struct ASENeighborCase: Decodable, CustomStringConvertible {
  var name: String
  var numbers: [Int]
  /// [nAtoms][3], Å.
  var positions: [[Double]]
  /// [3][3] rows, Å.
  var cell: [[Double]]
  var pbc: [Bool]
  /// Å.
  var cutoff: Double
  var i: [Int32]
  var j: [Int32]
  var S: [[Int32]]

  var description: String { name }

  var structure: Structure {
    Structure(
      atomicNumbers: numbers, positions: positions.map { SIMD3($0[0], $0[1], $0[2]) },
      cell: Cell(rows: cell), pbc: pbc)
  }

  var aseList: NeighborList {
    NeighborList(centers: i, neighbors: j, shifts: S.map { SIMD3($0[0], $0[1], $0[2]) })
  }
}

struct ASENeighborFixtures: Decodable {
  var cases: [ASENeighborCase]

  static func load() throws -> [ASENeighborCase] {
    let fixtures = try #require(Bundle.module.url(forResource: "Fixtures", withExtension: nil))
    let url = fixtures.appendingPathComponent("neighbors/ase_neighbor_lists.json")
    return try JSONDecoder().decode(ASENeighborFixtures.self, from: Data(contentsOf: url)).cases
  }
}

@Suite("Neighbour lists against ASE")
struct NeighborListASETests {
  @Test("the cell list and brute force both equal ASE's neighbor_list('ijS')")
  func matchesASE() throws {
    let cases = try ASENeighborFixtures.load()
    #expect(cases.count >= 9)
    for fixture in cases {
      let expected = sortedEdges(fixture.aseList)
      #expect(!expected.isEmpty, "\(fixture)")
      let fast = sortedEdges(try neighborList(fixture.structure, cutoff: fixture.cutoff))
      #expect(fast == expected, "\(fixture): cell list \(fast.count) edges, ASE \(expected.count)")
      let reference = sortedEdges(try bruteForceNeighborList(fixture.structure, cutoff: fixture.cutoff))
      #expect(reference == expected, "\(fixture): brute force \(reference.count) edges, ASE \(expected.count)")
    }
  }
}
