import Foundation

/// The files of one MD run, all named after the trajectory: for `traj.xyz`,
/// `traj.log.csv`, `traj.report.json`, `traj.energy.svg`, `traj.temperature.svg`, `traj.rdf.svg`.
public struct MDOutputs: Sendable, Hashable {
  /// Trajectory frames, extxyz.
  public var trajectory: URL
  /// Energies and temperature against time, CSV.
  public var log: URL
  /// The run's summary, JSON (`MDReport`).
  public var report: URL
  /// Potential, kinetic and total energy against time, SVG.
  public var energyPlot: URL
  /// Temperature against time, SVG.
  public var temperaturePlot: URL
  /// Radial distribution function (and the reference's), SVG.
  public var rdfPlot: URL

  /// - Parameter trajectory: the trajectory file; the others are named after it.
  public init(trajectory: URL) {
    self.trajectory = trajectory
    let folder = trajectory.deletingLastPathComponent()
    var stem = trajectory.lastPathComponent
    for ext in [".extxyz", ".xyz"] where stem.hasSuffix(ext) { stem = String(stem.dropLast(ext.count)) }
    log = folder.appendingPathComponent(stem + ".log.csv")
    report = folder.appendingPathComponent(stem + ".report.json")
    energyPlot = folder.appendingPathComponent(stem + ".energy.svg")
    temperaturePlot = folder.appendingPathComponent(stem + ".temperature.svg")
    rdfPlot = folder.appendingPathComponent(stem + ".rdf.svg")
  }
}
