import Atomistic
import Foundation

/// The mass-weighted velocity autocorrelation function of a trajectory,
///
///     C(τ) = Σ_i m_i ⟨v_i(t) · v_i(t + τ)⟩_t / Σ_i m_i ⟨v_i(t) · v_i(t)⟩_t,
///
/// with ⟨·⟩_t the average over the T − τ time origins of frames spaced evenly in time, so that
/// C(0) = 1. Each atom's and component's sums come from `autocorrelationSums` (FFT,
/// Wiener–Khinchin).
/// - Parameters:
///   - velocities: [T frames][nAtoms], Å/fs, evenly spaced in time.
///   - masses: [nAtoms], amu.
///   - maxLag: largest lag, in frames (clamped to T − 1).
/// - Returns: C(τ) for τ = 0…maxLag frames; empty with no frames or zero velocities.
public func velocityAutocorrelation(_ velocities: [[SIMD3<Double>]], masses: [Double], maxLag: Int) -> [Double] {
  let t = velocities.count
  guard t > 0, let n = velocities.first?.count, n == masses.count else { return [] }
  precondition(velocities.allSatisfy { $0.count == n }, "every frame must have the same atoms")
  let lags = min(max(maxLag, 0), t - 1)
  var sums = Array(repeating: 0.0, count: lags + 1)
  var series = Array(repeating: 0.0, count: t)
  for i in 0..<n {
    for c in 0..<3 {
      for k in 0..<t { series[k] = velocities[k][i][c] }
      let a = autocorrelationSums(series, maxLag: lags)
      for tau in 0...lags { sums[tau] += masses[i] * a[tau] }
    }
  }
  let averaged = (0...lags).map { sums[$0] / Double(t - $0) }
  guard averaged[0] > 0 else { return [] }
  return averaged.map { $0 / averaged[0] }
}

/// The vibrational density of states (power spectrum of the velocities) of a trajectory, from
/// the cosine transform of its velocity autocorrelation function:
///
///     D(ν̃) ∝ ∫_0^{τ_max} C(τ) w(τ) cos(2π c ν̃ τ) dτ,   w(τ) = ½ (1 + cos(π τ / τ_max)),
///
/// (trapezoidal rule over the lags; the Hann window w tames the truncation ripples at the
/// price of a resolution of about 2/τ_max), normalised to unit area over the wavenumbers
/// given. ν̃ is in cm⁻¹ (c = 2.99792458 × 10⁻⁵ cm/fs); a harmonic mode of angular frequency ω
/// (rad/fs) peaks at ν̃ = ω / (2π c).
public struct VibrationalSpectrum: Sendable, Hashable, Codable {
  /// The speed of light, cm/fs.
  public static let speedOfLight = Units.speedOfLightSI * 100 * 1e-15

  /// Time between the frames used, fs.
  public var interval: Double
  /// C(τ) at τ = k · interval, dimensionless (C(0) = 1).
  public var correlation: [Double]
  /// The wavenumbers ν̃, cm⁻¹.
  public var wavenumbers: [Double]
  /// D(ν̃), per cm⁻¹, with Σ D Δν̃ = 1 (trapezoidal) over `wavenumbers`.
  public var density: [Double]

  enum CodingKeys: String, CodingKey {
    case interval = "interval_fs", correlation = "vacf", wavenumbers = "wavenumbers_per_cm"
    case density = "vdos_per_cm"
  }

