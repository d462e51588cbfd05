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

  /// What the adjoint needs from the forward pass.
  struct Activations {
    /// (V, U) per atom and direction, [N, 3, 2F].
    var channels: ScratchBuffer<T>
    /// ‖V‖, [N, F].
    var norms: ScratchBuffer<T>
    /// W₃ [q, ‖V‖] + b₃, [N, F].
    var hiddenInput: ScratchBuffer<T>
    /// (a, b, c), [N, 3F].
    var context: ScratchBuffer<T>
    /// s = Σ_c V_c ⊙ U_c, [N, F].
    var products: ScratchBuffer<T>
  }

  /// Updates `q` [N, F] and `mu` [N, 3, F] in place.
  func forward(q: ScratchBuffer<T>, mu: ScratchBuffer<T>, atomCount n: Int, workspace: PaiNNWorkspace<T>, saving: Bool) -> Activations? {
    let f = featureCount, f3 = 3 * f
    let vu = ScratchBuffer<T>(n * 6 * f), vnorm = ScratchBuffer<T>(n * f)
    let a3 = ScratchBuffer<T>(n * f), y = ScratchBuffer<T>(n * f3), s = ScratchBuffer<T>(n * f)
    let ctx = workspace.mixingInput, h = workspace.atomFeatures
    dense(mu.pointer, rows: 3 * n, weights.channelMix, into: vu.pointer, outCount: 2 * f, inCount: f)
    for i in 0..<n {
      let channels = vu.pointer + i * 6 * f
      for k in 0..<f {
        var vv: T = 0, vw: T = 0
        for c in 0..<3 {
          let v = channels[c * 2 * f + k], u = channels[c * 2 * f + f + k]
          vv += v * v
          vw += v * u
        }
        vnorm[i * f + k] = (vv + normEpsilon).squareRoot()
        s[i * f + k] = vw
        ctx[i * 2 * f + k] = q[i * f + k]
        ctx[i * 2 * f + f + k] = vnorm[i * f + k]
      }
    }
    dense(ctx.pointer, rows: n, weights.hidden, into: a3.pointer, outCount: f, inCount: 2 * f)
    for k in 0..<(n * f) { h[k] = silu(a3[k]) }
    dense(h.pointer, rows: n, weights.output, into: y.pointer, outCount: f3, inCount: f)
    for i in 0..<n {
      let yi = y.pointer + i * f3, channels = vu.pointer + i * 6 * f
      for k in 0..<f {
        q[i * f + k] += yi[k] + yi[2 * f + k] * s[i * f + k]
        for c in 0..<3 { mu[i * 3 * f + c * f + k] += yi[f + k] * channels[c * 2 * f + f + k] }
      }
    }
    return saving ? Activations(channels: vu, norms: vnorm, hiddenInput: a3, context: y, products: s) : nil
  }

  /// Turns `gq` [N, F] and `gmu` [N, 3, F] from gradients with respect to the block's output
  /// into gradients with respect to its input.
  func backward(gq: ScratchBuffer<T>, gmu: ScratchBuffer<T>, saved sv: Activations, atomCount n: Int, workspace: PaiNNWorkspace<T>) {
    let f = featureCount, f3 = 3 * f
    let gy = workspace.contextGradients, gh = workspace.atomFeatureGradients
    let gctx = workspace.mixingInputGradients, gvu = workspace.channelGradients
    for i in 0..<n {
      let yi = sv.context.pointer + i * f3, channels = sv.channels.pointer + i * 6 * f
      let gchannels = gvu.pointer + i * 6 * f, gyi = gy.pointer + i * f3
      for k in 0..<f {
        let g = gq[i * f + k]
        gyi[k] = g
        gyi[2 * f + k] = g * sv.products[i * f + k]
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
    denseBackward(gy.pointer, rows: n, weights.output, into: gh.pointer, outCount: f3, inCount: f, accumulate: false)
    for k in 0..<(n * f) { gh[k] *= siluDerivative(sv.hiddenInput[k]) }
    denseBackward(gh.pointer, rows: n, weights.hidden, into: gctx.pointer, outCount: f, inCount: 2 * f, accumulate: false)
    for i in 0..<n {
      let channels = sv.channels.pointer + i * 6 * f, gchannels = gvu.pointer + i * 6 * f
      for k in 0..<f {
        gq[i * f + k] += gctx[i * 2 * f + k]
        let gn = gctx[i * 2 * f + f + k] / sv.norms[i * f + k]
        for c in 0..<3 { gchannels[c * 2 * f + k] += gn * channels[c * 2 * f + k] }
      }
    }
    denseBackward(gvu.pointer, rows: 3 * n, weights.channelMix, into: gmu.pointer, outCount: 2 * f, inCount: f, accumulate: true)
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
