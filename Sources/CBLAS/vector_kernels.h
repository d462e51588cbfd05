// Elementwise Float kernels of the tensor engine, compiled for AVX2 + FMA whatever the
// baseline target is, and used only when the processor has them (mlff_has_avx2_fma()).
//
// exp uses Cephes' expf reduction: x = n·ln2 + r, |r| ≤ ln2/2, exp(r) by a degree-6
// polynomial, 2^n from the exponent bits; relative error about 2 ulp. Inputs are clamped to
// [-87.34, 88.72]: results saturate to 0 and +inf outside; NaN stays NaN.
#ifndef MLFF_VECTOR_KERNELS_H
#define MLFF_VECTOR_KERNELS_H

#include <math.h>
#include <stdint.h>

#if defined(__x86_64__) && defined(__clang__)
#include <cpuid.h>

#define MLFF_AVX2 __attribute__((target("avx2,fma"), always_inline))
#define MLFF_AVX2_FN __attribute__((target("avx2,fma")))

typedef float mlff_v8f __attribute__((vector_size(32), aligned(4)));
typedef int32_t mlff_v8i __attribute__((vector_size(32), aligned(4)));

/// 1 when the processor and the operating system support AVX2 and FMA, else 0.
static inline int mlff_has_avx2_fma(void) {
  unsigned a, b, c, d;
  if (!__get_cpuid(1, &a, &b, &c, &d)) return 0;
  int fma = (c >> 12) & 1, osxsave = (c >> 27) & 1, avx = (c >> 28) & 1;
  if (!(fma && osxsave && avx)) return 0;
  unsigned lo, hi;
  __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
  if ((lo & 6) != 6) return 0;  // XMM and YMM state enabled
  if (!__get_cpuid_count(7, 0, &a, &b, &c, &d)) return 0;
  return (b >> 5) & 1;
}

static inline MLFF_AVX2 mlff_v8f mlff_select(mlff_v8i mask, mlff_v8f a, mlff_v8f b) {
  return (mlff_v8f)((mask & (mlff_v8i)a) | (~mask & (mlff_v8i)b));
}

static inline MLFF_AVX2 mlff_v8f mlff_load8(const float *p) { return *(const mlff_v8f *)p; }
static inline MLFF_AVX2 void mlff_store8(float *p, mlff_v8f v) { *(mlff_v8f *)p = v; }

/// Elementwise Float functions: 0 exp, 1 sigmoid, 2 silu, 3 silu', 4 silu'', 5 tanh.
enum { MLFF_EXP = 0, MLFF_SIGMOID = 1, MLFF_SILU = 2, MLFF_SILU_D1 = 3, MLFF_SILU_D2 = 4, MLFF_TANH = 5 };

