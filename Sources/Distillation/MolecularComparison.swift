import Atomistic
import Dynamics
import Foundation
import Reporting

/// Student against teacher on the same short MD of a molecule (same start, thermostat, seed
/// and length): bond-length and angle distributions per element pair and triple, and the
/// vibrational density of states from the velocity autocorrelation. `md/<run>/comparison.json`.
public struct MolecularComparison: Codable, Sendable {
  /// Mean and spread of one element pair's bond lengths (Å) or one triple's angles (degrees)
  /// in both runs.
  public struct Distribution: Codable, Sendable {
    /// `C–H`, or `H–C–H` (apex in the middle).
    public var label: String
    /// Values measured in each run (bonds or angles × frames).
    public var count: Int
    public var teacherMean: Double
    public var teacherStd: Double
    public var studentMean: Double
    public var studentStd: Double

    enum CodingKeys: String, CodingKey {
      case label, count
      case teacherMean = "teacher_mean", teacherStd = "teacher_std"
      case studentMean = "student_mean", studentStd = "student_std"
    }
  }

  /// The run compared (`nvt_300K`) and the frames of each trajectory used.
  public var run: String
  public var teacherFrames: Int
  public var studentFrames: Int
  /// Bond lengths per element pair, Å.
  public var bonds: [Distribution]
  /// Bond angles per element triple, degrees.
  public var angles: [Distribution]
  /// The teacher's and the student's vibrational density of states (nil with too few frames).
  public var teacherSpectrum: VibrationalSpectrum?
  public var studentSpectrum: VibrationalSpectrum?
  /// ∫ min(D_student, D_teacher) dν̃, 0…1 (1: identical spectra).
  public var spectralOverlap: Double?

  enum CodingKeys: String, CodingKey {
    case run, bonds, angles
    case teacherFrames = "teacher_frames", studentFrames = "student_frames"
    case teacherSpectrum = "teacher_vdos", studentSpectrum = "student_vdos", spectralOverlap = "vdos_overlap"
  }
}

/// The frames of a trajectory that lie on its regular grid: steps s₀, s₀ + k, s₀ + 2k, … with
/// k the step difference of the first two frames, up to the first frame off the grid (a last
/// frame written at an early stop is left out).
func regularlySpacedFrames(_ frames: [Structure]) -> (frames: [Structure], stepInterval: Int)? {
  let steps = frames.compactMap(mdStep)
  guard steps.count == frames.count, frames.count >= 2 else { return nil }
  let k = steps[1] - steps[0]
  guard k > 0 else { return nil }
  var kept = [frames[0]]
  for n in 1..<frames.count {
    guard steps[n] == steps[0] + n * k else { break }
    kept.append(frames[n])
  }
  return (kept, k)
}

/// The velocities a trajectory frame stores, [nAtoms], Å/fs, or nil.
func frameVelocities(_ frame: Structure) -> [SIMD3<Double>]? {
  guard case .doubles(3, let v)? = frame.arrays["velocities"], v.count == 3 * frame.count else { return nil }
  return (0..<frame.count).map { SIMD3(v[3 * $0], v[3 * $0 + 1], v[3 * $0 + 2]) }
}

/// The vibrational spectrum of a trajectory's regularly spaced frames with velocities.
/// - Parameter timestep: the MD timestep, fs.
func vibrationalSpectrum(of frames: [Structure], timestep: Double) -> VibrationalSpectrum? {
  guard let (regular, k) = regularlySpacedFrames(frames) else { return nil }
  let velocities = regular.compactMap(frameVelocities)
  guard velocities.count == regular.count, let first = regular.first else { return nil }
  return VibrationalSpectrum(velocities: velocities, masses: first.atomicNumbers.map(Elements.mass),
                             interval: Double(k) * timestep)
}

