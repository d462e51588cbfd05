// A Float matrix product for few rows, C[m, n] = A[m, k]·B[k, n] + β·C (row-major, neither
// operand transposed, α = 1), compiled for AVX2 + FMA (8 lanes) and AVX-512 (16 lanes)
// whatever the baseline target is, and used only when the processor has them and n is a
// multiple of the width (see `Float._gemm`).
//
// The per-atom layers of a small molecule are such products: 9 rows (ethanol) of F = 128
// inputs times a [128, 128] or [128, 384] weight matrix. OpenBLAS's kernels run them at a
// quarter to a third of the core's peak (they pack, or they block for many rows); here a
// block of R rows × 2 vectors of columns of C stays in registers while k runs over the inner
// dimension, each step loading 2 vectors of B's row k and broadcasting R entries of A's
// column k: 2R multiply-adds per R + 2 loads, and a prefetch of B's row k + 32. R is up to
// 12 (24 of the 32 AVX-512 registers) or 6 (12 of the 16 AVX2 registers); the rows are cut
// into blocks of equal size.
//
// Every entry of C is Σ_k A[i, k]·B[k, j] accumulated in the order of k with one fused
// multiply-add per term, then β·C added: its value depends on neither m nor the blocking, so
// a row's result is the same whatever rows it is multiplied with.
#ifndef MLFF_GEMM_KERNELS_H
#define MLFF_GEMM_KERNELS_H

#include "vector_kernels.h"

#if defined(__x86_64__) && defined(__clang__)

static inline MLFF_AVX2 mlff_v8f mlff_gemm_splat_avx2(float s) { return (mlff_v8f){s, s, s, s, s, s, s, s}; }
static inline MLFF_AVX512 mlff_v16f mlff_gemm_splat_avx512(float s) {
  return (mlff_v16f){s, s, s, s, s, s, s, s, s, s, s, s, s, s, s, s};
}

// B's rows are ldb apart (1.5 kB for 384 columns), a page every few rows, which the hardware
// prefetchers do not follow: a weight matrix out of L2 (an evaluation goes through more
// weights than L2 holds) then stalls every row. Each step asks for the row this many ahead.
#define MLFF_GEMM_PREFETCH_ROWS 32

// The loops over the R rows of a block are unrolled in full (R is a constant once the block
// is inlined into its `case`), so that the accumulators live in registers.
#define MLFF_DEFINE_SMALL_GEMM(SUFFIX, VT, W, MAXR, ATTR, ATTR_FN)                                 \
/* R rows × V vectors (V = 1 or 2) of C starting at c, from R rows of A and V vectors of B. */   \
static inline ATTR void mlff_gemm_block_##SUFFIX(                                                \
    const int R, const int V, long k, const float *a, long lda, const float *b, long ldb,       \
    float beta, float *c, long ldc) {                                                            \
  const VT zero = {0};                                                                           \
  VT acc[MAXR][2];                                                                               \
  _Pragma("clang loop unroll(full)")                                                             \
  for (int r = 0; r < R; r++) { acc[r][0] = zero; acc[r][1] = zero; }                            \
  for (long p = 0; p < k; p++) {                                                                 \
    const float *bp = b + p * ldb;                                                               \
    __builtin_prefetch(bp + MLFF_GEMM_PREFETCH_ROWS * ldb);                                      \
    if (V == 2) __builtin_prefetch(bp + MLFF_GEMM_PREFETCH_ROWS * ldb + W);                      \
    VT b0 = *(const VT *)bp, b1 = V == 2 ? *(const VT *)(bp + W) : zero;                         \
    _Pragma("clang loop unroll(full)")                                                           \
    for (int r = 0; r < R; r++) {                                                                \
      VT av = mlff_gemm_splat_##SUFFIX(a[r * lda + p]);                                          \
      acc[r][0] = __builtin_elementwise_fma(av, b0, acc[r][0]);                                  \
      if (V == 2) acc[r][1] = __builtin_elementwise_fma(av, b1, acc[r][1]);                      \
    }                                                                                            \
  }                                                                                              \
  _Pragma("clang loop unroll(full)")                                                             \
  for (int r = 0; r < R; r++) {                                                                  \
    float *cr = c + r * ldc;                                                                     \
    for (int v = 0; v < V; v++) {                                                                \
      VT y = acc[r][v];                                                                          \
      if (beta != 0) y = y + mlff_gemm_splat_##SUFFIX(beta) * *(const VT *)(cr + v * W);                          \
      *(VT *)(cr + v * W) = y;                                                                   \
    }                                                                                            \
  }                                                                                              \
}                                                                                                \
                                                                                                 \
