import ArgumentParser
import Atomistic
import Foundation
import PaiNN

extension MLFF.Model {
  struct ModelNew: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "new", abstract: "Write a randomly initialised PaiNN model file.",
      usage: "mlff model new --elements <elements> -o <output> [<options>]",
      discussion: """
        Presets: tiny (F=32), small (F=64), medium (F=128, schnetpack's default size), large (F=256); all with 3 layers, 20 sine radial basis functions and a 5 Å cutoff unless overridden. Weights are initialised as schnetpack does (Glorot-uniform, zero biases, standard-normal embedding); the same seed gives the same file.

        Example:
          mlff model new --preset small --elements H,C,N,O --seed 0 -o student.safetensors
        """)

    @Option(help: "Model size.")
    var preset: PaiNNPreset = .small
    @Option(help: ArgumentHelp("Elements the model knows, comma-separated symbols (H,C,N,O) or atomic numbers.", valueName: "elements"))
    var elements: CommaSeparated<ElementArgument>
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
    @Option(help: "Radial basis.")
    var radialBasis: RadialBasisKind = .sine
    @Option(help: "Weight storage (f64 = float64 = double, f32 = float32 = float).")
    var dtype: SafeTensorsDType = .f64
    @Option(name: [.short, .customLong("output")], help: "Model file to write (.safetensors).")
    var output: String

    func validate() throws {
      if let problem = configuration().problem { throw ValidationError(problem) }
      let numbers = elements.values.map(\.atomicNumber)
      if let repeated = numbers.first(where: { z in numbers.filter { $0 == z }.count > 1 }) {
        throw ValidationError("element \(Elements.symbol(repeated)) appears twice in --elements")
      }
    }

    func configuration() -> PaiNNConfiguration {
      var c = preset.configuration
      if let cutoff { c.cutoff = cutoff }
      if let features { c.featureCount = features }
      if let layers { c.layerCount = layers }
      if let radialBasisCount { c.radialBasisCount = radialBasisCount }
      c.radialBasis = radialBasis
      return c
    }

    func run() throws {
      let c = configuration()
      var model = PaiNNModel.random(c, elements: elements.values.map(\.atomicNumber), seed: seed)
      model.provenance = [
        "created_by": "mlff \(MLFF.version) model new",
        "preset": preset.rawValue,
        "seed": String(seed),
        "created": ISO8601DateFormatter().string(from: Date()),
      ]
      try model.write(to: URL(fileURLWithPath: output), dtype: dtype)
      print("wrote \(output): PaiNN F=\(c.featureCount), \(c.layerCount) layers, \(c.radialBasisCount) \(c.radialBasis.rawValue) basis functions, cutoff \(c.cutoff) Å, elements \(model.elements.map(Elements.symbol).joined(separator: ",")), \(model.parameterCount) parameters")
    }
  }
}
