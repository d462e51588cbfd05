import ArgumentParser
import Atomistic
import Foundation
import PaiNN

extension MLFF.Model {
  struct ModelNew: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "new", abstract: "Write a randomly initialised PaiNN model file.",
      discussion: """
        Presets: tiny (F=32), small (F=64), medium (F=128, schnetpack's default size), large
        (F=256); all with 3 layers, 20 sine radial basis functions and a 5 Å cutoff unless
        overridden. Weights are initialised as schnetpack does (Glorot-uniform, zero biases,
        standard-normal embedding); the same seed gives the same file.

          mlff model new --preset small --elements H,C,N,O --seed 0 -o student.safetensors
        """)

    @Option(help: "Model size: tiny, small, medium, large.")
    var preset = "small"
    @Option(help: "Elements the model knows, comma-separated symbols (H,C,N,O) or atomic numbers.")
    var elements: String
    @Option(help: "Random seed for the weights.")
    var seed: UInt64 = 0
    @Option(help: "Override the preset's cutoff, Å.")
    var cutoff: Double?
    @Option(help: "Override the preset's width F.")
    var features: Int?
    @Option(help: "Override the preset's number of interaction layers.")
    var layers: Int?
    @Option(help: "Override the preset's number of radial basis functions.")
    var radialBasisCount: Int?
    @Option(help: "Radial basis: sine (default) or gaussian.")
    var radialBasis = "sine"
    @Option(help: "Weight storage: f64 (default) or f32.")
    var dtype = "f64"
    @Option(name: [.short, .customLong("output")], help: "Model file to write (.safetensors).")
    var output: String

    func validate() throws {
      _ = try configuration()
      _ = try parsedElements()
      _ = try storageType()
    }

    func configuration() throws -> PaiNNConfiguration {
      guard let p = PaiNNPreset(rawValue: preset.lowercased()) else {
        throw ValidationError("unknown preset '\(preset)'; choose one of \(PaiNNPreset.allCases.map(\.rawValue).joined(separator: ", "))")
      }
      var c = p.configuration
      if let cutoff { c.cutoff = cutoff }
      if let features { c.featureCount = features }
      if let layers { c.layerCount = layers }
      if let radialBasisCount { c.radialBasisCount = radialBasisCount }
      guard let basis = RadialBasisKind(rawValue: radialBasis.lowercased()) else {
        throw ValidationError("unknown radial basis '\(radialBasis)'; choose sine or gaussian")
      }
      c.radialBasis = basis
      if let problem = c.problem { throw ValidationError(problem) }
      return c
    }

    func parsedElements() throws -> [Int] {
      try parseElementList(elements)
    }

    func storageType() throws -> SafeTensorsDType {
      switch dtype.lowercased() {
      case "f64", "float64", "double": return .f64
      case "f32", "float32", "float": return .f32
      default: throw ValidationError("unknown --dtype '\(dtype)'; choose f64 or f32")
      }
    }

    func run() throws {
      let c = try configuration()
      var model = PaiNNModel.random(c, elements: try parsedElements(), seed: seed)
      model.provenance = [
        "created_by": "mlff \(MLFF.version) model new",
        "preset": preset.lowercased(),
        "seed": String(seed),
        "created": ISO8601DateFormatter().string(from: Date()),
      ]
      try model.write(to: URL(fileURLWithPath: output), dtype: try storageType())
      print("wrote \(output): PaiNN F=\(c.featureCount), \(c.layerCount) layers, \(c.radialBasisCount) \(c.radialBasis.rawValue) basis functions, cutoff \(c.cutoff) Å, elements \(model.elements.map(Elements.symbol).joined(separator: ",")), \(model.parameterCount) parameters")
    }
  }
}

/// Atomic numbers from "H,C,N,O" or "1,6,7,8" (mixed allowed).
/// - Throws: `ValidationError` naming the entry that is not an element, or a repeated one.
func parseElementList(_ text: String) throws -> [Int] {
  var out: [Int] = []
  for raw in text.split(separator: ",") {
    let item = raw.trimmingCharacters(in: .whitespaces)
    guard !item.isEmpty else { continue }
    let z: Int
    if let n = Int(item) {
      guard n >= 1 && n <= Elements.maximumAtomicNumber else {
        throw ValidationError("'\(item)' in --elements is not an atomic number 1…\(Elements.maximumAtomicNumber)")
      }
      z = n
    } else if let n = Elements.atomicNumber(item) ?? Elements.atomicNumber(caseInsensitive: item) {
      z = n
    } else {
      throw ValidationError("'\(item)' in --elements is not a chemical symbol; write e.g. --elements H,C,N,O")
    }
    guard !out.contains(z) else { throw ValidationError("element \(item) appears twice in --elements") }
    out.append(z)
  }
  guard !out.isEmpty else { throw ValidationError("--elements is empty; write e.g. --elements H,C,N,O") }
  return out
}
