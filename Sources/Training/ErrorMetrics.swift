import Atomistic
import Potentials

/// Force error sums over a set of atoms (all of them, or those of one element), from which the
/// force figures of `ErrorMetrics` are formed.
public struct ForceErrorSums: Sendable, Hashable {
  /// Atoms with a reference force.
  public internal(set) var atoms = 0
  /// Σ |ΔF_ic| over components, eV/Å.
  var absolute = 0.0
  /// Σ ΔF_ic², (eV/Å)².
  var squared = 0.0
  /// Σ |F_ic| of the reference (teacher) over components, eV/Å.
  var referenceAbsolute = 0.0
  /// Σ cos(F_i, F̂_i) over atoms whose reference force is above 10⁻⁸ eV/Å, and their count.
  var cosineSum = 0.0, cosineCount = 0
  /// Atoms with |F̂_i − F_i| < `ErrorMetrics.relativeTolerance` · |F_i|.
  var withinTolerance = 0

  /// Adds one atom's reference force `f` and predicted force `p`, eV/Å.
  mutating func add(reference f: SIMD3<Double>, predicted p: SIMD3<Double>) {
    let d = p - f
    atoms += 1
    absolute += abs(d.x) + abs(d.y) + abs(d.z)
    squared += (d * d).sum()
    referenceAbsolute += abs(f.x) + abs(f.y) + abs(f.z)
    let nf = length(f), np = length(p)
    if nf > 1e-8 {
      cosineSum += np > 0 ? dot(f, p) / (nf * np) : 0
      cosineCount += 1
    }
    if length(d) < ErrorMetrics.relativeTolerance * nf { withinTolerance += 1 }
  }

  /// Force component MAE, eV/Å: Σ|ΔF_ic| / (3N).
  public var mae: Double { atoms > 0 ? absolute / Double(3 * atoms) : .nan }
  /// Force component RMSE, eV/Å: √(ΣΔF_ic² / (3N)).
  public var rmse: Double { atoms > 0 ? (squared / Double(3 * atoms)).squareRoot() : .nan }
  /// Relative force error, dimensionless: the component MAE divided by the mean absolute
  /// reference component, Σ|ΔF_ic| / Σ|F_ic|. A model that predicts zero forces scores 1; the
  /// "accuracy" 1 − this is what a "95 % accurate" target refers to. NaN when every reference
  /// force is zero.
  public var relative: Double { referenceAbsolute > 0 ? absolute / referenceAbsolute : .nan }
  /// Mean cosine similarity of predicted and reference force vectors, −1…1 (1 is perfect);
  /// atoms whose reference force is below 10⁻⁸ eV/Å are left out, a zero prediction counts 0.
  public var cosine: Double { cosineCount > 0 ? cosineSum / Double(cosineCount) : .nan }
  /// Fraction of atoms whose force error vector is shorter than 5 % of the reference force's
  /// length, |F̂_i − F_i| < 0.05 |F_i|, 0…1. Every atom counts, so one with zero reference
  /// force passes only with a zero error.
  public var fractionWithinTolerance: Double { atoms > 0 ? Double(withinTolerance) / Double(atoms) : .nan }
}

/// Errors of predicted energies, forces and stresses against reference labels, accumulated
/// structure by structure.
///
/// - energy: per-atom error (E_pred − E_ref)/N, MAE and RMSE over structures, eV/atom;
/// - forces (`ForceErrorSums`, over all atoms and per element): per-component MAE and RMSE,
///   eV/Å; the relative error Σ|ΔF_ic| / Σ|F_ic|; the mean cosine similarity of the force
///   vectors; the fraction of atoms whose error is under 5 % of the reference force;
/// - stress: per-component MAE and RMSE over the 6 Voigt components, eV/Å³.
public struct ErrorMetrics: Sendable, Hashable {
  /// The relative tolerance of `ForceErrorSums.fractionWithinTolerance`: 5 %.
  public static let relativeTolerance = 0.05

  public private(set) var structureCount = 0
  var energyCount = 0, energyAbsolute = 0.0, energySquared = 0.0
  /// Force error sums over every atom with a reference force.
  public private(set) var forces = ForceErrorSums()
  /// Force error sums of each element, by atomic number.
  public private(set) var forcesByElement: [Int: ForceErrorSums] = [:]
  var stressCount = 0, stressAbsolute = 0.0, stressSquared = 0.0

  public init() {}

  /// Adds one structure.
  /// - Parameters:
  ///   - reference: the labelled structure (energy eV, forces eV/Å, stress eV/Å³).
  ///   - predicted: the model's results for it.
  public mutating func add(reference: Structure, predicted: Results) {
    structureCount += 1
    let n = Double(max(reference.count, 1))
    if let e = reference.energy {
      let d = (predicted.energy - e) / n
      energyAbsolute += abs(d)
      energySquared += d * d
      energyCount += 1
    }
    if let f = reference.forces, let p = predicted.forces {
      for i in f.indices {
        forces.add(reference: f[i], predicted: p[i])
        forcesByElement[reference.atomicNumbers[i], default: ForceErrorSums()].add(reference: f[i], predicted: p[i])
      }
    }
    if let s = reference.stress, let p = predicted.stress {
      for k in 0..<6 {
        let d = p[k] - s[k]
        stressAbsolute += abs(d)
        stressSquared += d * d
      }
      stressCount += 6
    }
  }

  /// Energy per atom MAE, eV/atom (NaN without energies).
  public var energyMAE: Double { energyCount > 0 ? energyAbsolute / Double(energyCount) : .nan }
  /// Energy per atom RMSE, eV/atom.
  public var energyRMSE: Double { energyCount > 0 ? (energySquared / Double(energyCount)).squareRoot() : .nan }
  /// Force component MAE, eV/Å.
  public var forceMAE: Double { forces.mae }
  /// Force component RMSE, eV/Å.
  public var forceRMSE: Double { forces.rmse }
  /// Mean cosine between predicted and reference force vectors (1 is perfect).
  public var forceCosine: Double { forces.cosine }
  /// Relative force error Σ|ΔF_ic| / Σ|F_ic| (see `ForceErrorSums.relative`).
  public var relativeForceError: Double { forces.relative }
  /// Fraction of atoms with |ΔF_i| < 5 % of |F_i| (see `ForceErrorSums.fractionWithinTolerance`).
  public var forceFractionWithinTolerance: Double { forces.fractionWithinTolerance }
  /// Stress component MAE, eV/Å³.
  public var stressMAE: Double { stressCount > 0 ? stressAbsolute / Double(stressCount) : .nan }
  /// Stress component RMSE, eV/Å³.
  public var stressRMSE: Double { stressCount > 0 ? (stressSquared / Double(stressCount)).squareRoot() : .nan }
  /// Force component MAE of each element, eV/Å, by atomic number.
  public var forceMAEByElement: [Int: Double] { forcesByElement.mapValues(\.mae) }
}
