import Autodiff
#if canImport(CBLAS)
import CBLAS
#endif

// The per-edge inner loops of the interaction block, eight features at a time (SIMD8) with a
// scalar tail. The products are those written out in `InteractionBlock`'s comment; these loops
// exist because the compiler does not vectorise the plain loops (they carry reductions, which
// strict floating point may not reorder, and a dozen pointers it cannot prove apart).

@inline(__always) func load8<T: TensorScalar>(_ p: UnsafePointer<T>) -> SIMD8<T> {
  UnsafeRawPointer(p).loadUnaligned(as: SIMD8<T>.self)
}

@inline(__always) func load8<T: TensorScalar>(_ p: UnsafeMutablePointer<T>) -> SIMD8<T> {
  UnsafeRawPointer(p).loadUnaligned(as: SIMD8<T>.self)
}

@inline(__always) func store8<T: TensorScalar>(_ v: SIMD8<T>, _ p: UnsafeMutablePointer<T>) {
  UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD8<T>.self)
}

/// The message of one edge (i → j) into its center:
/// `q_i += W_s ⊙ x_s,j`, `μ_i += (W_vv ⊙ x_vv,j) û + (W_vs ⊙ x_vs,j) ⊙ μ_j`, with
/// W = `raw`·`fc` ([3F]), x_j [3F], μ_j [3, F], û = (u0, u1, u2).
@inline(__always)
func addMessage<T: TensorScalar>(
  raw we: UnsafePointer<T>, cutoff fc: T, context xj: UnsafePointer<T>, vectors muj: UnsafePointer<T>,
  unit u0: T, _ u1: T, _ u2: T, q qi: UnsafeMutablePointer<T>, mu mui: UnsafeMutablePointer<T>, featureCount f: Int
) {
  var k = 0
  let fcv = SIMD8<T>(repeating: fc)
  while k + 8 <= f {
    let wsc = load8(we + k) * fcv, wvv = load8(we + f + k) * fcv, wvs = load8(we + 2 * f + k) * fcv
    store8(load8(qi + k) + wsc * load8(xj + k), qi + k)
    let vv = wvv * load8(xj + f + k), vs = wvs * load8(xj + 2 * f + k)
    store8(load8(mui + k) + (vv * u0 + vs * load8(muj + k)), mui + k)
    store8(load8(mui + f + k) + (vv * u1 + vs * load8(muj + f + k)), mui + f + k)
    store8(load8(mui + 2 * f + k) + (vv * u2 + vs * load8(muj + 2 * f + k)), mui + 2 * f + k)
    k += 8
  }
  while k < f {
    let wsc = we[k] * fc, wvv = we[f + k] * fc, wvs = we[2 * f + k] * fc
    qi[k] += wsc * xj[k]
    let vv = wvv * xj[f + k], vs = wvs * xj[2 * f + k]
    mui[k] += vv * u0 + vs * muj[k]
    mui[f + k] += vv * u1 + vs * muj[f + k]
    mui[2 * f + k] += vv * u2 + vs * muj[2 * f + k]
    k += 1
  }
}

