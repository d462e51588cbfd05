import CMLFF

// The header include/mlff.h is what C callers compile against; the @_cdecl functions in
// Exports.swift are what they link to. Pairing each function with its declaration as the
// header states it makes a difference in any parameter or result type a compile error here,
// instead of a silent ABI mismatch in a caller.

/// Compiles only when `implementation` and `declaration` have the same type.
@inline(__always) private func same<F>(_ implementation: F, _ declaration: F) {}

/// Type-checked whenever the library compiles; it need never run.
func headerDeclarationsAgree() -> Bool {
  same(mlffABIVersion, mlff_abi_version)
  same(mlffStatusName, mlff_status_name)
  same(mlffStringFree, mlff_string_free)
  same(mlffModelLoad, mlff_model_load)
  same(mlffModelFree, mlff_model_free)
  same(mlffModelCutoff, mlff_model_cutoff)
  same(mlffModelElementCount, mlff_model_element_count)
  same(mlffModelElements, mlff_model_elements)
  same(mlffModelPrecision, mlff_model_precision)
  same(mlffCompute, mlff_compute)
  same(mlffComputeBatch, mlff_compute_batch)
  return headerStatusesAgree() && MLFF_ABI_VERSION == mlffABIVersion()
}
