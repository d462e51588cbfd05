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
      testForceMAE: metrics?.forceMAE.map { $0 / 1000 }, testEnergyMAE: metrics?.energyMAE.map { $0 / 1000 },
      untrainedForceMAE: untrained?.forceMAE.map { $0 / 1000 },
      stableRuns: runs.filter(\.stable).count, validationRuns: runs.count, speedup: speed?.speedup,
      report: paths.report.path)
  }

  // MARK: 7. Report

  /// `report.html`: settings, dataset, learning curve, errors, MD verdicts, speed, active
  /// learning — one self-contained page with every figure embedded.
  func reportStage() throws {
    var page = HTMLReport(title: "Distilled student: \(configuration.teacher) → PaiNN")
    let summary = try summary()
    page.heading("Headline")
    page.keyValueTable([
      ("Teacher", configuration.teacher),
      ("Seed structures", configuration.structures),
      ("Test force MAE", summary.testForceMAE.map { String(format: "%.1f meV/Å", 1000 * $0) } ?? "—"),
      ("Test energy MAE", summary.testEnergyMAE.map { String(format: "%.2f meV/atom", 1000 * $0) } ?? "—"),
      ("MD stability", "\(summary.stableRuns) of \(summary.validationRuns) runs stable"),
      ("Speed-up over the teacher", summary.speedup.map { String(format: "%.1f×", $0) } ?? "—"),
    ])

    try datasetSection(&page)
    try activeLearningSection(&page)

    page.heading("Training")
    embedSVG(&page, RunFolder(paths.training).learningCurve, caption: "Learning curve: loss and validation force MAE against epoch")

    page.heading("Errors on the held-out test split")
    if let metrics = try? JSONDecoder().decode(EvaluationSummary.self, from: Data(contentsOf: paths.evaluationMetrics)) {
      var rows = metrics.tableRows
      if let untrained = try? JSONDecoder().decode(EvaluationSummary.self, from: Data(contentsOf: paths.untrainedMetrics)) {
        rows = zip(rows, untrained.tableRows).map { $0 + [$1[1]] }
      }
      page.table(header: ["quantity", "MAE", "RMSE", "MAE of the untrained student"], rows: rows,
                 caption: "\(metrics.structures) test structures, \(metrics.atoms) atoms; labels by \(configuration.teacher)")
    }
    for (file, caption) in [("parity_energy.svg", "Energy per atom"), ("parity_forces.svg", "Force components"),
                            ("parity_stress.svg", "Stress components"), ("force_errors.svg", "Force errors")] {
      embedSVG(&page, paths.evaluation.appendingPathComponent(file), caption: caption)
    }

    try mdSection(&page)
    try speedSection(&page)

    page.heading("Settings")
    page.preformatted((try? String(contentsOf: paths.configuration, encoding: .utf8)) ?? "")
    try page.write(to: paths.report)
  }

  private func embedSVG(_ page: inout HTMLReport, _ url: URL, caption: String) {
    guard let data = try? Data(contentsOf: url) else { return }
    // As an image, so the ids inside each SVG cannot collide with another's.
    page.image(data, mimeType: "image/svg+xml", alt: caption, caption: caption)
  }

  private func datasetSection(_ page: inout HTMLReport) throws {
    guard let dataset = try? dataset() else { return }
    page.heading("Dataset")
    let structures = dataset.structures
    let atoms = structures.map(\.count)
    var elementCounts: [Int: Int] = [:]
    for s in structures { for z in s.atomicNumbers { elementCounts[z, default: 0] += 1 } }
    let elements = elementCounts.keys.sorted().map { "\(Elements.symbol($0)) \(elementCounts[$0]!)" }.joined(separator: ", ")
    var rows: [(String, String)] = [
      ("Structures", "\(structures.count)"),
      ("Atoms", "\(atoms.reduce(0, +)) (\(atoms.min() ?? 0)–\(atoms.max() ?? 0) per structure)"),
      ("Elements (atoms)", elements),
      ("Teacher", "\(dataset.metadata.teacher ?? "?") \(dataset.metadata.teacherVersion ?? "")"),
    ]
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
    for (svg, caption) in [(sizes.svg(), "Atoms per structure"), (energies.svg(), "Energy per atom"), (forces.svg(), "Force magnitudes")] {
      page.image(Data(svg.utf8), mimeType: "image/svg+xml", alt: caption, caption: caption)
    }
  }

  private func activeLearningSection(_ page: inout HTMLReport) throws {
    guard !state.rounds.isEmpty else { return }
    let al = configuration.activeLearning
    page.heading("Active learning (query by committee)")
    page.paragraph(String(format: "%d students per committee; frames whose maximum force deviation lies in [%.3g, %.3g) eV/Å are labelled by the teacher and added to the training split. Test errors are those of the committee's first member, trained at the start of the round.", al.committee, al.trustLow, al.trustHigh))
    let rows = state.rounds.map { r in
      ["\(r.round)", "\(r.trainingStructures)", "\(r.framesExamined)", "\(r.framesUncertain)", "\(r.framesBeyondTrust)",
       "\(r.structuresLabelled)", r.testForceMAE.map { String(format: "%.1f", 1000 * $0) } ?? "—",
       r.testEnergyMAE.map { String(format: "%.2f", 1000 * $0) } ?? "—"]
    }
    page.table(header: ["round", "trained on", "MD frames", "uncertain", "beyond trust", "labelled", "test force MAE (meV/Å)", "test energy MAE (meV/atom)"], rows: rows)
    var histogram = Histogram(title: "Committee force deviation", xLabel: "max force deviation (eV/Å)", bins: 30)
    for r in state.rounds { histogram.add("round \(r.round)", values: r.deviations) }
    page.image(Data(histogram.svg().utf8), mimeType: "image/svg+xml", alt: "deviations", caption: "Maximum force deviation of the committee's MD frames, per round")
  }

  private func mdSection(_ page: inout HTMLReport) throws {
    guard let runs = try? JSONDecoder().decode([ValidationRun].self, from: Data(contentsOf: paths.validation)) else { return }
    page.heading("Molecular dynamics with the student")
    let rows = runs.map { run -> [String] in
      let r = run.report
      let verdict = run.stable ? "stable" : "UNSTABLE at \(String(format: "%.1f", (r.failure?.time ?? 0) / 1000)) ps: \(r.failure?.message ?? "")"
      let drift = r.drift.map { String(format: "%.3g", $0.slope) } ?? "—"
      let rdf = r.rdf?.difference.map { String(format: "%.3g", $0.rms) } ?? "—"
      return [run.name, String(format: "%.0f", run.temperature), "\(r.stepsCompleted)",
              String(format: "%.2f", r.simulatedTime / 1000), verdict, drift, rdf,
              String(format: "%.3g", r.nanosecondsPerDay)]
    }
    page.table(header: ["run", "T (K)", "steps", "time (ps)", "verdict", "NVE drift (meV/atom/ps)", "RDF RMS difference to teacher", "ns/day"], rows: rows)
    for run in runs {
      let outputs = MDOutputs(trajectory: paths.md.appendingPathComponent(run.name).appendingPathComponent("trajectory.xyz"))
      embedSVG(&page, outputs.energyPlot, caption: "\(run.name): energies")
      embedSVG(&page, outputs.temperaturePlot, caption: "\(run.name): temperature")
      embedSVG(&page, outputs.rdfPlot, caption: "\(run.name): radial distribution function")
    }
  }

  private func speedSection(_ page: inout HTMLReport) throws {
    guard let speed = try? JSONDecoder().decode(SpeedResult.self, from: Data(contentsOf: paths.speed)) else { return }
    page.heading("Speed")
    page.table(
      header: ["model", "ms per structure (energy + forces)", "relative"],
      rows: [
        ["teacher (\(speed.teacher), \(speed.teacherWorkers) worker\(speed.teacherWorkers == 1 ? "" : "s"))", String(format: "%.3f", 1000 * speed.teacherSecondsPerStructure), "1×"],
        ["student, one structure per call", String(format: "%.3f", 1000 * speed.studentSecondsPerStructure), String(format: "%.1f×", speed.speedup)],
        ["student, one batch", String(format: "%.3f", 1000 * speed.studentBatchedSecondsPerStructure),
         String(format: "%.1f×", speed.teacherSecondsPerStructure / speed.studentBatchedSecondsPerStructure)],
      ],
      caption: "\(speed.structures) test structures, \(speed.atoms / max(speed.structures, 1)) atoms on average, timed in the same run")
  }
}
