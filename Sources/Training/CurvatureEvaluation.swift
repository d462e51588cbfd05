import Atomistic
import Foundation
import Potentials

/// Hessian–vector products of any potential by central differences of its forces,
///
///     H v ≈ −(F(R + h v) − F(R − h v)) / (2h),
///
/// all displaced structures evaluated in one batch call.
/// - Parameters:
///   - probes: [B][k_s][N_s] directions (dimensionless), one list per structure (may be empty).
///   - step: h, Å.
/// - Returns: [B][k_s][N_s] products, eV/Å².
public func finiteDifferenceHessianProducts(
  _ potential: Potential, structures: [Structure], probes: [[[SIMD3<Double>]]], step: Double
) throws -> [[[SIMD3<Double>]]] {
  var displaced: [Structure] = []
  for (s, structure) in structures.enumerated() {
    for v in probes[s] {
      for sign in [1.0, -1.0] {
        var d = structure.unlabelled
        d.hessianProbes = nil
        for i in 0..<d.count { d.positions[i] += sign * step * v[i] }
        displaced.append(d)
      }
    }
  }
  let results = try potential.compute(displaced, .energyAndForces)
  var out: [[[SIMD3<Double>]]] = []
  var next = 0
  for (s, structure) in structures.enumerated() {
    var perStructure: [[SIMD3<Double>]] = []
    for _ in probes[s] {
      guard let plus = results[next].forces, let minus = results[next + 1].forces else {
        throw PotentialError.failed("the potential gave no forces for the displaced copies of structure \(s)")
      }
      next += 2
      perStructure.append((0..<structure.count).map { -(plus[$0] - minus[$0]) / (2 * step) })
    }
    out.append(perStructure)
  }
  return out
}

/// How well a potential's curvature matches the teacher's, over structures with curvature labels:
///
///     RMSE = sqrt( Σ_{s,p,i,α} (H_s v − H_t v)²_iα / n_c ),   MAE = Σ |·| / n_c,
///     relative error = sqrt( Σ ‖H_s v − H_t v‖² / Σ ‖H_t v‖² ),
///
/// with n_c the number of components (3 N_s per probe); H_s v by central differences of the
/// potential's forces with the step the labels were made with.
public struct CurvatureErrors: Sendable, Hashable, Codable {
  /// Structures with curvature labels.
  public var structures: Int
  /// (structure, probe) pairs.
  public var probes: Int
  /// eV/Å².
  public var mae: Double
  /// eV/Å².
  public var rmse: Double
  /// Dimensionless (0: exact, 1: as far off as a zero prediction).
  public var relativeError: Double
  /// RMS of the teacher's H v components, eV/Å² (the scale the errors compare with).
  public var teacherRMS: Double

  enum CodingKeys: String, CodingKey {
    case structures, probes
    case mae = "hv_mae_eV_per_A2"
    case rmse = "hv_rmse_eV_per_A2"
    case relativeError = "hv_relative_error"
    case teacherRMS = "teacher_hv_rms_eV_per_A2"
  }

  /// The errors of `potential` on the curvature-labelled structures of `structures`; nil when
  /// none has curvature labels.
  /// - Parameter defaultStep: h (Å) for labels that do not record theirs.
  public init?(potential: Potential, structures: [Structure], defaultStep: Double = 0.01) throws {
    let labelled = structures.filter { $0.hessianLabelCount > 0 }
    guard !labelled.isEmpty else { return nil }
    var squared = 0.0, absolute = 0.0, reference = 0.0, components = 0, probes = 0
    // Group by step so each group is one batch call.
    let steps = Dictionary(grouping: labelled.indices) { labelled[$0].hessianStep ?? defaultStep }
    for (step, indices) in steps {
      let group = indices.map { labelled[$0] }
      let predicted = try finiteDifferenceHessianProducts(
        potential, structures: group, probes: group.map { $0.hessianProbes! }, step: step)
      for (s, structure) in group.enumerated() {
        let teacher = structure.hessianProducts!
        for p in teacher.indices {
          probes += 1
          for i in 0..<structure.count {
            let d = predicted[s][p][i] - teacher[p][i]
            squared += (d * d).sum()
            absolute += abs(d.x) + abs(d.y) + abs(d.z)
            reference += (teacher[p][i] * teacher[p][i]).sum()
            components += 3
          }
        }
      }
    }
    self.structures = labelled.count
    self.probes = probes
    mae = absolute / Double(components)
    rmse = (squared / Double(components)).squareRoot()
    relativeError = reference > 0 ? (squared / reference).squareRoot() : .nan
    teacherRMS = (reference / Double(components)).squareRoot()
  }

  /// Rows (quantity, value) for a table.
  public var tableRows: [[String]] {
    [["MAE", String(format: "%.4f", mae)], ["RMSE", String(format: "%.4f", rmse)],
     ["RMS of the teacher's H v", String(format: "%.4f", teacherRMS)],
     ["relative error ‖ΔHv‖/‖Hv‖", String(format: "%.1f %%", 100 * relativeError)]]
  }

  /// Pretty JSON with sorted keys.
  public func json() throws -> String {
    let e = JSONEncoder()
    e.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    return String(decoding: try e.encode(self), as: UTF8.self) + "\n"
  }
}
