import Autodiff

/// The interaction block (schnetpack's `PaiNNInteraction`): messages from neighbours.
///
/// Forward, for layer l with filters from the shared filter network:
///
///     x = W₂·silu(W₁ q + b₁) + b₂ = (x_s, x_vv, x_vs)                    [N, 3F]
///     W_e = (W_f,l φ_e + b_f,l)·f_cut(d_e) = (W_s, W_vv, W_vs)            [E, 3F]
///     q_i ← q_i + Σ_{e=(i→j)} W_s,e ⊙ x_s,j
///     μ_i ← μ_i + Σ_{e=(i→j)} (W_vv,e ⊙ x_vv,j) û_e + (W_vs,e ⊙ x_vs,j) ⊙ μ_j
///
/// Adjoint, with g_q = ∂E/∂q_i and g_μ = ∂E/∂μ_i (3 × F) of the block's output:
///
///     g_x_s,j  += g_q,i ⊙ W_s,e          g_W_s,e  = g_q,i ⊙ x_s,j
///     g_x_vv,j += ⟨g_μ,i, û_e⟩ ⊙ W_vv,e   g_W_vv,e = ⟨g_μ,i, û_e⟩ ⊙ x_vv,j
///     g_x_vs,j += ⟨g_μ,i, μ_j⟩ ⊙ W_vs,e   g_W_vs,e = ⟨g_μ,i, μ_j⟩ ⊙ x_vs,j
///     g_μ_j    += g_μ,i ⊙ (W_vs,e ⊙ x_vs,j)              (plus g_μ itself: the residual)
///     g_û_e     = Σ_k g_μ,i,k (W_vv,e ⊙ x_vv,j)_k
///     g_f_e     = Σ_k g_W,e,k (W_f,l φ_e + b_f,l)_k,     g_φ_e += (g_W,e f_cut(d_e))·W_f,l
///     g_d_e    += g_f_e f'_cut(d_e) + g_φ_e·φ'(d_e)        (∂E/∂d_e, what forces need)
///     g_q      += W₁ᵀ(silu'(W₁ q + b₁) ⊙ W₂ᵀ g_x)         (plus g_q itself: the residual)
///
/// where ⟨a, b⟩ sums over the three Cartesian components. Both executions live here: the
/// tensor-engine forward (`forward(…)` on tensors, for training) and the fused kernels (an
/// `InteractionBlock` value, for inference); tests check one against the other and the fused
/// adjoint against `gradients(of:)` through the tensor forward.
struct InteractionBlock<T: TensorScalar>: Sendable {
  /// This block's context MLP.
  let weights: InteractionWeights<WeightBuffer<T>>
  /// The shared filter network; this block uses rows 3F·`layer` ..< 3F·(`layer` + 1).
  let filter: Linear<WeightBuffer<T>>
  /// Index l of the block.
  let layer: Int
  /// F.
  let featureCount: Int
  /// The filter network as one plain right-hand side, [n_rbf + 1, L·3F]: W_fᵀ with the bias
  /// b_f as its last row (`PaiNNNetwork.filterRows`); block l uses columns 3F·l ..< 3F·(l + 1).
  let filterRows: WeightBuffer<T>
  /// The radial basis, whose derivatives φ'(d_e) the adjoint evaluates again when the
  /// workspace recomputes them (instead of keeping n_rbf scalars per edge).
  let basis: any RadialBasis
  /// The message loops to run (tests compare them); nil: `MessageKernel.fastest`.
  var kernel: MessageKernel? = nil
  /// W_e before the cutoff factor, `W_f,l φ_e + b_f,l`, of the CSR edges `edges` into `out`
  /// [edges.count, 3F]: one BLAS call per tile of edges, (φ_e, 1)·(W_f,lᵀ; b_f,l) with both
  /// operands plain (see `dense`) and the bias riding on the basis row's constant 1.
  func rawFilters(_ ws: PaiNNWorkspace<T>, edges: Range<Int>, into out: UnsafeMutablePointer<T>) {
    let f3 = 3 * featureCount, nR = ws.basisCount, m = edges.count, stride = ws.basisStride
    guard m > 0 else { return }
    T._gemm(
      transposeA: false, transposeB: false, m: m, n: f3, k: nR + 1, ws.basis.pointer + edges.lowerBound * stride,
      lda: stride, filterRows.pointer + layer * f3, ldb: filter.bias!.count, beta: 0, out, ldc: f3)
  }