// The kernels are written once for a vector type VT (int twin VI) and a target, and
// instantiated for AVX2 (8 lanes) and AVX-512 (16 lanes).
#define MLFF_DEFINE_VECTOR_KERNELS(SUFFIX, VT, VI, ATTR, ATTR_FN)                                 \
  /* exp of v already clamped to [-87.34, 88.72]: no range or NaN handling. */                   \
  static inline ATTR VT mlff_expcore_##SUFFIX(VT v) {                                           \
    const float magic = 12582912.0f; /* 1.5·2^23: adding it rounds to an integer */             \
    VT t = v * 1.44269504088896341f + magic;                                                    \
    VT nf = t - magic;                                                                          \
    VT r = v - nf * 0.693359375f;                                                               \
    r = r + nf * 2.12194440e-4f;                                                                \
    VT p = r * 1.9875691500e-4f + 1.3981999507e-3f;                                             \
    p = p * r + 8.3334519073e-3f;                                                               \
    p = p * r + 4.1665795894e-2f;                                                               \
    p = p * r + 1.6666665459e-1f;                                                               \
    p = p * r + 5.0000001201e-1f;                                                               \
    p = p * (r * r) + r + 1.0f;                                                                 \
    VI n = (VI)t - 0x4B400000;                                                                  \
    VI n1 = n >> 1;                                                                             \
    VT s1 = (VT)((n1 + 127) << 23);                                                             \
    VT s2 = (VT)((n - n1 + 127) << 23);                                                         \
    return p * s1 * s2;                                                                         \
  }                                                                                             \
  static inline ATTR VT mlff_clamp_##SUFFIX(VT x) {                                             \
    VT zero = {0};                                                                              \
    return __builtin_elementwise_min(__builtin_elementwise_max(x, zero - 87.33654f), zero + 88.72283f); \
  }                                                                                             \
  static inline ATTR VT mlff_sel_##SUFFIX(VI mask, VT a, VT b) {                                \
    return (VT)((mask & (VI)a) | (~mask & (VI)b));                                              \
  }                                                                                             \
  /* exp with saturation to 0 and +inf and NaN kept. */                                         \
  static inline ATTR VT mlff_exp_##SUFFIX(VT x) {                                               \
    VT zero = {0};                                                                              \
    VT y = mlff_expcore_##SUFFIX(mlff_clamp_##SUFFIX(x));                                       \
    y = mlff_sel_##SUFFIX(x < -87.33654f, zero, y);                                             \
    y = mlff_sel_##SUFFIX(x > 88.72283f, zero + INFINITY, y);                                   \
    return mlff_sel_##SUFFIX(x != x, x, y);                                                     \
  }                                                                                             \
  /* σ(x) = 1/(1 + e^{−x}); e^{−x} saturates at 3.4e38, which gives σ ≈ 3e−39 (not 0). */       \
  static inline ATTR VT mlff_sigmoid_##SUFFIX(VT x) {                                           \
    VT e = mlff_expcore_##SUFFIX(mlff_clamp_##SUFFIX(-x));                                      \
    return mlff_sel_##SUFFIX(x != x, x, 1.0f / (1.0f + e));                                     \
  }                                                                                             \
  static inline ATTR VT mlff_apply_##SUFFIX(int op, VT x) {                                     \
    switch (op) {                                                                               \
    case MLFF_EXP: return mlff_exp_##SUFFIX(x);                                                 \
    case MLFF_SIGMOID: return mlff_sigmoid_##SUFFIX(x);                                         \
    case MLFF_SILU: return x * mlff_sigmoid_##SUFFIX(x);                                        \
    case MLFF_SILU_D1: { /* σ(1 + x(1 − σ)), with 1 − σ = e^{−x}σ (no cancellation) */       \
      VT e = mlff_expcore_##SUFFIX(mlff_clamp_##SUFFIX(-x));                                    \
      VT s = 1.0f / (1.0f + e);                                                                 \
      return s * (1.0f + x * (e * s));                                                          \
    }                                                                                           \
    case MLFF_SILU_D2: { /* σ(1 − σ)(2 + x(1 − 2σ)), with 1 − 2σ = (e^{−x} − 1)σ */              \
      VT e = mlff_expcore_##SUFFIX(mlff_clamp_##SUFFIX(-x));                                    \
      VT s = 1.0f / (1.0f + e);                                                                 \
      return s * (e * s) * (2.0f + x * ((e - 1.0f) * s));                                       \
    }                                                                                           \
    default: { /* tanh x = 1 − 2/(e^{2x} + 1); for |x| < 1/4 its Taylor series to x⁹ */          \
      VT e = mlff_expcore_##SUFFIX(mlff_clamp_##SUFFIX(x + x));                                 \
      VT t = 1.0f - 2.0f / (e + 1.0f);                                                          \
      VT x2 = x * x;                                                                            \
      VT small = x * (1.0f + x2 * (-0.333333333f + x2 * (0.133333333f +                         \
                     x2 * (-0.0539682540f + x2 * 0.0218694885f))));                             \
      return mlff_sel_##SUFFIX(x2 < 0.0625f, small, mlff_sel_##SUFFIX(x != x, x, t));           \
    }                                                                                           \
    }                                                                                           \
  }                                                                                             \
  static inline ATTR_FN void mlff_unary_##SUFFIX(int op, const float *x, float *y, long n) {    \
    const long w = sizeof(VT) / sizeof(float);                                                  \
    long i = 0;                                                                                 \
    for (; i + 2 * w <= n; i += 2 * w) {                                                        \
      VT a = mlff_apply_##SUFFIX(op, *(const VT *)(x + i));                                     \
      VT b = mlff_apply_##SUFFIX(op, *(const VT *)(x + i + w));                                 \
      *(VT *)(y + i) = a;                                                                       \
      *(VT *)(y + i + w) = b;                                                                   \
    }                                                                                           \
    if (i < n) {                                                                                \
      float bx[2 * sizeof(VT) / sizeof(float)] = {0}, by[2 * sizeof(VT) / sizeof(float)];       \
      for (long k = 0; k < n - i; k++) bx[k] = x[i + k];                                        \
      *(VT *)by = mlff_apply_##SUFFIX(op, *(const VT *)bx);                                     \
      *(VT *)(by + w) = mlff_apply_##SUFFIX(op, *(const VT *)(bx + w));                         \
      for (long k = 0; k < n - i; k++) y[i + k] = by[k];                                        \
    }                                                                                           \
  }

typedef float mlff_v16f __attribute__((vector_size(64), aligned(4)));
typedef int32_t mlff_v16i __attribute__((vector_size(64), aligned(4)));
#define MLFF_AVX512 __attribute__((target("avx512f,avx512dq,avx512vl,avx2,fma"), always_inline))
#define MLFF_AVX512_FN __attribute__((target("avx512f,avx512dq,avx512vl,avx2,fma")))

MLFF_DEFINE_VECTOR_KERNELS(avx2, mlff_v8f, mlff_v8i, MLFF_AVX2, MLFF_AVX2_FN)
MLFF_DEFINE_VECTOR_KERNELS(avx512, mlff_v16f, mlff_v16i, MLFF_AVX512, MLFF_AVX512_FN)