/// The adjoint of one message (center i, neighbour j, unit vector û = (u0, u1, u2)): adds to
/// g_x_j [3F] and g_μ_j [3, F], writes g_W·f_cut into `gwe` [3F], and returns ∂E/∂û and
/// ∂E/∂f_cut, given g_q,i [F], g_μ,i [3, F], x_j, μ_j and the raw filter [3F].
@inline(__always)
func addMessageAdjoint<T: TensorScalar>(
  raw re: UnsafePointer<T>, cutoff fc: T, context xa: UnsafePointer<T>, vectors mua: UnsafePointer<T>,
  unit u0: T, _ u1: T, _ u2: T, gq gqb: UnsafePointer<T>, gmu gmub: UnsafePointer<T>,
  gcontext gxa: UnsafeMutablePointer<T>, gvectors gmua: UnsafeMutablePointer<T>,
  gfilter gwe: UnsafeMutablePointer<T>, featureCount f: Int
) -> (gu0: T, gu1: T, gu2: T, gfc: T) {
  var k = 0
  let fcv = SIMD8<T>(repeating: fc)
  var gu0v = SIMD8<T>(), gu1v = SIMD8<T>(), gu2v = SIMD8<T>(), gfcv = SIMD8<T>()
  while k + 8 <= f {
    let raw0 = load8(re + k), raw1 = load8(re + f + k), raw2 = load8(re + 2 * f + k)
    let wsc = raw0 * fcv, wvv = raw1 * fcv, wvs = raw2 * fcv
    let gs = load8(gqb + k)
    let gm0 = load8(gmub + k), gm1 = load8(gmub + f + k), gm2 = load8(gmub + 2 * f + k)
    let mu0 = load8(mua + k), mu1 = load8(mua + f + k), mu2 = load8(mua + 2 * f + k)
    let x0 = load8(xa + k), x1 = load8(xa + f + k), x2 = load8(xa + 2 * f + k)
    let gvv = gm0 * u0 + gm1 * u1 + gm2 * u2
    let gvs = gm0 * mu0 + gm1 * mu1 + gm2 * mu2
    let vv = wvv * x1, vs = wvs * x2
    gu0v += gm0 * vv
    gu1v += gm1 * vv
    gu2v += gm2 * vv
    store8(load8(gmua + k) + gm0 * vs, gmua + k)
    store8(load8(gmua + f + k) + gm1 * vs, gmua + f + k)
    store8(load8(gmua + 2 * f + k) + gm2 * vs, gmua + 2 * f + k)
    store8(load8(gxa + k) + gs * wsc, gxa + k)
    store8(load8(gxa + f + k) + gvv * wvv, gxa + f + k)
    store8(load8(gxa + 2 * f + k) + gvs * wvs, gxa + 2 * f + k)
    let gws = gs * x0, gwvv = gvv * x1, gwvs = gvs * x2
    gfcv += gws * raw0 + gwvv * raw1 + gwvs * raw2
    store8(gws * fcv, gwe + k)
    store8(gwvv * fcv, gwe + f + k)
    store8(gwvs * fcv, gwe + 2 * f + k)
    k += 8
  }
  var gu0 = gu0v.sum(), gu1 = gu1v.sum(), gu2 = gu2v.sum(), gfc = gfcv.sum()
  while k < f {
    let raw0 = re[k], raw1 = re[f + k], raw2 = re[2 * f + k]
    let wsc = raw0 * fc, wvv = raw1 * fc, wvs = raw2 * fc
    let gs = gqb[k]
    let gm0 = gmub[k], gm1 = gmub[f + k], gm2 = gmub[2 * f + k]
    let gvv = gm0 * u0 + gm1 * u1 + gm2 * u2
    let gvs = gm0 * mua[k] + gm1 * mua[f + k] + gm2 * mua[2 * f + k]
    let vv = wvv * xa[f + k], vs = wvs * xa[2 * f + k]
    gu0 += gm0 * vv
    gu1 += gm1 * vv
    gu2 += gm2 * vv
    gmua[k] += gm0 * vs
    gmua[f + k] += gm1 * vs
    gmua[2 * f + k] += gm2 * vs
    gxa[k] += gs * wsc
    gxa[f + k] += gvv * wvv
    gxa[2 * f + k] += gvs * wvs
    let gws = gs * xa[k], gwvv = gvv * xa[f + k], gwvs = gvs * xa[2 * f + k]
    gfc += gws * raw0 + gwvv * raw1 + gwvs * raw2
    gwe[k] = gws * fc
    gwe[f + k] = gwvv * fc
    gwe[2 * f + k] = gwvs * fc
    k += 1
  }
  return (gu0, gu1, gu2, gfc)
}

/// Which loops compute the messages and their adjoints.
enum MessageKernel: Sendable {
  /// The SIMD8 Swift loops above (Double, or F not a multiple of 8, or no AVX2).
  case portable
  /// painn_kernels.h, 8 lanes (Float, F a multiple of 8, a processor with AVX2 and FMA).
  case avx2
  /// painn_kernels.h, 16 lanes (Float, F a multiple of 16, a processor with AVX-512).
  case avx512

  /// The widest kernel this processor runs for Float features of width `featureCount`.
  static func fastest(featureCount f: Int) -> MessageKernel {
    if f % 16 == 0 && processorHasAVX512 { return .avx512 }
    if f % 8 == 0 && processorHasAVX2 { return .avx2 }
    return .portable
  }
}

#if canImport(CBLAS)
let processorHasAVX2 = mlff_has_avx2_fma() != 0
let processorHasAVX512 = mlff_has_avx512() != 0
#else
let processorHasAVX2 = false
let processorHasAVX512 = false
#endif

/// `p` as a Float pointer; only where T is Float.
@inline(__always) func floats<T>(_ p: UnsafeMutablePointer<T>) -> UnsafeMutablePointer<Float> {
  UnsafeMutableRawPointer(p).assumingMemoryBound(to: Float.self)
}