  /// Where the raw filters of the CSR edges from `first` go (or come from): this layer's part
  /// of the stored filters when the workspace keeps them, else the worker's tile.
  @inline(__always)
  func filterTile(_ ws: PaiNNWorkspace<T>, first: Int, worker: Int) -> UnsafeMutablePointer<T> {
    ws.storesFilters
      ? ws.storedFilters.pointer + (layer * ws.edgeCount + first) * 3 * featureCount
      : ws.tileFilters[worker].pointer
  }

  /// This layer's x [N, 3F]: its kept rows, or the one layer's worth the workspace holds
  /// when it recomputes activations.
  func context(_ ws: PaiNNWorkspace<T>) -> UnsafeMutablePointer<T> {
    ws.interactionContext.pointer + (ws.recomputesActivations ? 0 : layer * ws.atomCount * 3 * featureCount)
  }

  /// Where W₁q + b₁ of the chunk whose first atom is `r0` goes: this layer's kept rows, or the
  /// worker's chunk scratch when the workspace recomputes activations.
  func contextHidden(_ ws: PaiNNWorkspace<T>, worker: Int, firstAtom r0: Int) -> UnsafeMutablePointer<T> {
    ws.recomputesActivations
      ? ws.chunkRows(.contextHidden, worker: worker, firstAtom: r0)
      : ws.interactionHidden.pointer + layer * ws.atomCount * featureCount
  }

  /// The context MLP of one chunk's `atoms`: a1 = W₁q + b₁ and x = W₂ silu(a1) + b₂ from q
  /// [N, F]; what both the forward and, when the workspace recomputes activations, the adjoint
  /// run, with the same calls.
  func contextMLP(
    _ ws: PaiNNWorkspace<T>, atoms: Range<Int>, worker: Int, q: UnsafePointer<T>,
    hidden a1: UnsafeMutablePointer<T>, context x: UnsafeMutablePointer<T>
  ) {
    let f = featureCount, f3 = 3 * f, r0 = atoms.lowerBound, m = atoms.count
    let h = ws.chunkRows(.features, worker: worker, firstAtom: r0)
    dense(q + r0 * f, rows: m, weights.hidden, into: a1 + r0 * f, outCount: f, inCount: f)
    T._unary(.silu, a1 + r0 * f, h + r0 * f, m * f)
    dense(h + r0 * f, rows: m, weights.output, into: x + r0 * f3, outCount: f3, inCount: f)
  }

  /// Updates the workspace's q [N, F] and μ [N, 3, F] in place and saves what the adjoint
  /// needs for layer `layer`: μ entering, and W₁q + b₁ and x (or, when the workspace
  /// recomputes activations, q entering).
  ///
  /// Two passes over chunks of atoms: the context MLP of every atom, then the messages each
  /// center receives over its own edges (written only to its own q_i, μ_i: no two threads
  /// write the same row), one tile of filters at a time.
  func forward(_ ws: PaiNNWorkspace<T>, threads: Int) {
    let n = ws.atomCount, f = featureCount, f3 = 3 * f
    let x = context(ws), muIn = ws.vectorsIn.pointer + layer * n * f3
    let q = ws.q.pointer, mu = ws.mu.pointer
    let recompute = ws.recomputesActivations
    parallelChunks(count: ws.chunkCount, threads: threads) { c, worker in
      let atoms = ws.chunkAtoms(c)
      let r0 = atoms.lowerBound, m = atoms.count
      contextMLP(ws, atoms: atoms, worker: worker, q: q, hidden: contextHidden(ws, worker: worker, firstAtom: r0), context: x)
      (muIn + r0 * f3).update(from: mu + r0 * f3, count: m * f3)
      if recompute { (ws.scalarsIn.pointer + layer * n * f + r0 * f).update(from: q + r0 * f, count: m * f) }
    }
    let start = ws.edgeStart.pointer, centers = ws.centers.pointer, neighbors = ws.neighbors.pointer
    let units = ws.units.pointer, cutoffs = ws.cutoffValues.pointer
    parallelChunks(count: ws.chunkCount, threads: threads) { c, worker in
      let atoms = ws.chunkAtoms(c)
      var t0 = Int(start[atoms.lowerBound])
      let end = Int(start[atoms.upperBound])
      while t0 < end {
        let t1 = min(end, t0 + ws.tileEdges)
        let tile = filterTile(ws, first: t0, worker: worker)
        rawFilters(ws, edges: t0..<t1, into: tile)
        addMessages(
          t0..<t1, raw: tile, centers: centers, neighbors: neighbors, units: units, cutoffs: cutoffs,
          x: x, muIn: muIn, q: q, mu: mu)
        t0 = t1
      }
    }
  }

