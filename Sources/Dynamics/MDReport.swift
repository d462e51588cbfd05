/// The summary of a run, written as `<trajectory>.report.json`.
///
/// Energies eV, times fs unless the name says ps, temperatures K; see docs/md.md for every field.
public struct MDReport: Codable, Sendable {
  /// Why the run stopped early.
  public struct Failure: Codable, Sendable {
    /// "bond", "temperature", "non-finite" or "potential-error".
    public var kind: String
    /// What happened, in words.
    public var message: String
    /// Step at which the violation was seen.
    public var step: Int
    /// Simulated time of the violation, fs.
    public var time: Double
    /// Step of the last good frame written to the trajectory.
    public var lastGoodStep: Int
  }

  /// Thermal averages over the logged samples.
  public struct Thermodynamics: Codable, Sendable {
    /// Mean temperature, K.
    public var meanTemperature: Double
    /// Standard deviation of the temperature, K.
    public var temperatureStd: Double
    /// Mean potential energy, eV.
    public var meanPotentialEnergy: Double
    /// Mean kinetic energy, eV.
    public var meanKineticEnergy: Double
  }

  /// The radial distribution function (see `RadialDistribution`).
  public struct RDF: Codable, Sendable {
    /// Bin centres, Å.
    public var r: [Double]
    /// g(r) (periodic) or pairs per atom per Å (molecules).
    public var g: [Double]
    /// True for g(r) normalised by density, false for the per-atom pair-distance distribution.
    public var normalizedByDensity: Bool
    /// Frames averaged.
    public var frames: Int
    /// The reference trajectory's distribution on the same bins, when one was given.
    public var reference: [Double]?
    /// The difference to the reference, when one was given.
    public var difference: RadialDistribution.Difference?
  }

  /// "stable" (all steps done), "unstable" (stopped by the stability monitor) or "failed"
  /// (the potential threw).
  public var status: String
  /// nve, nvt-langevin or nvt-nh.
  public var ensemble: String
  /// Number of atoms.
  public var atoms: Int
  /// Degrees of freedom used for the temperature.
  public var degreesOfFreedom: Int
  /// Timestep, fs.
  public var timestep: Double
  /// Steps requested.
  public var stepsRequested: Int
  /// Steps completed (in all runs, if resumed).
  public var stepsCompleted: Int
  /// Simulated time completed, ps.
  public var simulatedTime: Double
  /// Target temperature, K (nil for NVE).
  public var targetTemperature: Double?
  /// Why the run stopped early, or nil.
  public var failure: Failure?
  /// Energy drift of the conserved quantity (E_total for NVE; the extended energy for
  /// Nosé–Hoover; for Langevin it is reported but not meaningful), or nil with too few samples.
  public var drift: EnergyDrift?
  /// Thermal averages, or nil with no samples.
  public var thermodynamics: Thermodynamics?
  /// Radial distribution function of the trajectory frames.
  public var rdf: RDF?
  /// Bonds monitored.
  public var bondsMonitored: Int
  /// Performance of the last run (this invocation): ns of simulated time per day of wall time.
  public var nanosecondsPerDay: Double
  /// Steps per second of wall time in this invocation.
  public var stepsPerSecond: Double
  /// Steps this invocation started from (0 unless resumed).
  public var resumedFromStep: Int
  /// Files written, by role: trajectory, log, report, plots.
  public var files: [String: String]
}
