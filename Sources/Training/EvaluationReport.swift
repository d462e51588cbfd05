import Atomistic
import Foundation
import Reporting

/// The figures and HTML page of an evaluation, written to a folder:
///
/// - `parity_energy.svg`: predicted against reference energy per atom (eV/atom);
/// - `parity_forces.svg`: predicted against reference force components (eV/Å);
/// - `parity_stress.svg`: the same for stress components (eV/Å³), when labelled;
/// - `force_errors.svg`: histogram of force component errors (meV/Å);
/// - `report.html`: the metrics table, per-element force errors and the figures inline.
///
/// - Parameters:
///   - evaluation: predictions and labels.
///   - folder: where to write (created when missing).
///   - title: the page title (e.g. the model and data files).
/// - Returns: the files written.
@discardableResult
public func writeEvaluationReport(_ evaluation: Evaluation, to folder: URL, title: String) throws -> [URL] {
  let summary = evaluation.summary
  var written: [URL] = []
  func save(_ svg: String, _ name: String) throws -> String {
    let url = folder.appendingPathComponent(name)
    try writeFigure(svg, to: url)
    written.append(url)
    return svg
  }
  /// An error in eV units shown in meV units (`unit` names the meV unit).
  func fmt(_ x: Double?, _ unit: String) -> String { x.map { String(format: "%.2f %@", 1000 * $0, unit) } ?? "—" }

  let energy = evaluation.energyPairs
  var energyPlot = ScatterPlot(title: "Energy", xLabel: "reference energy (eV/atom)", yLabel: "predicted energy (eV/atom)")
  energyPlot.add("energy", x: energy.reference, y: energy.predicted)
  energyPlot.annotations = ["MAE \(fmt(summary.energyMAE, "meV/atom"))", "RMSE \(fmt(summary.energyRMSE, "meV/atom"))"]
  var figures = [try save(energyPlot.svg(), "parity_energy.svg")]

  let forces = evaluation.forcePairs
  if !forces.reference.isEmpty {
    var forcePlot = ScatterPlot(title: "Forces", xLabel: "reference force component (eV/Å)", yLabel: "predicted force component (eV/Å)")
    forcePlot.add("forces", x: forces.reference, y: forces.predicted)
    forcePlot.annotations = ["MAE \(fmt(summary.forceMAE, "meV/Å"))", "RMSE \(fmt(summary.forceRMSE, "meV/Å"))"]
    figures.append(try save(forcePlot.svg(), "parity_forces.svg"))
    var histogram = Histogram(title: "Force errors", xLabel: "predicted − reference (meV/Å)", bins: 50)
    histogram.add("forces", values: zip(forces.predicted, forces.reference).map { 1000 * ($0 - $1) })
    figures.append(try save(histogram.svg(), "force_errors.svg"))
  }
  let stress = evaluation.stressPairs
  if !stress.reference.isEmpty {
    var stressPlot = ScatterPlot(title: "Stress", xLabel: "reference stress (eV/Å³)", yLabel: "predicted stress (eV/Å³)")
    stressPlot.add("stress", x: stress.reference, y: stress.predicted)
    stressPlot.annotations = ["MAE \(fmt(summary.stressMAE, "meV/Å³"))"]
    figures.append(try save(stressPlot.svg(), "parity_stress.svg"))
  }

  var page = HTMLReport(title: title)
  page.paragraph("\(summary.structures) structures, \(summary.atoms) atoms. Energies per atom; forces and stress per component.")
  page.heading("Errors")
  page.table(header: ["quantity", "MAE", "RMSE"], rows: summary.tableRows)
  page.heading("Accuracy against the reference")
  page.table(header: ["figure", "value"], rows: summary.accuracyRows,
             caption: "The headline figure is the \(EvaluationSummary.headlineDescription); these say how large it is next to the forces themselves (1 − relative error is the \"accuracy\" of a \"95 % accurate\" target).")
  let elements = summary.elementTable
  if !elements.rows.isEmpty {
    page.table(header: elements.header, rows: elements.rows, caption: "Force errors by element")
  }
  page.heading("Parity plots and error distribution")
  page.figures(figures)
  let html = folder.appendingPathComponent("report.html")
  try page.write(to: html)
  written.append(html)
  return written
}
