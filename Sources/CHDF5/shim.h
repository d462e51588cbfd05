// The HDF5 C API (Debian: libhdf5-dev); the include path comes from pkg-config.
#include <hdf5.h>
// H5T_*, H5P_*, H5F_ACC_* and H5T_VARIABLE are macros over runtime globals (or casts) that
// Swift cannot import; these inline accessors give Swift the same values.

// Memory (native) types.
static inline hid_t mlff_h5t_native_double(void) { return H5T_NATIVE_DOUBLE; }
static inline hid_t mlff_h5t_native_float(void) { return H5T_NATIVE_FLOAT; }
static inline hid_t mlff_h5t_native_int8(void) { return H5T_NATIVE_INT8; }
static inline hid_t mlff_h5t_native_int32(void) { return H5T_NATIVE_INT32; }
static inline hid_t mlff_h5t_native_int64(void) { return H5T_NATIVE_INT64; }
static inline hid_t mlff_h5t_native_uint8(void) { return H5T_NATIVE_UINT8; }
static inline hid_t mlff_h5t_native_uint64(void) { return H5T_NATIVE_UINT64; }
static inline hid_t mlff_h5t_c_s1(void) { return H5T_C_S1; }

// File types with a fixed byte order (little-endian, what numpy/h5py write on x86 and arm).
static inline hid_t mlff_h5t_ieee_f64le(void) { return H5T_IEEE_F64LE; }
static inline hid_t mlff_h5t_std_i32le(void) { return H5T_STD_I32LE; }
static inline hid_t mlff_h5t_std_i64le(void) { return H5T_STD_I64LE; }
static inline hid_t mlff_h5t_std_u64le(void) { return H5T_STD_U64LE; }

// Property lists, dataspaces, sizes.
static inline hid_t mlff_h5p_default(void) { return H5P_DEFAULT; }
static inline hid_t mlff_h5p_dataset_create(void) { return H5P_DATASET_CREATE; }
static inline hid_t mlff_h5p_file_access(void) { return H5P_FILE_ACCESS; }
static inline hid_t mlff_h5s_all(void) { return H5S_ALL; }
static inline hsize_t mlff_h5s_unlimited(void) { return H5S_UNLIMITED; }
static inline size_t mlff_h5t_variable(void) { return H5T_VARIABLE; }
static inline hid_t mlff_h5e_default(void) { return H5E_DEFAULT; }

// File access flags.
static inline unsigned mlff_h5f_acc_rdonly(void) { return H5F_ACC_RDONLY; }
static inline unsigned mlff_h5f_acc_rdwr(void) { return H5F_ACC_RDWR; }
static inline unsigned mlff_h5f_acc_trunc(void) { return H5F_ACC_TRUNC; }
static inline unsigned mlff_h5f_acc_excl(void) { return H5F_ACC_EXCL; }
