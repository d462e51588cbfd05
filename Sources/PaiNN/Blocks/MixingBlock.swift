import Autodiff

/// The mixing block (schnetpack's `PaiNNMixing`): scalar and vector channels of each atom
/// exchange information.
///
/// Forward:
///
///     (V, U) = μ·W_mixᵀ                          V, U: [N, 3, F]
///     ‖V‖ = √(Σ_c V_c² + ε)                      [N, F]
///     (a, b, c) = W₄·silu(W₃ [q, ‖V‖] + b₃) + b₄  [N, 3F]
///     s = Σ_c V_c ⊙ U_c                          [N, F]
///     q ← q + a + c ⊙ s,   μ ← μ + b ⊙ U
///
/// Adjoint, with g_q = ∂E/∂q and g_μ = ∂E/∂μ of the block's output:
///
///     g_a = g_q,   g_c = g_q ⊙ s,   g_s = g_q ⊙ c,   g_b = Σ_c g_μ,c ⊙ U_c
///     g_U_c = g_μ,c ⊙ b + g_s ⊙ V_c
///     (g_q_ctx, g_‖V‖) = W₃ᵀ(silu'(W₃ [q, ‖V‖] + b₃) ⊙ W₄ᵀ (g_a, g_b, g_c))
///     g_V_c = g_s ⊙ U_c + g_‖V‖ ⊙ V_c/‖V‖
///     g_q ← g_q + g_q_ctx,   g_μ ← g_μ + (g_V, g_U)·W_mix
///
/// Both executions live here, as for `InteractionBlock`.
struct MixingBlock<T: TensorScalar>: Sendable {
  /// This block's weights.
  let weights: MixingWeights<WeightBuffer<T>>
  /// F.
  let featureCount: Int
  /// ε under the square root of ‖V‖.
  let normEpsilon: T

  /// Updates the workspace's q [N, F] and μ [N, 3, F] in place and saves what the adjoint
  /// needs for layer `layer`: every atom on its own, in chunks of atoms over `threads`.
  func forward(_ ws: PaiNNWorkspace<T>, layer: Int, threads: Int) {
    let n = ws.atomCount, f = featureCount, f3 = 3 * f
    let vu = ws.mixingChannels.pointer + layer * n * 6 * f, vnorm = ws.mixingNorms.pointer + layer * n * f
    let a3 = ws.mixingHidden.pointer + layer * n * f, y = ws.mixingContext.pointer + layer * n * f3
    let s = ws.mixingProducts.pointer + layer * n * f
    let ctx = ws.mixingInput.pointer, h = ws.atomFeatures.pointer, q = ws.q.pointer, mu = ws.mu.pointer
    let eps = normEpsilon
    parallelChunks(count: ws.chunkCount, threads: threads) { c, _ in
      let atoms = ws.chunkAtoms(c)
      let r0 = atoms.lowerBound, m = atoms.count
      dense(mu + r0 * f3, rows: 3 * m, weights.channelMix, into: vu + r0 * 6 * f, outCount: 2 * f, inCount: f)
      for i in atoms {
        let channels = vu + i * 6 * f
        for k in 0..<f {
          var vv: T = 0, vw: T = 0
          for c in 0..<3 {
            let v = channels[c * 2 * f + k], u = channels[c * 2 * f + f + k]
            vv += v * v
            vw += v * u
          }
          vnorm[i * f + k] = (vv + eps).squareRoot()
          s[i * f + k] = vw
          ctx[i * 2 * f + k] = q[i * f + k]
          ctx[i * 2 * f + f + k] = vnorm[i * f + k]
        }
      }
      dense(ctx + r0 * 2 * f, rows: m, weights.hidden, into: a3 + r0 * f, outCount: f, inCount: 2 * f)
      for k in (r0 * f)..<((r0 + m) * f) { h[k] = silu(a3[k]) }
      dense(h + r0 * f, rows: m, weights.output, into: y + r0 * f3, outCount: f3, inCount: f)
      for i in atoms {
        let yi = y + i * f3, channels = vu + i * 6 * f
        for k in 0..<f {
          q[i * f + k] += yi[k] + yi[2 * f + k] * s[i * f + k]
          for c in 0..<3 { mu[i * 3 * f + c * f + k] += yi[f + k] * channels[c * 2 * f + f + k] }
        }
      }
    }
  }

