/*
 * A C caller of libmlff, compiled against include/mlff.h by MLFFCTests.
 *
 *   mlff_check MODEL SCRATCH_MODEL TRUNCATED_MODEL STRUCTURES
 *
 * Reads the structures (format below), evaluates them with mlff_compute one by one and prints
 * every result with 17 significant digits, for the Swift test to compare with the Swift
 * potential. On its own it checks: the batch call gives the same numbers as single calls;
 * per-atom energies sum to the energy; 4 threads computing on one model at once give exactly
 * the serial numbers; and every kind of bad input returns its status and a message instead of
 * crashing. Any failed check prints "FAIL ..." and the exit status is 1.
 *
 * STRUCTURES: the number of structures, then for each: N, pbc (3 integers), the cell (9
 * numbers, rows = lattice vectors, Å), and N lines "Z x y z" (Å).
 */
#include "mlff.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
  int64_t n;
  int32_t pbc[3];
  double cell[9];
  int32_t *z;
  double *r;
} structure;

typedef struct {
  double energy;
  double *energies;
  double *forces;
  double stress[6];
} result;

static int failures = 0;
#define CHECK(cond, ...) \
  do { if (!(cond)) { failures++; printf("FAIL "); printf(__VA_ARGS__); printf("\n"); } } while (0)

static structure *read_structures(const char *path, int *count) {
  FILE *f = fopen(path, "r");
  if (!f || fscanf(f, "%d", count) != 1) { fprintf(stderr, "cannot read %s\n", path); exit(2); }
  structure *s = calloc((size_t)*count, sizeof *s);
  for (int k = 0; k < *count; k++) {
    long long n;
    if (fscanf(f, "%lld %d %d %d", &n, &s[k].pbc[0], &s[k].pbc[1], &s[k].pbc[2]) != 4) exit(2);
    s[k].n = n;
    for (int c = 0; c < 9; c++) if (fscanf(f, "%lf", &s[k].cell[c]) != 1) exit(2);
    s[k].z = malloc(sizeof(int32_t) * (size_t)(n > 0 ? n : 1));
    s[k].r = malloc(sizeof(double) * 3 * (size_t)(n > 0 ? n : 1));
    for (int64_t i = 0; i < n; i++)
      if (fscanf(f, "%d %lf %lf %lf", &s[k].z[i], &s[k].r[3 * i], &s[k].r[3 * i + 1], &s[k].r[3 * i + 2]) != 4) exit(2);
  }
  fclose(f);
  return s;
}

static int compute(const mlff_model *model, const structure *s, result *out, char **error) {
  out->energies = malloc(sizeof(double) * (size_t)(s->n > 0 ? s->n : 1));
  out->forces = malloc(sizeof(double) * 3 * (size_t)(s->n > 0 ? s->n : 1));
  return mlff_compute(model, s->n, s->z, s->r, s->cell, s->pbc, &out->energy, out->energies, out->forces,
                      out->stress, error);
}

static int same_bits(double a, double b) { return memcmp(&a, &b, sizeof a) == 0; }

static int equal_results(const structure *s, const result *a, const result *b) {
  if (!same_bits(a->energy, b->energy)) return 0;
  for (int64_t i = 0; i < s->n; i++) {
    if (!same_bits(a->energies[i], b->energies[i])) return 0;
    for (int d = 0; d < 3; d++) if (!same_bits(a->forces[3 * i + d], b->forces[3 * i + d])) return 0;
  }
  for (int v = 0; v < 6; v++) if (!same_bits(a->stress[v], b->stress[v])) return 0;
  return 1;
}

/* Expects `status` with a non-empty message in *slot (read after the call); frees it. */
static void expect_error(int status, int expected, char **slot, const char *what) {
  char *message = *slot;
  *slot = NULL;
  CHECK(status == expected, "%s: status %s, expected %s (%s)", what, mlff_status_name(status),
        mlff_status_name(expected), message ? message : "no message");
  CHECK(message != NULL && strlen(message) > 10, "%s: no message", what);
  if (message) printf("message %s: %s\n", what, message);
  mlff_string_free(message);
}

typedef struct {
  const mlff_model *model;
  const structure *structures;
  int count;
  const result *serial;
  int mismatches;
} thread_job;

static void *thread_main(void *argument) {
  thread_job *job = argument;
  for (int repeat = 0; repeat < 5; repeat++) {
    for (int k = 0; k < job->count; k++) {
      result r;
      char *error = NULL;
      int status = compute(job->model, &job->structures[k], &r, &error);
      if (status != MLFF_OK || !equal_results(&job->structures[k], &r, &job->serial[k])) job->mismatches++;
      mlff_string_free(error);
      free(r.energies);
      free(r.forces);
    }
  }
  return NULL;
}

