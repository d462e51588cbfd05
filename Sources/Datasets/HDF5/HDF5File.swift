import CHDF5
import Foundation

/// An open HDF5 file and the few operations the dataset layout needs: whole n-dimensional
/// datasets of numbers, flags and strings, groups, and scalar or small-array attributes.
///
/// Objects are named by paths from the root ("positions", "splits/train"); attributes sit on
/// an object path ("." for the root). Every method must be called inside
/// `HDF5Library.withLock`. Failures throw `DatasetError`s that name the file and the object.
final class HDF5File {
  /// The file's HDF5 identifier.
  let id: hid_t
  /// The path shown in error messages.
  let displayPath: String
  private var isOpen = true

  private init(id: hid_t, displayPath: String) {
    self.id = id
    self.displayPath = displayPath
  }

  /// Creates (or truncates) an HDF5 file for writing.
  static func create(at url: URL, displayPath: String? = nil) throws -> HDF5File {
    let shown = displayPath ?? url.path
    let id = H5Fcreate(url.path, mlff_h5f_acc_trunc(), mlff_h5p_default(), mlff_h5p_default())
    guard id >= 0 else {
      throw DatasetError(.hdf5, file: shown, message: "cannot create the file (\(HDF5Library.takeErrorStack()))",
                         hint: "Check that the folder exists and is writable")
    }
    return HDF5File(id: id, displayPath: shown)
  }

  /// Opens an existing HDF5 file read-only; a missing or non-HDF5 file gives a clear error.
  static func openForReading(_ url: URL) throws -> HDF5File {
    let shown = url.path
    guard FileManager.default.fileExists(atPath: url.path) else {
      throw DatasetError(.fileNotFound, file: shown, message: "no such file", hint: "Check the path")
    }
    let check = H5Fis_hdf5(url.path)
    if check <= 0 {
      _ = HDF5Library.takeErrorStack()
      throw DatasetError(
        .notHDF5, file: shown, message: "not an HDF5 file (no HDF5 signature; the file may be truncated or of another format)",
        hint: "Datasets are HDF5 files written by 'mlff label' or 'mlff convert in.xyz out.h5'; for extxyz use a .xyz or .extxyz extension")
    }
    let id = H5Fopen(url.path, mlff_h5f_acc_rdonly(), mlff_h5p_default())
    guard id >= 0 else {
      throw DatasetError(.notHDF5, file: shown, message: "cannot open the HDF5 file (\(HDF5Library.takeErrorStack()))",
                         hint: "The file is damaged or truncated; regenerate it")
    }
    return HDF5File(id: id, displayPath: shown)
  }

  /// Closes the file, flushing what was written; throws if the flush fails (disk full).
  func close() throws {
    guard isOpen else { return }
    isOpen = false
    if H5Fclose(id) < 0 {
      throw DatasetError(.hdf5, file: displayPath, message: "cannot close the file (\(HDF5Library.takeErrorStack()))",
                         hint: "The disk may be full")
    }
  }

  deinit {
    if isOpen { HDF5Library.withLock { _ = H5Fclose(id) } }
  }

  // MARK: Errors

  func failure(_ object: String, _ action: String) -> DatasetError {
    DatasetError(.hdf5, file: displayPath, object: object, message: "\(action) failed (\(HDF5Library.takeErrorStack()))")
  }

  func malformed(_ object: String, _ message: String) -> DatasetError {
    DatasetError(.malformed, file: displayPath, object: object, message: message,
                 hint: "See docs/dataset-format.md for the layout")
  }

  // MARK: Links and groups

  /// True when every component of `path` exists (a dataset or a group).
  func exists(_ path: String) -> Bool {
    var prefix = ""
    for component in path.split(separator: "/") {
      prefix += prefix.isEmpty ? String(component) : "/" + component
      if H5Lexists(id, prefix, mlff_h5p_default()) <= 0 {
        _ = HDF5Library.takeErrorStack()
        return false
      }
    }
    return true
  }

  /// Creates a group at `path` (its parent must exist).
  func createGroup(_ path: String) throws {
    let group = H5Gcreate2(id, path, mlff_h5p_default(), mlff_h5p_default(), mlff_h5p_default())
    guard group >= 0 else { throw failure("group '\(path)'", "creating the group") }
    _ = H5Gclose(group)
  }

  // MARK: Numeric datasets

