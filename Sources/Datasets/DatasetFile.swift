import Atomistic
import CHDF5
import Foundation

// The HDF5 layout of a dataset (docs/dataset-format.md), read and written in a few whole-array
// calls. All HDF5 work happens under `HDF5Library.withLock`.

/// The value of the root attribute `format`.
let datasetFormatName = "mlff-dataset"
/// The layout version this build writes and the newest it reads.
let datasetFormatVersion = 1

extension Dataset {
  /// Reads a dataset file written by `write(to:)` or by another tool in the documented layout.
  /// - Throws: `DatasetError` naming the file and the dataset or attribute that is missing,
  ///   of the wrong shape or type, or inconsistent.
  public static func read(_ url: URL) throws -> Dataset {
    let contents = try readColumns(url)
    return Dataset(structures: contents.columns.structures, metadata: contents.metadata, splits: contents.splits)
  }

  /// Reads a dataset file as flat columns, without building `Structure` values: the fast path
  /// for training (one HDF5 read per array).
  public static func readColumns(_ url: URL) throws -> (columns: DatasetColumns, metadata: DatasetMetadata, splits: DatasetSplits?) {
    try HDF5Library.withLock {
      let file = try HDF5File.openForReading(url)
      defer { try? file.close() }
      try checkFormat(file)
      let metadata = try readMetadata(file)
      let columns = try readArrays(file)
      try columns.validate(file: file.displayPath)
      let splits = try readSplits(file, count: columns.structureCount)
      var described = metadata
      described.inputFrames = try readInputFrames(file, count: columns.structureCount)
      return (columns, described, splits)
    }
  }

  /// Reads only a dataset file's metadata (teacher, provenance; not `inputFrames`), without
  /// its arrays.
  public static func metadata(of url: URL) throws -> DatasetMetadata {
    try HDF5Library.withLock {
      let file = try HDF5File.openForReading(url)
      defer { try? file.close() }
      try checkFormat(file)
      return try readMetadata(file)
    }
  }

  /// Writes the dataset to `url` atomically: a temporary file in the same folder, flushed to
  /// disk, then renamed over `url`. An existing file is replaced.
  public func write(to url: URL) throws {
    try Dataset.write(columns: columns, metadata: metadata, splits: splits, to: url)
  }

  /// Writes flat columns as a dataset file, atomically (see `write(to:)`).
  /// - Precondition: `columns.validate()` passes and `splits` fit `columns.structureCount`.
  public static func write(columns: DatasetColumns, metadata: DatasetMetadata, splits: DatasetSplits?, to url: URL) throws {
    try columns.validate(file: url.path)
    try splits?.validate(count: columns.structureCount, file: url.path)
    let atomic = try AtomicFile(destination: url)
    try HDF5Library.withLock {
      let file = try HDF5File.create(at: atomic.temporaryURL, displayPath: url.path)
      do {
        try writeMetadata(metadata, columns: columns, to: file)
        try writeArrays(columns, to: file)
        if let splits { try writeSplits(splits, to: file) }
        try writeProvenance(metadata.provenance, to: file)
        if let frames = metadata.inputFrames, frames.count == columns.structureCount {
          try file.write("input_frames", frames.map { Int64($0) }, shape: [frames.count],
                         fileType: mlff_h5t_std_i64le(), memoryType: mlff_h5t_native_int64())
        }
      } catch {
        try? file.close()
        throw error
      }
      try file.close()
    }
    do { try atomic.commit() } catch {
      throw DatasetError(.hdf5, file: url.path, message: "cannot move the finished file into place (\(error.reason))",
                         hint: "Check that the folder is writable")
    }
  }
}

// MARK: Reading

private func checkFormat(_ file: HDF5File) throws {
  if let format = try file.stringAttribute("format"), format != datasetFormatName {
    throw DatasetError(.notMLFFDataset, file: file.displayPath, object: "attribute 'format'",
                       message: "is '\(format)', expected '\(datasetFormatName)'",
                       hint: "This HDF5 file is not an mlff dataset; see docs/dataset-format.md")
  }
  if let version = try file.numericAttribute("format_version", as: mlff_h5t_native_int64(), zero: Int64(0))?.first,
     version > datasetFormatVersion {
    throw DatasetError(.unsupportedVersion, file: file.displayPath, object: "attribute 'format_version'",
                       message: "layout version \(version) is newer than this mlff reads (\(datasetFormatVersion))",
                       hint: "Update mlff")
  }
  for (name, accepted) in DatasetMetadata.acceptedUnits {
    if let unit = try file.stringAttribute(name), !accepted.contains(unit) {
      throw DatasetError(.unsupportedUnits, file: file.displayPath, object: "attribute '\(name)'",
                         message: "is '\(unit)', but mlff datasets use \(accepted.sorted().first ?? "")",
                         hint: "Convert the values to eV and Å before writing the file")
    }
  }
}

