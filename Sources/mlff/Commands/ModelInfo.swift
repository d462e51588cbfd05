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
        struct Info: Encodable {
          var file: String, format: String, formatVersion: Int, architecture: PaiNNConfiguration
          var elements: [String], atomicNumbers: [Int], referenceEnergies: [String: Double]
          var energyScale: Double, parameterCount: Int, provenance: [String: String]
        }
        let info = Info(
          file: model, format: PaiNNModel.formatName, formatVersion: PaiNNModel.formatVersion, architecture: c,
          elements: symbols, atomicNumbers: m.elements,
          referenceEnergies: Dictionary(uniqueKeysWithValues: zip(symbols, m.referenceEnergies)),
          energyScale: m.energyScale, parameterCount: m.parameterCount, provenance: m.provenance)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        print(String(decoding: try encoder.encode(info), as: UTF8.self))
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
