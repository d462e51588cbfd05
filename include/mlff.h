/*
 * libmlff: the C ABI of MLFF Distiller's PaiNN student.
 *
 * Load a model file once, then compute energy, per-atom energies, forces and stress for one
 * structure or a batch, from any thread. Units are ASE's: positions and cell in Å, energy in
 * eV, forces in eV/Å, stress in eV/Å³ as six Voigt components xx yy zz yz xz xy with ASE's
 * sign ((1/V) ∂E/∂ε, positive is tensile). The cell is given as three rows, the lattice
 * vectors a1, a2, a3, row-major.
 *
 * Errors: every function that can fail returns an mlff_status (MLFF_OK = 0) and, when the
 * caller passes a non-NULL `char **error`, stores there a message saying what was wrong and
 * what to do. The caller owns the message and releases it with mlff_string_free. Nothing in
 * this library aborts the process on bad input.
 *
 * Threads: a loaded model is immutable. Any number of threads may call mlff_compute and
 * mlff_compute_batch on the same model at once and get the same numbers as serial calls.
 * mlff_model_free must not run while another thread still uses the model.
 *
 * See docs/deploy.md for a worked example.
 */
#ifndef MLFF_H
#define MLFF_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The version of this interface; mlff_abi_version() returns the version the library was
   built with. */
#define MLFF_ABI_VERSION 1

/* What a call returns. */
typedef enum mlff_status {
  MLFF_OK = 0,
  /* A required pointer argument was NULL. */
  MLFF_ERROR_NULL_ARGUMENT = 1,
  /* A count or option is out of range (negative atom count, unknown precision). */
  MLFF_ERROR_INVALID_ARGUMENT = 2,
  /* The model file cannot be read, is truncated or corrupt, or is not a PaiNN model. */
  MLFF_ERROR_MODEL_FILE = 3,
  /* A structure contains an element the model was not trained on. */
  MLFF_ERROR_UNSUPPORTED_ELEMENT = 4,
  /* A structure cannot be evaluated: a non-finite position or cell entry, or a periodic
     direction whose lattice vectors span no volume. */
  MLFF_ERROR_INVALID_STRUCTURE = 5,
  /* The model file was changed, replaced or removed after it was loaded; load it again. */
  MLFF_ERROR_MODEL_CHANGED = 6,
  /* Anything else (a bug: please report the message). */
  MLFF_ERROR_INTERNAL = 7
} mlff_status;

/* Network arithmetic. Energies are summed in double either way. */
typedef enum mlff_precision {
  MLFF_PRECISION_FLOAT = 0,  /* 32-bit floats: fastest, the default of `mlff` */
  MLFF_PRECISION_DOUBLE = 1  /* 64-bit floats */
} mlff_precision;

/* A loaded model (opaque). */
typedef struct mlff_model mlff_model;

/* MLFF_ABI_VERSION of the library. */
int32_t mlff_abi_version(void);

/* The name of a status ("MLFF_OK", "MLFF_ERROR_UNSUPPORTED_ELEMENT", ...); a static string,
   never NULL, not to be freed. */
const char *mlff_status_name(int32_t status);

/* Releases a message returned through `char **error`. NULL is ignored. */
void mlff_string_free(char *message);

/* Loads a model file (.safetensors, as `mlff train` or `mlff model new` write it).
   precision: an mlff_precision value.
   On success stores a new model in *model and returns MLFF_OK; otherwise stores NULL in
   *model and returns MLFF_ERROR_MODEL_FILE (with a message naming the file and the problem),
   MLFF_ERROR_INVALID_ARGUMENT or MLFF_ERROR_NULL_ARGUMENT. */
int32_t mlff_model_load(const char *path, int32_t precision, mlff_model **model, char **error);

/* Releases a model. NULL is ignored. */
void mlff_model_free(mlff_model *model);

/* The model's cutoff radius, Å (NaN for NULL). */
double mlff_model_cutoff(const mlff_model *model);

/* The number of elements the model knows (-1 for NULL). */
int32_t mlff_model_element_count(const mlff_model *model);

/* Writes the model's atomic numbers, in the model's order, into atomic_numbers[0..capacity)
   (at most capacity of them) and returns how many the model knows (-1 for NULL). */
int32_t mlff_model_elements(const mlff_model *model, int32_t *atomic_numbers, int32_t capacity);

/* The precision the model was loaded with (an mlff_precision value; -1 for NULL). */
int32_t mlff_model_precision(const mlff_model *model);

/* Energy, per-atom energies, forces and stress of one structure.

   atom_count      N >= 0
   atomic_numbers  [N] atomic numbers Z
   positions       [N][3] Cartesian positions, Å
   cell            [3][3] lattice vectors as rows, Å; may be NULL when no direction is periodic
   pbc             [3] periodic along a1, a2, a3 (non-zero = periodic); NULL = not periodic
   energy          out [1] total energy, eV
   energies        out [N] per-atom energies, eV (their sum is *energy)
   forces          out [N][3] forces -dE/dR, eV/Å
   stress          out [6] stress (1/V) dE/dε, eV/Å³, Voigt xx yy zz yz xz xy, ASE's sign;
                   defined only for structures periodic in all three directions, NaN otherwise

   Any output may be NULL when it is not wanted (forces and stress cost one reverse pass,
   however many are asked for). Nothing is written to the outputs when the call fails. */
int32_t mlff_compute(
    const mlff_model *model, int64_t atom_count, const int32_t *atomic_numbers,
    const double *positions, const double *cell, const int32_t *pbc,
    double *energy, double *energies, double *forces, double *stress, char **error);

/* The same for a batch of structures evaluated in one pass (faster than one call per
   structure for small structures). Arrays are the structures' arrays concatenated in order.

   structure_count  S >= 0
   atom_counts      [S] atoms of each structure; N = their sum
   atomic_numbers   [N]
   positions        [N][3], Å
   cells            [S][3][3], Å (may be NULL when no structure is periodic)
   pbc              [S][3] (NULL = none periodic)
   energy           out [S], eV
   energies         out [N], eV
   forces           out [N][3], eV/Å
   stress           out [S][6], eV/Å³ (NaN for structures not periodic in all three directions)

   Errors name the structure (0-based) and, for positions, the atom within it. */
int32_t mlff_compute_batch(
    const mlff_model *model, int64_t structure_count, const int64_t *atom_counts,
    const int32_t *atomic_numbers, const double *positions, const double *cells,
    const int32_t *pbc, double *energy, double *energies, double *forces, double *stress,
    char **error);

#ifdef __cplusplus
}
#endif

#endif /* MLFF_H */