static void check_bad_input(const mlff_model *model, const structure *s, const char *truncated) {
  char *error = NULL;
  mlff_model *none = (mlff_model *)1;
  expect_error(mlff_model_load(truncated, MLFF_PRECISION_FLOAT, &none, &error), MLFF_ERROR_MODEL_FILE, &error, "truncated model");
  CHECK(none == NULL, "a failed load leaves *model NULL");
  error = NULL;
  expect_error(mlff_model_load("/nonexistent/student.safetensors", 0, &none, &error), MLFF_ERROR_MODEL_FILE, &error, "missing model");
  error = NULL;
  expect_error(mlff_model_load(NULL, 0, &none, &error), MLFF_ERROR_NULL_ARGUMENT, &error, "NULL path");
  error = NULL;
  expect_error(mlff_model_load(truncated, 7, &none, &error), MLFF_ERROR_INVALID_ARGUMENT, &error, "unknown precision");
  CHECK(mlff_model_load(truncated, 0, NULL, NULL) == MLFF_ERROR_NULL_ARGUMENT, "NULL out-pointer, no message wanted");

  int64_t n = s->n;
  int32_t *z = malloc(sizeof(int32_t) * (size_t)n);
  double *r = malloc(sizeof(double) * 3 * (size_t)n);
  double energy = 12345.0, forces[3 * 64], stress[6];
  memcpy(z, s->z, sizeof(int32_t) * (size_t)n);
  memcpy(r, s->r, sizeof(double) * 3 * (size_t)n);

  z[1] = 92; /* uranium */
  error = NULL;
  expect_error(mlff_compute(model, n, z, r, s->cell, s->pbc, &energy, NULL, forces, NULL, &error),
               MLFF_ERROR_UNSUPPORTED_ELEMENT, &error, "unknown element");
  CHECK(energy == 12345.0, "a failed compute wrote the energy");
  z[1] = -3;
  error = NULL;
  expect_error(mlff_compute(model, n, z, r, s->cell, s->pbc, &energy, NULL, NULL, NULL, &error),
               MLFF_ERROR_UNSUPPORTED_ELEMENT, &error, "negative atomic number");
  z[1] = s->z[1];

  r[4] = NAN;
  error = NULL;
  expect_error(mlff_compute(model, n, z, r, s->cell, s->pbc, &energy, NULL, forces, NULL, &error),
               MLFF_ERROR_INVALID_STRUCTURE, &error, "NaN position");
  r[4] = INFINITY;
  error = NULL;
  expect_error(mlff_compute(model, n, z, r, s->cell, s->pbc, &energy, NULL, forces, NULL, &error),
               MLFF_ERROR_INVALID_STRUCTURE, &error, "infinite position");
  r[4] = s->r[4];

  double flat[9] = {5, 0, 0, 0, 5, 0, 5, 5, 0}; /* a3 = a1 + a2: zero volume */
  int32_t periodic[3] = {1, 1, 1};
  error = NULL;
  expect_error(mlff_compute(model, n, z, r, flat, periodic, &energy, NULL, forces, stress, &error),
               MLFF_ERROR_INVALID_STRUCTURE, &error, "zero-volume periodic cell");
  error = NULL;
  expect_error(mlff_compute(model, n, z, r, NULL, periodic, &energy, NULL, NULL, NULL, &error),
               MLFF_ERROR_NULL_ARGUMENT, &error, "periodic without a cell");
  double tiny[9] = {0.01, 0, 0, 0, 0.01, 0, 0, 0, 0.01}; /* 10^9 self-images within the cutoff */
  error = NULL;
  expect_error(mlff_compute(model, n, z, r, tiny, periodic, &energy, NULL, forces, stress, &error),
               MLFF_ERROR_INVALID_STRUCTURE, &error, "tiny periodic cell");
  int32_t thin_pbc[3] = {1, 0, 0};
  double thin[9] = {0.001, 0, 0, 0, 10, 0, 0, 0, 10};
  error = NULL;
  expect_error(mlff_compute(model, n, z, r, thin, thin_pbc, &energy, NULL, forces, NULL, &error),
               MLFF_ERROR_INVALID_STRUCTURE, &error, "thin periodic direction");
  double nan_cell[9] = {5, 0, 0, 0, NAN, 0, 0, 0, 5};
  error = NULL;
  expect_error(mlff_compute(model, n, z, r, nan_cell, periodic, &energy, NULL, NULL, NULL, &error),
               MLFF_ERROR_INVALID_STRUCTURE, &error, "NaN cell");

  error = NULL;
  expect_error(mlff_compute(NULL, n, z, r, NULL, NULL, &energy, NULL, NULL, NULL, &error),
               MLFF_ERROR_NULL_ARGUMENT, &error, "NULL model");
  error = NULL;
  expect_error(mlff_compute(model, n, NULL, r, NULL, NULL, &energy, NULL, NULL, NULL, &error),
               MLFF_ERROR_NULL_ARGUMENT, &error, "NULL atomic numbers");
  error = NULL;
  expect_error(mlff_compute(model, n, z, NULL, NULL, NULL, &energy, NULL, NULL, NULL, &error),
               MLFF_ERROR_NULL_ARGUMENT, &error, "NULL positions");
  error = NULL;
  expect_error(mlff_compute(model, -1, z, r, NULL, NULL, &energy, NULL, NULL, NULL, &error),
               MLFF_ERROR_INVALID_ARGUMENT, &error, "negative atom count");
  int64_t counts[2] = {n, -5};
  error = NULL;
  expect_error(mlff_compute_batch(model, 2, counts, z, r, NULL, NULL, &energy, NULL, NULL, NULL, &error),
               MLFF_ERROR_INVALID_ARGUMENT, &error, "negative atom count in a batch");
  error = NULL;
  expect_error(mlff_compute_batch(model, 2, NULL, z, r, NULL, NULL, &energy, NULL, NULL, NULL, &error),
               MLFF_ERROR_NULL_ARGUMENT, &error, "NULL atom counts");
  CHECK(mlff_compute(model, n, z, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL) == MLFF_ERROR_NULL_ARGUMENT,
        "a failure without a message pointer");
  CHECK(isnan(mlff_model_cutoff(NULL)) && mlff_model_element_count(NULL) == -1 &&
        mlff_model_elements(NULL, NULL, 0) == -1 && mlff_model_precision(NULL) == -1, "NULL model queries");
  mlff_model_free(NULL);
  mlff_string_free(NULL);
  CHECK(strcmp(mlff_status_name(9999), "MLFF_UNKNOWN_STATUS") == 0, "unknown status name");

  /* No atoms: energy 0 and nothing else. */
  energy = 1;
  CHECK(mlff_compute(model, 0, NULL, NULL, NULL, NULL, &energy, NULL, NULL, NULL, NULL) == MLFF_OK && energy == 0,
        "an empty structure has energy 0, got %g", energy);
  free(z);
  free(r);
}