private func readMetadata(_ file: HDF5File) throws -> DatasetMetadata {
  var metadata = DatasetMetadata(
    teacher: try file.stringAttribute("teacher"), teacherVersion: try file.stringAttribute("teacher_version"),
    createdBy: try file.stringAttribute("created_by"), createdAt: try file.stringAttribute("created_at"))
  if file.exists("provenance") {
    for name in try file.attributeNames(on: "provenance") {
      metadata.provenance[name] = try file.stringAttribute(name, on: "provenance")
    }
  }
  return metadata
}

/// Reads a float dataset and checks its shape against `expected` (nil entries are free).
private func readDoubles(_ file: HDF5File, _ name: String, _ expected: [Int]) throws -> [Double] {
  let (values, shape) = try file.read(name, as: mlff_h5t_native_double(), zero: 0.0, allowedClasses: [H5T_FLOAT, H5T_INTEGER])
  try checkShape(file, name, shape, expected)
  return values
}

private func checkShape(_ file: HDF5File, _ name: String, _ shape: [Int], _ expected: [Int]) throws {
  guard shape == expected else {
    throw file.malformed("dataset '\(name)'", "shape \(shapeText(shape)) but expected \(shapeText(expected))")
  }
}

private func readArrays(_ file: HDF5File) throws -> DatasetColumns {
  var columns = DatasetColumns()
  let (z, zShape) = try file.read("atomic_numbers", as: mlff_h5t_native_int32(), zero: Int32(0), allowedClasses: [H5T_INTEGER])
  guard zShape.count == 1 else {
    throw file.malformed("dataset 'atomic_numbers'", "shape \(shapeText(zShape)), expected (nAtoms,)")
  }
  let nAtoms = zShape[0]
  columns.atomicNumbers = z
  let (offsets, offsetShape) = try file.read("offsets", as: mlff_h5t_native_int64(), zero: Int64(0), allowedClasses: [H5T_INTEGER])
  guard offsetShape.count == 1, offsetShape[0] >= 1 else {
    throw file.malformed("dataset 'offsets'", "shape \(shapeText(offsetShape)), expected (nStructures + 1,)")
  }
  columns.offsets = offsets.map { Int($0) }
  let n = offsetShape[0] - 1
  columns.positions = try readDoubles(file, "positions", [nAtoms, 3])

  columns.cell = file.exists("cell") ? try readDoubles(file, "cell", [n, 3, 3]) : [Double](repeating: 0, count: 9 * n)
  if file.exists("pbc") {
    let (pbc, shape) = try file.readFlags("pbc")
    try checkShape(file, "pbc", shape, [n, 3])
    columns.pbc = pbc
  } else {
    columns.pbc = [Bool](repeating: false, count: 3 * n)
  }

  // Labels: a missing dataset means "no labels"; a missing mask is derived from finite values.
  columns.energy = file.exists("energy") ? try readDoubles(file, "energy", [n]) : [Double](repeating: .nan, count: n)
  columns.forces = file.exists("forces") ? try readDoubles(file, "forces", [nAtoms, 3]) : [Double](repeating: .nan, count: 3 * nAtoms)
  columns.stress = file.exists("stress") ? try readDoubles(file, "stress", [n, 6]) : [Double](repeating: .nan, count: 6 * n)
  let validOffsets = columns.offsets.first == 0 && columns.offsets.last == nAtoms
    && zip(columns.offsets, columns.offsets.dropFirst()).allSatisfy { $0 <= $1 }
  guard validOffsets else {
    try columns.validate(file: file.displayPath)  // throws the precise message
    throw file.malformed("dataset 'offsets'", "inconsistent with 'atomic_numbers'")
  }
  columns.hasEnergy = try readMask(file, "has_energy", n) { columns.energy[$0].isFinite }
  columns.hasForces = try readMask(file, "has_forces", n) { s in
    let atoms = columns.offsets[s]..<columns.offsets[s + 1]
    return columns.forces[(3 * atoms.lowerBound)..<(3 * atoms.upperBound)].allSatisfy { $0.isFinite }
  }
  columns.hasStress = try readMask(file, "has_stress", n) { s in columns.stress[(6 * s)..<(6 * s + 6)].allSatisfy { $0.isFinite } }
  try readCurvature(file, into: &columns)
  // NaN wherever a mask says "missing", whatever the file held there.
  for s in 0..<n {
    if !columns.hasEnergy[s] { columns.energy[s] = .nan }
    if !columns.hasStress[s] { for k in (6 * s)..<(6 * s + 6) { columns.stress[k] = .nan } }
    if !columns.hasForces[s] { for k in (3 * columns.offsets[s])..<(3 * columns.offsets[s + 1]) { columns.forces[k] = .nan } }
  }
  return columns
}

