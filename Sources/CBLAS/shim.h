// CBLAS from OpenBLAS (Debian: libopenblas-dev); the include path comes from pkg-config.
#include <cblas.h>
