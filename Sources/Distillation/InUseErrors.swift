import Atomistic
import Foundation
import Potentials
import Training

/// The student's errors where it is used: on snapshots of its own validation MD, labelled by
/// the teacher afterwards. The test split is drawn from the same sampled candidates as the
/// training data; these snapshots are the configurations the student actually visits, so
/// their errors (beside the test split's) say how good it is in use. `md/<run>/in_use.json`.
public struct InUseErrors: Codable, Sendable {
  /// The validation run (`nvt_300K`).
  public var run: String
  /// Its target temperature, K.
  public var temperature: Double
  /// Snapshots asked for, and those the trajectory offered (fewer when the run was short or
  /// stopped early).
  public var requested: Int
  public var taken: Int
  /// Snapshots the teacher labelled, and those it failed on (left out of the errors).
  public var labelled: Int
  public var failed: Int
  /// The teacher's reason for each failure, with the snapshot's MD step.
  public var failures: [String]
  /// MD steps of the snapshots taken.
  public var steps: [Int]
  /// Student against teacher on the labelled snapshots (nil when none was labelled).
  public var errors: EvaluationSummary?
  /// The teacher-labelled snapshots (extxyz), for `mlff eval`.
  public var labelsFile: String

  enum CodingKeys: String, CodingKey {
    case run, temperature = "temperature_K", requested, taken, labelled, failed, failures, steps, errors
    case labelsFile = "labels_file"
  }
}

/// `count` frames spread evenly over a trajectory, the starting frame (step 0, a seed the
/// student was trained on) left out; every frame when there are fewer.
/// - Parameter frames: the trajectory, in order.
func inUseSnapshots(of frames: [Structure], count: Int) -> [Structure] {
  let later = frames.filter { mdStep(of: $0) != 0 }
  guard count > 0, !later.isEmpty else { return [] }
  guard later.count > count else { return later }
  // Frames at the ends of `count` equal parts of the run: the last frame always taken.
  return (1...count).map { later[($0 * later.count) / count - 1] }
}

/// The `md_step` a trajectory frame records, or nil.
func mdStep(of frame: Structure) -> Int? {
  if case .int(let step)? = frame.info["md_step"] { return step }
  return nil
}

/// Labels snapshots with the teacher, keeping those it labels and naming those it fails on.
/// - Parameters:
///   - snapshots: MD frames (their student labels are dropped).
///   - teacher: the reference potential (the teacher pool).
/// - Returns: the snapshots with the teacher's energy, forces (and stress for periodic cells),
///   and one line per failed snapshot.
func labelSnapshots(_ snapshots: [Structure], teacher: any Potential) -> (labelled: [Structure], failures: [String]) {
  guard !snapshots.isEmpty else { return ([], []) }
  let inputs = snapshots.map { s -> Structure in
    var bare = s.unlabelled
    bare.arrays = [:]
    return bare
  }
  let periodic = inputs.allSatisfy(\.isFullyPeriodic)
  var results: [Results?]
  var reasons: [Int: String] = [:]
  do {
    results = try teacher.compute(inputs, periodic ? .all : .energyAndForces)
  } catch PotentialError.partialFailure(let partial, let failures) {
    results = partial
    reasons = failures
  } catch {
    results = Array(repeating: nil, count: inputs.count)
    for k in inputs.indices { reasons[k] = "\(error)" }
  }
  var labelled: [Structure] = [], failures: [String] = []
  for (k, input) in inputs.enumerated() {
    guard let r = results[k], r.energy.isFinite, r.forces?.count == input.count else {
      let step = mdStep(of: input).map { "step \($0)" } ?? "snapshot \(k)"
      failures.append("\(step): \(reasons[k] ?? "the teacher returned no finite energy and forces")")
      continue
    }
    var s = input
    s.energy = r.energy
    s.forces = r.forces
    s.stress = periodic ? r.stress : nil
    labelled.append(s)
  }
  return (labelled, failures)
}