  /// Turns the workspace's g_q [N, F] and g_μ [N, 3, F] from gradients with respect to the
  /// block's output into gradients with respect to its input, and adds each edge's ∂E/∂d and
  /// ∂E/∂û to `distanceGradients` and `unitGradients`.
  ///
  /// The adjoint of a message scatters to its sender, so it is computed by the sender: atom a
  /// goes over its own edges e′ = (a → b) and takes the message a sends to b, which travels on
  /// the reverse edge (b → a) of the same length with û = −û_e′ (the graph lists both
  /// directions, with bit-identical geometry). a writes only its own rows of g_x and g_μ and
  /// its own edges' slots; the edge slot e′ holds that message's ∂E/∂d and ∂E/∂û_e′ (the sign
  /// of û flipped), which is all `EdgeGeometry.backward` needs to form forces. The new
  /// gradients go to the spare pair of buffers, swapped in at the end, so that every thread
  /// reads the block's output gradients g_q,b, g_μ,b of its neighbours unchanged.
  func backward(_ ws: PaiNNWorkspace<T>, threads: Int) {
    let n = ws.atomCount, f = featureCount, f3 = 3 * f, nR = ws.basisCount
    let x = context(ws), muIn = ws.vectorsIn.pointer + layer * n * f3
    let recompute = ws.recomputesActivations, recomputeDerivatives = ws.recomputesBasisDerivatives
    let exactDistances = ws.exactDistances.pointer
    let gq = ws.gq.pointer, gmu = ws.gmu.pointer, gqNext = ws.gqNext.pointer, gmuNext = ws.gmuNext.pointer
    let start = ws.edgeStart.pointer, centers = ws.centers.pointer, neighbors = ws.neighbors.pointer
    let units = ws.units.pointer, cutoffs = ws.cutoffValues.pointer, cutoffDerivatives = ws.cutoffDerivatives.pointer
    let basisDerivatives = ws.basisDerivatives.pointer
    let gd = ws.distanceGradients.pointer, gunit = ws.unitGradients.pointer
    let filterWeights = filter.weight.pointer + layer * f3 * nR
    parallelChunks(count: ws.chunkCount, threads: threads) { c, worker in
      let atoms = ws.chunkAtoms(c)
      let r0 = atoms.lowerBound, m = atoms.count
      // The adjoint of the messages a sends needs x_a only (the chunk's own atoms), so when
      // activations are recomputed, the chunk's rows of x are all this layer's it needs.
      let a1 = contextHidden(ws, worker: worker, firstAtom: r0)
      if recompute { contextMLP(ws, atoms: atoms, worker: worker, q: ws.scalarsIn.pointer + layer * n * f, hidden: a1, context: x) }
      let gx = ws.chunkRows(.contextGradients, worker: worker, firstAtom: r0)
      let gh = ws.chunkRows(.featureGradients, worker: worker, firstAtom: r0)
      (gx + r0 * f3).update(repeating: 0, count: m * f3)
      (gmuNext + r0 * f3).update(from: gmu + r0 * f3, count: m * f3)
      let gw = ws.tileFilterGradients[worker].pointer
      let gphi = ws.tileBasisGradients[worker].pointer
      let basisScratch = ws.tileBasisScratch[worker].pointer
      // One edge's φ' in `T`, in the basis gradients' tile past its n_rbf·tileEdges used rows.
      let derivativeRow = ws.tileBasisGradients[worker].pointer + ws.tileEdges * nR
      var t0 = Int(start[atoms.lowerBound])
      let end = Int(start[atoms.upperBound])
      while t0 < end {
        let t1 = min(end, t0 + ws.tileEdges)
        // The forward's filters when kept, else the same tile computed again (the same call,
        // so the same numbers either way).
        let raw = filterTile(ws, first: t0, worker: worker)
        if !ws.storesFilters { rawFilters(ws, edges: t0..<t1, into: raw) }
        addMessageAdjoints(
          t0..<t1, raw: raw, centers: centers, neighbors: neighbors, units: units, cutoffs: cutoffs,
          cutoffDerivatives: cutoffDerivatives, x: x, muIn: muIn, gq: gq, gmu: gmu, gx: gx, gmuNext: gmuNext,
          gw: gw, gunit: gunit, gd: gd)
        // g_φ = g_W · W_f,l ([tile, 3F] × [3F, n_rbf]), then ∂E/∂d += g_φ · φ'.
        T._gemm(
          transposeA: false, transposeB: false, m: t1 - t0, n: nR, k: f3, gw, lda: f3,
          filterWeights, ldb: nR, beta: 0, gphi, ldc: nR)
        for e in t0..<t1 {
          let g = gphi + (e - t0) * nR
          let dphi: UnsafePointer<T>
          if recomputeDerivatives {
            // φ'(d_e) again, from d_e in Double as `EdgeGeometry.prepare` evaluated and rounded
            // it (the same bits as the kept ones).
            basis.values(at: exactDistances[e], into: basisScratch, derivatives: basisScratch + nR)
            for k in 0..<nR { derivativeRow[k] = T(basisScratch[nR + k]) }
            dphi = UnsafePointer(derivativeRow)
          } else {
            dphi = UnsafePointer(basisDerivatives + e * nR)
          }
          var s: T = 0
          for k in 0..<nR { s += g[k] * dphi[k] }
          gd[e] += s
        }
        t0 = t1
      }
      // The context MLP of the chunk's atoms, whose g_x is now complete.
      denseBackward(gx + r0 * f3, rows: m, weights.output, into: gh + r0 * f, outCount: f3, inCount: f, accumulate: false)
      // g_h ⊙ silu'(W₁ q + b₁), the derivative written to this worker's filter tile (done with).
      let derivative = ws.tileFilters[worker].pointer
      T._unary(.siluDerivative, a1 + r0 * f, derivative, m * f)
      T._binary(.multiply, gh + r0 * f, 1, derivative, 1, gh + r0 * f, m * f)
      (gqNext + r0 * f).update(from: gq + r0 * f, count: m * f)
      denseBackward(gh + r0 * f, rows: m, weights.hidden, into: gqNext + r0 * f, outCount: f, inCount: f, accumulate: true)
    }
    swap(&ws.gq, &ws.gqNext)
    swap(&ws.gmu, &ws.gmuNext)
  }
}

