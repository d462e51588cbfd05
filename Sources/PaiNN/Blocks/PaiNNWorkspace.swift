import Autodiff

/// Every buffer one evaluation of the fused network uses, kept between evaluations.
///
/// A workspace is sized for the largest graph it has seen (`prepare` grows a buffer only when a
/// graph needs more than it holds), so repeated evaluations of same-sized structures — an MD
/// run, a server answering the same system — allocate nothing and take no page faults after
/// the first call. `PaiNNPotential` keeps a small pool of them, one per concurrent caller.
///
/// Sizes, for N atoms, E edges, F features, L layers, n_rbf basis functions and H = F/2:
/// per atom and layer the saved activations (19F scalars), per edge the geometry, basis and
/// edge gradients (2·n_rbf + 10 scalars and one Double vector), and per worker thread one tile
/// of `tileEdges` edges of filters (2 × 3F) and basis gradients (n_rbf) and one chunk of atoms'
/// block scratch (15F per atom, `chunkScratch`). The [E, 3F] filters
/// are never stored whole: each tile of edges computes its own, so memory grows with E·n_rbf
/// instead of E·3F (a 100,000-atom cell fits in a few GB).
final class PaiNNWorkspace<T: TensorScalar> {
  let featureCount: Int, layerCount: Int, basisCount: Int, hiddenCount: Int
  /// Edges per tile of the edge kernels: 256, or fewer when the tile's filter product
  /// [tile, n_rbf + 1] × [n_rbf + 1, 3F] would exceed 10⁶ multiply-adds, the largest product
  /// OpenBLAS's AVX-512 kernels compute in place (beyond it they pack both operands first).
  let tileEdges: Int
  /// The most memory the raw filters of every layer may take to be kept from the forward pass
  /// for the adjoint instead of computed again, bytes. Small: on a 1,372-atom cell computing
  /// them again was as fast as streaming 130 MB of kept filters through memory, and 240 MB
  /// lighter.
  static var storedFilterBudget: Int { 16 << 20 }
  /// Scalars per row of `basis`: φ_0 … φ_{n_rbf−1} and a constant 1, the input that multiplies
  /// the filter network's bias (so the filter product adds it, with nothing copied first).
  var basisStride: Int { basisCount + 1 }
  /// Atoms per chunk of parallel work. Fixed, so that the work of a chunk (and so every
  /// rounding) does not depend on the number of threads.
  static var chunkAtoms: Int { 32 }

  /// Atoms and edges of the graph last prepared.
  private(set) var atomCount = 0, edgeCount = 0
  private var atomCapacity = -1, edgeCapacity = -1, workerCapacity = 0, storedFilterCapacity = 0
  /// Whether the forward pass keeps every layer's raw filters [L, E, 3F] for the adjoint
  /// (when they fit in `storedFilterBudget`); set by `keepFilters`.
  private(set) var storesFilters = false
  /// The kept raw filters, [L, E, 3F].
  var storedFilters = ScratchBuffer<T>(0)

  init(featureCount: Int, layerCount: Int, basisCount: Int, hiddenCount: Int) {
    self.featureCount = featureCount
    self.layerCount = layerCount
    self.basisCount = basisCount
    let filterMultiplyAdds = 3 * featureCount * (basisCount + 1)
    tileEdges = max(16, min(256, (1_000_000 / max(filterMultiplyAdds, 1)) / 8 * 8))
    self.hiddenCount = hiddenCount
  }

  /// A workspace sized for a graph (as the block tests build one).
  convenience init(atomCount: Int, edgeCount: Int, featureCount: Int, layerCount: Int = 1, basisCount: Int, hiddenCount: Int = 1, workers: Int = 1) {
    self.init(featureCount: featureCount, layerCount: layerCount, basisCount: basisCount, hiddenCount: hiddenCount)
    prepare(atomCount: atomCount, edgeCount: edgeCount, workers: workers)
  }

