import Atomistic
import Datasets
import Dynamics
import Foundation
import Reporting
import Training

/// The headline figures of a finished run.
public struct DistillSummary: Codable, Sendable {
  /// Test-split force MAE of the final student, eV/Å.
  public var testForceMAE: Double?
  /// Test-split energy MAE, eV/atom.
  public var testEnergyMAE: Double?
  /// Test-split force MAE of the untrained student (same architecture and reference energies,
  /// random weights), eV/Å: what training improved on.
  public var untrainedForceMAE: Double?
  /// Validation MD runs that stayed stable, and all of them.
  public var stableRuns: Int
  public var validationRuns: Int
  /// Teacher time / student time for energy and forces.
  public var speedup: Double?
  /// The report page.
  public var report: String
}

extension DistillRun {
  /// Reads the headline figures from the run folder.
  public func summary() throws -> DistillSummary {
    let decoder = JSONDecoder()
    let metrics = try? decoder.decode(
      EvaluationSummary.self, from: Data(contentsOf: paths.evaluationMetrics))
    let untrained = try? decoder.decode(
      EvaluationSummary.self, from: Data(contentsOf: paths.untrainedMetrics))
    let runs = (try? decoder.decode([ValidationRun].self, from: Data(contentsOf: paths.validation))) ?? []
    let speed = try? decoder.decode(SpeedResult.self, from: Data(contentsOf: paths.speed))
    return DistillSummary(
      testForceMAE: metrics?.forceMAE, testEnergyMAE: metrics?.energyMAE,
      untrainedForceMAE: untrained?.forceMAE,
      stableRuns: runs.filter(\.stable).count, validationRuns: runs.count, speedup: speed?.speedup,
      report: paths.report.path)
  }

  // MARK: 7. Report

  /// `report.html`: headline figures, dataset, active learning, learning curve, errors, MD
  /// verdicts, speed and settings — one self-contained page with every figure embedded.
  func reportStage() throws {
    var page = HTMLReport(title: "Distilled student: \(configuration.teacher) → PaiNN")
    let summary = try summary()
    page.heading("Headline")
    func meV(_ x: Double?, _ unit: String, _ digits: Int = 1) -> String {
      x.map { String(format: "%.\(digits)f \(unit)", 1000 * $0) } ?? "—"
    }
    page.keyValueTable([
      ("Teacher", configuration.teacher),
      ("Seed structures", configuration.structures),
      ("Test force MAE", meV(summary.testForceMAE, "meV/Å") + " (untrained student: " + meV(summary.untrainedForceMAE, "meV/Å") + ")"),
      ("Test energy MAE", meV(summary.testEnergyMAE, "meV/atom", 2)),
      ("MD stability", "\(summary.stableRuns) of \(summary.validationRuns) runs stable"),
      ("Speed-up over the teacher", summary.speedup.map { String(format: "%.1f× (energy and forces, one structure per call)", $0) } ?? "—"),
      ("Run time", formatDuration(state.seconds.values.reduce(0, +))),
    ])

    try datasetSection(&page)
    try activeLearningSection(&page)

    page.heading("Training")
    if let text = try? String(contentsOf: RunFolder(paths.training).configuration, encoding: .utf8),
       let saved = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] {
      let parameters = saved["parameterCount"] as? Int ?? 0
      let epochs = (try? String(contentsOf: RunFolder(paths.training).metrics, encoding: .utf8))?.split(separator: "\n").count ?? 0
      page.paragraph("PaiNN preset '\(configuration.train.preset)', \(parameters) weights, cutoff \(configuration.train.cutoff) Å; \(epochs) epochs in \(formatDuration(state.seconds[DistillStage.train.rawValue] ?? 0)). The model kept is the one with the lowest validation loss (EMA weights).")
    }
    figureRow(&page, [(RunFolder(paths.training).learningCurve, "Learning curve: loss and validation force MAE against epoch")])

    page.heading("Errors on the held-out test split")
    if let metrics = try? JSONDecoder().decode(EvaluationSummary.self, from: Data(contentsOf: paths.evaluationMetrics)) {
      var rows = metrics.tableRows
      if let untrained = try? JSONDecoder().decode(EvaluationSummary.self, from: Data(contentsOf: paths.untrainedMetrics)) {
        rows = zip(rows, untrained.tableRows).map { $0 + [$1[1]] }
      }
      page.table(header: ["quantity", "MAE", "RMSE", "MAE of the untrained student"], rows: rows,
                 caption: "\(metrics.structures) test structures, \(metrics.atoms) atoms; labels by \(configuration.teacher)")
    }
    figureRow(&page, [("parity_energy.svg", "Energy per atom"), ("parity_forces.svg", "Force components"),
                      ("parity_stress.svg", "Stress components"), ("force_errors.svg", "Force errors")]
      .map { (paths.evaluation.appendingPathComponent($0.0), $0.1) })

