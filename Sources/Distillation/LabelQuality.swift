import Atomistic
import Foundation
import Training

/// The thresholds of the label quality checks that every teacher label passes before it enters
/// a dataset (`[label.quality]` in `mlff distill`'s settings, `--max-force` and friends on
/// `mlff label` and `mlff check`). A threshold of 0 turns its check off.
///
/// A label is rejected when
/// - its energy, a force or a stress component is not finite (always checked);
/// - its largest force |F_i| exceeds `maxForce` (eV/Å);
/// - two atoms are closer than `minDistanceFraction` · (r_cov,i + r_cov,j), the sum of their
///   covalent radii (Cordero et al. 2008): 0.5 flags two carbons nearer than 0.76 Å;
/// - its energy per atom is an outlier of the dataset (see `energyOutliers`): robust z-score
///   above `maxEnergyZ` *and* a residual more than `minEnergyDeviation` eV/atom from the median.
public struct LabelQualityCriteria: Codable, Sendable, Hashable {
  /// Largest force allowed on any atom, eV/Å (0: no limit). 50 eV/Å is about 1 Hartree/Bohr,
  /// far beyond any force of thermal sampling of molecules or materials, and far below what a
  /// broken geometry gives (two carbons 0.2 Å apart: ~7,000 eV/Å with GFN2-xTB).
  public var maxForce: Double = 50
  /// Closest allowed approach as a fraction of the two covalent radii' sum (0: no limit).
  public var minDistanceFraction: Double = 0.5
  /// Largest robust z-score of an energy-per-atom residual (0: no energy check).
  public var maxEnergyZ: Double = 10
  /// Smallest residual, eV/atom from the median, that can make an energy an outlier: keeps the
  /// check from rejecting real physics in a tight distribution (an unperturbed seed among its
  /// rattled copies, a cluster among crystals of the same elements).
  public var minEnergyDeviation: Double = 1.0

  public init() {}

  /// Every check off except the finiteness of the numbers.
  public static var finiteOnly: LabelQualityCriteria {
    var c = LabelQualityCriteria()
    c.maxForce = 0
    c.minDistanceFraction = 0
    c.maxEnergyZ = 0
    return c
  }

  /// Why these thresholds cannot be used; nil when they can.
  public var problem: String? {
    if !(maxForce >= 0 && maxForce.isFinite) { return "max_force must be ≥ 0 eV/Å (0: no limit), got \(maxForce)" }
    if !(minDistanceFraction >= 0 && minDistanceFraction < 2) { return "min_distance_fraction must be in [0, 2) (0: no limit), got \(minDistanceFraction)" }
    if !(maxEnergyZ >= 0 && maxEnergyZ.isFinite) { return "max_energy_z must be ≥ 0 (0: no energy check), got \(maxEnergyZ)" }
    if !(minEnergyDeviation >= 0 && minEnergyDeviation.isFinite) { return "min_energy_deviation must be ≥ 0 eV/atom, got \(minEnergyDeviation)" }
    return nil
  }

  /// The thresholds in words, for provenance and reports.
  public var summary: String {
    func off(_ x: Double, _ text: String) -> String { x > 0 ? text : "off" }
    return "finite numbers; max force " + off(maxForce, "\(Self.g(maxForce)) eV/Å")
      + "; min distance " + off(minDistanceFraction, "\(Self.g(minDistanceFraction)) × covalent radii")
      + "; energy outliers " + off(maxEnergyZ, "|z| > \(Self.g(maxEnergyZ)) and > \(Self.g(minEnergyDeviation)) eV/atom")
  }

  static func g(_ x: Double) -> String { String(format: "%g", x) }

  enum CodingKeys: String, CodingKey {
    case maxForce = "max_force", minDistanceFraction = "min_distance_fraction"
    case maxEnergyZ = "max_energy_z", minEnergyDeviation = "min_energy_deviation"
  }
}

/// The check a label failed.
public enum LabelQualityCheck: String, Codable, Sendable, CaseIterable {
  case nonFinite = "non_finite"
  case maxForce = "max_force"
  case overlap = "overlap"
  case energyOutlier = "energy_outlier"
}

/// One rejected label: which check, and a sentence with the numbers.
public struct LabelRejection: Sendable, Hashable {
  public var check: LabelQualityCheck
  public var reason: String
}

