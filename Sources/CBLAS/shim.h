// CBLAS from OpenBLAS (Debian: libopenblas-dev); the include path comes from pkg-config.
#include <cblas.h>
// Vectorised elementwise kernels (AVX2 + FMA, chosen at run time) for the tensor engine.
#include "vector_kernels.h"
