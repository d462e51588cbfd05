import Foundation

/// Where a dataset's labels came from: the teacher, the command that made it, when, and any
/// other provenance. Stored as attributes of the HDF5 file's root (see docs/dataset-format.md).
///
/// Units are not free: every dataset holds energies in eV, lengths in Å, forces in eV/Å and
/// stress in eV/Å³ (the `Structure` convention), and reading a file that says otherwise fails.
public struct DatasetMetadata: Sendable, Hashable {
  /// The teacher model's name ("emt", "chgnet", "module:function"); nil when unknown or unlabelled.
  public var teacher: String?
  /// The teacher package's version ("0.4.2"); nil when unknown.
  public var teacherVersion: String?
  /// The command line that made the file ("mlff label in.xyz -o data.h5 --teacher emt").
  public var createdBy: String?
  /// When the file was made, ISO 8601 in UTC ("2026-11-21T09:00:00Z").
  public var createdAt: String?
  /// Free-form provenance (sampling settings, source files, job ids), written as attributes of
  /// the group `provenance`.
  public var provenance: [String: String]
  /// For each structure, the frame of the labelling input it was labelled from (0-based);
  /// nil when not recorded. Labelling shards record it so that a merge puts the structures
  /// back in input order. Stored as the dataset `input_frames` (int64, nStructures); a list
  /// whose length no longer matches the structures (after taking a subset) is not written.
  public var inputFrames: [Int]? = nil

  /// - Parameters:
  ///   - createdAt: defaults to now.
  public init(
    teacher: String? = nil, teacherVersion: String? = nil, createdBy: String? = nil,
    createdAt: String? = DatasetMetadata.timestamp(), provenance: [String: String] = [:]
  ) {
    self.teacher = teacher
    self.teacherVersion = teacherVersion
    self.createdBy = createdBy
    self.createdAt = createdAt
    self.provenance = provenance
  }

  /// Energy unit of every dataset: "eV".
  public static let energyUnit = "eV"
  /// Length unit (positions, cells): "Å".
  public static let lengthUnit = "Å"
  /// Force unit: "eV/Å".
  public static let forceUnit = "eV/Å"
  /// Stress unit: "eV/Å^3".
  public static let stressUnit = "eV/Å^3"
  /// How stress is defined, stored next to it.
  public static let stressConvention =
    "(1/V) dE/d(strain), ASE sign (positive = tensile), Voigt order xx yy zz yz xz xy"

  /// The units as stored in the file: attribute name → value.
  public var units: [String: String] {
    ["energy_unit": Self.energyUnit, "length_unit": Self.lengthUnit, "force_unit": Self.forceUnit, "stress_unit": Self.stressUnit]
  }

  /// Spellings accepted on reading for each unit attribute (files written by other tools).
  static let acceptedUnits: [String: Set<String>] = [
    "energy_unit": ["eV"],
    "length_unit": ["Å", "Ang", "Angstrom", "angstrom", "A"],
    "force_unit": ["eV/Å", "eV/Ang", "eV/Angstrom", "eV/A"],
    "stress_unit": ["eV/Å^3", "eV/Å³", "eV/Ang^3", "eV/Angstrom^3", "eV/A^3"],
  ]

  /// The current time as ISO 8601 in UTC, to the second.
  public static func timestamp(_ date: Date = Date()) -> String {
    let formatter = ISO8601DateFormatter()
    formatter.formatOptions = [.withInternetDateTime]
    formatter.timeZone = TimeZone(identifier: "UTC")
    return formatter.string(from: date)
  }

  /// This process's command line, arguments quoted for a POSIX shell when needed:
  /// `mlff convert 'my file.xyz' out.h5`. The executable is shown by its base name.
  public static func commandLine(_ arguments: [String] = CommandLine.arguments) -> String {
    guard let first = arguments.first else { return "" }
    let executable = URL(fileURLWithPath: first).lastPathComponent
    return ([executable] + arguments.dropFirst()).map(shellQuoted).joined(separator: " ")
  }
}

/// `text` unchanged when it is made only of shell-safe characters, else in single quotes.
private func shellQuoted(_ text: String) -> String {
  let safe = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./=,:+@%")
  if !text.isEmpty && text.unicodeScalars.allSatisfy({ safe.contains($0) }) { return text }
  return "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
}
