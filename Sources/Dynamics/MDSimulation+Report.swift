import Atomistic
import Foundation
import Reporting

extension MDSimulation {
  /// Analyses the log and trajectory on disk (the whole run, across resumptions), writes the
  /// JSON report and the plots, and returns the report.
  func writeReport(status: MDStatus, failure: MDReport.Failure?, finalStep: Int, finalTime: Double,
                   degreesOfFreedom nf: Int, bonds: Int, resumedFrom: Int, stepsPerSecond: Double) throws -> MDReport {
    let rows = try MDLog.read(outputs.log)
    let n = initial.count
    let drift = EnergyDrift(time: rows.map(\.time), total: rows.map(\.conserved), kinetic: rows.map(\.kinetic), atoms: n)
    var thermo: MDReport.Thermodynamics? = nil
    if !rows.isEmpty {
      let count = Double(rows.count)
      let tMean = rows.map(\.temperature).reduce(0, +) / count
      let tStd = (rows.map { ($0.temperature - tMean) * ($0.temperature - tMean) }.reduce(0, +) / count).squareRoot()
      thermo = .init(meanTemperature: tMean, temperatureStd: tStd,
                     meanPotentialEnergy: rows.map(\.potential).reduce(0, +) / count,
                     meanKineticEnergy: rows.map(\.kinetic).reduce(0, +) / count)
    }
    let rdf = try radialDistribution(of: outputs.trajectory)
    var rdfReport = MDReport.RDF(r: rdf.radii, g: rdf.values, normalizedByDensity: rdf.isNormalizedByDensity,
                                 frames: rdf.frames, reference: nil, difference: nil)
    if let referenceURL = options.referenceTrajectory {
      let reference = try radialDistribution(of: referenceURL)
      rdfReport.reference = reference.values
      rdfReport.difference = rdf.difference(to: reference)
    }
    var files = ["trajectory": outputs.trajectory.path, "log": outputs.log.path, "report": outputs.report.path]
    if try writePlots(rows: rows, rdf: rdfReport) {
      files["energy_plot"] = outputs.energyPlot.path
      files["temperature_plot"] = outputs.temperaturePlot.path
      files["rdf_plot"] = outputs.rdfPlot.path
    }
    let report = MDReport(
      status: status, ensemble: integrator.ensemble, atoms: n, degreesOfFreedom: nf, timestep: integrator.timestep,
      stepsRequested: options.steps, stepsCompleted: finalStep, simulatedTime: finalTime / 1000,
      targetTemperature: integrator.targetTemperature, failure: failure, drift: drift, thermodynamics: thermo,
      rdf: rdfReport, bondsMonitored: bonds,
      nanosecondsPerDay: stepsPerSecond * integrator.timestep * 86400 / 1e6, stepsPerSecond: stepsPerSecond,
      resumedFromStep: resumedFrom, files: files)
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
    try writeAtomically(try encoder.encode(report), to: outputs.report)
    return report
  }

  /// The RDF of every frame of a trajectory file.
  func radialDistribution(of url: URL) throws -> RadialDistribution {
    var rdf = RadialDistribution(maxDistance: options.rdfMaxDistance, binCount: options.rdfBins)
    let reader = try ExtXYZReader(url: url)
    defer { reader.close() }
    while let frame = try reader.next() { try rdf.add(frame) }
    return rdf
  }

  /// Energy, temperature and RDF plots (SVG); false when there was nothing to plot.
  func writePlots(rows: [MDLogRow], rdf: MDReport.RDF) throws -> Bool {
    guard rows.count >= 2 else { return false }
    let ps = rows.map { $0.time / 1000 }
    var energy = LinePlot(title: "Energy", xLabel: "time (ps)", yLabel: "energy − initial total (eV)")
    let e0 = rows[0].total
    energy.add("potential", x: ps, y: rows.map { $0.potential - e0 })
    energy.add("kinetic", x: ps, y: rows.map(\.kinetic))
    energy.add("total", x: ps, y: rows.map { $0.total - e0 })
    if integrator.ensemble.hasExtendedEnergy { energy.add("conserved", x: ps, y: rows.map { $0.conserved - e0 }, dashed: true) }
    try writeAtomically(energy.svg(), to: outputs.energyPlot)
    var temperature = LinePlot(title: "Temperature", xLabel: "time (ps)", yLabel: "temperature (K)")
    temperature.add("T", x: ps, y: rows.map(\.temperature))
    if let target = integrator.targetTemperature {
      temperature.add("target", x: [ps.first!, ps.last!], y: [target, target], dashed: true)
    }
    try writeAtomically(temperature.svg(), to: outputs.temperaturePlot)
    var g = LinePlot(title: "Radial distribution", xLabel: "r (Å)",
                     yLabel: rdf.normalizedByDensity ? "g(r)" : "pairs per atom per Å")
    g.add("this run", x: rdf.r, y: rdf.g)
    if let reference = rdf.reference { g.add("reference", x: rdf.r, y: reference, dashed: true) }
    try writeAtomically(g.svg(), to: outputs.rdfPlot)
    return true
  }
}
