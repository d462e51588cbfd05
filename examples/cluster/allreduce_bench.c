// Time of one MPI_Allreduce (sum, in place) of COUNT doubles: what `mpirun -n R mlff train`
// pays per step for a model of COUNT - 1 parameters (the flat gradient and the loss).
//   mpicc -O2 -o allreduce_bench examples/cluster/allreduce_bench.c
//   mpirun -n 2 ./allreduce_bench 576770 100      # the medium preset: 576,769 parameters
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
int main(int argc, char **argv) {
  MPI_Init(&argc, &argv); int r, n; MPI_Comm_rank(MPI_COMM_WORLD, &r); MPI_Comm_size(MPI_COMM_WORLD, &n);
  int count = atoi(argv[1]); int reps = atoi(argv[2]);
  double *v = malloc(sizeof(double) * count); for (int i = 0; i < count; i++) v[i] = i;
  for (int k = 0; k < 3; k++) MPI_Allreduce(MPI_IN_PLACE, v, count, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
  MPI_Barrier(MPI_COMM_WORLD); double t = MPI_Wtime();
  for (int k = 0; k < reps; k++) MPI_Allreduce(MPI_IN_PLACE, v, count, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
  t = MPI_Wtime() - t;
  if (r == 0) printf("%d ranks, %d doubles (%.2f MB): %.3f ms per allreduce (mean of %d)\n", n, count, count * 8e-6, 1e3 * t / reps, reps);
  MPI_Finalize(); return 0; }
