import ArgumentParser
import Atomistic
import Datasets
import Distillation
import Foundation

/// One row of the quality table: how many labels a check rejects and the worst value seen.
struct QualityCheckRow: Encodable {
  var check: String
  var rejected: Int
  /// The worst value over every structure (largest force eV/Å, smallest distance ratio, largest
  /// |z|), and the frame that has it; nil when nothing was measured.
  var worst: Double?
  var worstFrame: Int?
  enum CodingKeys: String, CodingKey { case check, rejected, worst, worstFrame = "worst_frame" }
}

/// A rejected label in `mlff check --json`.
struct QualityRejectionEntry: Encodable {
  var frame: Int
  var check: String
  var reason: String
}

/// What `mlff check` reports.
struct QualityReport: Encodable {
  var file: String
  var structures: Int
  var thresholds: LabelQualityCriteria
  var checks: [QualityCheckRow]
  var rejected: [QualityRejectionEntry]
}

extension MLFF {
  /// `mlff check data.h5`: the label quality checks on an existing dataset.
  struct Check: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "check", abstract: "Run the label quality checks on a labelled dataset (.h5 or extxyz) and print the verdicts.",
      usage: "mlff check <file> [<options>]",
      discussion: """
        The checks `mlff label` and `mlff distill` apply to every label before it enters a dataset: finite energy, forces and stress; the largest force (--max-force); the closest approach of two atoms relative to the sum of their covalent radii (--min-distance-fraction); and energy-per-atom outliers against the dataset's per-element least-squares fit, by robust z-score (--max-energy-z) and distance from the median (--min-energy-deviation). The table gives, for each check, how many labels it rejects and the worst value in the file; then every rejected frame with its reason. Exits with status 3 when any label is rejected.

        Example:
          mlff check runs/mol/data.h5 --max-force 30
        """)

    @Argument(help: "Labelled structures: a dataset (.h5) or an extended XYZ file.")
    var file: String

    @OptionGroup(title: "Label quality checks")
    var quality: LabelQualityOptions

    @Flag(help: "Print one JSON object instead of text.")
    var json = false

    func run() throws {
      let url = URL(fileURLWithPath: file)
      let structures: [Structure]
      if url.pathExtension.lowercased() == "h5" || url.pathExtension.lowercased() == "hdf5" {
        structures = try Dataset.read(url).structures
      } else {
        structures = try ExtXYZ.read(url)
      }
      let criteria = quality.criteria
      let (measures, rejections) = checkLabels(structures, criteria: criteria)
      func worst(_ values: [(Int, Double)], largest: Bool) -> (Int, Double)? {
        largest ? values.max { $0.1 < $1.1 } : values.min { $0.1 < $1.1 }
      }
      let forces = worst(measures.enumerated().compactMap { k, m in m.maxForce.map { (k, $0) } }, largest: true)
      let pairs = worst(measures.enumerated().compactMap { k, m in m.closestPair.map { (k, $0.ratio) } }, largest: false)
      let energies = worst(measures.enumerated().compactMap { k, m in m.energyZ.map { (k, abs($0)) } }, largest: true)
      let worstBy: [LabelQualityCheck: (Int, Double)?] = [.nonFinite: nil, .maxForce: forces, .overlap: pairs, .energyOutlier: energies]
      var rows = LabelQualityCheck.allCases.map { check in
        QualityCheckRow(check: check.rawValue, rejected: rejections.values.filter { $0.check == check }.count,
                        worst: worstBy[check]??.1, worstFrame: worstBy[check]??.0)
      }
      rows[0].worst = nil
      rows[0].worstFrame = measures.firstIndex { !$0.finite }
      let report = QualityReport(
        file: file, structures: structures.count, thresholds: criteria, checks: rows,
        rejected: rejections.keys.sorted().map { QualityRejectionEntry(frame: $0, check: rejections[$0]!.check.rawValue, reason: rejections[$0]!.reason) })
      if json {
        print(try jsonText(report))
      } else {
        print(text(report, structures: structures, measures: measures))
      }
      if !rejections.isEmpty { throw ExitCode(3) }
    }

    private func text(_ r: QualityReport, structures: [Structure], measures: [LabelQualityMeasures]) -> String {
      let atoms = structures.reduce(0) { $0 + $1.count }
      var lines = [
        "file        \(r.file)",
        "labels      \(r.structures) structures, \(atoms) atoms; energy \(structures.filter { $0.energy != nil }.count), forces \(structures.filter { $0.forces != nil }.count), stress \(structures.filter { $0.stress != nil }.count)",
        "thresholds  \(r.thresholds.summary)",
        "",
        "check           rejected  worst in the file",
      ]
      for row in r.checks {
        var worst = "—"
        if let frame = row.worstFrame {
          switch LabelQualityCheck(rawValue: row.check)! {
          case .nonFinite: worst = "frame \(frame)"
          case .maxForce: worst = String(format: "%.4g eV/Å (frame %d)", row.worst ?? 0, frame)
          case .overlap:
            let pair = measures[frame].closestPair!
            let s = structures[frame]
            worst = String(format: "%.3g × covalent radii (frame %d: %@–%@ %.3f Å)", pair.ratio, frame,
                           Elements.symbol(s.atomicNumbers[pair.i]), Elements.symbol(s.atomicNumbers[pair.j]), pair.distance)
          case .energyOutlier:
            worst = String(format: "|z| = %.3g, %+.3g eV/atom from the median (frame %d)", row.worst ?? 0, measures[frame].energyDeviation ?? 0, frame)
          }
        } else if row.check == LabelQualityCheck.energyOutlier.rawValue && r.structures < minimumStructuresForEnergyCheck {
          worst = "not checked (fewer than \(minimumStructuresForEnergyCheck) structures)"
        }
        lines.append(row.check.padding(toLength: 15, withPad: " ", startingAt: 0) + String(format: " %8d  ", row.rejected) + worst)
      }
      if r.rejected.isEmpty {
        lines.append("")
        lines.append("every label passes")
      } else {
        lines.append("")
        lines.append("rejected (\(r.rejected.count) of \(r.structures)):")
        for entry in r.rejected { lines.append("  frame \(entry.frame): \(entry.reason)") }
      }
      return lines.joined(separator: "\n")
    }
  }
}
