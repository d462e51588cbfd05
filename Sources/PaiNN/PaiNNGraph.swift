import Atomistic
import Potentials

/// A batch of structures as one graph: atoms concatenated, edges from each structure's
/// neighbour list with global atom indices. Built once per batch and reusable across steps.
///
/// Edge e joins center i = `centers[e]` to neighbour j = `neighbors[e]` with
/// `r_ij = R[j] − R[i] + cellOffsets[e]`, where `cellOffsets[e] = S·cell` of its structure.
public struct PaiNNGraph: Sendable {
  /// Number of structures.
  public let structureCount: Int
  /// Number of atoms over all structures.
  public let atomCount: Int
  /// First atom of each structure in the concatenation, [nStructures + 1] (last = atomCount).
  public let atomStart: [Int]
  /// Embedding row (index into the model's element list) of each atom, [nAtoms].
  public let species: [Int32]
  /// Structure of each atom, [nAtoms].
  public let structureIndex: [Int32]
  /// Cartesian positions, [nAtoms], Å.
  public internal(set) var positions: [SIMD3<Double>]
  /// Center atom i of each edge (global index), [nEdges].
  public let centers: [Int32]
  /// Neighbour atom j of each edge (global index), [nEdges].
  public let neighbors: [Int32]
  /// Structure of each edge, [nEdges].
  public let edgeStructure: [Int32]
  /// Cartesian image offset S·cell of each edge, [nEdges], Å.
  public let cellOffsets: [SIMD3<Double>]
  /// Cell volume of each structure, [nStructures], Å³ (0 for molecules).
  public let volumes: [Double]
  /// Whether each structure is periodic in all three directions (stress is defined), [nStructures].
  public let fullyPeriodic: [Bool]

  /// Number of directed edges.
  public var edgeCount: Int { centers.count }

  /// Builds the graph of `structures` for a model.
  /// - Parameters:
  ///   - structures: the batch; each may be a molecule or periodic.
  ///   - elements: the model's atomic numbers; atom species are indices into it.
  ///   - cutoff: neighbour-list cutoff, Å.
  ///   - firstIndex: the index of `structures[0]` in the caller's batch, for error messages.
  /// - Throws: `PotentialError.unsupportedElements` naming the first structure with an
  ///   element outside `elements`, or `.failed` when its neighbour list cannot be built.
  public init(_ structures: [Structure], elements: [Int], cutoff: Double, firstIndex: Int = 0) throws {
    // Embedding row of each atomic number (−1: not a model element), a table rather than a
    // dictionary: a batch of one small molecule costs a few µs, of which hashing was a part.
    var index = [Int32](repeating: -1, count: max(0, elements.max() ?? 0) + 1)
    for (k, z) in elements.enumerated() where z >= 0 { index[z] = Int32(k) }
    for (s, structure) in structures.enumerated()
    where structure.atomicNumbers.contains(where: { !($0 >= 0 && $0 < index.count && index[$0] >= 0) }) {
      try requireSupport([structure], supported: Set(elements), firstIndex: firstIndex + s)
    }
    // Every structure's list first, so that the edge arrays are allocated once at their final
    // size (appending would leave up to twice the memory reserved: 1.8 GB at a million atoms).
    var lists: [NeighborList] = []
    lists.reserveCapacity(structures.count)
    for (s, structure) in structures.enumerated() {
      do {
        lists.append(try neighborList(structure, cutoff: cutoff))
      } catch {
        throw PotentialError.failed("structure \(firstIndex + s): \(error)")
      }
    }
    let totalAtoms = structures.reduce(0) { $0 + $1.count }, totalEdges = lists.reduce(0) { $0 + $1.count }
    var atomStart = [0]
    var species: [Int32] = [], structureIndex: [Int32] = [], positions: [SIMD3<Double>] = []
    var centers: [Int32] = [], neighbors: [Int32] = [], edgeStructure: [Int32] = []
    var offsets: [SIMD3<Double>] = []
    var volumes: [Double] = []
    var periodic: [Bool] = []
    atomStart.reserveCapacity(structures.count + 1)
    species.reserveCapacity(totalAtoms); structureIndex.reserveCapacity(totalAtoms); positions.reserveCapacity(totalAtoms)
    centers.reserveCapacity(totalEdges); neighbors.reserveCapacity(totalEdges)
    edgeStructure.reserveCapacity(totalEdges); offsets.reserveCapacity(totalEdges)
    for (s, structure) in structures.enumerated() {
      let base = atomStart[s]
      for z in structure.atomicNumbers { species.append(index[z]) }  // every element is known: checked above
      for _ in 0..<structure.count { structureIndex.append(Int32(s)) }
      positions += structure.positions
      let list = lists[s]
      let cell = structure.cell
      for e in 0..<list.count {
        centers.append(list.centers[e] + Int32(base))
        neighbors.append(list.neighbors[e] + Int32(base))
        let sh = SIMD3<Double>(list.shifts[e])
        offsets.append(sh.x * cell.a1 + sh.y * cell.a2 + sh.z * cell.a3)
      }
      lists[s] = NeighborList()  // freed once this structure is copied in
      for _ in 0..<list.count { edgeStructure.append(Int32(s)) }
      volumes.append(structure.isPeriodic ? cell.volume : 0)
      periodic.append(structure.isFullyPeriodic && cell.volume > 0)
      atomStart.append(base + structure.count)
    }
    self.structureCount = structures.count
    self.atomCount = atomStart.last!
    self.atomStart = atomStart
    self.species = species
    self.structureIndex = structureIndex
    self.positions = positions
    self.centers = centers
    self.neighbors = neighbors
    self.edgeStructure = edgeStructure
    self.cellOffsets = offsets
    self.volumes = volumes
    self.fullyPeriodic = periodic
  }

}