extension InteractionBlock {
  /// The loops this block's messages take: `kernel` when set, else the widest vector kernel
  /// the processor has, in Float.
  var messageKernel: MessageKernel {
    if let kernel { return kernel }
    return T.self == Float.self ? MessageKernel.fastest(featureCount: featureCount) : .portable
  }

  /// The messages of the CSR edges `edges` into their centers (see `addMessage`), `raw` their
  /// raw filters.
  @inline(__always)
  func addMessages(
    _ edges: Range<Int>, raw tile: UnsafeMutablePointer<T>, centers: UnsafeMutablePointer<Int32>,
    neighbors: UnsafeMutablePointer<Int32>, units: UnsafeMutablePointer<T>, cutoffs: UnsafeMutablePointer<T>,
    x: UnsafeMutablePointer<T>, muIn: UnsafeMutablePointer<T>, q: UnsafeMutablePointer<T>, mu: UnsafeMutablePointer<T>
  ) {
    let f = featureCount, f3 = 3 * f, t0 = edges.lowerBound
    #if canImport(CBLAS)
    switch messageKernel {
    case .avx512, .avx2:
      let kernel = messageKernel == .avx512 ? mlff_painn_messages_avx512 : mlff_painn_messages_avx2
      kernel(
        f, edges.count, centers + t0, neighbors + t0, floats(tile), floats(cutoffs + t0), floats(units + 3 * t0),
        floats(x), floats(muIn), floats(q), floats(mu))
      return
    case .portable: break
    }
    #endif
    for e in edges {
      let i = Int(centers[e]), j = Int(neighbors[e])
      addMessage(
        raw: tile + (e - t0) * f3, cutoff: cutoffs[e], context: x + j * f3, vectors: muIn + j * f3,
        unit: units[3 * e], units[3 * e + 1], units[3 * e + 2], q: q + i * f, mu: mu + i * f3, featureCount: f)
    }
  }

  /// The adjoints of the messages the centers of the CSR edges `edges` send (see
  /// `InteractionBlock.backward`), `raw` their raw filters; writes g_W·f_cut into `gw`.
  @inline(__always)
  func addMessageAdjoints(
    _ edges: Range<Int>, raw: UnsafeMutablePointer<T>, centers: UnsafeMutablePointer<Int32>,
    neighbors: UnsafeMutablePointer<Int32>, units: UnsafeMutablePointer<T>, cutoffs: UnsafeMutablePointer<T>,
    cutoffDerivatives: UnsafeMutablePointer<T>, x: UnsafeMutablePointer<T>, muIn: UnsafeMutablePointer<T>,
    gq: UnsafeMutablePointer<T>, gmu: UnsafeMutablePointer<T>, gx: UnsafeMutablePointer<T>,
    gmuNext: UnsafeMutablePointer<T>, gw: UnsafeMutablePointer<T>, gunit: UnsafeMutablePointer<T>,
    gd: UnsafeMutablePointer<T>
  ) {
    let f = featureCount, f3 = 3 * f, t0 = edges.lowerBound
    #if canImport(CBLAS)
    switch messageKernel {
    case .avx512, .avx2:
      let kernel = messageKernel == .avx512 ? mlff_painn_message_adjoints_avx512 : mlff_painn_message_adjoints_avx2
      kernel(
        f, edges.count, centers + t0, neighbors + t0, floats(raw), floats(cutoffs + t0),
        floats(cutoffDerivatives + t0), floats(units + 3 * t0), floats(x), floats(muIn), floats(gq), floats(gmu),
        floats(gx), floats(gmuNext), floats(gw), floats(gunit + 3 * t0), floats(gd + t0))
      return
    case .portable: break
    }
    #endif
    for e in edges {
      // The message from a = centers[e] to b = neighbors[e], along (b → a), û = −û_e.
      let a = Int(centers[e]), b = Int(neighbors[e])
      let (gu0, gu1, gu2, gfc) = addMessageAdjoint(
        raw: raw + (e - t0) * f3, cutoff: cutoffs[e], context: x + a * f3, vectors: muIn + a * f3,
        unit: -units[3 * e], -units[3 * e + 1], -units[3 * e + 2], gq: gq + b * f, gmu: gmu + b * f3,
        gcontext: gx + a * f3, gvectors: gmuNext + a * f3, gfilter: gw + (e - t0) * f3, featureCount: f)
      // ∂E/∂û_e = −∂E/∂û of the reverse edge.
      gunit[3 * e] -= gu0
      gunit[3 * e + 1] -= gu1
      gunit[3 * e + 2] -= gu2
      gd[e] += gfc * cutoffDerivatives[e]
    }
  }
}