/// What the checks measure on one labelled structure (the numbers behind a verdict).
public struct LabelQualityMeasures: Sendable {
  /// Energy, forces and stress (those present) are all finite, and so are the positions.
  public var finite: Bool
  /// Largest |F_i|, eV/Å; nil without forces.
  public var maxForce: Double?
  /// The closest pair relative to its covalent radii: d / (r_cov,i + r_cov,j), with the atoms
  /// and d (Å); nil when no pair is closer than the sum of the radii.
  public var closestPair: (ratio: Double, i: Int, j: Int, distance: Double)?
  /// Energy-per-atom residual from the dataset's per-element fit, eV/atom, and its robust
  /// z-score; nil when the structure takes no part in the energy check.
  public var energyResidual: Double?
  public var energyZ: Double?
  /// The residual minus the median residual, eV/atom.
  public var energyDeviation: Double?

}

/// Datasets smaller than this are not checked for energy outliers: a median and MAD of a handful
/// of energies say nothing.
public let minimumStructuresForEnergyCheck = 8

/// The per-structure measures: finiteness, largest force, closest pair.
/// - Parameter structure: a labelled structure (energy eV, forces eV/Å, stress eV/Å³).
public func measureLabel(_ structure: Structure) -> LabelQualityMeasures {
  var finite = structure.positions.allSatisfy { $0.x.isFinite && $0.y.isFinite && $0.z.isFinite }
  if let e = structure.energy, !e.isFinite { finite = false }
  if let forces = structure.forces, !forces.allSatisfy({ $0.x.isFinite && $0.y.isFinite && $0.z.isFinite }) { finite = false }
  if let stress = structure.stress, !stress.allSatisfy(\.isFinite) { finite = false }
  let maxForce = structure.forces.map { forces in forces.reduce(0.0) { max($0, length($1)) } }
  return LabelQualityMeasures(
    finite: finite, maxForce: finite ? maxForce : nil, closestPair: finite ? closestPair(structure) : nil)
}

/// The pair with the smallest d / (r_cov,i + r_cov,j) among pairs closer than the sum of their
/// covalent radii (periodic images included), or nil when there is none.
func closestPair(_ s: Structure) -> (ratio: Double, i: Int, j: Int, distance: Double)? {
  guard s.count > 1 || s.isPeriodic, let largest = s.atomicNumbers.filter(Elements.isKnown).map(Elements.covalentRadius).max() else { return nil }
  guard let list = try? neighborList(s, cutoff: 2 * largest) else { return nil }
  var best: (ratio: Double, i: Int, j: Int, distance: Double)? = nil
  for e in 0..<list.count {
    let i = Int(list.centers[e]), j = Int(list.neighbors[e])
    guard i <= j, Elements.isKnown(s.atomicNumbers[i]), Elements.isKnown(s.atomicNumbers[j]) else { continue }
    let d = length(list.vector(e, in: s))
    let ratio = d / (Elements.covalentRadius(s.atomicNumbers[i]) + Elements.covalentRadius(s.atomicNumbers[j]))
    if ratio < 1 && ratio < (best?.ratio ?? .infinity) { best = (ratio, i, j, d) }
  }
  return best
}

/// The verdict of the per-structure checks on `measures`; nil when the label passes.
/// - Parameter structure: the structure measured (for the element symbols in the reason).
public func judgeLabel(_ measures: LabelQualityMeasures, structure: Structure, criteria: LabelQualityCriteria) -> LabelRejection? {
  if !measures.finite {
    return LabelRejection(check: .nonFinite, reason: "label quality: the energy, forces, stress or positions are not finite numbers (NaN or infinity)")
  }
  if criteria.maxForce > 0, let f = measures.maxForce, f > criteria.maxForce {
    let atom = structure.forces!.firstIndex { length($0) == f } ?? 0
    return LabelRejection(check: .maxForce, reason: String(
      format: "label quality: the largest force, %.4g eV/Å on atom %d (%@), exceeds max_force = %g eV/Å",
      f, atom, Elements.symbol(structure.atomicNumbers[atom]), criteria.maxForce))
  }
  if criteria.minDistanceFraction > 0, let pair = measures.closestPair, pair.ratio < criteria.minDistanceFraction {
    let a = Elements.symbol(structure.atomicNumbers[pair.i]), b = Elements.symbol(structure.atomicNumbers[pair.j])
    return LabelRejection(check: .overlap, reason: String(
      format: "label quality: atoms %d (%@) and %d (%@) are %.3f Å apart, %.2f of the sum of their covalent radii (min_distance_fraction = %g)",
      pair.i, a, pair.j, b, pair.distance, pair.ratio, criteria.minDistanceFraction))
  }
  return nil
}

