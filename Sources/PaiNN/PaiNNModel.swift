import Atomistic
import Foundation

/// A complete PaiNN student: architecture, element list, energy reference and scale, weights
/// and provenance — everything a model file holds.
///
/// Energy: `E = Σ_i (σ·e_i + μ_{Z_i})`, with e_i the readout of atom i, σ = `energyScale` (eV)
/// and μ_Z = `referenceEnergies[k]` (eV) for Z = `elements[k]`.
public struct PaiNNModel: Sendable, Hashable {
  /// Architecture.
  public var configuration: PaiNNConfiguration
  /// Atomic numbers the model knows, [nElements]; row k of the embedding belongs to `elements[k]`.
  public var elements: [Int]
  /// Per-element reference energies μ_Z, [nElements], eV.
  public var referenceEnergies: [Double]
  /// Scale σ of the per-atom network output, eV.
  public var energyScale: Double
  /// Weights (see `PaiNNParameters` for names and shapes).
  public var parameters: PaiNNParameters
  /// Free-form provenance (teacher, dataset, training command, date, …).
  public var provenance: [String: String]

  /// A model from its parts. The parameters must match `configuration.parameterShapes`.
  public init(
    configuration: PaiNNConfiguration, elements: [Int], referenceEnergies: [Double]? = nil,
    energyScale: Double = 1, parameters: PaiNNParameters, provenance: [String: String] = [:]
  ) {
    precondition(configuration.problem == nil, configuration.problem ?? "")
    precondition(Set(elements).count == elements.count, "elements \(elements) contain duplicates")
    self.configuration = configuration
    self.elements = elements
    self.referenceEnergies = referenceEnergies ?? Array(repeating: 0, count: elements.count)
    precondition(self.referenceEnergies.count == elements.count)
    self.energyScale = energyScale
    self.parameters = parameters
    self.provenance = provenance
  }

  /// A randomly initialised model (see `PaiNNConfiguration.randomParameters`).
  /// - Parameters:
  ///   - elements: atomic numbers, [nElements].
  ///   - seed: equal seeds give equal weights.
  public static func random(
    _ configuration: PaiNNConfiguration, elements: [Int], seed: UInt64 = 0
  ) -> PaiNNModel {
    PaiNNModel(
      configuration: configuration, elements: elements,
      parameters: configuration.randomParameters(elementCount: elements.count, seed: seed))
  }

  /// Embedding row of each atomic number, or nil for unknown elements; index by Z (0…118).
  public var elementIndex: [Int: Int] {
    Dictionary(uniqueKeysWithValues: elements.enumerated().map { ($1, $0) })
  }

  /// Number of scalar weights.
  public var parameterCount: Int { parameters.scalarCount }
}