extension InteractionWeights {
  /// The tensor-engine forward of one interaction block (the formulas of `InteractionBlock`).
  /// - Parameters:
  ///   - q: scalar features, [N, F].
  ///   - mu: vector features, [N, 3, F].
  ///   - filters: W_e of this block, cutoff applied, [E, 3F].
  ///   - units: û_e, [E, 3].
  /// - Returns: the updated (q, μ).
  func forward<S: TensorScalar>(
    q: Tensor<S>, mu: Tensor<S>, filters: Tensor<S>, units: Tensor<S>, graph: PaiNNGraph
  ) -> (q: Tensor<S>, mu: Tensor<S>) where W == Tensor<S> {
    let n = graph.atomCount, nE = graph.edgeCount, f = q.shape[1]
    let x = output(silu(hidden(q)))  // [N, 3F]
    let m = (filters * x.gathering(rows: graph.neighbors)).split(sizes: [f, f, f])
    let dmu = m[1].reshaped(to: [nE, 1, f]) * units.reshaped(to: [nE, 3, 1])
      + m[2].reshaped(to: [nE, 1, f]) * mu.gathering(rows: graph.neighbors)
    return (q + scatterAdd(m[0], into: n, at: graph.centers), mu + scatterAdd(dmu, into: n, at: graph.centers))
  }
}

extension Linear {
  /// `x·Wᵀ + b` on the last axis of `x`.
  func callAsFunction<S: TensorScalar>(_ x: Tensor<S>) -> Tensor<S> where W == Tensor<S> {
    let y = matmul(x, weight, transposingB: true)
    return bias.map { y + $0 } ?? y
  }
}
