import Atomistic
import Potentials

/// Errors of predicted energies, forces and stresses against reference labels, accumulated
/// structure by structure.
///
/// - energy: per-atom error (E_pred − E_ref)/N, MAE and RMSE over structures, eV/atom;
/// - forces: per-component errors, MAE and RMSE over all components, eV/Å; also the mean
///   cosine similarity between predicted and reference force vectors (atoms whose reference
///   force is below 10⁻⁸ eV/Å are skipped) and the force MAE of each element;
/// - stress: per-component MAE and RMSE over the 6 Voigt components, eV/Å³.
public struct ErrorMetrics: Sendable, Hashable {
  public private(set) var structureCount = 0
  var energyCount = 0, energyAbsolute = 0.0, energySquared = 0.0
  var forceCount = 0, forceAbsolute = 0.0, forceSquared = 0.0
  var cosineSum = 0.0, cosineCount = 0
  var stressCount = 0, stressAbsolute = 0.0, stressSquared = 0.0
  var elementAbsolute: [Int: Double] = [:], elementCount: [Int: Int] = [:]

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
        let d = p[i] - f[i]
        let a = abs(d.x) + abs(d.y) + abs(d.z)
        forceAbsolute += a
        forceSquared += (d * d).sum()
        forceCount += 3
        let z = reference.atomicNumbers[i]
        elementAbsolute[z, default: 0] += a
        elementCount[z, default: 0] += 3
        let nf = length(f[i]), np = length(p[i])
        if nf > 1e-8 {
          cosineSum += np > 0 ? dot(f[i], p[i]) / (nf * np) : 0
          cosineCount += 1
        }
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
  public var forceMAE: Double { forceCount > 0 ? forceAbsolute / Double(forceCount) : .nan }
  /// Force component RMSE, eV/Å.
  public var forceRMSE: Double { forceCount > 0 ? (forceSquared / Double(forceCount)).squareRoot() : .nan }
  /// Mean cosine between predicted and reference force vectors (1 is perfect).
  public var forceCosine: Double { cosineCount > 0 ? cosineSum / Double(cosineCount) : .nan }
  /// Stress component MAE, eV/Å³.
  public var stressMAE: Double { stressCount > 0 ? stressAbsolute / Double(stressCount) : .nan }
  /// Stress component RMSE, eV/Å³.
  public var stressRMSE: Double { stressCount > 0 ? (stressSquared / Double(stressCount)).squareRoot() : .nan }
  /// Force component MAE of each element, eV/Å, by atomic number.
  public var forceMAEByElement: [Int: Double] {
    var out: [Int: Double] = [:]
    for (z, a) in elementAbsolute { out[z] = a / Double(elementCount[z]!) }
    return out
  }
}
