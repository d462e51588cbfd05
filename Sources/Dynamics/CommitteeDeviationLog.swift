import Atomistic
import Foundation
import Potentials

/// A committee that drives MD with its mean and writes its disagreement at every logged step to
/// a CSV file, flushed as it goes, so the student's uncertainty can be watched live
/// (`tail -f md.committee.csv`) during `mlff md --committee a.safetensors b.safetensors …`.
///
/// Columns: `step, max_force_deviation_eV_per_A, mean_force_deviation_eV_per_A,
/// energy_deviation_eV_per_atom` (see `CommitteeDeviation`).
///
/// It plays two parts in a run: as the `Potential` that drives the dynamics it keeps the
/// deviation of the structure it last evaluated (the committee computes every member anyway),
/// and as an `MDObserver` (pass it to `MDSimulation(observers:)`) it writes that deviation in the
/// row of the step the loop reports, after checking that the state is the one evaluated. The
/// step therefore comes from the MD loop, never from counting evaluations.
///
/// Not `Sendable`: it holds the open file and the last evaluation, and is used from the one
/// thread that runs the MD loop.
public final class CommitteeDeviationLog: Potential, MDObserver {
  /// The committee whose mean drives the dynamics.
  public let committee: CommitteePotential
  /// Write a row every this many steps.
  public let interval: Int
  /// The CSV file.
  public let url: URL
  /// Largest maximum force deviation seen in this process's evaluations, eV/Å.
  public private(set) var largestDeviation = 0.0
  /// Structures evaluated in this process (one per MD step, plus the initial evaluation), and
  /// those whose maximum force deviation reached `threshold`.
  public private(set) var stepsSeen = 0
  public private(set) var stepsAboveThreshold = 0
  /// eV/Å; DP-GEN's upper trust level by default.
  public let threshold: Double

  /// Positions (Å) and deviation of the last structure evaluated.
  private var lastEvaluation: (positions: [SIMD3<Double>], deviation: CommitteeDeviation)?
  private let handle: FileHandle

  /// - Parameters:
  ///   - committee: the members' mean drives the dynamics.
  ///   - url: the CSV file; appended to when `append` is true and it exists (a resumed run),
  ///     else started afresh with its header.
  ///   - resumeStep: the step a resumed run continues from (its last trajectory frame), or
  ///     nil for a fresh run. An existing log then keeps its rows up to that step and drops
  ///     the later ones, which the interrupted run wrote after its last frame and the resumed
  ///     run writes again (as `MDLog.truncate` does for the MD log).
  ///   - interval: steps between rows.
  ///   - threshold: deviation counted as "uncertain", eV/Å.
  /// - Throws: `PotentialError.failed` when the file cannot be written.
  public init(
    committee: CommitteePotential, url: URL, resumingFrom resumeStep: Int? = nil, interval: Int = 10,
    threshold: Double = 0.15
  ) throws {
    self.committee = committee
    self.url = url
    self.interval = max(1, interval)
    self.threshold = threshold
    let manager = FileManager.default
    let header = "step,max_force_deviation_eV_per_A,mean_force_deviation_eV_per_A,energy_deviation_eV_per_atom"
    if let resumeStep, manager.fileExists(atPath: url.path) {
      let lines = try String(contentsOf: url, encoding: .utf8).split(separator: "\n").map(String.init)
      let kept = lines.dropFirst().filter { line in
        Int(line.prefix { $0 != "," }).map { $0 <= resumeStep } ?? true
      }
      do {
        try writeAtomically(Data(([header] + kept).map { $0 + "\n" }.joined().utf8), to: url)
      } catch {
        throw PotentialError.failed("cannot rewrite \(url.path) to resume after step \(resumeStep): \(error)")
      }
    } else {
      guard manager.createFile(atPath: url.path, contents: Data((header + "\n").utf8)) else {
        throw PotentialError.failed("cannot write \(url.path); check that its folder exists and is writable")
      }
    }
    guard let handle = FileHandle(forWritingAtPath: url.path) else {
      throw PotentialError.failed("cannot write \(url.path); check that its folder is writable")
    }
    try handle.seekToEnd()
    self.handle = handle
  }

  deinit { try? handle.close() }

  public var cutoff: Double? { committee.cutoff }
  public var supportedAtomicNumbers: Set<Int>? { committee.supportedAtomicNumbers }

  /// The committee's mean results; keeps the deviation of the last structure for `observe`.
  public func compute(_ structures: [Structure], _ properties: PropertySet) throws -> [Results] {
    let outcomes = try committee.computeWithDeviation(structures, properties)
    for (_, deviation) in outcomes {
      largestDeviation = max(largestDeviation, deviation.maxForceDeviation)
      stepsSeen += 1
      if deviation.maxForceDeviation >= threshold { stepsAboveThreshold += 1 }
    }
    if let k = structures.indices.last { lastEvaluation = (structures[k].positions, outcomes[k].deviation) }
    return outcomes.map(\.results)
  }

  /// Writes the row of step `step` (every `interval` steps) with the deviation of `state`,
  /// which must be the structure this log evaluated last.
  /// - Throws: `PotentialError.failed` when `state` was not evaluated through this log (it
  ///   does not drive the run) or the file cannot be written.
  public func observe(_ state: MDState, step: Int) throws -> MDObservation {
    guard step % interval == 0 else { return .proceed }
    guard let last = lastEvaluation, last.positions == state.structure.positions else {
      throw PotentialError.failed(
        "the committee log \(url.path) has no evaluation of step \(step): pass the log itself as the potential that drives the run")
    }
    let d = last.deviation
    let row = String(format: "%d,%.6g,%.6g,%.6g\n", step, d.maxForceDeviation, d.meanForceDeviation, d.energyDeviationPerAtom)
    try handle.write(contentsOf: Data(row.utf8))
    return .proceed
  }
}
