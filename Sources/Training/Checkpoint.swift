import Atomistic
import Foundation
import PaiNN

/// The complete state of a training run in one safetensors file: current weights, their
/// moving average, AdamW's moments and step, the schedule and early-stopping state, the
/// metrics history and the configuration. `--resume` continues from it exactly.
///
/// Tensors (all F64, so nothing is rounded): `weights/<name>`, `ema/<name>`,
/// `adam_m/<name>`, `adam_v/<name>` for every PaiNN weight `<name>`. Metadata (JSON strings):
/// `format` = "mlff-checkpoint", `format_version` = "1", `architecture`, `elements`,
/// `reference_energies`, `energy_scale`, `optimizer` (step and hyper-parameters), `state`,
/// `configuration`. Written atomically: a kill at any moment leaves the old file or the new one.
public struct Checkpoint: Sendable {
  public static let formatName = "mlff-checkpoint"
  public static let formatVersion = 1

  /// Architecture, elements, reference energies, scale and the current (raw) weights.
  public var model: PaiNNModel
  /// EMA weights, one flat array per tensor in file order (`PaiNNWeights.flattened`).
  public var average: [[Double]]
  /// Optimiser with its moments.
  public var optimizer: AdamW
  /// Schedule, early stopping, history.
  public var state: TrainingState
  /// The run's configuration.
  public var configuration: TrainingConfiguration

  public init(model: PaiNNModel, average: [[Double]], optimizer: AdamW, state: TrainingState,
              configuration: TrainingConfiguration) {
    self.model = model
    self.average = average
    self.optimizer = optimizer
    self.state = state
    self.configuration = configuration
  }

  struct OptimizerScalars: Codable {
    var step: Int, beta1: Double, beta2: Double, epsilon: Double, weightDecay: Double, decays: [Bool]
  }

  /// The file's bytes.
  public func encoded() throws -> Data {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    func json<T: Encodable>(_ v: T) throws -> String { String(decoding: try encoder.encode(v), as: UTF8.self) }
    var tensors: [(String, SafeTensor)] = []
    let named = model.namedTensors()
    for (k, (name, t)) in named.enumerated() {
      tensors.append(("weights/\(name)", SafeTensor(shape: t.shape, values: t.values)))
      tensors.append(("ema/\(name)", SafeTensor(shape: t.shape, values: average[k])))
      tensors.append(("adam_m/\(name)", SafeTensor(shape: t.shape, values: optimizer.firstMoments[k])))
      tensors.append(("adam_v/\(name)", SafeTensor(shape: t.shape, values: optimizer.secondMoments[k])))
    }
    let o = optimizer
    let metadata: [String: String] = [
      "format": Self.formatName,
      "format_version": String(Self.formatVersion),
      "architecture": try json(model.configuration),
      "elements": try json(model.elements),
      "reference_energies": try json(model.referenceEnergies),
      "energy_scale": "\(model.energyScale)",
      "provenance": try json(model.provenance),
      "optimizer": try json(OptimizerScalars(step: o.step, beta1: o.beta1, beta2: o.beta2, epsilon: o.epsilon, weightDecay: o.weightDecay, decays: o.decays)),
      "state": try json(state),
      "configuration": try json(configuration),
    ]
    return SafeTensors.encode(tensors, metadata: metadata)
  }

  /// Writes the checkpoint atomically.
  public func write(to url: URL) throws { try writeAtomically(try encoded(), to: url) }

  /// Reads a checkpoint written by `write(to:)`.
  /// - Throws: `TrainingError` naming the file and what is missing or wrong.
  public init(contentsOf url: URL) throws {
    let data: Data
    do { data = try Data(contentsOf: url) } catch {
      throw TrainingError("cannot read checkpoint \(url.path): \(error.localizedDescription); check the run folder")
    }
    let decoded: (tensors: [(String, SafeTensor)], metadata: [String: String])
    do { decoded = try SafeTensors.decode(data, source: url.path) } catch {
      throw TrainingError("\(error)")
    }
    let metadata = decoded.metadata
    func fail(_ why: String) -> TrainingError { TrainingError("\(url.path): \(why)") }
    guard metadata["format"] == Self.formatName else {
      throw fail("not a training checkpoint (format '\(metadata["format"] ?? "missing")'); resume from a run folder written by `mlff train`")
    }
    guard metadata["format_version"] == String(Self.formatVersion) else {
      throw fail("checkpoint version \(metadata["format_version"] ?? "?") is not supported by this build")
    }
    let decoder = JSONDecoder()
    func decode<T: Decodable>(_ type: T.Type, _ key: String) throws -> T {
      guard let text = metadata[key] else { throw fail("the metadata lacks '\(key)'") }
      do { return try decoder.decode(T.self, from: Data(text.utf8)) } catch {
        throw fail("the metadata entry '\(key)' cannot be read: \(error)")
      }
    }
    let architecture = try decode(PaiNNConfiguration.self, "architecture")
    let elements = try decode([Int].self, "elements")
    let reference = try decode([Double].self, "reference_energies")
    guard let scale = metadata["energy_scale"].flatMap(Double.init) else { throw fail("the metadata lacks energy_scale") }
    let provenance = (try? decode([String: String].self, "provenance")) ?? [:]
    let scalars = try decode(OptimizerScalars.self, "optimizer")
    state = try decode(TrainingState.self, "state")
    configuration = try decode(TrainingConfiguration.self, "configuration")
    let byName = Dictionary(decoded.tensors, uniquingKeysWith: { a, _ in a })
    var weights: [[Double]] = []
    var average: [[Double]] = []
    var m: [[Double]] = [], v: [[Double]] = []
    for (name, shape) in architecture.parameterShapes(elementCount: elements.count) {
      func tensor(_ prefix: String) throws -> [Double] {
        guard let t = byName["\(prefix)/\(name)"], t.shape == shape else {
          throw fail("the tensor '\(prefix)/\(name)' is missing or has the wrong shape; the file is damaged")
        }
        return t.values
      }
      weights.append(try tensor("weights"))
      average.append(try tensor("ema"))
      m.append(try tensor("adam_m"))
      v.append(try tensor("adam_v"))
    }
    model = PaiNNModel(configuration: architecture, elements: elements, referenceEnergies: reference,
                       energyScale: scale, weights: PaiNNWeights(flattened: weights, layerCount: architecture.layerCount),
                       provenance: provenance)
    self.average = average
    var o = AdamW(sizes: m.map(\.count), decays: scalars.decays, beta1: scalars.beta1, beta2: scalars.beta2,
                  epsilon: scalars.epsilon, weightDecay: scalars.weightDecay)
    o.step = scalars.step
    o.firstMoments = m
    o.secondMoments = v
    optimizer = o
  }
}