  /// Writes a whole dataset. - Parameters: values: row-major, `shape.reduce(1, *)` entries;
  /// fileType: the HDF5 type stored in the file; memoryType: the HDF5 type of `T`.
  func write<T>(_ path: String, _ values: [T], shape: [Int], fileType: hid_t, memoryType: hid_t) throws {
    precondition(shape.reduce(1, *) == values.count, "\(path): \(values.count) values for shape \(shape)")
    var dims = shape.map { hsize_t($0) }
    let space = H5Screate_simple(Int32(dims.count), &dims, nil)
    guard space >= 0 else { throw failure("dataset '\(path)'", "creating its dataspace") }
    defer { _ = H5Sclose(space) }
    let dataset = H5Dcreate2(id, path, fileType, space, mlff_h5p_default(), mlff_h5p_default(), mlff_h5p_default())
    guard dataset >= 0 else { throw failure("dataset '\(path)'", "creating the dataset") }
    defer { _ = H5Dclose(dataset) }
    guard !values.isEmpty else { return }
    let status = values.withUnsafeBytes {
      H5Dwrite(dataset, memoryType, mlff_h5s_all(), mlff_h5s_all(), mlff_h5p_default(), $0.baseAddress)
    }
    guard status >= 0 else { throw failure("dataset '\(path)'", "writing") }
  }

  /// The shape of dataset `path`.
  func shape(of path: String) throws -> [Int] {
    let dataset = try openDataset(path)
    defer { _ = H5Dclose(dataset) }
    return try shape(ofOpen: dataset, path)
  }

  /// Reads a whole numeric dataset converted to `memoryType`.
  /// - Parameter allowedClasses: the stored type classes accepted (e.g. only integers for indices).
  /// - Returns: the values row-major and the shape.
  func read<T>(_ path: String, as memoryType: hid_t, zero: T, allowedClasses: [H5T_class_t]) throws -> (values: [T], shape: [Int]) {
    let dataset = try openDataset(path)
    defer { _ = H5Dclose(dataset) }
    let fileType = H5Dget_type(dataset)
    guard fileType >= 0 else { throw failure("dataset '\(path)'", "reading its type") }
    let typeClass = H5Tget_class(fileType)
    _ = H5Tclose(fileType)
    guard allowedClasses.contains(typeClass) else {
      throw malformed("dataset '\(path)'", "stored as \(describe(typeClass)), expected \(allowedClasses.map(describe).joined(separator: " or "))")
    }
    let shape = try shape(ofOpen: dataset, path)
    var values = [T](repeating: zero, count: shape.reduce(1, *))
    if !values.isEmpty {
      let status = values.withUnsafeMutableBytes {
        H5Dread(dataset, memoryType, mlff_h5s_all(), mlff_h5s_all(), mlff_h5p_default(), $0.baseAddress)
      }
      guard status >= 0 else { throw failure("dataset '\(path)'", "reading") }
    }
    return (values, shape)
  }

  // MARK: Flags (numpy bool)

  /// h5py's type for numpy `bool`: an enum over int8 with FALSE = 0 and TRUE = 1.
  private func makeBoolType() -> hid_t {
    let type = H5Tenum_create(mlff_h5t_native_int8())
    var value: Int8 = 0
    _ = H5Tenum_insert(type, "FALSE", &value)
    value = 1
    _ = H5Tenum_insert(type, "TRUE", &value)
    return type
  }

  /// Writes flags as h5py's bool type (numpy reads them as `bool`).
  func writeFlags(_ path: String, _ values: [Bool], shape: [Int]) throws {
    let type = makeBoolType()
    defer { _ = H5Tclose(type) }
    try write(path, values.map { Int8($0 ? 1 : 0) }, shape: shape, fileType: type, memoryType: type)
  }