/// Energy-per-atom outliers of a set of labelled structures.
///
/// Fits per-element energies μ_Z to the totals by least squares (`fitReferenceEnergies`:
/// E_s ≈ Σ_Z n_sZ μ_Z), takes each structure's residual per atom r_s = (E_s − Σ_Z n_sZ μ_Z)/N_s,
/// and its robust z-score z_s = 0.6745 (r_s − median r) / MAD, with MAD the median of
/// |r_s − median r| (0.6745 makes z a standard normal score for normally distributed r). A
/// structure is an outlier when |z_s| > `maxEnergyZ` and |r_s − median r| > `minEnergyDeviation`.
/// The fit is repeated twice without the outliers found so far, so that one absurd energy cannot
/// drag the fit and make others look wrong. A MAD of 0 makes every residual off the median
/// infinitely unlikely; the deviation floor then decides.
///
/// - Parameters:
///   - structures: labelled structures; those without a finite energy take no part.
///   - criteria: the thresholds; `maxEnergyZ = 0` finds none.
/// - Returns: for every structure taking part (by index), its residual, z and deviation; and the
///   indices of the outliers. Nothing when fewer than `minimumStructuresForEnergyCheck` take part.
public func energyOutliers(
  _ structures: [Structure], criteria: LabelQualityCriteria
) -> (measures: [Int: (residual: Double, z: Double, deviation: Double)], outliers: Set<Int>) {
  let candidates = structures.indices.filter { structures[$0].energy?.isFinite == true && structures[$0].count > 0 }
  guard candidates.count >= minimumStructuresForEnergyCheck else { return ([:], []) }
  let elements = Array(Set(candidates.flatMap { structures[$0].atomicNumbers })).sorted()
  var outliers = Set<Int>()
  var measures: [Int: (residual: Double, z: Double, deviation: Double)] = [:]
  for _ in 0..<3 {
    let fitted = candidates.filter { !outliers.contains($0) }.map { structures[$0] }
    let mu = fitReferenceEnergies(fitted, elements: elements)
    let column = Dictionary(uniqueKeysWithValues: elements.enumerated().map { ($1, $0) })
    var residuals: [Int: Double] = [:]
    for k in candidates {
      let s = structures[k]
      let reference = s.atomicNumbers.reduce(0.0) { $0 + mu[column[$1]!] }
      residuals[k] = (s.energy! - reference) / Double(s.count)
    }
    let kept = candidates.filter { !outliers.contains($0) }.map { residuals[$0]! }
    let center = median(kept)
    let mad = median(kept.map { abs($0 - center) })
    var found = Set<Int>()
    for k in candidates {
      let deviation = residuals[k]! - center
      let z = mad > 0 ? 0.6745 * deviation / mad : (deviation == 0 ? 0 : (deviation > 0 ? .infinity : -.infinity))
      measures[k] = (residuals[k]!, z, deviation)
      if criteria.maxEnergyZ > 0 && abs(z) > criteria.maxEnergyZ && abs(deviation) > criteria.minEnergyDeviation {
        found.insert(k)
      }
    }
    if found == outliers { break }
    outliers = found
  }
  return (measures, outliers)
}

/// The median of `values` (the mean of the middle two for an even count); 0 for none.
func median(_ values: [Double]) -> Double {
  guard !values.isEmpty else { return 0 }
  let sorted = values.sorted()
  let mid = sorted.count / 2
  return sorted.count % 2 == 1 ? sorted[mid] : 0.5 * (sorted[mid - 1] + sorted[mid])
}

/// Every check on a set of labelled structures: the measures of each and the rejections by index.
///
/// The per-structure checks run first; the energy check then runs over the structures that
/// passed them (a NaN or a broken geometry takes no part in the fit), together with `context`.
/// - Parameter context: labels already accepted (the dataset new labels join, as in active
///   learning): they take part in the energy fit and its median and MAD but are not judged.
public func checkLabels(
  _ structures: [Structure], criteria: LabelQualityCriteria, context: [Structure] = []
) -> (measures: [LabelQualityMeasures], rejections: [Int: LabelRejection]) {
  var measures = structures.map(measureLabel)
  var rejections: [Int: LabelRejection] = [:]
  for k in structures.indices {
    if let rejection = judgeLabel(measures[k], structure: structures[k], criteria: criteria) { rejections[k] = rejection }
  }
  let passing = structures.indices.filter { rejections[$0] == nil }
  let energy = energyOutliers(passing.map { structures[$0] } + context, criteria: criteria)
  for (position, k) in passing.enumerated() {
    guard let m = energy.measures[position] else { continue }
    measures[k].energyResidual = m.residual
    measures[k].energyZ = m.z
    measures[k].energyDeviation = m.deviation
    if energy.outliers.contains(position) {
      rejections[k] = LabelRejection(check: .energyOutlier, reason: String(
        format: "label quality: the energy per atom is %+.4g eV/atom from the median residual of the dataset's per-element fit (robust z = %.3g; max_energy_z = %g, min_energy_deviation = %g eV/atom)",
        m.deviation, m.z, criteria.maxEnergyZ, criteria.minEnergyDeviation))
    }
  }
  return (measures, rejections)
}
