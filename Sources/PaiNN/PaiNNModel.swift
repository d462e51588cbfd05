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
  /// Weights, row-major, shaped as `configuration.weightShapes(elementCount:)`.
  public var weights: PaiNNWeights<[Double]>
  /// Free-form provenance (teacher, dataset, training command, date, …).
  public var provenance: [String: String]

  /// A model from its parts.
  /// - Parameter weights: row-major values; each tensor's count must match its shape in
  ///   `configuration.weightShapes(elementCount: elements.count)`.
  public init(
    configuration: PaiNNConfiguration, elements: [Int], referenceEnergies: [Double]? = nil,
    energyScale: Double = 1, weights: PaiNNWeights<[Double]>, provenance: [String: String] = [:]
  ) {
    precondition(configuration.problem == nil, configuration.problem ?? "")
    precondition(Set(elements).count == elements.count, "elements \(elements) contain duplicates")
    let shapes = configuration.weightShapes(elementCount: elements.count)
    precondition(weights.layerCount == configuration.layerCount, "weights for \(weights.layerCount) layers, architecture has \(configuration.layerCount)")
    for (values, shape) in zip(weights.flattened, shapes.flattened) {
      precondition(values.count == shape.reduce(1, *), "a weight tensor holds \(values.count) values, its shape \(shape) needs \(shape.reduce(1, *))")
    }
    self.configuration = configuration
    self.elements = elements
    self.referenceEnergies = referenceEnergies ?? Array(repeating: 0, count: elements.count)
    precondition(self.referenceEnergies.count == elements.count)
    self.energyScale = energyScale
    self.weights = weights
    self.provenance = provenance
  }

  /// A randomly initialised model (see `PaiNNConfiguration.randomWeights`).
  /// - Parameters:
  ///   - elements: atomic numbers, [nElements].
  ///   - seed: equal seeds give equal weights.
  public static func random(
    _ configuration: PaiNNConfiguration, elements: [Int], seed: UInt64 = 0
  ) -> PaiNNModel {
    PaiNNModel(
      configuration: configuration, elements: elements,
      weights: configuration.randomWeights(elementCount: elements.count, seed: seed))
  }

  /// The shape of every weight tensor.
  public var weightShapes: PaiNNWeights<[Int]> { configuration.weightShapes(elementCount: elements.count) }

  /// Number of scalar weights.
  public var parameterCount: Int { weights.flattened.reduce(0) { $0 + $1.count } }
}