  /// Reads flags stored as h5py bools (a 1-byte enum) or as integers of any width (non-zero = true).
  func readFlags(_ path: String) throws -> (values: [Bool], shape: [Int]) {
    let dataset = try openDataset(path)
    defer { _ = H5Dclose(dataset) }
    let fileType = H5Dget_type(dataset)
    guard fileType >= 0 else { throw failure("dataset '\(path)'", "reading its type") }
    defer { _ = H5Tclose(fileType) }
    let typeClass = H5Tget_class(fileType)
    let shape = try shape(ofOpen: dataset, path)
    let count = shape.reduce(1, *)
    switch typeClass {
    case H5T_INTEGER:
      var values = [Int64](repeating: 0, count: count)
      if count > 0 {
        let status = values.withUnsafeMutableBytes {
          H5Dread(dataset, mlff_h5t_native_int64(), mlff_h5s_all(), mlff_h5s_all(), mlff_h5p_default(), $0.baseAddress)
        }
        guard status >= 0 else { throw failure("dataset '\(path)'", "reading") }
      }
      return (values.map { $0 != 0 }, shape)
    case H5T_ENUM:
      guard H5Tget_size(fileType) == 1 else {
        throw malformed("dataset '\(path)'", "an enum of \(H5Tget_size(fileType)) bytes, expected a bool (1 byte)")
      }
      let memoryType = H5Tget_native_type(fileType, H5T_DIR_ASCEND)
      defer { _ = H5Tclose(memoryType) }
      var values = [UInt8](repeating: 0, count: count)
      if count > 0 {
        let status = values.withUnsafeMutableBytes {
          H5Dread(dataset, memoryType, mlff_h5s_all(), mlff_h5s_all(), mlff_h5p_default(), $0.baseAddress)
        }
        guard status >= 0 else { throw failure("dataset '\(path)'", "reading") }
      }
      return (values.map { $0 != 0 }, shape)
    default:
      throw malformed("dataset '\(path)'", "stored as \(describe(typeClass)), expected bool or integer flags")
    }
  }

  // MARK: String datasets

  /// A variable-length UTF-8 string type (h5py reads it as `str`).
  private func makeStringType() -> hid_t {
    let type = H5Tcopy(mlff_h5t_c_s1())
    _ = H5Tset_size(type, mlff_h5t_variable())
    _ = H5Tset_cset(type, H5T_CSET_UTF8)
    return type
  }

  /// Writes a 1-D dataset of variable-length UTF-8 strings.
  func writeStrings(_ path: String, _ values: [String]) throws {
    let type = makeStringType()
    defer { _ = H5Tclose(type) }
    let pointers: [UnsafeMutablePointer<CChar>?] = values.map { strdup($0) }
    defer { pointers.forEach { free($0) } }
    try write(path, pointers, shape: [values.count], fileType: type, memoryType: type)
  }

  /// Reads a 1-D dataset of strings (variable- or fixed-length).
  func readStrings(_ path: String) throws -> [String] {
    let dataset = try openDataset(path)
    defer { _ = H5Dclose(dataset) }
    let shape = try shape(ofOpen: dataset, path)
    guard shape.count == 1 else { throw malformed("dataset '\(path)'", "shape \(shapeText(shape)), expected one dimension") }
    let fileType = H5Dget_type(dataset)
    guard fileType >= 0 else { throw failure("dataset '\(path)'", "reading its type") }
    defer { _ = H5Tclose(fileType) }
    guard H5Tget_class(fileType) == H5T_STRING else {
      throw malformed("dataset '\(path)'", "stored as \(describe(H5Tget_class(fileType))), expected strings")
    }
    let count = shape[0]
    if count == 0 { return [] }
    if H5Tis_variable_str(fileType) > 0 {
      let memoryType = makeStringType()
      defer { _ = H5Tclose(memoryType) }
      var pointers = [UnsafeMutablePointer<CChar>?](repeating: nil, count: count)
      let status = pointers.withUnsafeMutableBytes {
        H5Dread(dataset, memoryType, mlff_h5s_all(), mlff_h5s_all(), mlff_h5p_default(), $0.baseAddress)
      }
      guard status >= 0 else { throw failure("dataset '\(path)'", "reading") }
      let strings = pointers.map { $0.map { String(cString: $0) } ?? "" }
      let space = H5Dget_space(dataset)
      pointers.withUnsafeMutableBytes { _ = H5Dvlen_reclaim(memoryType, space, mlff_h5p_default(), $0.baseAddress) }
      _ = H5Sclose(space)
      return strings
    }
    let size = H5Tget_size(fileType)
    var bytes = [UInt8](repeating: 0, count: size * count)
    let status = bytes.withUnsafeMutableBytes {
      H5Dread(dataset, fileType, mlff_h5s_all(), mlff_h5s_all(), mlff_h5p_default(), $0.baseAddress)
    }
    guard status >= 0 else { throw failure("dataset '\(path)'", "reading") }
    return (0..<count).map { decodeFixedString(bytes[($0 * size)..<(($0 + 1) * size)]) }
  }