  /// Makes every buffer hold at least what `atomCount` atoms, `edgeCount` edges and `workers`
  /// threads need; reallocates only the ones that are too small.
  func prepare(atomCount n: Int, edgeCount nE: Int, workers: Int) {
    atomCount = n
    edgeCount = nE
    let f = featureCount, l = layerCount, nR = basisCount
    // A buffer that must grow grows by a quarter more than asked, so that a list whose edge
    // count creeps up during MD does not reallocate (and fault in fresh pages) at every new
    // high; the first allocation takes what is asked (a single huge structure pays no more).
    if n > atomCapacity {
      let c = max(atomCapacity < 0 ? n : n + n / 4, 1)
      atomCapacity = c
      q = ScratchBuffer(c * f); mu = ScratchBuffer(c * 3 * f)
      gq = ScratchBuffer(c * f); gmu = ScratchBuffer(c * 3 * f)
      gqNext = ScratchBuffer(c * f); gmuNext = ScratchBuffer(c * 3 * f)
      interactionHidden = ScratchBuffer(l * c * f); interactionContext = ScratchBuffer(l * c * 3 * f)
      vectorsIn = ScratchBuffer(l * c * 3 * f)
      mixingChannels = ScratchBuffer(l * c * 6 * f); mixingNorms = ScratchBuffer(l * c * f)
      mixingHidden = ScratchBuffer(l * c * f); mixingContext = ScratchBuffer(l * c * 3 * f)
      mixingProducts = ScratchBuffer(l * c * f)
      readoutHidden = ScratchBuffer(c * hiddenCount); readoutGradients = ScratchBuffer(c * hiddenCount)
      atomEnergies = ScratchBuffer(c)
      edgeStart = ScratchBuffer(c + 1)
      forces = UnsafeMutableBufferPointer.allocate(capacity: c)
    }
    if nE > edgeCapacity {
      let c = max(edgeCapacity < 0 ? nE : nE + nE / 4, 1)
      edgeCapacity = c
      centers = ScratchBuffer(c); neighbors = ScratchBuffer(c); edgeSource = ScratchBuffer(c)
      vectors = UnsafeMutableBufferPointer.allocate(capacity: c)
      distances = ScratchBuffer(c); units = ScratchBuffer(3 * c)
      basis = ScratchBuffer(c * (nR + 1)); basisDerivatives = ScratchBuffer(c * nR)
      cutoffValues = ScratchBuffer(c); cutoffDerivatives = ScratchBuffer(c)
      distanceGradients = ScratchBuffer(c); unitGradients = ScratchBuffer(3 * c)
      listedWithinCutoff = ScratchBuffer(c)
    }
    if workers > workerCapacity {
      workerCapacity = workers
      tileFilters = (0..<workers).map { _ in ScratchBuffer(tileEdges * 3 * f) }
      tileFilterGradients = (0..<workers).map { _ in ScratchBuffer(tileEdges * 3 * f) }
      tileBasisGradients = (0..<workers).map { _ in ScratchBuffer(tileEdges * max(nR, 1)) }
      chunkScratch = (0..<workers).map { _ in ScratchBuffer(Self.chunkAtoms * ChunkRows.totalWidth * f) }
    }
  }

  /// Sets the number of edges the kernels run over (those of the graph's list within the
  /// cutoff, at most the number prepared).
  func keepEdges(_ count: Int) {
    precondition(count <= max(edgeCapacity, 0))
    edgeCount = count
  }

  /// Decides whether this evaluation keeps the raw filters (`wanted`: an adjoint will run) and
  /// makes room for them.
  func keepFilters(_ wanted: Bool) {
    let count = layerCount * edgeCount * 3 * featureCount
    storesFilters = wanted && count * MemoryLayout<T>.stride <= Self.storedFilterBudget
    if storesFilters && count > storedFilterCapacity {
      storedFilterCapacity = layerCount * edgeCapacity * 3 * featureCount
      storedFilters = ScratchBuffer(storedFilterCapacity)
    }
  }

  deinit {
    forces.deallocate()
    vectors.deallocate()
  }

  // MARK: Atoms (rows of N)

  /// q, [N, F], and μ, [N, 3, F]: the features, updated in place block by block.
  var q = ScratchBuffer<T>(0), mu = ScratchBuffer<T>(0)
  /// ∂E/∂q and ∂E/∂μ, and a second pair the interaction adjoint writes while reading the first.
  var gq = ScratchBuffer<T>(0), gmu = ScratchBuffer<T>(0)
  var gqNext = ScratchBuffer<T>(0), gmuNext = ScratchBuffer<T>(0)
  /// Saved per layer (layer l at offset l·N·width): W₁q + b₁ [N, F], x [N, 3F], μ entering [N, 3, F].
  var interactionHidden = ScratchBuffer<T>(0), interactionContext = ScratchBuffer<T>(0), vectorsIn = ScratchBuffer<T>(0)
  /// Saved per layer: (V, U) [N, 3, 2F], ‖V‖ [N, F], W₃[q, ‖V‖] + b₃ [N, F], (a, b, c) [N, 3F], s [N, F].
  var mixingChannels = ScratchBuffer<T>(0), mixingNorms = ScratchBuffer<T>(0), mixingHidden = ScratchBuffer<T>(0)
  var mixingContext = ScratchBuffer<T>(0), mixingProducts = ScratchBuffer<T>(0)
  /// Readout W₅q + b₅ and its gradient, [N, H].
  var readoutHidden = ScratchBuffer<T>(0), readoutGradients = ScratchBuffer<T>(0)
  /// σ e_i + μ_Z of each atom, eV, [N].
  var atomEnergies = ScratchBuffer<Double>(0)
  /// −∂E/∂R, [N], eV/Å.
  var forces = UnsafeMutableBufferPointer<SIMD3<Double>>.allocate(capacity: 0)

