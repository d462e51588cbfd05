import Atomistic
import Foundation
import Potentials

/// Arithmetic precision of network evaluation.
public enum PaiNNPrecision: String, Sendable, CaseIterable, Codable {
  /// 32-bit floats (the default: fastest). Energies are still summed in Double.
  case float
  /// 64-bit floats (tests, high-accuracy evaluation).
  case double
}

/// A PaiNN student as a `Potential`: a whole batch evaluated in one pass.
///
/// Energy `E = Σ_i (σ·e_i + μ_{Z_i})` (eV); forces `−∂E/∂R` (eV/Å); stress `(1/V) ∂E/∂ε`
/// (eV/Å³, Voigt xx yy zz yz xz xy) for structures periodic in all three directions, all from
/// one reverse pass; per-atom energies `σ·e_i + μ_{Z_i}` (eV, summing to E) when asked.
public final class PaiNNPotential: Potential, Sendable {
  /// The model evaluated.
  public let model: PaiNNModel
  /// Arithmetic precision.
  public let precision: PaiNNPrecision
  private let floatNetwork: PaiNNNetwork<Float>?
  private let doubleNetwork: PaiNNNetwork<Double>?

  /// - Parameters:
  ///   - model: architecture and weights.
  ///   - precision: `.float` (default) or `.double`.
  public init(model: PaiNNModel, precision: PaiNNPrecision = .float) {
    self.model = model
    self.precision = precision
    floatNetwork = precision == .float ? PaiNNNetwork<Float>(model) : nil
    doubleNetwork = precision == .double ? PaiNNNetwork<Double>(model) : nil
  }

  /// Loads a model file (see docs/model-format.md).
  /// - Throws: `SafeTensorsError` naming the file when it is missing, truncated, corrupt or of
  ///   another format version.
  public convenience init(contentsOf url: URL, precision: PaiNNPrecision = .float) throws {
    self.init(model: try PaiNNModel(contentsOf: url), precision: precision)
  }

  /// The model's cutoff r_c, Å.
  public var cutoff: Double? { model.configuration.cutoff }

  /// The model's elements.
  public var supportedAtomicNumbers: Set<Int>? { Set(model.elements) }

  /// Energy, and forces, stress and per-atom energies when asked, for every structure, in one pass.
  /// - Throws: `PotentialError.unsupportedElements` naming the structure and the elements.
  public func compute(_ structures: [Structure], _ properties: PropertySet) throws -> [Results] {
    guard !structures.isEmpty else { return [] }
    let graph = try PaiNNGraph(structures, elements: model.elements, cutoff: model.configuration.cutoff)
    let needGradients = properties.contains(.forces) || properties.contains(.stress)
    let out = floatNetwork?.evaluate(graph, gradients: needGradients)
      ?? doubleNetwork!.evaluate(graph, gradients: needGradients)
    return (0..<structures.count).map { s in
      var r = Results(energy: out.energies[s])
      if properties.contains(.forces) {
        r.forces = Array(out.forces[graph.atomStart[s]..<graph.atomStart[s + 1]])
      }
      if properties.contains(.atomicEnergies) {
        r.atomicEnergies = Array(out.atomEnergies[graph.atomStart[s]..<graph.atomStart[s + 1]])
      }
      if properties.contains(.stress), graph.fullyPeriodic[s] {
        r.stress = voigtStress(strainDerivative: out.strainDerivatives[s], volume: graph.volumes[s])
      }
      return r
    }
  }
}
