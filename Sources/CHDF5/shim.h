// The HDF5 C API (Debian: libhdf5-dev); the include path comes from pkg-config.
#include <hdf5.h>
// H5T_NATIVE_* and H5P_DEFAULT are macros over runtime globals that Swift cannot import;
// these inline accessors give Swift the same values.
static inline hid_t mlff_h5t_native_double(void) { return H5T_NATIVE_DOUBLE; }
static inline hid_t mlff_h5t_native_float(void) { return H5T_NATIVE_FLOAT; }
static inline hid_t mlff_h5t_native_int32(void) { return H5T_NATIVE_INT32; }
static inline hid_t mlff_h5t_native_int64(void) { return H5T_NATIVE_INT64; }
static inline hid_t mlff_h5t_native_uint8(void) { return H5T_NATIVE_UINT8; }
static inline hid_t mlff_h5t_c_s1(void) { return H5T_C_S1; }
static inline hid_t mlff_h5p_default(void) { return H5P_DEFAULT; }
static inline hid_t mlff_h5p_dataset_create(void) { return H5P_DATASET_CREATE; }
static inline hid_t mlff_h5s_all(void) { return H5S_ALL; }
static inline hsize_t mlff_h5s_unlimited(void) { return H5S_UNLIMITED; }