/// The in-use errors of one MD run, measured once: read back from `folder/in_use.json` when a
/// previous run wrote it (nothing is labelled again), else `count` snapshots are taken from
/// the run's frames, labelled by the teacher, written to `folder/in_use_teacher.xyz`, and the
/// student is evaluated on them.
/// - Parameters:
///   - folder: where the files go (the validation run's folder).
///   - run: its name; temperature: its target, K.
///   - count: snapshots to take.
///   - frames: the run's frames (default: `folder/trajectory.xyz`); read only when nothing was saved.
///   - student: the model whose errors are measured.
///   - teacher: gives the reference labels; called only when nothing was saved.
func measureInUseErrors(folder: URL, run: String, temperature: Double, count: Int,
                        frames: (() throws -> [Structure])? = nil, student: any Potential,
                        teacher: () throws -> any Potential) throws -> InUseErrors {
  let saved = folder.appendingPathComponent("in_use.json")
  if FileManager.default.fileExists(atPath: saved.path),
     let previous = try? JSONDecoder().decode(InUseErrors.self, from: Data(contentsOf: saved)),
     previous.requested == count {
    return previous
  }
  let all = try frames?() ?? ExtXYZ.read(folder.appendingPathComponent("trajectory.xyz"))
  let snapshots = inUseSnapshots(of: all, count: count)
  let (labelled, failures) = snapshots.isEmpty ? ([], []) : labelSnapshots(snapshots, teacher: try teacher())
  let labels = folder.appendingPathComponent("in_use_teacher.xyz")
  try ExtXYZ.write(labelled, to: labels)
  let errors = labelled.isEmpty ? nil : try Evaluation(potential: student, structures: labelled).summary
  let result = InUseErrors(
    run: run, temperature: temperature, requested: count, taken: snapshots.count, labelled: labelled.count,
    failed: failures.count, failures: failures, steps: snapshots.compactMap(mdStep), errors: errors,
    labelsFile: labels.path)
  let encoder = JSONEncoder()
  encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
  try writeAtomically(encoder.encode(result), to: saved)
  return result
}

/// Lines of an `mlff eval`-style table: the test split's errors and each run's in-use errors
/// (force MAE and RMSE in meV/Å, relative force error, cosine, atoms within 5 %, energy MAE
/// in meV/atom).
func inUseTable(test: EvaluationSummary?, runs: [InUseErrors]) -> (header: [String], rows: [[String]]) {
  func meV(_ x: Double?, _ digits: Int = 1) -> String { x.map { String(format: "%.\(digits)f", 1000 * $0) } ?? "—" }
  func percent(_ x: Double?) -> String { x.map { String(format: "%.1f %%", 100 * $0) } ?? "—" }
  func row(_ name: String, _ s: EvaluationSummary?) -> [String] {
    [name, meV(s?.forceMAE), meV(s?.forceRMSE), percent(s?.relativeForceError),
     s?.forceCosine.map { String(format: "%.4f", $0) } ?? "—", percent(s?.forceWithinTolerance), meV(s?.energyMAE, 2)]
  }
  var rows = [row("test split" + (test.map { " (\($0.structures) structures)" } ?? ""), test)]
  for r in runs {
    rows.append(row("in use, \(r.run) (\(r.labelled) of \(r.taken) snapshots" + (r.failed > 0 ? ", \(r.failed) failed" : "") + ")", r.errors))
  }
  return (["data", "force MAE (meV/Å)", "force RMSE (meV/Å)", "relative force error", "force cosine",
           "atoms within 5 %", "energy MAE (meV/atom)"], rows)
}

/// The table as aligned text for the terminal.
func formatTable(header: [String], rows: [[String]]) -> String {
  let all = [header] + rows
  let widths = header.indices.map { c in all.map { $0[c].count }.max() ?? 0 }
  return all.map { row in
    row.indices.map { c in
      let pad = String(repeating: " ", count: widths[c] - row[c].count)
      return c == 0 ? row[c] + pad : pad + row[c]
    }.joined(separator: "  ")
  }.joined(separator: "\n")
}
