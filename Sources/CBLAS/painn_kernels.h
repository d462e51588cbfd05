// The per-edge message loops of the PaiNN interaction block in Float, compiled for AVX2 + FMA
// whatever the baseline target is, and used only when the processor has them
// (mlff_has_avx2_fma() of vector_kernels.h) and F is a multiple of 8. The arithmetic is that
// of Sources/PaiNN/Blocks/MessageKernels.swift (the portable version, which documents the
// formulas); edges come in CSR order, rows are row-major, indices are atoms.
#ifndef MLFF_PAINN_KERNELS_H
#define MLFF_PAINN_KERNELS_H

#include <stdint.h>
#include "vector_kernels.h"

#if defined(__x86_64__) && defined(__clang__)

static inline MLFF_AVX2 float mlff_sum8(mlff_v8f v) {
  return ((v[0] + v[4]) + (v[1] + v[5])) + ((v[2] + v[6]) + (v[3] + v[7]));
}

/// Messages of `count` edges into their centers: for edge e (i → j) with raw filter row
/// raw[e] [3F] and cutoff fc[e], q_i += W_s ⊙ x_s,j and
/// μ_i += (W_vv ⊙ x_vv,j) û_e + (W_vs ⊙ x_vs,j) ⊙ μ_j, W = raw·fc.
static inline MLFF_AVX2_FN void mlff_painn_messages_avx2(
    long f, long count, const int32_t *centers, const int32_t *neighbors, const float *raw,
    const float *cutoff, const float *units, const float *x, const float *muIn, float *q, float *mu) {
  for (long e = 0; e < count; e++) {
    const long i = centers[e], j = neighbors[e];
    const float *we = raw + e * 3 * f, *xj = x + j * 3 * f, *muj = muIn + j * 3 * f;
    float *qi = q + i * f, *mui = mu + i * 3 * f;
    const mlff_v8f fc = mlff_splat8(cutoff[e]);
    const mlff_v8f u0 = mlff_splat8(units[3 * e]), u1 = mlff_splat8(units[3 * e + 1]), u2 = mlff_splat8(units[3 * e + 2]);
    for (long k = 0; k < f; k += 8) {
      mlff_v8f ws = mlff_load8(we + k) * fc, wvv = mlff_load8(we + f + k) * fc, wvs = mlff_load8(we + 2 * f + k) * fc;
      mlff_store8(qi + k, mlff_load8(qi + k) + ws * mlff_load8(xj + k));
      mlff_v8f vv = wvv * mlff_load8(xj + f + k), vs = wvs * mlff_load8(xj + 2 * f + k);
      mlff_store8(mui + k, mlff_load8(mui + k) + (vv * u0 + vs * mlff_load8(muj + k)));
      mlff_store8(mui + f + k, mlff_load8(mui + f + k) + (vv * u1 + vs * mlff_load8(muj + f + k)));
      mlff_store8(mui + 2 * f + k, mlff_load8(mui + 2 * f + k) + (vv * u2 + vs * mlff_load8(muj + 2 * f + k)));
    }
  }
}

