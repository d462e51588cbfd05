// CBLAS from OpenBLAS (Debian: libopenblas-dev); the include path comes from pkg-config.
#include <cblas.h>
// Vectorised elementwise kernels (AVX2 + FMA, chosen at run time) for the tensor engine.
#include "vector_kernels.h"
// The PaiNN interaction block's per-edge message loops (AVX2 + FMA, chosen at run time).
#include "painn_kernels.h"
// A Float matrix product for few rows (AVX2 + FMA or AVX-512, chosen at run time).
#include "gemm_kernels.h"

#if defined(__GLIBC__)
#include <malloc.h>
/// Makes glibc keep large freed blocks for reuse instead of unmapping them (see
/// Sources/Autodiff/Allocation.swift).
static inline void mlff_tune_allocator(void) {
  mallopt(M_MMAP_THRESHOLD, 32 << 20);
  mallopt(M_TRIM_THRESHOLD, 512 << 20);
}
#else
static inline void mlff_tune_allocator(void) {}
#endif
