/// What one evaluation of a batch gives.
struct PaiNNEvaluation {
  /// Total energy of each structure, [nStructures], eV.
  var energies: [Double]
  /// −∂E/∂R, [nAtoms], eV/Å (empty when gradients were not asked for).
  var forces: [SIMD3<Double>]
  /// ∂E/∂ε of each structure as a row-major 3×3, [nStructures][9], eV (empty when not asked).
  var strainDerivatives: [[Double]]
}

extension PaiNNNetwork {
  /// Energies and, when `gradients` is true, forces and strain derivatives of a batch, by a
  /// forward pass and its hand-derived reverse pass (no graph is recorded).
  ///
  /// Forward (schnetpack's PaiNN): q⁰ = embedding(Z), μ⁰ = 0; for each layer
  ///   interaction: x = Dense₂(silu(Dense₁(q))) [N,3F]; for each edge (i, j):
  ///     (a, b, c) = W_l(d_ij) ⊙ x_j; Δq_i += a; Δμ_i += b ⊗ û_ij + c ⊙ μ_j;
  ///     W(d) = (Dense_filter(φ(d)))·f_cut(d)
  ///   mixing: (V, U) = μ·W_mixᵀ; ‖V‖ = √(Σ_c V² + ε); (a, b, c) = MLP([q, ‖V‖]);
  ///     q += a + c ⊙ Σ_c V⊙U; μ += b ⊙ U
  /// then e_i = Dense₂(silu(Dense₁(q_i))) and E_s = Σ_{i∈s} σ e_i + μ_{Z_i}.
  /// The reverse pass gives ∂E/∂r_ij for every edge; forces are `F_i = Σ_e ∂E/∂r_e (δ_{i,c(e)} − δ_{i,n(e)})`
  /// and `∂E/∂ε = Σ_e r_e ⊗ ∂E/∂r_e`.
  func evaluate(_ graph: PaiNNGraph, gradients: Bool) -> PaiNNEvaluation {
    let n = graph.atomCount, nE = graph.edgeCount
    let f = featureCount, f3 = 3 * f, nR = configuration.radialBasisCount
    let L = layers.count

    // Edge geometry and radial features.
    let dist = ScratchBuffer<T>(nE), unit = ScratchBuffer<T>(3 * nE)
    let phi = ScratchBuffer<T>(nE * nR)
    let dphi = gradients ? ScratchBuffer<T>(nE * nR) : nil
    let fcut = ScratchBuffer<T>(nE), dfcut = ScratchBuffer<T>(nE)
    var edgeVectors = [SIMD3<Double>](repeating: .zero, count: nE)
    for e in 0..<nE {
      let r = graph.positions[Int(graph.neighbors[e])] - graph.positions[Int(graph.centers[e])] + graph.cellOffsets[e]
      edgeVectors[e] = r
      let d = (r * r).sum().squareRoot()
      dist[e] = T(d)
      for c in 0..<3 { unit[3 * e + c] = T(r[c] / d) }
      radialBasis(T(d), kind: configuration.radialBasis, count: nR, cutoff: cutoff,
                  values: phi.pointer + e * nR, derivatives: dphi.map { $0.pointer + e * nR })
      (fcut[e], dfcut[e]) = cosineCutoff(T(d), cutoff: cutoff)
    }

    /// filters_l[e, 3F] = (φ_e · W_f,lᵀ + b_f,l) (before the cutoff factor).
    func filters(_ l: Int, into out: ScratchBuffer<T>) {
      T.matmul(phi.pointer, filterWeight.pointer + l * f3 * nR, out.pointer, m: nE, n: f3, k: nR, transposeB: true, beta: 0)
      let b = filterBias.pointer + l * f3
      for e in 0..<nE {
        let row = out.pointer + e * f3
        let fc = fcut[e]
        for k in 0..<f3 { row[k] = (row[k] + b[k]) * fc }
      }
    }

    // Atom features.
    let q = ScratchBuffer<T>(n * f)
    let mu = ScratchBuffer<T>(n * 3 * f)
    for i in 0..<n {
      let src = embedding.pointer + Int(graph.species[i]) * f
      (q.pointer + i * f).update(from: src, count: f)
    }

    var saved: [PaiNNLayerActivations<T>] = []
    let w = ScratchBuffer<T>(nE * f3)
    let h = ScratchBuffer<T>(n * f)
    let ctx = ScratchBuffer<T>(n * 2 * f)
    let eps = T(configuration.normEpsilon)

    for l in 0..<L {
      let layer = layers[l]
      // Interaction.
      let a1 = ScratchBuffer<T>(n * f), x = ScratchBuffer<T>(n * f3)
      dense(q.pointer, rows: n, layer.interaction1Weight, layer.interaction1Bias, into: a1.pointer, outCount: f, inCount: f)
      for k in 0..<(n * f) { h[k] = silu(a1[k]) }
      dense(h.pointer, rows: n, layer.interaction2Weight, layer.interaction2Bias, into: x.pointer, outCount: f3, inCount: f)
      filters(l, into: w)
      let muIn = mu.copy()
      for e in 0..<nE {
        let i = Int(graph.centers[e]), j = Int(graph.neighbors[e])
        let we = w.pointer + e * f3, xj = x.pointer + j * f3
        let qi = q.pointer + i * f
        let mui = mu.pointer + i * 3 * f, muj = muIn.pointer + j * 3 * f
        let u0 = unit[3 * e], u1 = unit[3 * e + 1], u2 = unit[3 * e + 2]
        for k in 0..<f {
          qi[k] += we[k] * xj[k]
          let b = we[f + k] * xj[f + k], c = we[2 * f + k] * xj[2 * f + k]
          mui[k] += b * u0 + c * muj[k]
          mui[f + k] += b * u1 + c * muj[f + k]
          mui[2 * f + k] += b * u2 + c * muj[2 * f + k]
        }
      }
      // Mixing.
      let vu = ScratchBuffer<T>(n * 3 * 2 * f), vnorm = ScratchBuffer<T>(n * f)
      let a3 = ScratchBuffer<T>(n * f), y = ScratchBuffer<T>(n * f3), s = ScratchBuffer<T>(n * f)
      dense(mu.pointer, rows: 3 * n, layer.channelMixWeight, nil, into: vu.pointer, outCount: 2 * f, inCount: f)
      for i in 0..<n {
        let base = vu.pointer + i * 6 * f
        for k in 0..<f {
          var vv: T = 0, vw: T = 0
          for c in 0..<3 {
            let v = base[c * 2 * f + k], u = base[c * 2 * f + f + k]
            vv += v * v
            vw += v * u
          }
          vnorm[i * f + k] = (vv + eps).squareRoot()
          s[i * f + k] = vw
          ctx[i * 2 * f + k] = q[i * f + k]
          ctx[i * 2 * f + f + k] = vnorm[i * f + k]
        }
      }
      dense(ctx.pointer, rows: n, layer.context1Weight, layer.context1Bias, into: a3.pointer, outCount: f, inCount: 2 * f)
      for k in 0..<(n * f) { h[k] = silu(a3[k]) }
      dense(h.pointer, rows: n, layer.context2Weight, layer.context2Bias, into: y.pointer, outCount: f3, inCount: f)
      for i in 0..<n {
        let yi = y.pointer + i * f3, base = vu.pointer + i * 6 * f
        for k in 0..<f {
          q[i * f + k] += yi[k] + yi[2 * f + k] * s[i * f + k]
          for c in 0..<3 { mu[i * 3 * f + c * f + k] += yi[f + k] * base[c * 2 * f + f + k] }
        }
      }
      if gradients { saved.append(PaiNNLayerActivations(a1: a1, x: x, muIn: muIn, vu: vu, vnorm: vnorm, a3: a3, y: y, s: s)) }
    }

    // Readout.
    let hc = hiddenCount
    let a4 = ScratchBuffer<T>(n * hc)
    dense(q.pointer, rows: n, readout1Weight, readout1Bias, into: a4.pointer, outCount: hc, inCount: f)
    var energies = [Double](repeating: 0, count: graph.structureCount)
    for i in 0..<n {
      var e: T = 0
      for k in 0..<hc { e += silu(a4[i * hc + k]) * readout2Weight[k] }
      let s = Int(graph.structureIndex[i])
      energies[s] += energyScale * (Double(e) + readout2Bias) + referenceEnergies[Int(graph.species[i])]
    }
    guard gradients else { return PaiNNEvaluation(energies: energies, forces: [], strainDerivatives: []) }

    // Reverse pass: gq = ∂E/∂q, gmu = ∂E/∂μ.
    let sigma = T(energyScale)
    let gq = ScratchBuffer<T>(n * f), gmu = ScratchBuffer<T>(n * 3 * f)
    let ga4 = ScratchBuffer<T>(n * hc)
    for i in 0..<n {
      for k in 0..<hc { ga4[i * hc + k] = sigma * readout2Weight[k] * siluDerivative(a4[i * hc + k]) }
    }
    denseBackward(ga4.pointer, rows: n, readout1Weight, into: gq.pointer, outCount: hc, inCount: f, accumulate: false)

    let gphi = ScratchBuffer<T>(nE * nR), gfcut = ScratchBuffer<T>(nE), gunit = ScratchBuffer<T>(3 * nE)
    let gy = ScratchBuffer<T>(n * f3), gh = ScratchBuffer<T>(n * f), gctx = ScratchBuffer<T>(n * 2 * f)
    let gvu = ScratchBuffer<T>(n * 6 * f)
    let gx = ScratchBuffer<T>(n * f3), gw = ScratchBuffer<T>(nE * f3), wRaw = ScratchBuffer<T>(nE * f3)
    for l in stride(from: L - 1, through: 0, by: -1) {
      let layer = layers[l], sv = saved[l]
      // Mixing backward. q_out = q + a + c⊙s; μ_out = μ + b⊙U.
      for i in 0..<n {
        let yi = sv.y.pointer + i * f3, base = sv.vu.pointer + i * 6 * f, gbase = gvu.pointer + i * 6 * f
        let gyi = gy.pointer + i * f3
        for k in 0..<f {
          let g = gq[i * f + k]
          gyi[k] = g
          gyi[2 * f + k] = g * sv.s[i * f + k]
          let gs = g * yi[2 * f + k]
          var gb: T = 0
          for c in 0..<3 {
            let gm = gmu[i * 3 * f + c * f + k]
            let v = base[c * 2 * f + k], u = base[c * 2 * f + f + k]
            gb += gm * u
            gbase[c * 2 * f + f + k] = gm * yi[f + k] + gs * v
            gbase[c * 2 * f + k] = gs * u
          }
          gyi[f + k] = gb
        }
      }
      denseBackward(gy.pointer, rows: n, layer.context2Weight, into: gh.pointer, outCount: f3, inCount: f, accumulate: false)
      for k in 0..<(n * f) { gh[k] *= siluDerivative(sv.a3[k]) }
      denseBackward(gh.pointer, rows: n, layer.context1Weight, into: gctx.pointer, outCount: f, inCount: 2 * f, accumulate: false)
      for i in 0..<n {
        let base = sv.vu.pointer + i * 6 * f, gbase = gvu.pointer + i * 6 * f
        for k in 0..<f {
          gq[i * f + k] += gctx[i * 2 * f + k]
          let gn = gctx[i * 2 * f + f + k] / sv.vnorm[i * f + k]
          for c in 0..<3 { gbase[c * 2 * f + k] += gn * base[c * 2 * f + k] }
        }
      }
      denseBackward(gvu.pointer, rows: 3 * n, layer.channelMixWeight, into: gmu.pointer, outCount: 2 * f, inCount: f, accumulate: true)

      // Interaction backward. q_out = q + Σ a; μ_out = μ + Σ (b ⊗ û + c ⊙ μ_j).
      T.matmul(phi.pointer, filterWeight.pointer + l * f3 * nR, wRaw.pointer, m: nE, n: f3, k: nR, transposeB: true, beta: 0)
      let fb = filterBias.pointer + l * f3
      gx.zero()
      let gmuOut = gmu.copy()
      for e in 0..<nE {
        let i = Int(graph.centers[e]), j = Int(graph.neighbors[e])
        let raw = wRaw.pointer + e * f3, fc = fcut[e]
        let xj = sv.x.pointer + j * f3, gxj = gx.pointer + j * f3
        let gqi = gq.pointer + i * f, gmui = gmuOut.pointer + i * 3 * f
        let muj = sv.muIn.pointer + j * 3 * f, gmuj = gmu.pointer + j * 3 * f
        let gwe = gw.pointer + e * f3
        let u0 = unit[3 * e], u1 = unit[3 * e + 1], u2 = unit[3 * e + 2]
        var gu0: T = 0, gu1: T = 0, gu2: T = 0, gfc: T = 0
        for k in 0..<f {
          let r0 = raw[k] + fb[k], r1 = raw[f + k] + fb[f + k], r2 = raw[2 * f + k] + fb[2 * f + k]
          let w0 = r0 * fc, w1 = r1 * fc, w2 = r2 * fc
          let g0 = gqi[k]
          let gm0 = gmui[k], gm1 = gmui[f + k], gm2 = gmui[2 * f + k]
          let g1 = gm0 * u0 + gm1 * u1 + gm2 * u2
          let g2 = gm0 * muj[k] + gm1 * muj[f + k] + gm2 * muj[2 * f + k]
          let b = w1 * xj[f + k], c = w2 * xj[2 * f + k]
          gu0 += gm0 * b
          gu1 += gm1 * b
          gu2 += gm2 * b
          gmuj[k] += gm0 * c
          gmuj[f + k] += gm1 * c
          gmuj[2 * f + k] += gm2 * c
          gxj[k] += g0 * w0
          gxj[f + k] += g1 * w1
          gxj[2 * f + k] += g2 * w2
          let gw0 = g0 * xj[k], gw1 = g1 * xj[f + k], gw2 = g2 * xj[2 * f + k]
          gfc += gw0 * r0 + gw1 * r1 + gw2 * r2
          gwe[k] = gw0 * fc
          gwe[f + k] = gw1 * fc
          gwe[2 * f + k] = gw2 * fc
        }
        gunit[3 * e] += gu0
        gunit[3 * e + 1] += gu1
        gunit[3 * e + 2] += gu2
        gfcut[e] += gfc
      }
      // ∂E/∂φ += gW_l · W_f,l  ([nE, 3F] × [3F, n_rbf]).
      T.matmul(gw.pointer, filterWeight.pointer + l * f3 * nR, gphi.pointer, m: nE, n: nR, k: f3, transposeB: false, beta: 1)
      denseBackward(gx.pointer, rows: n, layer.interaction2Weight, into: gh.pointer, outCount: f3, inCount: f, accumulate: false)
      for k in 0..<(n * f) { gh[k] *= siluDerivative(sv.a1[k]) }
      denseBackward(gh.pointer, rows: n, layer.interaction1Weight, into: gq.pointer, outCount: f, inCount: f, accumulate: true)
    }

    // Edge gradients → forces and strain derivatives.
    var forces = [SIMD3<Double>](repeating: .zero, count: n)
    var strain = [[Double]](repeating: Array(repeating: 0, count: 9), count: graph.structureCount)
    for e in 0..<nE {
      var gd = gfcut[e] * dfcut[e]
      let dp = dphi!.pointer + e * nR, gp = gphi.pointer + e * nR
      for k in 0..<nR { gd += gp[k] * dp[k] }
      let d = Double(dist[e])
      let u = SIMD3<Double>(Double(unit[3 * e]), Double(unit[3 * e + 1]), Double(unit[3 * e + 2]))
      let gu = SIMD3<Double>(Double(gunit[3 * e]), Double(gunit[3 * e + 1]), Double(gunit[3 * e + 2]))
      let gr = Double(gd) * u + (gu - (gu * u).sum() * u) / d
      let i = Int(graph.centers[e]), j = Int(graph.neighbors[e])
      forces[i] += gr
      forces[j] -= gr
      let r = edgeVectors[e], s = Int(graph.edgeStructure[e])
      for a in 0..<3 { for b in 0..<3 { strain[s][3 * a + b] += r[a] * gr[b] } }
    }
    return PaiNNEvaluation(energies: energies, forces: forces, strainDerivatives: strain)
  }
}

/// What the reverse pass needs from one layer's forward pass (shapes in the comments).
struct PaiNNLayerActivations<T: PaiNNScalar> {
  var a1: ScratchBuffer<T>  // [N, F] pre-activation of the interaction context net
  var x: ScratchBuffer<T>  // [N, 3F] interaction context
  var muIn: ScratchBuffer<T>  // [N, 3, F] vector features entering the layer
  var vu: ScratchBuffer<T>  // [N, 3, 2F] channel-mixed vectors (V, U)
  var vnorm: ScratchBuffer<T>  // [N, F] ‖V‖
  var a3: ScratchBuffer<T>  // [N, F] pre-activation of the mixing context net
  var y: ScratchBuffer<T>  // [N, 3F] mixing context
  var s: ScratchBuffer<T>  // [N, F] Σ_c V⊙U
}
