// See include/mlff_mpi.h.
#include "mlff_mpi.h"

#include <dlfcn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

// MPI_THREAD_FUNNELED is 1 in both ABIs.
enum { MLFF_MPI_THREAD_FUNNELED = 1 };

// MPICH ABI constants (mpi.h of MPICH 3 and 4, Intel MPI, MVAPICH).
enum { MPICH_COMM_WORLD = 0x44000000, MPICH_DOUBLE = 0x4c00080b, MPICH_SUM = 0x58000003 };

typedef int (*init_thread_fn)(int *, char ***, int, int *);
typedef int (*finalize_fn)(void);
// Open MPI: handles are pointers.
typedef int (*ompi_rank_fn)(void *, int *);
typedef int (*ompi_allreduce_fn)(const void *, void *, int, void *, void *, void *);
typedef int (*ompi_barrier_fn)(void *);
typedef int (*ompi_abort_fn)(void *, int);
// MPICH: handles are ints.
typedef int (*mpich_rank_fn)(int, int *);
typedef int (*mpich_allreduce_fn)(const void *, void *, int, int, int, int);
typedef int (*mpich_barrier_fn)(int);
typedef int (*mpich_abort_fn)(int, int);

static struct {
  void *handle;
  int open_mpi;
  char library[512];
  init_thread_fn init_thread;
  finalize_fn finalize;
  void *comm_rank, *comm_size, *allreduce, *barrier, *abort_;
  void *world, *type_double, *op_sum;  // Open MPI's predefined objects
} mpi;

static int resolve(const char *name, void **out, char *error, size_t length) {
  *out = dlsym(mpi.handle, name);
  if (*out == NULL) {
    snprintf(error, length, "%s has no symbol %s; is it an MPI library?", mpi.library, name);
    return -1;
  }
  return 0;
}

int mlff_mpi_load(const char *path, char *error, size_t error_length) {
  if (mpi.handle != NULL) return 0;
  const char *candidates[4] = {NULL, "libmpi.so.40", "libmpi.so.12", "libmpi.so"};
  const char *variable = getenv("MLFF_MPI_LIBRARY");
  candidates[0] = (path != NULL && path[0] != '\0') ? path : (variable != NULL && variable[0] != '\0' ? variable : NULL);
  char tried[1024] = "";
  for (int k = 0; k < 4 && mpi.handle == NULL; k++) {
    if (candidates[k] == NULL) continue;
    // RTLD_GLOBAL: Open MPI's own plugins, loaded later, resolve symbols of libmpi.
    mpi.handle = dlopen(candidates[k], RTLD_NOW | RTLD_GLOBAL);
    if (mpi.handle != NULL) {
      snprintf(mpi.library, sizeof mpi.library, "%s", candidates[k]);
    } else {
      size_t used = strlen(tried);
      snprintf(tried + used, sizeof tried - used, "%s%s", used ? ", " : "", candidates[k]);
      if (k == 0) break;  // an explicit library that fails is not replaced by a guess
    }
  }
  if (mpi.handle == NULL) {
    snprintf(error, error_length,
             "no MPI library could be loaded (tried %s): install Open MPI (apt-get install libopenmpi-dev openmpi-bin) "
             "or set MLFF_MPI_LIBRARY to the libmpi.so of the MPI that mpirun belongs to", tried);
    return -1;
  }
  void *init_thread = NULL, *finalize = NULL;
  if (resolve("MPI_Init_thread", &init_thread, error, error_length) || resolve("MPI_Finalize", &finalize, error, error_length)
      || resolve("MPI_Comm_rank", &mpi.comm_rank, error, error_length) || resolve("MPI_Comm_size", &mpi.comm_size, error, error_length)
      || resolve("MPI_Allreduce", &mpi.allreduce, error, error_length) || resolve("MPI_Barrier", &mpi.barrier, error, error_length)
      || resolve("MPI_Abort", &mpi.abort_, error, error_length)) {
    dlclose(mpi.handle);
    mpi.handle = NULL;
    return -1;
  }
  mpi.init_thread = (init_thread_fn)init_thread;
  mpi.finalize = (finalize_fn)finalize;
  mpi.world = dlsym(mpi.handle, "ompi_mpi_comm_world");
  mpi.open_mpi = mpi.world != NULL;
  if (mpi.open_mpi
      && (resolve("ompi_mpi_double", &mpi.type_double, error, error_length) || resolve("ompi_mpi_op_sum", &mpi.op_sum, error, error_length))) {
    dlclose(mpi.handle);
    mpi.handle = NULL;
    return -1;
  }
  return 0;
}

const char *mlff_mpi_abi(void) { return mpi.handle == NULL ? "" : (mpi.open_mpi ? "Open MPI" : "MPICH"); }

const char *mlff_mpi_library(void) { return mpi.handle == NULL ? "" : mpi.library; }

int mlff_mpi_init(void) {
  int provided = 0;
  return mpi.init_thread(NULL, NULL, MLFF_MPI_THREAD_FUNNELED, &provided);
}

int mlff_mpi_rank(int *rank) {
  return mpi.open_mpi ? ((ompi_rank_fn)mpi.comm_rank)(mpi.world, rank) : ((mpich_rank_fn)mpi.comm_rank)(MPICH_COMM_WORLD, rank);
}

int mlff_mpi_size(int *size) {
  return mpi.open_mpi ? ((ompi_rank_fn)mpi.comm_size)(mpi.world, size) : ((mpich_rank_fn)mpi.comm_size)(MPICH_COMM_WORLD, size);
}

int mlff_mpi_allreduce_sum(double *values, int count) {
  if (mpi.open_mpi) {
    return ((ompi_allreduce_fn)mpi.allreduce)((void *)1, values, count, mpi.type_double, mpi.op_sum, mpi.world);
  }
  return ((mpich_allreduce_fn)mpi.allreduce)((void *)(intptr_t)-1, values, count, MPICH_DOUBLE, MPICH_SUM, MPICH_COMM_WORLD);
}

int mlff_mpi_barrier(void) {
  return mpi.open_mpi ? ((ompi_barrier_fn)mpi.barrier)(mpi.world) : ((mpich_barrier_fn)mpi.barrier)(MPICH_COMM_WORLD);
}

void mlff_mpi_abort(int code) {
  if (mpi.handle == NULL) exit(code);
  if (mpi.open_mpi) ((ompi_abort_fn)mpi.abort_)(mpi.world, code);
  else ((mpich_abort_fn)mpi.abort_)(MPICH_COMM_WORLD, code);
}

int mlff_mpi_finalize(void) { return mpi.finalize(); }