  /// - Parameters:
  ///   - velocities: [T frames][nAtoms], Å/fs, evenly spaced by `interval`.
  ///   - masses: [nAtoms], amu.
  ///   - interval: time between frames, fs.
  ///   - maxLag: largest lag, frames (default T/2: every lag averages over at least half the run).
  ///   - maxWavenumber: top of the spectrum, cm⁻¹ (default 4000, above every stretch of the
  ///     elements H…Cl); values past the Nyquist wavenumber 1/(2 c interval) alias.
  ///   - points: wavenumbers on the grid 0…maxWavenumber.
  /// - Returns: nil with fewer than 4 frames or zero velocities.
  public init?(velocities: [[SIMD3<Double>]], masses: [Double], interval: Double, maxLag: Int? = nil,
               maxWavenumber: Double = 4000, points: Int = 401) {
    guard velocities.count >= 4, interval > 0, points >= 2 else { return nil }
    let c = velocityAutocorrelation(velocities, masses: masses, maxLag: maxLag ?? velocities.count / 2)
    guard c.count >= 2 else { return nil }
    self.interval = interval
    correlation = c
    wavenumbers = (0..<points).map { maxWavenumber * Double($0) / Double(points - 1) }
    density = VibrationalSpectrum.cosineTransform(c, interval: interval, wavenumbers: wavenumbers)
  }

  /// The windowed cosine transform of C(τ) at each wavenumber, normalised to unit area (all
  /// zeros when the transform has no positive area).
  static func cosineTransform(_ c: [Double], interval: Double, wavenumbers: [Double]) -> [Double] {
    let lags = c.count - 1
    let tauMax = Double(lags) * interval
    let windowed = (0...lags).map { k -> Double in
      let w = 0.5 * (1 + cos(Double.pi * Double(k) * interval / tauMax))
      return c[k] * w * (k == 0 || k == lags ? 0.5 : 1)
    }
    var d = wavenumbers.map { nu -> Double in
      let omega = 2 * Double.pi * speedOfLight * nu  // rad/fs
      var sum = 0.0
      for k in 0...lags { sum += windowed[k] * cos(omega * Double(k) * interval) }
      return max(0, 2 * interval * sum)
    }
    let area = trapezoid(d, wavenumbers)
    if area > 0 { d = d.map { $0 / area } } else { d = d.map { _ in 0 } }
    return d
  }

  /// The overlap ∫ min(D₁, D₂) dν̃ of two spectra on the same wavenumbers, 0…1 (1 when they
  /// are identical; 1 − overlap is half their L1 distance).
  public func overlap(with other: VibrationalSpectrum) -> Double {
    precondition(other.wavenumbers == wavenumbers, "spectra must share their wavenumbers")
    return trapezoid(zip(density, other.density).map { min($0, $1) }, wavenumbers)
  }

  /// The wavenumber of the highest density, cm⁻¹.
  public var peakWavenumber: Double { wavenumbers[density.indices.max { density[$0] < density[$1] } ?? 0] }

  /// The wavenumber of the highest local maximum of the density above `minimum` cm⁻¹, or NaN
  /// when there is none (see `peaks(above:count:)`).
  public func peakWavenumber(above minimum: Double) -> Double {
    peaks(above: minimum, count: 1).first ?? .nan
  }

  /// The wavenumbers of the `count` highest local maxima of the density above `minimum` cm⁻¹
  /// (grid points above their lower neighbour and not below their upper one), in ascending
  /// order: the strongest vibrations past the translations and rotations of a free molecule,
  /// whose falling tail from 0 cm⁻¹ has no maximum of its own.
  public func peaks(above minimum: Double, count: Int) -> [Double] {
    let maxima = density.indices.dropFirst().dropLast().filter {
      wavenumbers[$0] > minimum && density[$0] > density[$0 - 1] && density[$0] >= density[$0 + 1]
    }
    return maxima.sorted { density[$0] > density[$1] }.prefix(max(0, count)).map { wavenumbers[$0] }.sorted()
  }
}

/// ∫ y dx by the trapezoidal rule.
func trapezoid(_ y: [Double], _ x: [Double]) -> Double {
  guard y.count >= 2 else { return 0 }
  var sum = 0.0
  for k in 1..<y.count { sum += 0.5 * (y[k] + y[k - 1]) * (x[k] - x[k - 1]) }
  return sum
}
