extension PaiNNGraph {
  /// The graph of several batches as one batch: atoms, edges and structures of `parts` in
  /// order, with atom indices shifted by the atoms before each part.
  ///
  /// The graph of structures s₁ … s_k built by `init(_:elements:cutoff:)` equals, array for
  /// array and bit for bit, the concatenation of the graphs of [s₁], …, [s_k]: each
  /// structure's neighbour list and image offsets `S·cell` are computed from that structure
  /// alone either way. Training caches the one-structure graphs (they do not change across
  /// epochs) and concatenates them per step instead of searching for neighbours again.
  /// - Parameter parts: graphs built for the same model elements and cutoff.
  public init(concatenating parts: [PaiNNGraph]) {
    var atomStart = [0]
    var species: [Int32] = [], structureIndex: [Int32] = [], positions: [SIMD3<Double>] = []
    var centers: [Int32] = [], neighbors: [Int32] = [], edgeStructure: [Int32] = []
    var offsets: [SIMD3<Double>] = [], volumes: [Double] = [], periodic: [Bool] = []
    let atoms = parts.reduce(0) { $0 + $1.atomCount }, edges = parts.reduce(0) { $0 + $1.edgeCount }
    species.reserveCapacity(atoms)
    structureIndex.reserveCapacity(atoms)
    positions.reserveCapacity(atoms)
    centers.reserveCapacity(edges)
    neighbors.reserveCapacity(edges)
    edgeStructure.reserveCapacity(edges)
    offsets.reserveCapacity(edges)
    var structureBase: Int32 = 0
    for part in parts {
      let atomBase = Int32(atomStart.last!)
      species += part.species
      structureIndex += part.structureIndex.map { $0 + structureBase }
      positions += part.positions
      centers += part.centers.map { $0 + atomBase }
      neighbors += part.neighbors.map { $0 + atomBase }
      edgeStructure += part.edgeStructure.map { $0 + structureBase }
      offsets += part.cellOffsets
      volumes += part.volumes
      periodic += part.fullyPeriodic
      for s in 1..<part.atomStart.count { atomStart.append(Int(atomBase) + part.atomStart[s]) }
      structureBase += Int32(part.structureCount)
    }
    self.init(
      structureCount: Int(structureBase), atomCount: atomStart.last!, atomStart: atomStart, species: species,
      structureIndex: structureIndex, positions: positions, centers: centers, neighbors: neighbors,
      edgeStructure: edgeStructure, cellOffsets: offsets, volumes: volumes, fullyPeriodic: periodic)
  }

  /// Every stored array, for a memberwise construction.
  init(
    structureCount: Int, atomCount: Int, atomStart: [Int], species: [Int32], structureIndex: [Int32],
    positions: [SIMD3<Double>], centers: [Int32], neighbors: [Int32], edgeStructure: [Int32],
    cellOffsets: [SIMD3<Double>], volumes: [Double], fullyPeriodic: [Bool]
  ) {
    self.structureCount = structureCount
    self.atomCount = atomCount
    self.atomStart = atomStart
    self.species = species
    self.structureIndex = structureIndex
    self.positions = positions
    self.centers = centers
    self.neighbors = neighbors
    self.edgeStructure = edgeStructure
    self.cellOffsets = cellOffsets
    self.volumes = volumes
    self.fullyPeriodic = fullyPeriodic
  }

  /// Bytes the graph's arrays hold (for the training graph cache's budget).
  public var storedBytes: Int {
    let perAtom = MemoryLayout<Int32>.stride * 2 + MemoryLayout<SIMD3<Double>>.stride
    let perEdge = MemoryLayout<Int32>.stride * 3 + MemoryLayout<SIMD3<Double>>.stride
    return atomCount * perAtom + edgeCount * perEdge + structureCount * 24 + 64
  }
}
