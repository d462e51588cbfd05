import Atomistic
import Foundation

/// Reading and writing a `PaiNNModel` as one self-describing safetensors file.
///
/// The `__metadata__` holds (all values are strings, as safetensors requires):
/// `format` = "mlff-painn", `format_version` = "1", `architecture` (JSON of
/// `PaiNNConfiguration`), `elements` (JSON array of atomic numbers), `reference_energies`
/// (JSON array, eV), `energy_scale` (eV), `units` (JSON), `provenance` (JSON object).
/// See docs/model-format.md.
extension PaiNNModel {
  /// The `format` value of a PaiNN model file.
  public static let formatName = "mlff-painn"
  /// The format version this build writes and reads.
  public static let formatVersion = 1

  /// The file as bytes. - Parameter dtype: storage type of the weights (F64 keeps everything).
  public func encoded(dtype: SafeTensorsDType = .f64) throws -> Data {
    guard elements.allSatisfy({ (1...118).contains($0) }) else {
      throw SafeTensorsError("the model's element list \(elements) must be atomic numbers 1…118 to be written (a file reader refuses others)")
    }
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    func json<T: Encodable>(_ v: T) throws -> String { String(decoding: try encoder.encode(v), as: UTF8.self) }
    let metadata: [String: String] = [
      "format": Self.formatName,
      "format_version": String(Self.formatVersion),
      "architecture": try json(configuration),
      "elements": try json(elements),
      "element_symbols": elements.map { Elements.symbol($0) }.joined(separator: ","),
      "reference_energies": try json(referenceEnergies),
      "energy_scale": "\(energyScale)",
      "units": try json(["energy": "eV", "length": "Angstrom", "forces": "eV/Angstrom", "stress": "eV/Angstrom^3"]),
      "provenance": try json(provenance),
    ]
    return SafeTensors.encode(namedTensors(dtype: dtype), metadata: metadata)
  }

  /// Writes the model atomically to `url`.
  public func write(to url: URL, dtype: SafeTensorsDType = .f64) throws {
    try writeAtomically(try encoded(dtype: dtype), to: url)
  }

  /// Reads a model file, checking the container, the format name and version, the
  /// architecture, and that every weight tensor is present with the right shape.
  /// - Throws: `SafeTensorsError` naming the file and what is wrong.
  public init(contentsOf url: URL) throws {
    let data: Data
    do {
      data = try Data(contentsOf: url)
    } catch {
      throw SafeTensorsError("cannot read model file \(url.path): \(error.localizedDescription); check the path")
    }
    try self.init(data: data, source: url.path)
  }

  /// Decodes a model from the bytes of a file. - Parameter source: name used in errors.
  public init(data: Data, source: String) throws {
    let (tensors, metadata) = try SafeTensors.decode(data, source: source)
    func fail(_ why: String) -> SafeTensorsError { SafeTensorsError("\(source): \(why)") }
    guard metadata["format"] == Self.formatName else {
      throw fail("not a PaiNN model file (metadata format is \(metadata["format"].map { "'\($0)'" } ?? "missing"), expected '\(Self.formatName)'); make one with `mlff model new` or `mlff train`")
    }
    guard let versionText = metadata["format_version"], let version = Int(versionText) else {
      throw fail("the metadata has no integer format_version")
    }
    guard version == Self.formatVersion else {
      throw fail("model format version \(version) is not supported by this build (it reads version \(Self.formatVersion)); use the mlff release that wrote it")
    }
    let decoder = JSONDecoder()
    func decode<T: Decodable>(_ type: T.Type, _ key: String) throws -> T {
      guard let text = metadata[key] else { throw fail("the metadata lacks '\(key)'") }
      do { return try decoder.decode(T.self, from: Data(text.utf8)) } catch {
        throw fail("the metadata entry '\(key)' is not valid: \(text.prefix(200))")
      }
    }
    let configuration = try decode(PaiNNConfiguration.self, "architecture")
    if let problem = configuration.problem { throw fail("its architecture is invalid: \(problem)") }
    let elements = try decode([Int].self, "elements")
    guard !elements.isEmpty, Set(elements).count == elements.count, elements.allSatisfy({ (1...118).contains($0) }) else {
      throw fail("its element list \(elements) must be distinct atomic numbers 1…118")
    }
    let reference = try decode([Double].self, "reference_energies")
    guard reference.count == elements.count, reference.allSatisfy(\.isFinite) else {
      throw fail("it has \(reference.count) reference energies for \(elements.count) elements")
    }
    guard let scaleText = metadata["energy_scale"], let scale = Double(scaleText), scale.isFinite else {
      throw fail("the metadata lacks a finite energy_scale")
    }
    let provenance = (try? decode([String: String].self, "provenance")) ?? [:]
    let weights: PaiNNWeights<[Double]>
    do {
      weights = try PaiNNWeights.decoding(tensors, configuration: configuration, elementCount: elements.count)
    } catch let error as SafeTensorsError {
      throw fail(error.description)
    }
    self.init(
      configuration: configuration, elements: elements, referenceEnergies: reference,
      energyScale: scale, weights: weights, provenance: provenance)
  }
}

extension PaiNNModel {
  /// The weights as named tensors in file order: the only place weight names meet values.
  /// - Parameter dtype: storage type written to a file.
  public func namedTensors(dtype: SafeTensorsDType = .f64) -> [(String, SafeTensor)] {
    let names = PaiNNWeights<String>.names(layerCount: configuration.layerCount).flattened
    let shapes = weightShapes.flattened
    return zip(names, zip(shapes, weights.flattened)).map { name, t in
      (name, SafeTensor(shape: t.0, values: t.1, dtype: dtype))
    }
  }
}

extension PaiNNWeights where W == [Double] {
  /// Typed weights from named tensors (a model file, a checkpoint), checking that every
  /// tensor of the architecture is present with its shape and finite values.
  /// - Throws: `SafeTensorsError` naming the tensor and what is wrong with it.
  public static func decoding(
    _ tensors: [(String, SafeTensor)], configuration: PaiNNConfiguration, elementCount: Int
  ) throws -> PaiNNWeights<[Double]> {
    let byName = Dictionary(tensors, uniquingKeysWith: { a, _ in a })
    let names = PaiNNWeights<String>.names(layerCount: configuration.layerCount)
    return try names.zip(configuration.weightShapes(elementCount: elementCount)) { name, shape in
      guard let t = byName[name] else { throw SafeTensorsError("the weight tensor '\(name)' is missing") }
      guard t.shape == shape else {
        throw SafeTensorsError("the weight tensor '\(name)' has shape \(t.shape), expected \(shape) for this architecture")
      }
      guard t.values.allSatisfy(\.isFinite) else {
        throw SafeTensorsError("the weight tensor '\(name)' contains NaN or infinite values")
      }
      return t.values
    }
  }
}