/// The optional curvature labels: `hessian_probe_count` [n], `hessian_step` [n], and
/// `hessian_probes`, `hessian_products` [Σ_s k_s·N_s, 3] (absent: no curvature labels).
private func readCurvature(_ file: HDF5File, into columns: inout DatasetColumns) throws {
  let n = columns.structureCount
  guard file.exists("hessian_probe_count") else {
    columns.hessianProbeCount = [Int](repeating: 0, count: n)
    columns.hessianStep = [Double](repeating: .nan, count: n)
    return
  }
  let (counts, shape) = try file.read("hessian_probe_count", as: mlff_h5t_native_int64(), zero: Int64(0), allowedClasses: [H5T_INTEGER])
  try checkShape(file, "hessian_probe_count", shape, [n])
  columns.hessianProbeCount = counts.map { Int($0) }
  if let s = columns.hessianProbeCount.firstIndex(where: { $0 < 0 }) {
    throw file.malformed("dataset 'hessian_probe_count'", "structure \(s) has \(columns.hessianProbeCount[s]) probes")
  }
  columns.hessianStep = file.exists("hessian_step") ? try readDoubles(file, "hessian_step", [n]) : [Double](repeating: .nan, count: n)
  let rows = (0..<n).reduce(0) { $0 + columns.hessianProbeCount[$1] * columns.atomCount(of: $1) }
  for name in ["hessian_probes", "hessian_products"] where !file.exists(name) {
    throw file.malformed("dataset '\(name)'", "is missing although 'hessian_probe_count' is there")
  }
  columns.hessianProbes = try readDoubles(file, "hessian_probes", [rows, 3])
  columns.hessianProducts = try readDoubles(file, "hessian_products", [rows, 3])
}

private func readMask(_ file: HDF5File, _ name: String, _ n: Int, derived: (Int) -> Bool) throws -> [Bool] {
  guard file.exists(name) else { return (0..<n).map(derived) }
  let (mask, shape) = try file.readFlags(name)
  try checkShape(file, name, shape, [n])
  return mask
}

private func readInputFrames(_ file: HDF5File, count: Int) throws -> [Int]? {
  guard file.exists("input_frames") else { return nil }
  let (values, shape) = try file.read("input_frames", as: mlff_h5t_native_int64(), zero: Int64(0), allowedClasses: [H5T_INTEGER])
  try checkShape(file, "input_frames", shape, [count])
  return values.map { Int($0) }
}

private func readSplits(_ file: HDF5File, count: Int) throws -> DatasetSplits? {
  guard file.exists("splits") else { return nil }
  func indices(_ split: SplitName) throws -> [Int] {
    let path = "splits/\(split.rawValue)"
    guard file.exists(path) else { return [] }
    let (values, shape) = try file.read(path, as: mlff_h5t_native_int64(), zero: Int64(0), allowedClasses: [H5T_INTEGER])
    guard shape.count == 1 else { throw file.malformed("dataset '\(path)'", "shape \(shapeText(shape)), expected one dimension") }
    return values.map { Int($0) }
  }
  var splits = DatasetSplits(train: try indices(.train), validation: try indices(.validation), test: try indices(.test))
  splits.seed = try file.numericAttribute("seed", on: "splits", as: mlff_h5t_native_uint64(), zero: UInt64(0))?.first
  if let f = try file.numericAttribute("fractions", on: "splits", as: mlff_h5t_native_double(), zero: 0.0) {
    guard f.count == 3 else {
      throw file.malformed("attribute 'fractions' on 'splits'", "holds \(f.count) values, expected 3 (train, validation, test)")
    }
    splits.fractions = SplitFractions(train: f[0], validation: f[1], test: f[2])
  }
  try splits.validate(count: count, file: file.displayPath)
  return splits
}

// MARK: Writing

