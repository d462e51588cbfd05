/// How an MD run ended (the report's `status`).
public enum MDStatus: String, Sendable, Hashable, Codable, CustomStringConvertible {
  /// Every requested step was done without a stability violation.
  case stable
  /// The stability monitor stopped the run (a bond, the temperature, a non-finite number).
  case unstable
  /// The potential threw during the run.
  case failed

  public var description: String { rawValue }
}

/// Why an MD run stopped early (the report's `failure.kind`).
public enum MDFailureKind: String, Sendable, Hashable, Codable, CustomStringConvertible {
  /// A bond stretched or compressed beyond the allowed deviation.
  case bond
  /// The temperature left its bounds.
  case temperature
  /// Energy, a position, a velocity or a force became NaN or infinite.
  case nonFinite = "non-finite"
  /// The potential threw (e.g. a teacher worker died).
  case potentialError = "potential-error"

  /// The kind of a stability violation.
  public init(_ violation: StabilityViolation) {
    switch violation {
    case .bond: self = .bond
    case .temperature: self = .temperature
    case .nonFinite: self = .nonFinite
    }
  }

  public var description: String { rawValue }
}

/// The summary of a run, written as `<trajectory>.report.json`.
///
/// JSON keys are snake_case and carry their unit where the value has one (`timestep_fs`,
/// `simulated_time_ps`, `target_temperature_K`); see docs/md.md for every field.
public struct MDReport: Codable, Sendable {
  /// Why the run stopped early.
  public struct Failure: Codable, Sendable {
    /// What stopped the run.
    public var kind: MDFailureKind
    /// What happened, in words.
    public var message: String
    /// Step at which the violation was seen.
    public var step: Int
    /// Simulated time of the violation, fs.
    public var time: Double
    /// Step of the last good frame written to the trajectory.
    public var lastGoodStep: Int

    enum CodingKeys: String, CodingKey {
      case kind, message, step
      case time = "time_fs"
      case lastGoodStep = "last_good_step"
    }
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

    enum CodingKeys: String, CodingKey {
      case meanTemperature = "mean_temperature_K"
      case temperatureStd = "temperature_std_K"
      case meanPotentialEnergy = "mean_potential_energy_eV"
      case meanKineticEnergy = "mean_kinetic_energy_eV"
    }
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

    enum CodingKeys: String, CodingKey {
      case r = "r_A"
      case g
      case normalizedByDensity = "normalized_by_density"
      case frames, reference, difference
    }
  }

  /// stable (all steps done), unstable (stopped by the stability monitor) or failed (the
  /// potential threw).
  public var status: MDStatus
  /// nve, nvt-langevin or nvt-nh.
  public var ensemble: MDEnsemble
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

  enum CodingKeys: String, CodingKey {
    case status, ensemble, atoms
    case degreesOfFreedom = "degrees_of_freedom"
    case timestep = "timestep_fs"
    case stepsRequested = "steps_requested"
    case stepsCompleted = "steps_completed"
    case simulatedTime = "simulated_time_ps"
    case targetTemperature = "target_temperature_K"
    case failure, drift, thermodynamics, rdf
    case bondsMonitored = "bonds_monitored"
    case nanosecondsPerDay = "nanoseconds_per_day"
    case stepsPerSecond = "steps_per_second"
    case resumedFromStep = "resumed_from_step"
    case files
  }
}
