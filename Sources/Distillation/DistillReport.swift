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
  /// Force MAE on teacher-labelled snapshots of each stability run (in use), eV/Å, by run name.
  public var inUseForceMAE: [String: Double]
  /// Relative force error (force MAE ÷ mean |F| component of the teacher) on the test split.
  public var testRelativeForceError: Double?
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
    let inUse = (try? decoder.decode([InUseErrors].self, from: Data(contentsOf: paths.inUseErrors))) ?? []
    var inUseForceMAE: [String: Double] = [:]
    for r in inUse { if let mae = r.errors?.forceMAE { inUseForceMAE[r.run] = mae } }
    return DistillSummary(
      testForceMAE: metrics?.forceMAE, testEnergyMAE: metrics?.energyMAE,
      untrainedForceMAE: untrained?.forceMAE,
      stableRuns: runs.filter(\.stable).count, validationRuns: runs.count, speedup: speed?.speedup,
      inUseForceMAE: inUseForceMAE, testRelativeForceError: metrics?.relativeForceError,
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
      ("Test force MAE (the headline figure)", meV(summary.testForceMAE, "meV/Å") + " (untrained student: " + meV(summary.untrainedForceMAE, "meV/Å") + ")"
        + (summary.testRelativeForceError.map { String(format: "; relative force error %.1f %%, i.e. %.1f %% accurate", 100 * $0, 100 * (1 - $0)) } ?? "")),
      ("In-use force MAE", summary.inUseForceMAE.isEmpty ? "—"
        : summary.inUseForceMAE.sorted { $0.key < $1.key }.map { "\($0.key): " + meV($0.value, "meV/Å") }.joined(separator: ", ")
          + " (teacher labels on snapshots of the student's own MD)"),
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
      page.table(header: ["accuracy against the teacher", "value"], rows: metrics.accuracyRows,
                 caption: "The headline figure is the \(EvaluationSummary.headlineDescription); these put it next to the size of the teacher's forces. 1 − relative force error is the accuracy that a \"95 % accurate\" target refers to.")
      let elements = metrics.elementTable
      if !elements.rows.isEmpty { page.table(header: elements.header, rows: elements.rows, caption: "Force errors by element, test split") }
    }
    if let curvature = try? JSONDecoder().decode(CurvatureErrors.self, from: Data(contentsOf: paths.curvatureMetrics)) {
      page.table(header: ["curvature H v (eV/Å²)", "value"], rows: curvature.tableRows,
                 caption: "Student against teacher Hessian–vector products for \(curvature.probes) random probes of \(curvature.structures) test structures; the student's H v by central differences of its forces with the labels' step")
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
       r.testEnergyMAE.map { String(format: "%.2f", 1000 * $0) } ?? "—",
       r.inUseForceMAE.map { String(format: "%.1f", 1000 * $0) } ?? "—"]
    }
    page.table(header: ["round", "trained on", "MD frames", "uncertain", "beyond trust", "labelled", "test force MAE (meV/Å)", "test energy MAE (meV/atom)", "in-use force MAE (meV/Å)"], rows: rows,
               caption: "In use: the first student's force MAE on teacher labels of \(configuration.validate.inUseSnapshots) committee MD frames spread over the round's runs, whatever their deviation. A committee that agrees (no frame left in the trust window) has not converged while this is above the test split's.")
    var histogram = Histogram(title: "Committee force deviation", xLabel: "max force deviation (eV/Å)", bins: 30)
    for r in state.rounds { histogram.add("round \(r.round)", values: r.deviations) }
    figureRow(&page, [(Data(histogram.svg().utf8), "Maximum force deviation of the committee's MD frames, per round")])
  }

  private func mdSection(_ page: inout HTMLReport) throws {
    guard let runs = try? JSONDecoder().decode([ValidationRun].self, from: Data(contentsOf: paths.validation)) else { return }
    page.heading("Molecular dynamics with the student")
    let v = configuration.validate
    page.paragraph("Langevin MD at each temperature (stability: no bond stretched by more than \(v.maxBondDeviation) Å, finite energies), \(String(format: "%.3g", Double(v.resolvedSteps) * v.timestep / 1000)) ps each, and one NVE run from the first temperature (energy drift). "
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
    try inUseSection(&page)
    try molecularSection(&page)
  }

  private func inUseSection(_ page: inout HTMLReport) throws {
    guard let inUse = try? JSONDecoder().decode([InUseErrors].self, from: Data(contentsOf: paths.inUseErrors)), !inUse.isEmpty else { return }
    page.heading("Errors where the student is used")
    page.paragraph("The test split is drawn from the same sampled candidates as the training data. These rows are the student's errors on snapshots of its own stability MD (spread evenly over each run, the start left out), labelled by the teacher afterwards: the configurations the student actually visits. When they are well above the test split's, the sampling misses what the student meets in use; it is also the honest stopping signal for active learning.")
    let test = try? JSONDecoder().decode(EvaluationSummary.self, from: Data(contentsOf: paths.evaluationMetrics))
    let table = inUseTable(test: test, runs: inUse)
    page.table(header: table.header, rows: table.rows, caption: "Student against \(configuration.teacher); the labelled snapshots are in md/<run>/in_use_teacher.xyz (mlff eval reads them)")
    let failures = inUse.flatMap { r in r.failures.map { "\(r.run), \($0)" } }
    if !failures.isEmpty {
      page.paragraph("The teacher failed on \(failures.count) snapshot\(failures.count == 1 ? "" : "s") (left out of the errors above):")
      page.preformatted(failures.joined(separator: "\n"))
    }
  }

  private func molecularSection(_ page: inout HTMLReport) throws {
    guard let comparisons = try? JSONDecoder().decode([MolecularComparison].self, from: Data(contentsOf: paths.molecularComparison)),
          !comparisons.isEmpty else { return }
    page.heading("Molecule: student against teacher on the same short MD")
    let v = configuration.validate
    page.paragraph(String(format: "At each temperature the teacher and the student each run %d Langevin steps of %.3g fs from the validation structure with the same seed, writing a frame every %d steps. Bonds are the pairs closer than 1.2 × the summed covalent radii (Cordero et al. 2008) in the validation structure; a stability run is unstable when a bond deviates by more than %.2g Å from its equilibrium length, the mean over the teacher's run (Fu et al. 2022). The vibrational density of states is the cosine transform of the mass-weighted velocity autocorrelation (Hann window); its overlap is ∫ min(D_student, D_teacher) dν̃ (1: identical).", v.teacherSteps, v.timestep, v.traceInterval, v.maxBondDeviation))
    func f(_ x: Double, _ digits: Int) -> String { x.isFinite ? String(format: "%.\(digits)f", x) : "—" }
    for c in comparisons {
      let bondRows = c.bonds.map { [$0.label, "\($0.count)", f($0.teacherMean, 3) + " ± " + f($0.teacherStd, 3), f($0.studentMean, 3) + " ± " + f($0.studentStd, 3),
                                    f($0.studentMean - $0.teacherMean, 4)] }
      page.table(header: ["bond", "lengths measured", "teacher (Å)", "student (Å)", "mean difference (Å)"], rows: bondRows,
                 caption: "\(c.run): bond lengths, \(c.teacherFrames) teacher and \(c.studentFrames) student frames")
      let angleRows = c.angles.map { [$0.label, "\($0.count)", f($0.teacherMean, 1) + " ± " + f($0.teacherStd, 1), f($0.studentMean, 1) + " ± " + f($0.studentStd, 1),
                                      f($0.studentMean - $0.teacherMean, 2)] }
      if !angleRows.isEmpty {
        page.table(header: ["angle", "angles measured", "teacher (°)", "student (°)", "mean difference (°)"], rows: angleRows,
                   caption: "\(c.run): bond angles (apex in the middle)")
      }
      if let t = c.teacherSpectrum, let s = c.studentSpectrum {
        func list(_ x: [Double]) -> String { x.map { String(format: "%.0f", $0) }.joined(separator: ", ") }
        page.paragraph(String(format: "%@: the three strongest VDOS peaks above 100 cm⁻¹ (past the free molecule's translations and rotations) at %@ cm⁻¹ (teacher) and %@ cm⁻¹ (student); overlap of the spectra %.3f.",
                              c.run, list(t.peaks(above: 100, count: 3)), list(s.peaks(above: 100, count: 3)), c.spectralOverlap ?? .nan))
      }
      let folder = paths.md.appendingPathComponent(c.run)
      var files: [(URL, String)] = c.bonds.prefix(4).map { (folder.appendingPathComponent(comparisonPlotName("bonds", $0.label)), "\(c.run): \($0.label) bond lengths") }
      files += c.angles.prefix(4).map { (folder.appendingPathComponent(comparisonPlotName("angles", $0.label)), "\(c.run): \($0.label) angles") }
      files.append((folder.appendingPathComponent("vdos.svg"), "\(c.run): vibrational density of states"))
      figureRow(&page, files)
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
