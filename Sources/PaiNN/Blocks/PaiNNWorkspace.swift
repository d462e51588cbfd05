import Autodiff

/// Every buffer one evaluation of the fused network uses, kept between evaluations.
///
/// A workspace is sized for the largest graph it has seen (`prepare` grows a buffer only when a
/// graph needs more than it holds), so repeated evaluations of same-sized structures — an MD
/// run, a server answering the same system — allocate nothing and take no page faults after
/// the first call. `PaiNNPotential` keeps a small pool of them, one per concurrent caller.
///
/// Sizes, for N atoms, E edges, F features, L layers, n_rbf basis functions and H = F/2:
/// per atom the features and their gradients (12F scalars) and the activations the adjoint
/// needs, kept (19F per layer) or recomputed (8F per layer kept, `PaiNNActivationStorage`); per
/// edge the geometry, basis and edge gradients (2·n_rbf + 10 scalars and three indices, or
/// n_rbf + 10 and a Double distance when φ' is recomputed); and per
/// worker thread one tile of `tileEdges` edges of filters (2 × 3F) and basis gradients (n_rbf)
/// and one chunk of atoms' block scratch (`chunkScratch`). The [E, 3F] filters are never stored
/// whole: each tile of edges computes its own, so memory grows with E·n_rbf instead of E·3F (a
/// 100,000-atom cell fits in a few GB).
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

  /// How this workspace stores activations (the potential's choice, `.automatic` by default).
  var activationStorage = PaiNNActivationStorage.automatic
  /// The most memory the kept activations, and separately the kept basis derivatives, may
  /// take before `.automatic` recomputes them, bytes: 512 MB, about 35,000 atoms at F = 64,
  /// L = 3 in Float for the activations and 6.7 million edges at n_rbf = 20 for φ'. Below it
  /// keeping them is faster (`docs/benchmarks.md`, "Activations recomputed").
  var keptActivationBudget = 512 << 20
  /// Whether the graph last prepared recomputes its per-atom activations in the adjoint.
  private(set) var recomputesActivations = false
  /// Whether the graph last prepared evaluates φ'(d_e) again in each layer's adjoint (from
  /// `exactDistances`) instead of keeping `basisDerivatives`: 5–15 % of an evaluation, the
  /// dearer of the two recomputations, so `.automatic` decides it on its own.
  private(set) var recomputesBasisDerivatives = false

  /// Atoms and edges of the graph last prepared.
  private(set) var atomCount = 0, edgeCount = 0
  private var atomCapacity = -1, edgeCapacity = -1, workerCapacity = 0, storedFilterCapacity = 0
  /// Whether the per-atom buffers were allocated for recomputed activations.
  private var allocatedForRecomputing = false
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
    switch activationStorage {
    case .kept: (recomputesActivations, recomputesBasisDerivatives) = (false, false)
    case .recomputed: (recomputesActivations, recomputesBasisDerivatives) = (true, true)
    case .automatic:
      recomputesActivations = 19 * f * l * n * MemoryLayout<T>.stride > keptActivationBudget
      recomputesBasisDerivatives = nR * nE * MemoryLayout<T>.stride > keptActivationBudget
    }
    if n > atomCapacity || recomputesActivations != allocatedForRecomputing {
      let c = max(atomCapacity < 0 || n <= atomCapacity ? n : n + n / 4, 1)
      atomCapacity = c
      allocatedForRecomputing = recomputesActivations
      // The buffers of the other storage go first, so that both never coexist.
      let none = ScratchBuffer<T>(0)
      (interactionHidden, interactionContext, vectorsIn) = (none, none, none)
      (mixingChannels, mixingNorms, mixingHidden, mixingContext, mixingProducts) = (none, none, none, none, none)
      (scalarsIn, mixingScalarsIn, mixingVectorsIn) = (none, none, none)
      q = ScratchBuffer(c * f); mu = ScratchBuffer(c * 3 * f)
      gq = ScratchBuffer(c * f); gmu = ScratchBuffer(c * 3 * f)
      gqNext = ScratchBuffer(c * f); gmuNext = ScratchBuffer(c * 3 * f)
      vectorsIn = ScratchBuffer(l * c * 3 * f)
      if recomputesActivations {
        // x of one layer at a time (the forward's messages read every atom's); the rest of
        // the activations live in the chunk scratch.
        interactionContext = ScratchBuffer(c * 3 * f)
        scalarsIn = ScratchBuffer(l * c * f)
        mixingScalarsIn = ScratchBuffer(l * c * f); mixingVectorsIn = ScratchBuffer(l * c * 3 * f)
      } else {
        interactionHidden = ScratchBuffer(l * c * f); interactionContext = ScratchBuffer(l * c * 3 * f)
        mixingChannels = ScratchBuffer(l * c * 6 * f); mixingNorms = ScratchBuffer(l * c * f)
        mixingHidden = ScratchBuffer(l * c * f); mixingContext = ScratchBuffer(l * c * 3 * f)
        mixingProducts = ScratchBuffer(l * c * f)
      }
      readoutHidden = ScratchBuffer(c * hiddenCount); readoutGradients = ScratchBuffer(c * hiddenCount)
      atomEnergies = ScratchBuffer(c)
      edgeStart = ScratchBuffer(c + 1)
    }
    if nE > edgeCapacity {
      let c = max(edgeCapacity < 0 ? nE : nE + nE / 4, 1)
      edgeCapacity = c
      centers = ScratchBuffer(c); neighbors = ScratchBuffer(c); edgeSource = ScratchBuffer(c)
      distances = ScratchBuffer(c); units = ScratchBuffer(3 * c)
      basis = ScratchBuffer(c * (nR + 1))
      cutoffValues = ScratchBuffer(c); cutoffDerivatives = ScratchBuffer(c)
      distanceGradients = ScratchBuffer(c); unitGradients = ScratchBuffer(3 * c)
      listedWithinCutoff = ScratchBuffer(c)
    }
    // φ'(d_e) is kept, or evaluated again in the adjoint from d_e in Double: 4·n_rbf bytes
    // per edge against 8.
    let keptDerivatives = recomputesBasisDerivatives ? 0 : edgeCapacity * nR
    if basisDerivatives.count != keptDerivatives {
      basisDerivatives = ScratchBuffer(0)  // the old one freed before the new one is made
      basisDerivatives = ScratchBuffer(keptDerivatives)
    }
    let exact = recomputesBasisDerivatives ? edgeCapacity : 0
    if exactDistances.count != exact {
      exactDistances = ScratchBuffer(0)
      exactDistances = ScratchBuffer(exact)
    }
    if workers > workerCapacity {
      workerCapacity = workers
      tileFilters = (0..<workers).map { _ in ScratchBuffer(tileEdges * 3 * f) }
      tileFilterGradients = (0..<workers).map { _ in ScratchBuffer(tileEdges * 3 * f) }
      // One more row past the tile's: one edge's φ' in `T` when φ' is recomputed.
      tileBasisGradients = (0..<workers).map { _ in ScratchBuffer((tileEdges + 1) * max(nR, 1)) }
      tileBasisScratch = (0..<workers).map { _ in ScratchBuffer(2 * max(nR, 1)) }
      chunkScratch = (0..<workers).map { _ in ScratchBuffer(Self.chunkAtoms * ChunkRows.totalWidth * f) }
    }
  }

  /// Bytes of every per-atom buffer (features, gradients, saved activations), as allocated.
  var atomBufferBytes: Int {
    let scalars = [
      q, mu, gq, gmu, gqNext, gmuNext, vectorsIn, interactionHidden, interactionContext, mixingChannels,
      mixingNorms, mixingHidden, mixingContext, mixingProducts, scalarsIn, mixingScalarsIn, mixingVectorsIn,
      readoutHidden, readoutGradients,
    ].reduce(0) { $0 + $1.count }
    return scalars * MemoryLayout<T>.stride + atomEnergies.count * 8 + edgeStart.count * 4
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

  // MARK: Atoms (rows of N)

  /// q, [N, F], and μ, [N, 3, F]: the features, updated in place block by block.
  var q = ScratchBuffer<T>(0), mu = ScratchBuffer<T>(0)
  /// ∂E/∂q and ∂E/∂μ, and a second pair the interaction adjoint writes while reading the first.
  var gq = ScratchBuffer<T>(0), gmu = ScratchBuffer<T>(0)
  var gqNext = ScratchBuffer<T>(0), gmuNext = ScratchBuffer<T>(0)
  /// Saved per layer (layer l at offset l·N·width): μ entering the interaction block [N, 3, F].
  var vectorsIn = ScratchBuffer<T>(0)
  /// Kept activations, per layer: W₁q + b₁ [N, F] and x [N, 3F] of the interaction block (when
  /// recomputed: x of the layer at work only, and W₁q + b₁ in the chunk scratch).
  var interactionHidden = ScratchBuffer<T>(0), interactionContext = ScratchBuffer<T>(0)
  /// Kept activations, per layer: (V, U) [N, 3, 2F], ‖V‖ [N, F], W₃[q, ‖V‖] + b₃ [N, F],
  /// (a, b, c) [N, 3F], s [N, F] (when recomputed: in the chunk scratch).
  var mixingChannels = ScratchBuffer<T>(0), mixingNorms = ScratchBuffer<T>(0), mixingHidden = ScratchBuffer<T>(0)
  var mixingContext = ScratchBuffer<T>(0), mixingProducts = ScratchBuffer<T>(0)
  /// Recomputed activations only, per layer: q entering the interaction block [N, F], and q
  /// [N, F] and μ [N, 3, F] entering the mixing block.
  var scalarsIn = ScratchBuffer<T>(0), mixingScalarsIn = ScratchBuffer<T>(0), mixingVectorsIn = ScratchBuffer<T>(0)
  /// Readout W₅q + b₅ and its gradient, [N, H].
  var readoutHidden = ScratchBuffer<T>(0), readoutGradients = ScratchBuffer<T>(0)
  /// σ e_i + μ_Z of each atom, eV, [N].
  var atomEnergies = ScratchBuffer<Double>(0)

  // MARK: Edges (CSR: the edges of atom i are edgeStart[i] ..< edgeStart[i + 1])

  /// Whether each edge of the graph's list is shorter than the cutoff (1) or not (0), [E listed].
  var listedWithinCutoff = ScratchBuffer<UInt8>(0)
  /// First edge of each center, [N + 1].
  var edgeStart = ScratchBuffer<Int32>(0)
  /// Center i, neighbour j and the graph's index of each edge, [E].
  var centers = ScratchBuffer<Int32>(0), neighbors = ScratchBuffer<Int32>(0), edgeSource = ScratchBuffer<Int32>(0)
  /// d_e [E], û_e [E, 3], (φ(d_e), 1) [E, n_rbf + 1] (`basisStride`), φ'(d_e) [E, n_rbf],
  /// f_cut and f'_cut [E].
  var distances = ScratchBuffer<T>(0), units = ScratchBuffer<T>(0)
  var basis = ScratchBuffer<T>(0), basisDerivatives = ScratchBuffer<T>(0)
  /// d_e in Double, [E], from which the adjoint evaluates φ'(d_e) again when the workspace
  /// recomputes basis derivatives (`basisDerivatives` is then empty).
  var exactDistances = ScratchBuffer<Double>(0)
  var cutoffValues = ScratchBuffer<T>(0), cutoffDerivatives = ScratchBuffer<T>(0)
  /// ∂E/∂d_e [E] and ∂E/∂û_e [E, 3] of the messages each edge carries (see `InteractionBlock`).
  var distanceGradients = ScratchBuffer<T>(0), unitGradients = ScratchBuffer<T>(0)

  // MARK: Per worker thread

  /// One tile of filters W_e and ∂E/∂W_e, [tileEdges, 3F], and ∂E/∂φ, [tileEdges, n_rbf] (and
  /// one row more, φ' of one edge when it is recomputed).
  var tileFilters: [ScratchBuffer<T>] = [], tileFilterGradients: [ScratchBuffer<T>] = []
  var tileBasisGradients: [ScratchBuffer<T>] = []
  /// φ(d) and φ'(d) of one edge in Double, [2·n_rbf] (recomputed basis derivatives only).
  var tileBasisScratch: [ScratchBuffer<Double>] = []

  /// The scratch rows a block needs only while it works on one chunk of atoms (written and read
  /// by the same worker within the chunk), per worker: `chunkAtoms` rows of each, 28F scalars
  /// per row (15F of block scratch, 13F of recomputed activations) instead of as many per atom
  /// of the graph.
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
    /// Recomputed activations (see `PaiNNActivationStorage.recomputed`): W₁q + b₁ of the
    /// interaction block [F]; (V, U) [3, 2F], ‖V‖ [F], W₃[q, ‖V‖] + b₃ [F], (a, b, c) [3F] and
    /// s [F] of the mixing block.
    case contextHidden, mixingChannels, mixingNorms, mixingHidden, mixingContext, mixingProducts

    /// Width of one row, in units of F.
    var width: Int {
      switch self {
      case .features, .featureGradients: 1
      case .contextGradients: 3
      case .mixingInput, .mixingInputGradients: 2
      case .channelGradients: 6
      case .contextHidden, .mixingNorms, .mixingHidden, .mixingProducts: 1
      case .mixingChannels: 6
      case .mixingContext: 3
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
      case .contextHidden: Self.channelGradients.offset + Self.channelGradients.width
      case .mixingChannels: Self.contextHidden.offset + Self.contextHidden.width
      case .mixingNorms: Self.mixingChannels.offset + Self.mixingChannels.width
      case .mixingHidden: Self.mixingNorms.offset + Self.mixingNorms.width
      case .mixingContext: Self.mixingHidden.offset + Self.mixingHidden.width
      case .mixingProducts: Self.mixingContext.offset + Self.mixingContext.width
      }
    }
    /// Width of a worker's scratch row, in units of F (28).
    static var totalWidth: Int { mixingProducts.offset + mixingProducts.width }
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
