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

  /// What the adjoint needs from the forward pass.
  struct Activations {
    /// W₁ q + b₁, [N, F].
    var hiddenInput: ScratchBuffer<T>
    /// x, [N, 3F].
    var context: ScratchBuffer<T>
    /// μ entering the block, [N, 3, F].
    var vectorsIn: ScratchBuffer<T>
  }

  /// W_e before the cutoff factor, `W_f,l φ_e + b_f,l`, into `out` [E, 3F].
  func rawFilters(_ edges: EdgeGeometry<T>, into out: ScratchBuffer<T>) {
    let f3 = 3 * featureCount, nR = edges.basisCount, nE = edges.count
    guard nE > 0 else { return }
    T._gemm(
      transposeA: false, transposeB: true, m: nE, n: f3, k: nR, edges.basis.pointer, lda: nR,
      filter.weight.pointer + layer * f3 * nR, ldb: nR, beta: 0, out.pointer, ldc: f3)
    let b = filter.bias!.pointer + layer * f3
    for e in 0..<nE {
      let row = out.pointer + e * f3
      for k in 0..<f3 { row[k] += b[k] }
    }
  }

  /// Updates `q` [N, F] and `mu` [N, 3, F] in place.
  /// - Parameters:
  ///   - workspace: scratch shared by the blocks of one evaluation.
  ///   - saving: whether to keep the activations for the adjoint.
  func forward(
    q: ScratchBuffer<T>, mu: ScratchBuffer<T>, graph: PaiNNGraph, edges: EdgeGeometry<T>,
    workspace: PaiNNWorkspace<T>, saving: Bool
  ) -> Activations? {
    let n = graph.atomCount, f = featureCount, f3 = 3 * f
    let a1 = ScratchBuffer<T>(n * f), x = ScratchBuffer<T>(n * f3)
    let h = workspace.atomFeatures
    dense(q.pointer, rows: n, weights.hidden, into: a1.pointer, outCount: f, inCount: f)
    for k in 0..<(n * f) { h[k] = silu(a1[k]) }
    dense(h.pointer, rows: n, weights.output, into: x.pointer, outCount: f3, inCount: f)
    let w = workspace.edgeFilters
    rawFilters(edges, into: w)
    for e in 0..<edges.count {
      let row = w.pointer + e * f3, fc = edges.cutoffValues[e]
      for k in 0..<f3 { row[k] *= fc }
    }
    let muIn = mu.copy()
    for e in 0..<edges.count {
      let i = Int(graph.centers[e]), j = Int(graph.neighbors[e])
      let we = w.pointer + e * f3, xj = x.pointer + j * f3
      let qi = q.pointer + i * f
      let mui = mu.pointer + i * 3 * f, muj = muIn.pointer + j * 3 * f
      let u0 = edges.units[3 * e], u1 = edges.units[3 * e + 1], u2 = edges.units[3 * e + 2]
      for k in 0..<f {
        qi[k] += we[k] * xj[k]
        let vv = we[f + k] * xj[f + k], vs = we[2 * f + k] * xj[2 * f + k]
        mui[k] += vv * u0 + vs * muj[k]
        mui[f + k] += vv * u1 + vs * muj[f + k]
        mui[2 * f + k] += vv * u2 + vs * muj[2 * f + k]
      }
    }
    return saving ? Activations(hiddenInput: a1, context: x, vectorsIn: muIn) : nil
  }

  /// Turns `gq` [N, F] and `gmu` [N, 3, F] from gradients with respect to the block's output
  /// into gradients with respect to its input, and adds the edge gradients.
  /// - Parameters:
  ///   - basisGradients: ∂E/∂φ, [E, n_rbf], accumulated.
  ///   - cutoffGradients: ∂E/∂f_cut, [E], accumulated.
  ///   - unitGradients: ∂E/∂û, [E, 3], accumulated.
  func backward(
    gq: ScratchBuffer<T>, gmu: ScratchBuffer<T>, saved: Activations, graph: PaiNNGraph,
    edges: EdgeGeometry<T>, workspace: PaiNNWorkspace<T>, basisGradients: ScratchBuffer<T>,
    cutoffGradients: ScratchBuffer<T>, unitGradients: ScratchBuffer<T>
  ) {
    let n = graph.atomCount, f = featureCount, f3 = 3 * f, nR = edges.basisCount
    let raw = workspace.edgeFilters, gw = workspace.edgeFilterGradients
    let gx = workspace.contextGradients, gh = workspace.atomFeatureGradients
    rawFilters(edges, into: raw)
    gx.zero()
    let gmuOut = gmu.copy()
    for e in 0..<edges.count {
      let i = Int(graph.centers[e]), j = Int(graph.neighbors[e])
      let re = raw.pointer + e * f3, fc = edges.cutoffValues[e]
      let xj = saved.context.pointer + j * f3, gxj = gx.pointer + j * f3
      let gqi = gq.pointer + i * f, gmui = gmuOut.pointer + i * 3 * f
      let muj = saved.vectorsIn.pointer + j * 3 * f, gmuj = gmu.pointer + j * 3 * f
      let gwe = gw.pointer + e * f3
      let u0 = edges.units[3 * e], u1 = edges.units[3 * e + 1], u2 = edges.units[3 * e + 2]
      var gu0: T = 0, gu1: T = 0, gu2: T = 0, gfc: T = 0
      for k in 0..<f {
        let r0 = re[k], r1 = re[f + k], r2 = re[2 * f + k]
        let ws = r0 * fc, wvv = r1 * fc, wvs = r2 * fc
        let gs = gqi[k]
        let gm0 = gmui[k], gm1 = gmui[f + k], gm2 = gmui[2 * f + k]
        let gvv = gm0 * u0 + gm1 * u1 + gm2 * u2
        let gvs = gm0 * muj[k] + gm1 * muj[f + k] + gm2 * muj[2 * f + k]
        let vv = wvv * xj[f + k], vs = wvs * xj[2 * f + k]
        gu0 += gm0 * vv
        gu1 += gm1 * vv
        gu2 += gm2 * vv
        gmuj[k] += gm0 * vs
        gmuj[f + k] += gm1 * vs
        gmuj[2 * f + k] += gm2 * vs
        gxj[k] += gs * ws
        gxj[f + k] += gvv * wvv
        gxj[2 * f + k] += gvs * wvs
        let gws = gs * xj[k], gwvv = gvv * xj[f + k], gwvs = gvs * xj[2 * f + k]
        gfc += gws * r0 + gwvv * r1 + gwvs * r2
        gwe[k] = gws * fc
        gwe[f + k] = gwvv * fc
        gwe[2 * f + k] = gwvs * fc
      }
      unitGradients[3 * e] += gu0
      unitGradients[3 * e + 1] += gu1
      unitGradients[3 * e + 2] += gu2
      cutoffGradients[e] += gfc
    }
    if edges.count > 0 {
      // g_φ += g_W · W_f,l  ([E, 3F] × [3F, n_rbf]).
      T._gemm(
        transposeA: false, transposeB: false, m: edges.count, n: nR, k: f3, gw.pointer, lda: f3,
        filter.weight.pointer + layer * f3 * nR, ldb: nR, beta: 1, basisGradients.pointer, ldc: nR)
    }
    denseBackward(gx.pointer, rows: n, weights.output, into: gh.pointer, outCount: f3, inCount: f, accumulate: false)
    for k in 0..<(n * f) { gh[k] *= siluDerivative(saved.hiddenInput[k]) }
    denseBackward(gh.pointer, rows: n, weights.hidden, into: gq.pointer, outCount: f, inCount: f, accumulate: true)
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