  // MARK: Edges (CSR: the edges of atom i are edgeStart[i] ..< edgeStart[i + 1])

  /// Whether each edge of the graph's list is shorter than the cutoff (1) or not (0), [E listed].
  var listedWithinCutoff = ScratchBuffer<UInt8>(0)
  /// First edge of each center, [N + 1].
  var edgeStart = ScratchBuffer<Int32>(0)
  /// Center i, neighbour j and the graph's index of each edge, [E].
  var centers = ScratchBuffer<Int32>(0), neighbors = ScratchBuffer<Int32>(0), edgeSource = ScratchBuffer<Int32>(0)
  /// r_e, [E], Å.
  var vectors = UnsafeMutableBufferPointer<SIMD3<Double>>.allocate(capacity: 0)
  /// d_e [E], û_e [E, 3], (φ(d_e), 1) [E, n_rbf + 1] (`basisStride`), φ'(d_e) [E, n_rbf],
  /// f_cut and f'_cut [E].
  var distances = ScratchBuffer<T>(0), units = ScratchBuffer<T>(0)
  var basis = ScratchBuffer<T>(0), basisDerivatives = ScratchBuffer<T>(0)
  var cutoffValues = ScratchBuffer<T>(0), cutoffDerivatives = ScratchBuffer<T>(0)
  /// ∂E/∂d_e [E] and ∂E/∂û_e [E, 3] of the messages each edge carries (see `InteractionBlock`).
  var distanceGradients = ScratchBuffer<T>(0), unitGradients = ScratchBuffer<T>(0)

  // MARK: Per worker thread

  /// One tile of filters W_e and ∂E/∂W_e, [tileEdges, 3F], and ∂E/∂φ, [tileEdges, n_rbf].
  var tileFilters: [ScratchBuffer<T>] = [], tileFilterGradients: [ScratchBuffer<T>] = []
  var tileBasisGradients: [ScratchBuffer<T>] = []

  /// The scratch rows a block needs only while it works on one chunk of atoms (written and read
  /// by the same worker within the chunk), per worker: `chunkAtoms` rows of each, 15F scalars
  /// per row instead of 15F per atom of the graph (3.8 kB per atom at F = 64).
  var chunkScratch: [ScratchBuffer<T>] = []

  /// The kinds of chunk scratch rows, with their widths in units of F.
  enum ChunkRows {
    /// Hidden activations silu(·) of an MLP [F] and their gradients [F].
    case features, featureGradients
    /// ∂E/∂x of the context MLP's output [3F].
    case contextGradients
    /// The mixing block's MLP input [q, ‖V‖] [2F] and its gradient [2F].
    case mixingInput, mixingInputGradients
    /// ∂E/∂(V, U) [3, 2F].
    case channelGradients

    /// Width of one row, in units of F.
    var width: Int {
      switch self {
      case .features, .featureGradients: 1
      case .contextGradients: 3
      case .mixingInput, .mixingInputGradients: 2
      case .channelGradients: 6
      }
    }
    /// Where this kind's rows start in a worker's scratch, in units of F per chunk row: after
    /// the kinds listed before it.
    var offset: Int {
      switch self {
      case .features: 0
      case .featureGradients: Self.features.offset + Self.features.width
      case .contextGradients: Self.featureGradients.offset + Self.featureGradients.width
      case .mixingInput: Self.contextGradients.offset + Self.contextGradients.width
      case .mixingInputGradients: Self.mixingInput.offset + Self.mixingInput.width
      case .channelGradients: Self.mixingInputGradients.offset + Self.mixingInputGradients.width
      }
    }
    /// Width of a worker's scratch row, in units of F (15).
    static var totalWidth: Int { channelGradients.offset + channelGradients.width }
  }

  /// `worker`'s scratch rows of `kind` for the chunk whose first atom is `r0`, addressed by the
  /// graph's atom indices: row i of the result is atom i's row (valid for the chunk's atoms).
  @inline(__always)
  func chunkRows(_ kind: ChunkRows, worker: Int, firstAtom r0: Int) -> UnsafeMutablePointer<T> {
    let f = featureCount
    return chunkScratch[worker].pointer + Self.chunkAtoms * kind.offset * f - r0 * kind.width * f
  }

  /// Number of atom chunks of the prepared graph.
  var chunkCount: Int { (atomCount + Self.chunkAtoms - 1) / Self.chunkAtoms }

  /// The atoms of chunk c.
  func chunkAtoms(_ c: Int) -> Range<Int> {
    let lo = c * Self.chunkAtoms
    return lo..<min(atomCount, lo + Self.chunkAtoms)
  }
}
