// The few MPI calls data-parallel training needs, reached through dlopen at run time, so that
// building mlff needs no MPI headers and running it without mpirun loads no MPI library.
//
// Both MPI ABIs in use are handled: Open MPI's (handles are pointers to the library's global
// objects ompi_mpi_comm_world, ompi_mpi_double, ompi_mpi_op_sum; MPI_IN_PLACE is (void *)1) and
// MPICH's, shared by Intel MPI and MVAPICH (handles are fixed integers; MPI_IN_PLACE is
// (void *)-1). Which one a library is, is read from whether it exports ompi_mpi_comm_world.
#ifndef MLFF_MPI_H
#define MLFF_MPI_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Loads an MPI library and resolves the calls below. `path` may be NULL: then
/// $MLFF_MPI_LIBRARY, else libmpi.so.40 (Open MPI), libmpi.so.12 (MPICH), libmpi.so are tried.
/// Returns 0, or -1 with a message in `error` (at most `error_length` bytes, NUL-terminated).
int mlff_mpi_load(const char *path, char *error, size_t error_length);

/// "Open MPI" or "MPICH" once loaded, else "".
const char *mlff_mpi_abi(void);

/// The path or name that was loaded, else "".
const char *mlff_mpi_library(void);

/// MPI_Init_thread with MPI_THREAD_FUNNELED (only the main thread calls MPI). Returns the MPI
/// error code (0 = MPI_SUCCESS).
int mlff_mpi_init(void);

/// MPI_Comm_rank / MPI_Comm_size of MPI_COMM_WORLD.
int mlff_mpi_rank(int *rank);
int mlff_mpi_size(int *size);

/// MPI_Allreduce(MPI_IN_PLACE, values, count, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD): every
/// rank's `values` become the element-wise sum over the ranks.
int mlff_mpi_allreduce_sum(double *values, int count);

/// MPI_Barrier(MPI_COMM_WORLD).
int mlff_mpi_barrier(void);

/// MPI_Abort(MPI_COMM_WORLD, code): ends every rank of the job.
void mlff_mpi_abort(int code);

/// MPI_Finalize.
int mlff_mpi_finalize(void);

#ifdef __cplusplus
}
#endif

#endif