  // MARK: Attributes

  /// Writes (or replaces) a scalar variable-length UTF-8 string attribute on `object`.
  func setAttribute(_ name: String, _ value: String, on object: String = ".") throws {
    let type = makeStringType()
    defer { _ = H5Tclose(type) }
    let space = H5Screate(H5S_SCALAR)
    defer { _ = H5Sclose(space) }
    let attribute = try createAttribute(name, on: object, type: type, space: space)
    defer { _ = H5Aclose(attribute) }
    let status = value.withCString { text -> herr_t in
      var pointer: UnsafePointer<CChar>? = text
      return H5Awrite(attribute, type, &pointer)
    }
    guard status >= 0 else { throw failure("attribute '\(name)' on '\(object)'", "writing") }
  }

  /// Writes a numeric attribute: a scalar when `values` has one entry and `asArray` is false.
  func setAttribute<T>(_ name: String, _ values: [T], asArray: Bool = false, on object: String = ".", fileType: hid_t, memoryType: hid_t) throws {
    var dims = [hsize_t(values.count)]
    let space = asArray || values.count != 1 ? H5Screate_simple(1, &dims, nil) : H5Screate(H5S_SCALAR)
    defer { _ = H5Sclose(space) }
    let attribute = try createAttribute(name, on: object, type: fileType, space: space)
    defer { _ = H5Aclose(attribute) }
    let status = values.withUnsafeBytes { H5Awrite(attribute, memoryType, $0.baseAddress) }
    guard status >= 0 else { throw failure("attribute '\(name)' on '\(object)'", "writing") }
  }

  private func createAttribute(_ name: String, on object: String, type: hid_t, space: hid_t) throws -> hid_t {
    if H5Aexists_by_name(id, object, name, mlff_h5p_default()) > 0 {
      _ = H5Adelete_by_name(id, object, name, mlff_h5p_default())
    }
    let attribute = H5Acreate_by_name(id, object, name, type, space, mlff_h5p_default(), mlff_h5p_default(), mlff_h5p_default())
    guard attribute >= 0 else { throw failure("attribute '\(name)' on '\(object)'", "creating") }
    return attribute
  }

  /// True when `object` has an attribute `name`.
  func hasAttribute(_ name: String, on object: String = ".") -> Bool {
    let result = H5Aexists_by_name(id, object, name, mlff_h5p_default())
    if result < 0 { _ = HDF5Library.takeErrorStack() }
    return result > 0
  }

  /// The names of `object`'s attributes in creation (or name) order.
  func attributeNames(on object: String = ".") throws -> [String] {
    var names: [String] = []
    var index: hsize_t = 0
    let status = withUnsafeMutablePointer(to: &names) { pointer in
      H5Aiterate_by_name(id, object, H5_INDEX_NAME, H5_ITER_INC, &index, collectAttributeName,
                         UnsafeMutableRawPointer(pointer), mlff_h5p_default())
    }
    guard status >= 0 else { throw failure("'\(object)'", "listing attributes") }
    return names
  }

  /// A string attribute (variable- or fixed-length, scalar or one-element array), nil when absent.
  func stringAttribute(_ name: String, on object: String = ".") throws -> String? {
    guard hasAttribute(name, on: object) else { return nil }
    let label = "attribute '\(name)'" + (object == "." ? "" : " on '\(object)'")
    let attribute = H5Aopen_by_name(id, object, name, mlff_h5p_default(), mlff_h5p_default())
    guard attribute >= 0 else { throw failure(label, "opening") }
    defer { _ = H5Aclose(attribute) }
    let fileType = H5Aget_type(attribute)
    defer { _ = H5Tclose(fileType) }
    guard H5Tget_class(fileType) == H5T_STRING else {
      throw malformed(label, "stored as \(describe(H5Tget_class(fileType))), expected a string")
    }
    let space = H5Aget_space(attribute)
    defer { _ = H5Sclose(space) }
    guard H5Sget_simple_extent_npoints(space) == 1 else { throw malformed(label, "holds several values, expected one string") }
    if H5Tis_variable_str(fileType) > 0 {
      let memoryType = makeStringType()
      defer { _ = H5Tclose(memoryType) }
      var pointer: UnsafeMutablePointer<CChar>? = nil
      guard H5Aread(attribute, memoryType, &pointer) >= 0 else { throw failure(label, "reading") }
      defer { if let pointer { H5free_memory(pointer) } }
      return pointer.map { String(cString: $0) } ?? ""
    }
    var bytes = [UInt8](repeating: 0, count: H5Tget_size(fileType))
    guard bytes.withUnsafeMutableBytes({ H5Aread(attribute, fileType, $0.baseAddress) }) >= 0 else { throw failure(label, "reading") }
    return decodeFixedString(bytes[...])
  }

