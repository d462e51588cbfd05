/// Energy conservation of an NVE run, from its log of total and kinetic energy against time.
///
/// - `slope`: least-squares slope of E_total(t), converted to meV/atom/ps:
///   `slope [eV/fs] × 10⁶ / N`.
/// - `kineticFluctuation`: standard deviation of the kinetic energy per atom, meV/atom — the
///   natural scale of energy fluctuations at this temperature.
/// - `driftToFluctuation`: |slope| × run length / σ_K — how far the energy drifted over the
///   run compared with the thermal fluctuation of K (≪ 1 is good; ≥ 1 means the drift is as large
///   as the physics).
/// - `fluctuationRatio`: σ(E_total) / σ(K), the classic Verlet fluctuation ratio (≪ 1 is good;
///   it grows as Δt²).
public struct EnergyDrift: Sendable, Hashable, Codable {
  /// Slope of the straight-line fit to the total energy, meV/atom/ps.
  public var slope: Double
  /// σ(K)/N, meV/atom.
  public var kineticFluctuation: Double
  /// σ(E_total)/N, meV/atom.
  public var totalFluctuation: Double
  /// |slope| × duration / σ_K (dimensionless).
  public var driftToFluctuation: Double
  /// σ(E_total) / σ(K) (dimensionless).
  public var fluctuationRatio: Double
  /// Length of the run analysed, ps.
  public var duration: Double

  enum CodingKeys: String, CodingKey {
    case slope = "slope_meV_per_atom_per_ps"
    case kineticFluctuation = "kinetic_fluctuation_meV_per_atom"
    case totalFluctuation = "total_fluctuation_meV_per_atom"
    case driftToFluctuation = "drift_to_fluctuation"
    case fluctuationRatio = "fluctuation_ratio"
    case duration = "duration_ps"
  }

  /// - Parameters:
  ///   - time: [n] times, fs.
  ///   - total: [n] total (or conserved) energies, eV.
  ///   - kinetic: [n] kinetic energies, eV.
  ///   - atoms: number of atoms N.
  /// - Returns: nil when fewer than 3 samples.
  public init?(time: [Double], total: [Double], kinetic: [Double], atoms: Int) {
    precondition(time.count == total.count && time.count == kinetic.count, "time and energies must have equal lengths")
    guard time.count >= 3, atoms > 0 else { return nil }
    let n = Double(time.count)
    let tMean = time.reduce(0, +) / n
    let eMean = total.reduce(0, +) / n
    var sxy = 0.0, sxx = 0.0
    for k in 0..<time.count {
      sxy += (time[k] - tMean) * (total[k] - eMean)
      sxx += (time[k] - tMean) * (time[k] - tMean)
    }
    let slopePerFs = sxx > 0 ? sxy / sxx : 0  // eV/fs
    let kMean = kinetic.reduce(0, +) / n
    let sigmaK = (kinetic.map { ($0 - kMean) * ($0 - kMean) }.reduce(0, +) / n).squareRoot()
    let sigmaE = (total.map { ($0 - eMean) * ($0 - eMean) }.reduce(0, +) / n).squareRoot()
    let durationFs = (time.last ?? 0) - (time.first ?? 0)
    slope = slopePerFs * 1e6 / Double(atoms)
    kineticFluctuation = 1e3 * sigmaK / Double(atoms)
    totalFluctuation = 1e3 * sigmaE / Double(atoms)
    driftToFluctuation = sigmaK > 0 ? abs(slopePerFs) * durationFs / sigmaK : .infinity
    fluctuationRatio = sigmaK > 0 ? sigmaE / sigmaK : .infinity
    duration = durationFs / 1000
  }
}
