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

  /// Where layer `layer`'s activations of the chunk whose first atom is `r0` are (rows
  /// addressed by the graph's atom indices): the layer's kept rows, or the worker's chunk
  /// scratch when the workspace recomputes them.
  struct Activations {
    /// (V, U) [3, 2F], ‖V‖ [F], W₃[q, ‖V‖] + b₃ [F], (a, b, c) [3F], s [F] per atom.
    let channels, norms, hidden, context, products: UnsafeMutablePointer<T>
  }

  func activations(_ ws: PaiNNWorkspace<T>, layer: Int, worker: Int, firstAtom r0: Int) -> Activations {
    let n = ws.atomCount, f = featureCount
    if ws.recomputesActivations {
      return Activations(
        channels: ws.chunkRows(.mixingChannels, worker: worker, firstAtom: r0),
        norms: ws.chunkRows(.mixingNorms, worker: worker, firstAtom: r0),
        hidden: ws.chunkRows(.mixingHidden, worker: worker, firstAtom: r0),
        context: ws.chunkRows(.mixingContext, worker: worker, firstAtom: r0),
        products: ws.chunkRows(.mixingProducts, worker: worker, firstAtom: r0))
    }
    return Activations(
      channels: ws.mixingChannels.pointer + layer * n * 6 * f, norms: ws.mixingNorms.pointer + layer * n * f,
      hidden: ws.mixingHidden.pointer + layer * n * f, context: ws.mixingContext.pointer + layer * n * 3 * f,
      products: ws.mixingProducts.pointer + layer * n * f)
  }

  /// The activations of `atoms` (one chunk, on `worker`) from their q [N, F] and μ [N, 3, F]:
  /// (V, U), ‖V‖, s, W₃[q, ‖V‖] + b₃ and (a, b, c); what both the forward and, when the
  /// workspace recomputes activations, the adjoint run, with the same calls.
  func computeActivations(
    _ ws: PaiNNWorkspace<T>, atoms: Range<Int>, worker: Int, q: UnsafePointer<T>, mu: UnsafePointer<T>, _ act: Activations
  ) {
    let f = featureCount, f3 = 3 * f, r0 = atoms.lowerBound, m = atoms.count
    let vu = act.channels, vnorm = act.norms, a3 = act.hidden, y = act.context, s = act.products
    let ctx = ws.chunkRows(.mixingInput, worker: worker, firstAtom: r0)
    let h = ws.chunkRows(.features, worker: worker, firstAtom: r0)
    dense(mu + r0 * f3, rows: 3 * m, weights.channelMix, into: vu + r0 * 6 * f, outCount: 2 * f, inCount: f)
    let eps = normEpsilon, epsv = SIMD8<T>(repeating: eps)
    for i in atoms {
      let channels = vu + i * 6 * f
      let v0 = channels, u0 = channels + f, v1 = channels + 2 * f, u1 = channels + 3 * f
      let v2 = channels + 4 * f, u2 = channels + 5 * f
      let norms = vnorm + i * f, products = s + i * f, qi = q + i * f, ctxi = ctx + i * 2 * f
      var k = 0
      while k + 8 <= f {
        let a0 = load8(v0 + k), a1 = load8(v1 + k), a2 = load8(v2 + k)
        let vv = a0 * a0 + a1 * a1 + a2 * a2
        let norm = (vv + epsv).squareRoot()
        store8(norm, norms + k)
        store8(a0 * load8(u0 + k) + a1 * load8(u1 + k) + a2 * load8(u2 + k), products + k)
        store8(load8(qi + k), ctxi + k)
        store8(norm, ctxi + f + k)
        k += 8
      }
      while k < f {
        let vv = v0[k] * v0[k] + v1[k] * v1[k] + v2[k] * v2[k]
        norms[k] = (vv + eps).squareRoot()
        products[k] = v0[k] * u0[k] + v1[k] * u1[k] + v2[k] * u2[k]
        ctxi[k] = qi[k]
        ctxi[f + k] = norms[k]
        k += 1
      }
    }
    dense(ctx + r0 * 2 * f, rows: m, weights.hidden, into: a3 + r0 * f, outCount: f, inCount: 2 * f)
    T._unary(.silu, a3 + r0 * f, h + r0 * f, m * f)
    dense(h + r0 * f, rows: m, weights.output, into: y + r0 * f3, outCount: f3, inCount: f)
  }

  /// Updates the workspace's q [N, F] and μ [N, 3, F] in place and keeps what the adjoint
  /// needs for layer `layer` (the activations, or q and μ entering when the workspace
  /// recomputes them): every atom on its own, in chunks of atoms over `threads`.
  func forward(_ ws: PaiNNWorkspace<T>, layer: Int, threads: Int) {
    let n = ws.atomCount, f = featureCount, f3 = 3 * f
    let q = ws.q.pointer, mu = ws.mu.pointer
    let recompute = ws.recomputesActivations
    parallelChunks(count: ws.chunkCount, threads: threads) { c, worker in
      let atoms = ws.chunkAtoms(c)
      let r0 = atoms.lowerBound, m = atoms.count
      if recompute {
        (ws.mixingScalarsIn.pointer + layer * n * f + r0 * f).update(from: q + r0 * f, count: m * f)
        (ws.mixingVectorsIn.pointer + layer * n * f3 + r0 * f3).update(from: mu + r0 * f3, count: m * f3)
      }
      let act = activations(ws, layer: layer, worker: worker, firstAtom: r0)
      computeActivations(ws, atoms: atoms, worker: worker, q: q, mu: mu, act)
      let y = act.context, vu = act.channels, s = act.products
      for i in atoms {
        let yi = y + i * f3, channels = vu + i * 6 * f, qi = q + i * f, mui = mu + i * f3, si = s + i * f
        var k = 0
        while k + 8 <= f {
          store8(load8(qi + k) + (load8(yi + k) + load8(yi + 2 * f + k) * load8(si + k)), qi + k)
          let b = load8(yi + f + k)
          for c in 0..<3 { store8(load8(mui + c * f + k) + b * load8(channels + c * 2 * f + f + k), mui + c * f + k) }
          k += 8
        }
        while k < f {
          qi[k] += yi[k] + yi[2 * f + k] * si[k]
          for c in 0..<3 { mui[c * f + k] += yi[f + k] * channels[c * 2 * f + f + k] }
          k += 1
        }
      }
    }
  }

  /// Turns the workspace's g_q [N, F] and g_μ [N, 3, F] from gradients with respect to the
  /// block's output into gradients with respect to its input (in place, atom by atom).
  func backward(_ ws: PaiNNWorkspace<T>, layer: Int, threads: Int) {
    let n = ws.atomCount, f = featureCount, f3 = 3 * f
    let gq = ws.gq.pointer, gmu = ws.gmu.pointer
    let recompute = ws.recomputesActivations
    parallelChunks(count: ws.chunkCount, threads: threads) { c, worker in
      let atoms = ws.chunkAtoms(c)
      let r0 = atoms.lowerBound, m = atoms.count
      let act = activations(ws, layer: layer, worker: worker, firstAtom: r0)
      if recompute {
        computeActivations(
          ws, atoms: atoms, worker: worker, q: ws.mixingScalarsIn.pointer + layer * n * f,
          mu: ws.mixingVectorsIn.pointer + layer * n * f3, act)
      }
      let vu = act.channels, vnorm = act.norms, a3 = act.hidden, y = act.context, s = act.products
      let gy = ws.chunkRows(.contextGradients, worker: worker, firstAtom: r0)
      let gh = ws.chunkRows(.featureGradients, worker: worker, firstAtom: r0)
      let gctx = ws.chunkRows(.mixingInputGradients, worker: worker, firstAtom: r0)
      let gvu = ws.chunkRows(.channelGradients, worker: worker, firstAtom: r0)
      for i in atoms {
        let yi = y + i * f3, channels = vu + i * 6 * f
        let gchannels = gvu + i * 6 * f, gyi = gy + i * f3, gqi = gq + i * f, gmui = gmu + i * f3, si = s + i * f
        var k = 0
        while k + 8 <= f {
          let g = load8(gqi + k)
          store8(g, gyi + k)
          store8(g * load8(si + k), gyi + 2 * f + k)
          let gs = g * load8(yi + 2 * f + k), b = load8(yi + f + k)
          var gb = SIMD8<T>()
          for c in 0..<3 {
            let gm = load8(gmui + c * f + k)
            let v = load8(channels + c * 2 * f + k), u = load8(channels + c * 2 * f + f + k)
            gb += gm * u
            store8(gm * b + gs * v, gchannels + c * 2 * f + f + k)
            store8(gs * u, gchannels + c * 2 * f + k)
          }
          store8(gb, gyi + f + k)
          k += 8
        }
        while k < f {
          let g = gqi[k]
          gyi[k] = g
          gyi[2 * f + k] = g * si[k]
          let gs = g * yi[2 * f + k]
          var gb: T = 0
          for c in 0..<3 {
            let gm = gmui[c * f + k]
            let v = channels[c * 2 * f + k], u = channels[c * 2 * f + f + k]
            gb += gm * u
            gchannels[c * 2 * f + f + k] = gm * yi[f + k] + gs * v
            gchannels[c * 2 * f + k] = gs * u
          }
          gyi[f + k] = gb
          k += 1
        }
      }
      denseBackward(gy + r0 * f3, rows: m, weights.output, into: gh + r0 * f, outCount: f3, inCount: f, accumulate: false)
      // g_h ⊙ silu'(W₃ [q, ‖V‖] + b₃), the derivative written to this worker's filter tile
      // (free here: the mixing block computes no filters).
      let derivative = ws.tileFilters[worker].pointer
      T._unary(.siluDerivative, a3 + r0 * f, derivative, m * f)
      T._binary(.multiply, gh + r0 * f, 1, derivative, 1, gh + r0 * f, m * f)
      denseBackward(gh + r0 * f, rows: m, weights.hidden, into: gctx + r0 * 2 * f, outCount: f, inCount: 2 * f, accumulate: false)
      for i in atoms {
        let channels = vu + i * 6 * f, gchannels = gvu + i * 6 * f, gqi = gq + i * f, gctxi = gctx + i * 2 * f
        let norms = vnorm + i * f
        var k = 0
        while k + 8 <= f {
          store8(load8(gqi + k) + load8(gctxi + k), gqi + k)
          let gn = load8(gctxi + f + k) / load8(norms + k)
          for c in 0..<3 { store8(load8(gchannels + c * 2 * f + k) + gn * load8(channels + c * 2 * f + k), gchannels + c * 2 * f + k) }
          k += 8
        }
        while k < f {
          gqi[k] += gctxi[k]
          let gn = gctxi[f + k] / norms[k]
          for c in 0..<3 { gchannels[c * 2 * f + k] += gn * channels[c * 2 * f + k] }
          k += 1
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