  /// Turns the workspace's g_q [N, F] and g_μ [N, 3, F] from gradients with respect to the
  /// block's output into gradients with respect to its input (in place, atom by atom).
  func backward(_ ws: PaiNNWorkspace<T>, layer: Int, threads: Int) {
    let n = ws.atomCount, f = featureCount, f3 = 3 * f
    let vu = ws.mixingChannels.pointer + layer * n * 6 * f, vnorm = ws.mixingNorms.pointer + layer * n * f
    let a3 = ws.mixingHidden.pointer + layer * n * f, y = ws.mixingContext.pointer + layer * n * f3
    let s = ws.mixingProducts.pointer + layer * n * f
    let gy = ws.contextGradients.pointer, gh = ws.atomFeatureGradients.pointer
    let gctx = ws.mixingInputGradients.pointer, gvu = ws.channelGradients.pointer
    let gq = ws.gq.pointer, gmu = ws.gmu.pointer
    parallelChunks(count: ws.chunkCount, threads: threads) { c, _ in
      let atoms = ws.chunkAtoms(c)
      let r0 = atoms.lowerBound, m = atoms.count
      for i in atoms {
        let yi = y + i * f3, channels = vu + i * 6 * f
        let gchannels = gvu + i * 6 * f, gyi = gy + i * f3
        for k in 0..<f {
          let g = gq[i * f + k]
          gyi[k] = g
          gyi[2 * f + k] = g * s[i * f + k]
          let gs = g * yi[2 * f + k]
          var gb: T = 0
          for c in 0..<3 {
            let gm = gmu[i * 3 * f + c * f + k]
            let v = channels[c * 2 * f + k], u = channels[c * 2 * f + f + k]
            gb += gm * u
            gchannels[c * 2 * f + f + k] = gm * yi[f + k] + gs * v
            gchannels[c * 2 * f + k] = gs * u
          }
          gyi[f + k] = gb
        }
      }
      denseBackward(gy + r0 * f3, rows: m, weights.output, into: gh + r0 * f, outCount: f3, inCount: f, accumulate: false)
      for k in (r0 * f)..<((r0 + m) * f) { gh[k] *= siluDerivative(a3[k]) }
      denseBackward(gh + r0 * f, rows: m, weights.hidden, into: gctx + r0 * 2 * f, outCount: f, inCount: 2 * f, accumulate: false)
      for i in atoms {
        let channels = vu + i * 6 * f, gchannels = gvu + i * 6 * f
        for k in 0..<f {
          gq[i * f + k] += gctx[i * 2 * f + k]
          let gn = gctx[i * 2 * f + f + k] / vnorm[i * f + k]
          for c in 0..<3 { gchannels[c * 2 * f + k] += gn * channels[c * 2 * f + k] }
        }
      }
      denseBackward(gvu + r0 * 6 * f, rows: 3 * m, weights.channelMix, into: gmu + r0 * f3, outCount: 2 * f, inCount: f, accumulate: true)
    }
  }
}

extension MixingWeights {
  /// The tensor-engine forward of one mixing block (the formulas of `MixingBlock`).
  /// - Parameters:
  ///   - q: scalar features, [N, F].
  ///   - mu: vector features, [N, 3, F].
  ///   - normEpsilon: ε of ‖V‖.
  /// - Returns: the updated (q, μ).
  func forward<S: TensorScalar>(q: Tensor<S>, mu: Tensor<S>, normEpsilon: Double) -> (q: Tensor<S>, mu: Tensor<S>)
  where W == Tensor<S> {
    let n = q.shape[0], f = q.shape[1]
    let vu = channelMix(mu).split(sizes: [f, f])  // V, U: [N, 3, F]
    let vnorm = norm(vu[0], axis: 1, epsilon: S(normEpsilon))  // [N, F]
    let y = output(silu(hidden(concat([q, vnorm], axis: -1)))).split(sizes: [f, f, f])
    return (q + y[0] + y[2] * (vu[0] * vu[1]).sum(axis: 1), mu + y[1].reshaped(to: [n, 1, f]) * vu[1])
  }
}