private func writeMetadata(_ metadata: DatasetMetadata, columns: DatasetColumns, to file: HDF5File) throws {
  try file.setAttribute("format", datasetFormatName)
  try file.setAttribute("format_version", [Int64(datasetFormatVersion)], fileType: mlff_h5t_std_i64le(), memoryType: mlff_h5t_native_int64())
  if let teacher = metadata.teacher { try file.setAttribute("teacher", teacher) }
  if let version = metadata.teacherVersion { try file.setAttribute("teacher_version", version) }
  for (name, unit) in metadata.units.sorted(by: { $0.key < $1.key }) { try file.setAttribute(name, unit) }
  try file.setAttribute("stress_convention", DatasetMetadata.stressConvention)
  if let createdBy = metadata.createdBy { try file.setAttribute("created_by", createdBy) }
  if let createdAt = metadata.createdAt { try file.setAttribute("created_at", createdAt) }
  try file.setAttribute("structure_count", [Int64(columns.structureCount)], fileType: mlff_h5t_std_i64le(), memoryType: mlff_h5t_native_int64())
  try file.setAttribute("atom_count", [Int64(columns.atomCount)], fileType: mlff_h5t_std_i64le(), memoryType: mlff_h5t_native_int64())
}

private func writeArrays(_ columns: DatasetColumns, to file: HDF5File) throws {
  let nAtoms = columns.atomCount, n = columns.structureCount
  let f64 = mlff_h5t_ieee_f64le(), double = mlff_h5t_native_double()
  try file.write("atomic_numbers", columns.atomicNumbers, shape: [nAtoms], fileType: mlff_h5t_std_i32le(), memoryType: mlff_h5t_native_int32())
  try file.write("positions", columns.positions, shape: [nAtoms, 3], fileType: f64, memoryType: double)
  try file.write("forces", columns.forces, shape: [nAtoms, 3], fileType: f64, memoryType: double)
  try file.write("offsets", columns.offsets.map { Int64($0) }, shape: [n + 1], fileType: mlff_h5t_std_i64le(), memoryType: mlff_h5t_native_int64())
  try file.write("energy", columns.energy, shape: [n], fileType: f64, memoryType: double)
  try file.write("stress", columns.stress, shape: [n, 6], fileType: f64, memoryType: double)
  try file.write("cell", columns.cell, shape: [n, 3, 3], fileType: f64, memoryType: double)
  try file.writeFlags("pbc", columns.pbc, shape: [n, 3])
  try file.writeFlags("has_energy", columns.hasEnergy, shape: [n])
  try file.writeFlags("has_forces", columns.hasForces, shape: [n])
  try file.writeFlags("has_stress", columns.hasStress, shape: [n])
  if columns.hasCurvature {
    let rows = columns.hessianProbes.count / 3
    try file.write("hessian_probe_count", columns.hessianProbeCount.map { Int64($0) }, shape: [n], fileType: mlff_h5t_std_i64le(), memoryType: mlff_h5t_native_int64())
    try file.write("hessian_step", columns.hessianStep, shape: [n], fileType: f64, memoryType: double)
    try file.write("hessian_probes", columns.hessianProbes, shape: [rows, 3], fileType: f64, memoryType: double)
    try file.write("hessian_products", columns.hessianProducts, shape: [rows, 3], fileType: f64, memoryType: double)
  }
}

private func writeSplits(_ splits: DatasetSplits, to file: HDF5File) throws {
  try file.createGroup("splits")
  for split in SplitName.allCases {
    let indices = splits[split].map { Int64($0) }
    try file.write("splits/\(split.rawValue)", indices, shape: [indices.count], fileType: mlff_h5t_std_i64le(), memoryType: mlff_h5t_native_int64())
  }
  if let seed = splits.seed {
    try file.setAttribute("seed", [seed], on: "splits", fileType: mlff_h5t_std_u64le(), memoryType: mlff_h5t_native_uint64())
  }
  if let f = splits.fractions {
    try file.setAttribute("fractions", [f.train, f.validation, f.test], asArray: true, on: "splits",
                          fileType: mlff_h5t_ieee_f64le(), memoryType: mlff_h5t_native_double())
  }
}

private func writeProvenance(_ provenance: [String: String], to file: HDF5File) throws {
  guard !provenance.isEmpty else { return }
  try file.createGroup("provenance")
  for (key, value) in provenance.sorted(by: { $0.key < $1.key }) { try file.setAttribute(key, value, on: "provenance") }
}
