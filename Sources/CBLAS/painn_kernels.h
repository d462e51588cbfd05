// The per-edge message loops of the PaiNN interaction block in Float, compiled for AVX2 + FMA
// (8 lanes) and for AVX-512 (16 lanes) whatever the baseline target is, and used only when the
// processor has them (mlff_has_avx2_fma(), mlff_has_avx512() of vector_kernels.h) and F is a
// multiple of the width. The arithmetic is that
// of Sources/PaiNN/Blocks/MessageKernels.swift (the portable version, which documents the
// formulas); edges come in CSR order, rows are row-major, indices are atoms.
#ifndef MLFF_PAINN_KERNELS_H
#define MLFF_PAINN_KERNELS_H

#include <stdint.h>
#include "vector_kernels.h"

#if defined(__x86_64__) && defined(__clang__)

static inline MLFF_AVX2 float mlff_lanes_sum_avx2(mlff_v8f v) {
  return ((v[0] + v[4]) + (v[1] + v[5])) + ((v[2] + v[6]) + (v[3] + v[7]));
}

static inline MLFF_AVX512 float mlff_lanes_sum_avx512(mlff_v16f v) {
  return (((v[0] + v[8]) + (v[4] + v[12])) + ((v[1] + v[9]) + (v[5] + v[13])))
       + (((v[2] + v[10]) + (v[6] + v[14])) + ((v[3] + v[11]) + (v[7] + v[15])));
}

// The two kernels for one vector width W (VT holds W floats; F must be a multiple of W).
#define MLFF_DEFINE_MESSAGE_KERNELS(SUFFIX, VT, W, ATTR_FN)                                        \
/* Messages of `count` edges into their centers: for edge e (i → j) with raw filter row         \
   raw[e] [3F] and cutoff fc[e], q_i += W_s ⊙ x_s,j and                                          \
   μ_i += (W_vv ⊙ x_vv,j) û_e + (W_vs ⊙ x_vs,j) ⊙ μ_j, W = raw·fc. */                            \
static inline ATTR_FN void mlff_painn_messages_##SUFFIX(                                         \
    long f, long count, const int32_t *centers, const int32_t *neighbors, const float *raw,     \
    const float *cutoff, const float *units, const float *x, const float *muIn, float *q, float *mu) { \
  for (long e = 0; e < count; e++) {                                                             \
    const long i = centers[e], j = neighbors[e];                                                 \
    const float *we = raw + e * 3 * f, *xj = x + j * 3 * f, *muj = muIn + j * 3 * f;             \
    float *qi = q + i * f, *mui = mu + i * 3 * f;                                                \
    const VT zero = {0};                                                                         \
    const VT fc = zero + cutoff[e];                                                              \
    const VT u0 = zero + units[3 * e], u1 = zero + units[3 * e + 1], u2 = zero + units[3 * e + 2]; \
    for (long k = 0; k < f; k += W) {                                                            \
      VT ws = *(const VT *)(we + k) * fc, wvv = *(const VT *)(we + f + k) * fc;                  \
      VT wvs = *(const VT *)(we + 2 * f + k) * fc;                                               \
      *(VT *)(qi + k) = *(const VT *)(qi + k) + ws * *(const VT *)(xj + k);                      \
      VT vv = wvv * *(const VT *)(xj + f + k), vs = wvs * *(const VT *)(xj + 2 * f + k);         \
      *(VT *)(mui + k) = *(const VT *)(mui + k) + (vv * u0 + vs * *(const VT *)(muj + k));       \
      *(VT *)(mui + f + k) = *(const VT *)(mui + f + k) + (vv * u1 + vs * *(const VT *)(muj + f + k)); \
      *(VT *)(mui + 2 * f + k) = *(const VT *)(mui + 2 * f + k)                                  \
          + (vv * u2 + vs * *(const VT *)(muj + 2 * f + k));                                     \
    }                                                                                            \
  }                                                                                              \
}                                                                                                \
                                                                                                 \
/* The adjoints of the messages that the centers of `count` edges send back along them: for     \
   edge e (a → b) the message a → b travels on (b → a) with û = −û_e. Adds to g_x_a and          \
   g_μ_a (gmuNext), writes g_W·f_cut into gw[e] [3F], subtracts ∂E/∂û of the message from        \
   gunit[e] and adds ∂E/∂f_cut · f'_cut to gd[e]; reads g_q,b and g_μ,b of the block output. */  \