    try mdSection(&page)
    try speedSection(&page)

    page.heading("Settings")
    page.paragraph("The resolved settings, saved as \(paths.configuration.path); rerun with `mlff distill --config` on this file to repeat the run.")
    page.preformatted((try? String(contentsOf: paths.configuration, encoding: .utf8)) ?? "")
    try page.write(to: paths.report)
  }

  /// Figures read from SVG files, side by side (files that do not exist are left out).
  private func figureRow(_ page: inout HTMLReport, _ files: [(URL, String)]) {
    figureRow(&page, files.compactMap { url, caption in (try? Data(contentsOf: url)).map { ($0, caption) } })
  }

  /// SVG figures side by side, each embedded as an image (so the ids inside one SVG cannot
  /// collide with another's).
  private func figureRow(_ page: inout HTMLReport, _ figures: [(Data, String)]) {
    guard !figures.isEmpty else { return }
    var html = "<div class=\"figures\">"
    for (data, caption) in figures {
      let text = escapeHTML(caption)
      html += "<figure style=\"flex: 1 1 480px; max-width: 540px\"><img alt=\"\(text)\" src=\"data:image/svg+xml;base64,\(data.base64EncodedString())\"/><figcaption>\(text)</figcaption></figure>"
    }
    page.raw(html + "</div>")
  }

  private func datasetSection(_ page: inout HTMLReport) throws {
    guard let dataset = try? dataset() else { return }
    page.heading("Dataset")
    let structures = dataset.structures
    let atoms = structures.map(\.count)
    var elementCounts: [Int: Int] = [:]
    for s in structures { for z in s.atomicNumbers { elementCounts[z, default: 0] += 1 } }
    let elements = elementCounts.keys.sorted().map { "\(Elements.symbol($0)) \(elementCounts[$0]!)" }.joined(separator: ", ")
    let added = state.rounds.reduce(0) { $0 + $1.structuresLabelled }
    var rows: [(String, String)] = [
      ("Structures", "\(structures.count)" + (added > 0 ? " (\(added) added by active learning)" : "")),
      ("Atoms", "\(atoms.reduce(0, +)) (\(atoms.min() ?? 0)–\(atoms.max() ?? 0) per structure)"),
      ("Elements (atoms)", elements),
      ("Teacher", "\(dataset.metadata.teacher ?? "?") \(dataset.metadata.teacherVersion ?? "")"),
    ]
    if let failed = dataset.metadata.provenance["structures_failed"], failed != "0" {
      rows.append(("Candidates the teacher failed on", "\(failed) (left out; see data.h5.failed.jsonl)"))
    }
    if let rejected = dataset.metadata.provenance["structures_rejected"] {
      let counts = LabelQualityCheck.allCases.compactMap { check -> String? in
        let n = dataset.metadata.provenance["structures_rejected_\(check.rawValue)"] ?? "0"
        return n == "0" ? nil : "\(n) \(check.rawValue)"
      }
      rows.append(("Labels rejected by the quality checks", rejected == "0" ? "none (\(dataset.metadata.provenance["label_quality"] ?? ""))"
        : "\(rejected): \(counts.joined(separator: ", ")) (left out; see data.h5.failed.jsonl)"))
    }
    if let splits = dataset.splits {
      rows.append(("Train / validation / test", "\(splits.train.count) / \(splits.validation.count) / \(splits.test.count)"))
    }
    page.keyValueTable(rows)
    var sizes = Histogram(title: "Structure sizes", xLabel: "atoms per structure", bins: 20)
    sizes.add("structures", values: atoms.map(Double.init))
    var energies = Histogram(title: "Teacher energies", xLabel: "energy per atom (eV/atom)", bins: 30)
    energies.add("structures", values: structures.compactMap { s in s.energy.map { $0 / Double(s.count) } })
    var forces = Histogram(title: "Teacher forces", xLabel: "|F| (eV/Å)", bins: 30, yScale: .log)
    forces.add("atoms", values: structures.flatMap { $0.forces ?? [] }.map { length($0) })
    figureRow(&page, [(sizes.svg(), "Atoms per structure"), (energies.svg(), "Energy per atom"), (forces.svg(), "Force magnitudes")]
      .map { (Data($0.0.utf8), $0.1) })
  }

  private func activeLearningSection(_ page: inout HTMLReport) throws {
    guard !state.rounds.isEmpty else { return }
    let al = configuration.activeLearning
    page.heading("Active learning (query by committee)")
    page.paragraph(String(format: "Each round trains %d students with different seeds, runs committee MD at the validation temperatures, and labels with the teacher the frames whose maximum force deviation lies in the trust window [%.3g, %.3g) eV/Å; they join the training split. Frames above the window are counted but not labelled (the committee is lost there). Test errors are those of the round's first student, on the fixed test split.", al.committee, al.trustLow, al.trustHigh))
    let rows = state.rounds.map { r in
      ["\(r.round)", "\(r.trainingStructures)", "\(r.framesExamined)", "\(r.framesUncertain)", "\(r.framesBeyondTrust)",
       "\(r.structuresLabelled)", r.testForceMAE.map { String(format: "%.1f", 1000 * $0) } ?? "—",
       r.testEnergyMAE.map { String(format: "%.2f", 1000 * $0) } ?? "—"]
    }
    page.table(header: ["round", "trained on", "MD frames", "uncertain", "beyond trust", "labelled", "test force MAE (meV/Å)", "test energy MAE (meV/atom)"], rows: rows)
    var histogram = Histogram(title: "Committee force deviation", xLabel: "max force deviation (eV/Å)", bins: 30)
    for r in state.rounds { histogram.add("round \(r.round)", values: r.deviations) }
    figureRow(&page, [(Data(histogram.svg().utf8), "Maximum force deviation of the committee's MD frames, per round")])
  }

  private func mdSection(_ page: inout HTMLReport) throws {
    guard let runs = try? JSONDecoder().decode([ValidationRun].self, from: Data(contentsOf: paths.validation)) else { return }
    page.heading("Molecular dynamics with the student")
    let v = configuration.validate
    page.paragraph("Langevin MD at each temperature (stability: no bond stretched by more than \(v.maxBondDeviation) Å, finite energies) and one NVE run from the first temperature (energy drift). "
      + (v.teacherSteps > 0 ? "The radial distribution function is compared with that of a \(v.teacherSteps)-step teacher MD from the same start." : ""))
    let rows = runs.map { run -> [String] in
      let r = run.report
      let verdict = run.stable ? "stable" : "UNSTABLE at \(String(format: "%.2f", (r.failure?.time ?? 0) / 1000)) ps: \(r.failure?.message ?? "")"
      let drift = run.ensemble == .nve ? (r.drift.map { String(format: "%.3g", $0.slope) } ?? "—") : "—"
      let rdf = r.rdf?.difference.map { String(format: "%.3g", $0.rms) } ?? "—"
      let temperature = r.thermodynamics.map { String(format: "%.0f ± %.0f", $0.meanTemperature, $0.temperatureStd) } ?? "—"
      return [run.name, String(format: "%.0f", run.temperature), temperature, "\(r.atoms)", "\(r.stepsCompleted)",
              String(format: "%.2f", r.simulatedTime), verdict, drift, rdf,
              String(format: "%.3g", r.nanosecondsPerDay)]
    }
    page.table(header: ["run", "T target (K)", "T mean (K)", "atoms", "steps", "time (ps)", "verdict", "NVE drift (meV/atom/ps)", "RDF RMS difference to the teacher's", "ns/day"], rows: rows)
    for run in runs {
      let outputs = MDOutputs(trajectory: paths.md.appendingPathComponent(run.name).appendingPathComponent("trajectory.xyz"))
      figureRow(&page, [(outputs.energyPlot, "\(run.name): energies"), (outputs.temperaturePlot, "\(run.name): temperature"),
                        (outputs.rdfPlot, "\(run.name): radial distribution function")])
    }
  }

  private func speedSection(_ page: inout HTMLReport) throws {
    guard let speed = try? JSONDecoder().decode(SpeedResult.self, from: Data(contentsOf: paths.speed)) else { return }
    page.heading("Speed")
    page.table(
      header: ["model", "ms per structure (energy + forces)", "speed-up"],
      rows: [
        ["teacher (\(speed.teacher), \(speed.teacherWorkers) worker\(speed.teacherWorkers == 1 ? "" : "s"), one structure per call)", String(format: "%.3f", 1000 * speed.teacherSecondsPerStructure), "1×"],
        ["student, one structure per call", String(format: "%.3f", 1000 * speed.studentSecondsPerStructure), String(format: "%.1f×", speed.speedup)],
        ["student, all in one batch", String(format: "%.3f", 1000 * speed.studentBatchedSecondsPerStructure),
         String(format: "%.1f×", speed.teacherSecondsPerStructure / speed.studentBatchedSecondsPerStructure)],
      ],
      caption: "\(speed.structures) test structures, \(speed.atoms / max(speed.structures, 1)) atoms on average, timed in the same run (best of \(configuration.speed.repeats))")
  }
}

/// Text made safe for HTML: & < > " escaped.
func escapeHTML(_ text: String) -> String {
  text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
    .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
}