  /// A numeric attribute converted to `memoryType`, nil when absent.
  func numericAttribute<T>(_ name: String, on object: String = ".", as memoryType: hid_t, zero: T) throws -> [T]? {
    guard hasAttribute(name, on: object) else { return nil }
    let label = "attribute '\(name)'" + (object == "." ? "" : " on '\(object)'")
    let attribute = H5Aopen_by_name(id, object, name, mlff_h5p_default(), mlff_h5p_default())
    guard attribute >= 0 else { throw failure(label, "opening") }
    defer { _ = H5Aclose(attribute) }
    let fileType = H5Aget_type(attribute)
    let typeClass = H5Tget_class(fileType)
    _ = H5Tclose(fileType)
    guard typeClass == H5T_INTEGER || typeClass == H5T_FLOAT else {
      throw malformed(label, "stored as \(describe(typeClass)), expected a number")
    }
    let space = H5Aget_space(attribute)
    let count = Int(H5Sget_simple_extent_npoints(space))
    _ = H5Sclose(space)
    var values = [T](repeating: zero, count: max(count, 0))
    if count > 0 {
      guard values.withUnsafeMutableBytes({ H5Aread(attribute, memoryType, $0.baseAddress) }) >= 0 else { throw failure(label, "reading") }
    }
    return values
  }

  // MARK: Helpers

  private func openDataset(_ path: String) throws -> hid_t {
    guard exists(path) else {
      throw DatasetError(.notMLFFDataset, file: displayPath, object: "dataset '\(path)'", message: "missing",
                         hint: "See docs/dataset-format.md for the datasets an mlff dataset file holds")
    }
    let dataset = H5Dopen2(id, path, mlff_h5p_default())
    guard dataset >= 0 else { throw failure("dataset '\(path)'", "opening") }
    return dataset
  }

  private func shape(ofOpen dataset: hid_t, _ path: String) throws -> [Int] {
    let space = H5Dget_space(dataset)
    guard space >= 0 else { throw failure("dataset '\(path)'", "reading its shape") }
    defer { _ = H5Sclose(space) }
    let rank = H5Sget_simple_extent_ndims(space)
    guard rank >= 0 else { throw failure("dataset '\(path)'", "reading its shape") }
    var dims = [hsize_t](repeating: 0, count: Int(rank))
    _ = H5Sget_simple_extent_dims(space, &dims, nil)
    return dims.map { Int($0) }
  }

  private func describe(_ typeClass: H5T_class_t) -> String {
    switch typeClass {
    case H5T_INTEGER: return "integers"
    case H5T_FLOAT: return "floating-point numbers"
    case H5T_STRING: return "strings"
    case H5T_ENUM: return "an enum"
    case H5T_COMPOUND: return "a compound type"
    default: return "HDF5 type class \(typeClass.rawValue)"
    }
  }
}

/// "(3, 4)" for [3, 4]; "()" for a scalar.
func shapeText(_ shape: [Int]) -> String {
  shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
}

/// A fixed-length HDF5 string: bytes up to the first NUL, trailing spaces removed, UTF-8.
private func decodeFixedString(_ bytes: ArraySlice<UInt8>) -> String {
  let end = bytes.firstIndex(of: 0) ?? bytes.endIndex
  var text = String(decoding: bytes[bytes.startIndex..<end], as: UTF8.self)
  while text.hasSuffix(" ") { text.removeLast() }
  return text
}

/// H5Aiterate callback: appends the attribute name to a `[String]`.
private let collectAttributeName: H5A_operator2_t = { _, name, _, data in
  guard let name, let data else { return 0 }
  data.assumingMemoryBound(to: [String].self).pointee.append(String(cString: name))
  return 0
}