static void check_model_changed(const char *scratch, const structure *s) {
  mlff_model *model = NULL;
  char *error = NULL;
  CHECK(mlff_model_load(scratch, MLFF_PRECISION_FLOAT, &model, &error) == MLFF_OK, "scratch load: %s", error);
  result r;
  CHECK(compute(model, s, &r, NULL) == MLFF_OK, "compute before the change");
  free(r.energies);
  free(r.forces);
  FILE *f = fopen(scratch, "ab");
  fputc(' ', f);
  fclose(f);
  error = NULL;
  expect_error(compute(model, s, &r, &error), MLFF_ERROR_MODEL_CHANGED, &error, "model changed on disk");
  free(r.energies);
  free(r.forces);
  remove(scratch);
  error = NULL;
  expect_error(compute(model, s, &r, &error), MLFF_ERROR_MODEL_CHANGED, &error, "model removed");
  free(r.energies);
  free(r.forces);
  mlff_model_free(model);
}

int main(int argc, char **argv) {
  if (argc != 5) { fprintf(stderr, "usage: mlff_check MODEL SCRATCH_MODEL TRUNCATED_MODEL STRUCTURES\n"); return 2; }
  CHECK(mlff_abi_version() == MLFF_ABI_VERSION, "ABI version %d, header %d", mlff_abi_version(), MLFF_ABI_VERSION);
  int precision = getenv("MLFF_CHECK_DOUBLE") ? MLFF_PRECISION_DOUBLE : MLFF_PRECISION_FLOAT;
  mlff_model *model = NULL;
  char *error = NULL;
  int status = mlff_model_load(argv[1], precision, &model, &error);
  if (status != MLFF_OK) { printf("FAIL load %s: %s\n", mlff_status_name(status), error); return 1; }
  CHECK(mlff_model_precision(model) == precision, "precision");
  int32_t elements[16];
  int element_count = mlff_model_elements(model, elements, 16);
  printf("cutoff %.17g\nelements", mlff_model_cutoff(model));
  for (int k = 0; k < element_count && k < 16; k++) printf(" %d", elements[k]);
  printf("\n");
  CHECK(element_count == mlff_model_element_count(model), "element count");

  int count;
  structure *s = read_structures(argv[4], &count);
  result *serial = calloc((size_t)count, sizeof *serial);
  int64_t total = 0;
  for (int k = 0; k < count; k++) {
    error = NULL;
    status = compute(model, &s[k], &serial[k], &error);
    CHECK(status == MLFF_OK, "structure %d: %s %s", k, mlff_status_name(status), error ? error : "");
    mlff_string_free(error);
    double sum = 0;
    printf("structure %d\nenergy %.17g\nenergies", k, serial[k].energy);
    for (int64_t i = 0; i < s[k].n; i++) { printf(" %.17g", serial[k].energies[i]); sum += serial[k].energies[i]; }
    printf("\nforces");
    for (int64_t i = 0; i < 3 * s[k].n; i++) printf(" %.17g", serial[k].forces[i]);
    printf("\nstress");
    for (int v = 0; v < 6; v++) printf(" %.17g", serial[k].stress[v]);
    printf("\n");
    CHECK(fabs(sum - serial[k].energy) <= 1e-9 * fmax(1, fabs(serial[k].energy)), "structure %d: per-atom energies sum to %.17g, energy %.17g", k, sum, serial[k].energy);
    CHECK(s[k].pbc[0] && s[k].pbc[1] && s[k].pbc[2] ? !isnan(serial[k].stress[0]) : isnan(serial[k].stress[0]),
          "structure %d: stress is defined exactly for fully periodic structures", k);
    total += s[k].n;
  }

  /* The batch call against the single calls. */
  int64_t *counts = malloc(sizeof(int64_t) * (size_t)count);
  int32_t *z = malloc(sizeof(int32_t) * (size_t)total);
  int32_t *pbc = malloc(sizeof(int32_t) * 3 * (size_t)count);
  double *r = malloc(sizeof(double) * 3 * (size_t)total), *cells = malloc(sizeof(double) * 9 * (size_t)count);
  double *energy = malloc(sizeof(double) * (size_t)count), *energies = malloc(sizeof(double) * (size_t)total);
  double *forces = malloc(sizeof(double) * 3 * (size_t)total), *stress = malloc(sizeof(double) * 6 * (size_t)count);
  int64_t atom = 0;
  for (int k = 0; k < count; k++) {
    counts[k] = s[k].n;
    memcpy(z + atom, s[k].z, sizeof(int32_t) * (size_t)s[k].n);
    memcpy(r + 3 * atom, s[k].r, sizeof(double) * 3 * (size_t)s[k].n);
    memcpy(cells + 9 * k, s[k].cell, sizeof(double) * 9);
    memcpy(pbc + 3 * k, s[k].pbc, sizeof(int32_t) * 3);
    atom += s[k].n;
  }
  error = NULL;
  status = mlff_compute_batch(model, count, counts, z, r, cells, pbc, energy, energies, forces, stress, &error);
  CHECK(status == MLFF_OK, "batch: %s %s", mlff_status_name(status), error ? error : "");
  mlff_string_free(error);
  double tolerance = precision == MLFF_PRECISION_DOUBLE ? 1e-10 : 1e-4;
  atom = 0;
  for (int k = 0; k < count; k++) {
    CHECK(fabs(energy[k] - serial[k].energy) <= tolerance * fmax(1, fabs(serial[k].energy)), "batch energy %d", k);
    for (int64_t i = 0; i < 3 * s[k].n; i++)
      CHECK(fabs(forces[3 * atom + i] - serial[k].forces[i]) <= tolerance * 10, "batch force %d", k);
    for (int v = 0; v < 6; v++)
      CHECK(isnan(serial[k].stress[v]) ? isnan(stress[6 * k + v]) : fabs(stress[6 * k + v] - serial[k].stress[v]) <= tolerance,
            "batch stress %d", k);
    atom += s[k].n;
  }

  /* Four threads on one model at once: exactly the serial numbers. */
  pthread_t threads[4];
  thread_job jobs[4];
  for (int t = 0; t < 4; t++) {
    jobs[t] = (thread_job){model, s, count, serial, 0};
    pthread_create(&threads[t], NULL, thread_main, &jobs[t]);
  }
  int mismatches = 0;
  for (int t = 0; t < 4; t++) { pthread_join(threads[t], NULL); mismatches += jobs[t].mismatches; }
  CHECK(mismatches == 0, "%d concurrent computes differed from the serial ones", mismatches);
  printf("threads 4x5x%d computes, %d mismatches\n", count, mismatches);

  check_bad_input(model, &s[0], argv[3]);
  check_model_changed(argv[2], &s[0]);
  mlff_model_free(model);
  printf(failures ? "checks failed: %d\n" : "all checks passed\n", failures);
  return failures ? 1 : 0;
}
