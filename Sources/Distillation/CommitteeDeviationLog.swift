import Atomistic
import Foundation
import Potentials

/// A committee that drives MD with its mean and writes its disagreement at every logged step to
/// a CSV file, flushed as it goes, so the student's uncertainty can be watched live
/// (`tail -f md.committee.csv`) during `mlff md --committee a.safetensors b.safetensors …`.
///
/// Columns: `step, max_force_deviation_eV_per_A, mean_force_deviation_eV_per_A,
/// energy_deviation_eV_per_atom` (see `CommitteeDeviation`). The integrators evaluate forces
/// once to start and once per step, so evaluation k is step `firstStep + k`.
public final class CommitteeDeviationLog: Potential, @unchecked Sendable {
  /// The committee whose mean drives the dynamics.
  public let committee: CommitteePotential
  /// Write a row every this many steps.
  public let interval: Int
  /// The CSV file.
  public let url: URL
  /// Largest maximum force deviation seen, eV/Å.
  public private(set) var largestDeviation = 0.0
  /// Steps evaluated, and those whose maximum force deviation reached `threshold`.
  public private(set) var stepsSeen = 0
  public private(set) var stepsAboveThreshold = 0
  /// eV/Å; DP-GEN's upper trust level by default.
  public let threshold: Double

  private var step: Int
  private var skipNextRow: Bool
  private let handle: FileHandle

  /// - Parameters:
  ///   - committee: the members' mean drives the dynamics.
  ///   - url: the CSV file; appended to when `firstStep` > 0 (a resumed run), else started afresh.
  ///   - firstStep: the MD step of the first evaluation.
  ///   - interval: steps between rows.
  ///   - threshold: deviation counted as "uncertain", eV/Å.
  public init(committee: CommitteePotential, url: URL, firstStep: Int = 0, interval: Int = 10, threshold: Double = 0.15) throws {
    self.committee = committee
    self.url = url
    self.interval = max(1, interval)
    self.threshold = threshold
    step = firstStep
    skipNextRow = firstStep > 0  // a resumed run: the log already has the row of its first step
    let manager = FileManager.default
    if firstStep == 0 || !manager.fileExists(atPath: url.path) {
      let header = "step,max_force_deviation_eV_per_A,mean_force_deviation_eV_per_A,energy_deviation_eV_per_atom\n"
      guard manager.createFile(atPath: url.path, contents: Data(header.utf8)) else {
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

  /// The committee's mean results; records the deviation of each structure as one MD step.
  public func compute(_ structures: [Structure], _ properties: PropertySet) throws -> [Results] {
    let outcomes = try committee.computeWithDeviation(structures, properties)
    for (_, deviation) in outcomes {
      largestDeviation = max(largestDeviation, deviation.maxForceDeviation)
      stepsSeen += 1
      if deviation.maxForceDeviation >= threshold { stepsAboveThreshold += 1 }
      if step % interval == 0 && !skipNextRow {
        let row = String(format: "%d,%.6g,%.6g,%.6g\n", step, deviation.maxForceDeviation,
                         deviation.meanForceDeviation, deviation.energyDeviationPerAtom)
        try handle.write(contentsOf: Data(row.utf8))
      }
      step += 1
      skipNextRow = false
    }
    return outcomes.map(\.results)
  }
}