static inline ATTR_FN void mlff_painn_message_adjoints_##SUFFIX(                                 \
    long f, long count, const int32_t *centers, const int32_t *neighbors, const float *raw,     \
    const float *cutoff, const float *cutoffDerivative, const float *units, const float *x,     \
    const float *muIn, const float *gq, const float *gmu, float *gx, float *gmuNext, float *gw, \
    float *gunit, float *gd) {                                                                   \
  for (long e = 0; e < count; e++) {                                                             \
    const long a = centers[e], b = neighbors[e];                                                 \
    const float *re = raw + e * 3 * f, *xa = x + a * 3 * f, *mua = muIn + a * 3 * f;             \
    const float *gqb = gq + b * f, *gmub = gmu + b * 3 * f;                                      \
    float *gxa = gx + a * 3 * f, *gmua = gmuNext + a * 3 * f, *gwe = gw + e * 3 * f;             \
    const VT zero = {0};                                                                         \
    const VT fc = zero + cutoff[e];                                                              \
    const VT u0 = zero - units[3 * e], u1 = zero - units[3 * e + 1], u2 = zero - units[3 * e + 2]; \
    VT gu0 = zero, gu1 = zero, gu2 = zero, gfc = zero;                                           \
    for (long k = 0; k < f; k += W) {                                                            \
      VT raw0 = *(const VT *)(re + k), raw1 = *(const VT *)(re + f + k), raw2 = *(const VT *)(re + 2 * f + k); \
      VT wvv = raw1 * fc, wvs = raw2 * fc;                                                       \
      VT gs = *(const VT *)(gqb + k);                                                            \
      VT gm0 = *(const VT *)(gmub + k), gm1 = *(const VT *)(gmub + f + k), gm2 = *(const VT *)(gmub + 2 * f + k); \
      VT x0 = *(const VT *)(xa + k), x1 = *(const VT *)(xa + f + k), x2 = *(const VT *)(xa + 2 * f + k); \
      VT gvv = gm0 * u0 + gm1 * u1 + gm2 * u2;                                                   \
      VT gvs = gm0 * *(const VT *)(mua + k) + gm1 * *(const VT *)(mua + f + k)                   \
          + gm2 * *(const VT *)(mua + 2 * f + k);                                                \
      VT vv = wvv * x1, vs = wvs * x2;                                                           \
      gu0 += gm0 * vv;                                                                           \
      gu1 += gm1 * vv;                                                                           \
      gu2 += gm2 * vv;                                                                           \
      *(VT *)(gmua + k) = *(const VT *)(gmua + k) + gm0 * vs;                                    \
      *(VT *)(gmua + f + k) = *(const VT *)(gmua + f + k) + gm1 * vs;                            \
      *(VT *)(gmua + 2 * f + k) = *(const VT *)(gmua + 2 * f + k) + gm2 * vs;                    \
      *(VT *)(gxa + k) = *(const VT *)(gxa + k) + gs * (raw0 * fc);                              \
      *(VT *)(gxa + f + k) = *(const VT *)(gxa + f + k) + gvv * wvv;                             \
      *(VT *)(gxa + 2 * f + k) = *(const VT *)(gxa + 2 * f + k) + gvs * wvs;                     \
      VT gws = gs * x0, gwvv = gvv * x1, gwvs = gvs * x2;                                        \
      gfc += gws * raw0 + gwvv * raw1 + gwvs * raw2;                                             \
      *(VT *)(gwe + k) = gws * fc;                                                               \
      *(VT *)(gwe + f + k) = gwvv * fc;                                                          \
      *(VT *)(gwe + 2 * f + k) = gwvs * fc;                                                      \
    }                                                                                            \
    gunit[3 * e] -= mlff_lanes_sum_##SUFFIX(gu0);                                                \
    gunit[3 * e + 1] -= mlff_lanes_sum_##SUFFIX(gu1);                                            \
    gunit[3 * e + 2] -= mlff_lanes_sum_##SUFFIX(gu2);                                            \
    gd[e] += mlff_lanes_sum_##SUFFIX(gfc) * cutoffDerivative[e];                                 \
  }                                                                                              \
}

MLFF_DEFINE_MESSAGE_KERNELS(avx2, mlff_v8f, 8, MLFF_AVX2_FN)
MLFF_DEFINE_MESSAGE_KERNELS(avx512, mlff_v16f, 16, MLFF_AVX512_FN)

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
static inline void mlff_painn_messages_avx512(
    long f, long count, const int32_t *centers, const int32_t *neighbors, const float *raw,
    const float *cutoff, const float *units, const float *x, const float *muIn, float *q, float *mu) {
  (void)f; (void)count; (void)centers; (void)neighbors; (void)raw; (void)cutoff; (void)units;
  (void)x; (void)muIn; (void)q; (void)mu;
}
static inline void mlff_painn_message_adjoints_avx512(
    long f, long count, const int32_t *centers, const int32_t *neighbors, const float *raw,
    const float *cutoff, const float *cutoffDerivative, const float *units, const float *x,
    const float *muIn, const float *gq, const float *gmu, float *gx, float *gmuNext, float *gw,
    float *gunit, float *gd) {
  (void)f; (void)count; (void)centers; (void)neighbors; (void)raw; (void)cutoff; (void)cutoffDerivative;
  (void)units; (void)x; (void)muIn; (void)gq; (void)gmu; (void)gx; (void)gmuNext; (void)gw; (void)gunit; (void)gd;
}
#endif

#endif
