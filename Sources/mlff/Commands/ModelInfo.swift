import ArgumentParser
import Atomistic
import Foundation
import PaiNN

extension MLFF.Model {
  struct ModelInfo: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "info", abstract: "Print a model file's architecture, elements and parameter count.")

    @Argument(help: "Model file (.safetensors).")
    var model: String
    @Flag(help: "Print JSON instead of text.")
    var json = false

    func run() throws {
      let m = try PaiNNModel(contentsOf: URL(fileURLWithPath: model))
      let c = m.configuration
      let symbols = m.elements.map(Elements.symbol)
      if json {
        let info = ModelFileSummary(
          file: model, format: PaiNNModel.formatName, formatVersion: PaiNNModel.formatVersion,
          architecture: ModelFileSummary.Architecture(c),
          elements: symbols, atomicNumbers: m.elements,
          referenceEnergies: Dictionary(uniqueKeysWithValues: zip(symbols, m.referenceEnergies)),
          energyScale: m.energyScale, parameterCount: m.parameterCount, provenance: m.provenance)
        print(try jsonText(info))
        return
      }
      print("model         \(model)")
      print("format        \(PaiNNModel.formatName) version \(PaiNNModel.formatVersion)")
      print("architecture  PaiNN, F=\(c.featureCount), \(c.layerCount) layers, \(c.radialBasisCount) \(c.radialBasis.rawValue) radial basis functions, cosine cutoff \(c.cutoff) Å, readout \(c.featureCount)→\(c.readoutHiddenCount)→1")
      print("elements      \(symbols.joined(separator: ", "))")
      print("parameters    \(m.parameterCount)")
      print("energy        E = Σ_i (σ·e_i + μ_Z), σ = \(m.energyScale) eV")
      for (s, mu) in zip(symbols, m.referenceEnergies) {
        print("  μ_\(s)\(String(repeating: " ", count: max(1, 4 - s.count)))\(mu) eV")
      }
      if !m.provenance.isEmpty {
        print("provenance")
        for k in m.provenance.keys.sorted() { print("  \(k): \(m.provenance[k]!)") }
      }
    }
  }
}

/// What `mlff model info --json` prints: snake_case keys, with the unit in the key where there
/// is one, independent of the Swift property names of the model types.
struct ModelFileSummary: Encodable {
  /// The network's shape, as `PaiNNConfiguration` holds it.
  struct Architecture: Encodable {
    var featureCount: Int, layerCount: Int, radialBasisCount: Int, radialBasis: String
    var cutoff: Double, normEpsilon: Double, readoutHiddenCount: Int

    init(_ c: PaiNNConfiguration) {
      featureCount = c.featureCount
      layerCount = c.layerCount
      radialBasisCount = c.radialBasisCount
      radialBasis = c.radialBasis.rawValue
      cutoff = c.cutoff
      normEpsilon = c.normEpsilon
      readoutHiddenCount = c.readoutHiddenCount
    }

    enum CodingKeys: String, CodingKey {
      case featureCount = "feature_count", layerCount = "layer_count", radialBasisCount = "radial_basis_count"
      case radialBasis = "radial_basis", cutoff = "cutoff_A", normEpsilon = "norm_epsilon"
      case readoutHiddenCount = "readout_hidden_count"
    }
  }

  var file: String, format: String, formatVersion: Int, architecture: Architecture
  var elements: [String], atomicNumbers: [Int]
  /// μ_Z by element symbol, eV.
  var referenceEnergies: [String: Double]
  /// σ, eV.
  var energyScale: Double
  var parameterCount: Int, provenance: [String: String]

  enum CodingKeys: String, CodingKey {
    case file, format, formatVersion = "format_version", architecture, elements, atomicNumbers = "atomic_numbers"
    case referenceEnergies = "reference_energies_eV", energyScale = "energy_scale_eV", parameterCount = "parameter_count"
    case provenance
  }
}
