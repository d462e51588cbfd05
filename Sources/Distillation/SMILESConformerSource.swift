import Atomistic
import Datasets
import Foundation
import Teacher

/// Seeds from SMILES: RDKit embeds each molecule with its hydrogens (ETKDG v3) and relaxes every
/// conformer with MMFF94 (UFF where MMFF has no parameters).
///
/// RDKit is a Python library, so this runs on the Python side of the process boundary, like the
/// teacher: one short `python -m mlff_teacher conformers -o FILE` process per call, the molecules
/// as JSON on its stdin, the conformers back as an extxyz file (non-periodic, Å, unlabelled,
/// info `smiles`, `name`, `mlff_source = smiles`, `mlff_source_where`, `conformer`,
/// `force_field`, `force_field_energy` in eV). It is its own command rather than a request on
/// the teacher protocol because conformers are input, made once before any teacher runs (and
/// labelled by any teacher), and an unreadable SMILES must stop the run, where a teacher
/// failure only fails its structure. See `python/mlff_teacher/conformers.py`.
public struct SMILESConformerSource: CandidateSource {
  /// The molecules, with where each was given.
  public var molecules: [SMILESEntry]
  /// Conformers embedded per molecule (≥ 1).
  public var conformersPerMolecule: Int
  /// Seed of the embedding: the same seed gives the same conformers.
  public var seed: UInt64
  /// The Python interpreter (nil: as for the teacher, `PythonInterpreter.resolve`).
  public var python: String?

  public init(molecules: [SMILESEntry], conformersPerMolecule: Int, seed: UInt64, python: String? = nil) {
    self.molecules = molecules
    self.conformersPerMolecule = conformersPerMolecule
    self.seed = seed
    self.python = python
  }

  /// The request in one line (the SMILES, conformers per molecule, seed): two sources with the
  /// same request give the same conformers.
  public var request: String {
    molecules.map(\.smiles).joined(separator: " ") + " | conformers \(conformersPerMolecule) | seed \(seed)"
  }

  public var description: String {
    "\(molecules.count) SMILES" + (molecules.first.map { " (first: \($0.location))" } ?? "")
  }

  /// The conformers, `conformersPerMolecule` per molecule (fewer when RDKit finds fewer), in the
  /// order of `molecules`.
  /// - Throws: `SMILESListError` naming every SMILES RDKit cannot read and where it was given,
  ///   or saying how to install RDKit; `TeacherError.interpreterNotFound` without Python.
  public func structures() throws -> [Structure] {
    guard !molecules.isEmpty else { return [] }
    precondition(conformersPerMolecule >= 1, "at least one conformer per molecule")
    let interpreter = try PythonInterpreter.resolve(python)
    let output = FileManager.default.temporaryDirectory
      .appendingPathComponent("mlff-conformers-\(ProcessInfo.processInfo.processIdentifier)-\(UUID().uuidString).xyz")
    defer { try? FileManager.default.removeItem(at: output) }

    let request: [String: Any] = [
      "molecules": molecules.map { ["smiles": $0.smiles, "name": $0.name, "where": $0.location] },
      "conformers": conformersPerMolecule, "seed": seed & 0x7FFF_FFFF,
    ]
    let process = Process()
    process.executableURL = URL(fileURLWithPath: interpreter)
    process.arguments = ["-m", "mlff_teacher", "conformers", "-o", output.path]
    var environment = ProcessInfo.processInfo.environment
    if let folder = PythonInterpreter.teacherPackageFolder(near: interpreter) {
      environment["PYTHONPATH"] = [environment["PYTHONPATH"], folder].compactMap { $0 }.filter { !$0.isEmpty }.joined(separator: ":")
    }
    environment["OMP_NUM_THREADS"] = environment["OMP_NUM_THREADS"] ?? "1"
    process.environment = environment
    let input = Pipe(), messages = Pipe()
    process.standardInput = input
    process.standardOutput = messages
    process.standardError = messages
    do { try process.run() } catch {
      throw SMILESListError("cannot start \(interpreter) to make conformers: \(error.localizedDescription)")
    }
    let body = try JSONSerialization.data(withJSONObject: request, options: [.sortedKeys])
    try? input.fileHandleForWriting.write(contentsOf: body)
    try? input.fileHandleForWriting.close()
    let text = String(decoding: messages.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    let status = process.terminationStatus
    guard status == 0 else {
      let lines = text.split(separator: "\n").map(String.init)
      let said = lines.drop { !$0.hasPrefix("error: ") }.joined(separator: "\n")
      let message = said.isEmpty ? lines.suffix(8).joined(separator: "\n") : String(said.dropFirst("error: ".count))
      switch status {
      case 3: throw SMILESListError("RDKit cannot make conformers of every molecule:\n  " + message.replacingOccurrences(of: "\n", with: "\n  ") + "\nFix or remove those lines and run again")
      case 4: throw SMILESListError(message)
      default:
        throw SMILESListError("making conformers with \(interpreter) -m mlff_teacher conformers failed (status \(status)): \(message)"
          + (text.contains("No module named 'mlff_teacher'") ? "; run scripts/bootstrap" : ""))
      }
    }
    return try ExtXYZ.read(output)
  }
}