/* R rows of C, all n columns (n a multiple of W). */                                            \
static inline ATTR void mlff_gemm_rows_##SUFFIX(                                                 \
    const int R, long n, long k, const float *a, long lda, const float *b, long ldb, float beta, \
    float *c, long ldc) {                                                                        \
  long j = 0;                                                                                    \
  for (; j + 2 * W <= n; j += 2 * W) mlff_gemm_block_##SUFFIX(R, 2, k, a, lda, b + j, ldb, beta, c + j, ldc); \
  if (j < n) mlff_gemm_block_##SUFFIX(R, 1, k, a, lda, b + j, ldb, beta, c + j, ldc);            \
}                                                                                                \
                                                                                                 \
/* C[m, n] = A[m, k]·B[k, n] + β·C, n a multiple of W; with β = 0, C is not read. */             \
static inline ATTR_FN void mlff_sgemm_small_##SUFFIX(                                            \
    long m, long n, long k, const float *a, long lda, const float *b, long ldb, float beta,      \
    float *c, long ldc) {                                                                        \
  const long blocks = (m + MAXR - 1) / MAXR;                                                     \
  long i = 0;                                                                                    \
  for (long q = 0; q < blocks; q++) {                                                            \
    const long left = m - i, rest = blocks - q, rows = (left + rest - 1) / rest;                 \
    const float *ai = a + i * lda;                                                               \
    float *ci = c + i * ldc;                                                                     \
    switch (rows) {                                                                              \
    case 1: mlff_gemm_rows_##SUFFIX(1, n, k, ai, lda, b, ldb, beta, ci, ldc); break;             \
    case 2: mlff_gemm_rows_##SUFFIX(2, n, k, ai, lda, b, ldb, beta, ci, ldc); break;             \
    case 3: mlff_gemm_rows_##SUFFIX(3, n, k, ai, lda, b, ldb, beta, ci, ldc); break;             \
    case 4: mlff_gemm_rows_##SUFFIX(4, n, k, ai, lda, b, ldb, beta, ci, ldc); break;             \
    case 5: mlff_gemm_rows_##SUFFIX(5, n, k, ai, lda, b, ldb, beta, ci, ldc); break;             \
    case 6: mlff_gemm_rows_##SUFFIX(6, n, k, ai, lda, b, ldb, beta, ci, ldc); break;             \
    MLFF_GEMM_CASES_##SUFFIX                                                                     \
    default: break;                                                                              \
    }                                                                                            \
    i += rows;                                                                                   \
  }                                                                                              \
}

#define MLFF_GEMM_CASES_avx2
#define MLFF_GEMM_CASES_avx512                                                                   \
    case 7: mlff_gemm_rows_avx512(7, n, k, ai, lda, b, ldb, beta, ci, ldc); break;               \
    case 8: mlff_gemm_rows_avx512(8, n, k, ai, lda, b, ldb, beta, ci, ldc); break;               \
    case 9: mlff_gemm_rows_avx512(9, n, k, ai, lda, b, ldb, beta, ci, ldc); break;               \
    case 10: mlff_gemm_rows_avx512(10, n, k, ai, lda, b, ldb, beta, ci, ldc); break;             \
    case 11: mlff_gemm_rows_avx512(11, n, k, ai, lda, b, ldb, beta, ci, ldc); break;             \
    case 12: mlff_gemm_rows_avx512(12, n, k, ai, lda, b, ldb, beta, ci, ldc); break;

MLFF_DEFINE_SMALL_GEMM(avx2, mlff_v8f, 8, 6, MLFF_AVX2, MLFF_AVX2_FN)
MLFF_DEFINE_SMALL_GEMM(avx512, mlff_v16f, 16, 12, MLFF_AVX512, MLFF_AVX512_FN)

#else
static inline void mlff_sgemm_small_avx2(
    long m, long n, long k, const float *a, long lda, const float *b, long ldb, float beta,
    float *c, long ldc) {
  (void)m; (void)n; (void)k; (void)a; (void)lda; (void)b; (void)ldb; (void)beta; (void)c; (void)ldc;
}
static inline void mlff_sgemm_small_avx512(
    long m, long n, long k, const float *a, long lda, const float *b, long ldb, float beta,
    float *c, long ldc) {
  (void)m; (void)n; (void)k; (void)a; (void)lda; (void)b; (void)ldb; (void)beta; (void)c; (void)ldc;
}
#endif

#endif