extension MolecularComparison {
  /// Compares two trajectories of the same molecule.
  /// - Parameters:
  ///   - teacher, student: the frames of each run.
  ///   - geometry: the bonds and angles measured (from the starting structure).
  ///   - timestep: fs.
  /// - Returns: the comparison, and the distributions behind it (for the histograms).
  static func compare(run: String, teacher: [Structure], student: [Structure], geometry: BondGeometry,
                      timestep: Double) -> (MolecularComparison, teacher: GeometryDistributions, student: GeometryDistributions) {
    var t = GeometryDistributions(), s = GeometryDistributions()
    for frame in teacher { t.add(frame, geometry: geometry) }
    for frame in student { s.add(frame, geometry: geometry) }
    func stats(_ x: [Double]) -> (Double, Double) {
      guard !x.isEmpty else { return (.nan, .nan) }
      let mean = x.reduce(0, +) / Double(x.count)
      return (mean, (x.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(x.count)).squareRoot())
    }
    func distributions(_ a: [String: [Double]], _ b: [String: [Double]]) -> [Distribution] {
      a.keys.sorted { (a[$0]!.count, $1) > (a[$1]!.count, $0) }.map { label in
        let (tm, ts) = stats(a[label]!), (sm, ss) = stats(b[label] ?? [])
        return Distribution(label: label, count: a[label]!.count, teacherMean: tm, teacherStd: ts, studentMean: sm, studentStd: ss)
      }
    }
    let teacherSpectrum = vibrationalSpectrum(of: teacher, timestep: timestep)
    let studentSpectrum = vibrationalSpectrum(of: student, timestep: timestep)
    var overlap: Double? = nil
    if let a = teacherSpectrum, let b = studentSpectrum, a.wavenumbers == b.wavenumbers { overlap = a.overlap(with: b) }
    let comparison = MolecularComparison(
      run: run, teacherFrames: teacher.count, studentFrames: student.count,
      bonds: distributions(t.bondLengths, s.bondLengths), angles: distributions(t.angles, s.angles),
      teacherSpectrum: teacherSpectrum, studentSpectrum: studentSpectrum, spectralOverlap: overlap)
    return (comparison, t, s)
  }
}

/// The file name of a distribution's histogram: `bonds_C-H.svg`, `angles_H-C-O.svg`.
func comparisonPlotName(_ kind: String, _ label: String) -> String {
  "\(kind)_" + label.replacingOccurrences(of: "–", with: "-").filter { $0.isLetter || $0.isNumber || $0 == "-" } + ".svg"
}

/// The figures of a comparison, written into the run's folder: `bonds_<pair>.svg` and
/// `angles_<triple>.svg` (student and teacher histograms overlaid; the `most` most frequent of
/// each) and `vdos.svg`.
/// - Returns: the files written with their captions, in report order.
func writeComparisonPlots(_ comparison: MolecularComparison, teacher: GeometryDistributions, student: GeometryDistributions,
                          folder: URL, most: Int = 4) throws -> [(URL, String)] {
  var written: [(URL, String)] = []
  func histogram(_ title: String, _ unit: String, _ label: String, _ a: [Double], _ b: [Double], file: String) throws {
    var h = Histogram(title: "\(title) \(label)", xLabel: unit, yLabel: "count", bins: 40)
    h.add("teacher", values: a)
    h.add("student", values: b)
    let url = folder.appendingPathComponent(file)
    try writeFigure(h.svg(), to: url)
    written.append((url, "\(comparison.run): \(title.lowercased()) \(label), student and teacher"))
  }
  for d in comparison.bonds.prefix(most) {
    try histogram("Bond length", "bond length (Å)", d.label, teacher.bondLengths[d.label] ?? [], student.bondLengths[d.label] ?? [],
                  file: comparisonPlotName("bonds", d.label))
  }
  for d in comparison.angles.prefix(most) {
    try histogram("Bond angle", "angle (degrees)", d.label, teacher.angles[d.label] ?? [], student.angles[d.label] ?? [],
                  file: comparisonPlotName("angles", d.label))
  }
  if let t = comparison.teacherSpectrum, let s = comparison.studentSpectrum {
    var plot = LinePlot(title: "Vibrational density of states", xLabel: "wavenumber (cm⁻¹)", yLabel: "VDOS (per cm⁻¹)")
    plot.add("teacher", x: t.wavenumbers, y: t.density)
    plot.add("student", x: s.wavenumbers, y: s.density, dashed: true)
    if let overlap = comparison.spectralOverlap { plot.annotations = [String(format: "overlap %.3f", overlap)] }
    let url = folder.appendingPathComponent("vdos.svg")
    try writeFigure(plot.svg(), to: url)
    written.append((url, "\(comparison.run): vibrational density of states (mass-weighted velocity autocorrelation), student and teacher"))
  }
  return written
}