/// The adjoints of the messages that the centers of `count` edges send back along them: for
/// edge e (a → b) the message a → b travels on (b → a) with û = −û_e. Adds to g_x_a and
/// g_μ_a (gmuNext), writes g_W·f_cut into gw[e] [3F], subtracts ∂E/∂û of the message from
/// gunit[e] and adds ∂E/∂f_cut · f'_cut to gd[e]; reads g_q,b and g_μ,b of the block output.
static inline MLFF_AVX2_FN void mlff_painn_message_adjoints_avx2(
    long f, long count, const int32_t *centers, const int32_t *neighbors, const float *raw,
    const float *cutoff, const float *cutoffDerivative, const float *units, const float *x,
    const float *muIn, const float *gq, const float *gmu, float *gx, float *gmuNext, float *gw,
    float *gunit, float *gd) {
  for (long e = 0; e < count; e++) {
    const long a = centers[e], b = neighbors[e];
    const float *re = raw + e * 3 * f, *xa = x + a * 3 * f, *mua = muIn + a * 3 * f;
    const float *gqb = gq + b * f, *gmub = gmu + b * 3 * f;
    float *gxa = gx + a * 3 * f, *gmua = gmuNext + a * 3 * f, *gwe = gw + e * 3 * f;
    const mlff_v8f fc = mlff_splat8(cutoff[e]);
    const mlff_v8f u0 = mlff_splat8(-units[3 * e]), u1 = mlff_splat8(-units[3 * e + 1]), u2 = mlff_splat8(-units[3 * e + 2]);
    mlff_v8f gu0 = mlff_splat8(0), gu1 = mlff_splat8(0), gu2 = mlff_splat8(0), gfc = mlff_splat8(0);
    for (long k = 0; k < f; k += 8) {
      mlff_v8f raw0 = mlff_load8(re + k), raw1 = mlff_load8(re + f + k), raw2 = mlff_load8(re + 2 * f + k);
      mlff_v8f wvv = raw1 * fc, wvs = raw2 * fc;
      mlff_v8f gs = mlff_load8(gqb + k);
      mlff_v8f gm0 = mlff_load8(gmub + k), gm1 = mlff_load8(gmub + f + k), gm2 = mlff_load8(gmub + 2 * f + k);
      mlff_v8f x0 = mlff_load8(xa + k), x1 = mlff_load8(xa + f + k), x2 = mlff_load8(xa + 2 * f + k);
      mlff_v8f gvv = gm0 * u0 + gm1 * u1 + gm2 * u2;
      mlff_v8f gvs = gm0 * mlff_load8(mua + k) + gm1 * mlff_load8(mua + f + k) + gm2 * mlff_load8(mua + 2 * f + k);
      mlff_v8f vv = wvv * x1, vs = wvs * x2;
      gu0 += gm0 * vv;
      gu1 += gm1 * vv;
      gu2 += gm2 * vv;
      mlff_store8(gmua + k, mlff_load8(gmua + k) + gm0 * vs);
      mlff_store8(gmua + f + k, mlff_load8(gmua + f + k) + gm1 * vs);
      mlff_store8(gmua + 2 * f + k, mlff_load8(gmua + 2 * f + k) + gm2 * vs);
      mlff_store8(gxa + k, mlff_load8(gxa + k) + gs * (raw0 * fc));
      mlff_store8(gxa + f + k, mlff_load8(gxa + f + k) + gvv * wvv);
      mlff_store8(gxa + 2 * f + k, mlff_load8(gxa + 2 * f + k) + gvs * wvs);
      mlff_v8f gws = gs * x0, gwvv = gvv * x1, gwvs = gvs * x2;
      gfc += gws * raw0 + gwvv * raw1 + gwvs * raw2;
      mlff_store8(gwe + k, gws * fc);
      mlff_store8(gwe + f + k, gwvv * fc);
      mlff_store8(gwe + 2 * f + k, gwvs * fc);
    }
    gunit[3 * e] -= mlff_sum8(gu0);
    gunit[3 * e + 1] -= mlff_sum8(gu1);
    gunit[3 * e + 2] -= mlff_sum8(gu2);
    gd[e] += mlff_sum8(gfc) * cutoffDerivative[e];
  }
}

#else
static inline void mlff_painn_messages_avx2(
    long f, long count, const int32_t *centers, const int32_t *neighbors, const float *raw,
    const float *cutoff, const float *units, const float *x, const float *muIn, float *q, float *mu) {
  (void)f; (void)count; (void)centers; (void)neighbors; (void)raw; (void)cutoff; (void)units;
  (void)x; (void)muIn; (void)q; (void)mu;
}
static inline void mlff_painn_message_adjoints_avx2(
    long f, long count, const int32_t *centers, const int32_t *neighbors, const float *raw,
    const float *cutoff, const float *cutoffDerivative, const float *units, const float *x,
    const float *muIn, const float *gq, const float *gmu, float *gx, float *gmuNext, float *gw,
    float *gunit, float *gd) {
  (void)f; (void)count; (void)centers; (void)neighbors; (void)raw; (void)cutoff; (void)cutoffDerivative;
  (void)units; (void)x; (void)muIn; (void)gq; (void)gmu; (void)gx; (void)gmuNext; (void)gw; (void)gunit; (void)gd;
}
#endif

#endif