/// 1 when the processor and the operating system support AVX-512 F/DQ/VL, else 0.
static inline int mlff_has_avx512(void) {
  unsigned a, b, c, d;
  if (!mlff_has_avx2_fma()) return 0;
  unsigned lo, hi;
  __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
  if ((lo & 0xE6) != 0xE6) return 0;  // XMM, YMM, opmask, ZMM state enabled
  if (!__get_cpuid_count(7, 0, &a, &b, &c, &d)) return 0;
  return ((b >> 16) & 1) && ((b >> 17) & 1) && ((b >> 31) & 1);
}

/// Elementwise Float arithmetic: 0 add, 1 subtract, 2 multiply, 3 divide; strides 0 (a
/// broadcast scalar) or 1.
static inline MLFF_AVX2 mlff_v8f mlff_arith8(int op, mlff_v8f u, mlff_v8f v) {
  switch (op) {
  case 0: return u + v;
  case 1: return u - v;
  case 2: return u * v;
  default: return u / v;
  }
}

static inline MLFF_AVX2 float mlff_arith1(int op, float u, float v) {
  switch (op) {
  case 0: return u + v;
  case 1: return u - v;
  case 2: return u * v;
  default: return u / v;
  }
}

static inline MLFF_AVX2 mlff_v8f mlff_splat8(float s) { return (mlff_v8f){s, s, s, s, s, s, s, s}; }

#define MLFF_BINARY_BODY(OP)                                                                  \
  long i = 0;                                                                                 \
  if (sa == 1 && sb == 1) {                                                                   \
    for (; i + 16 <= n; i += 16) {                                                            \
      mlff_v8f r0 = mlff_arith8(OP, mlff_load8(a + i), mlff_load8(b + i));                    \
      mlff_v8f r1 = mlff_arith8(OP, mlff_load8(a + i + 8), mlff_load8(b + i + 8));            \
      mlff_store8(y + i, r0); mlff_store8(y + i + 8, r1);                                     \
    }                                                                                         \
    for (; i < n; i++) y[i] = mlff_arith1(OP, a[i], b[i]);                                    \
  } else if (sa == 1) {                                                                       \
    mlff_v8f v = mlff_splat8(b[0]);                                                           \
    for (; i + 16 <= n; i += 16) {                                                            \
      mlff_v8f r0 = mlff_arith8(OP, mlff_load8(a + i), v);                                    \
      mlff_v8f r1 = mlff_arith8(OP, mlff_load8(a + i + 8), v);                                \
      mlff_store8(y + i, r0); mlff_store8(y + i + 8, r1);                                     \
    }                                                                                         \
    for (; i < n; i++) y[i] = mlff_arith1(OP, a[i], b[0]);                                    \
  } else if (sb == 1) {                                                                       \
    mlff_v8f u = mlff_splat8(a[0]);                                                           \
    for (; i + 16 <= n; i += 16) {                                                            \
      mlff_v8f r0 = mlff_arith8(OP, u, mlff_load8(b + i));                                    \
      mlff_v8f r1 = mlff_arith8(OP, u, mlff_load8(b + i + 8));                                \
      mlff_store8(y + i, r0); mlff_store8(y + i + 8, r1);                                     \
    }                                                                                         \
    for (; i < n; i++) y[i] = mlff_arith1(OP, a[0], b[i]);                                    \
  } else {                                                                                    \
    float r = mlff_arith1(OP, a[0], b[0]);                                                    \
    for (; i < n; i++) y[i] = r;                                                              \
  }

static inline MLFF_AVX2_FN void mlff_binary_avx2(int op, const float *a, long sa, const float *b, long sb, float *y, long n) {
  switch (op) {
  case 0: { MLFF_BINARY_BODY(0) } break;
  case 1: { MLFF_BINARY_BODY(1) } break;
  case 2: { MLFF_BINARY_BODY(2) } break;
  default: { MLFF_BINARY_BODY(3) } break;
  }
}
#undef MLFF_BINARY_BODY

/// y[i] += x[i] (Float).
static inline MLFF_AVX2_FN void mlff_accumulate_avx2(const float *x, float *y, long n) {
  long i = 0;
  for (; i + 16 <= n; i += 16) {
    mlff_v8f r0 = mlff_load8(y + i) + mlff_load8(x + i);
    mlff_v8f r1 = mlff_load8(y + i + 8) + mlff_load8(x + i + 8);
    mlff_store8(y + i, r0);
    mlff_store8(y + i + 8, r1);
  }
  for (; i < n; i++) y[i] += x[i];
}

#else
static inline int mlff_has_avx2_fma(void) { return 0; }
static inline int mlff_has_avx512(void) { return 0; }
static inline void mlff_unary_avx2(int op, const float *x, float *y, long n) { (void)op; (void)x; (void)y; (void)n; }
static inline void mlff_unary_avx512(int op, const float *x, float *y, long n) { (void)op; (void)x; (void)y; (void)n; }
static inline void mlff_binary_avx2(int op, const float *a, long sa, const float *b, long sb, float *y, long n) {
  (void)op; (void)a; (void)sa; (void)b; (void)sb; (void)y; (void)n;
}
static inline void mlff_accumulate_avx2(const float *x, float *y, long n) { (void)x; (void)y; (void)n; }
#endif

#endif
