import ArgumentParser
import Atomistic
import Foundation
import PaiNN
import Potentials
import Reporting

extension MLFF {
  struct Predict: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "predict", abstract: "Energy, forces and stress of every frame of a file, written as extxyz.",
      discussion: """
        Every frame of the input is evaluated with the model; the output holds the same frames
        with energy (eV), forces (eV/Å) and, for frames periodic in all three directions,
        stress (eV/Å³, Voigt xx yy zz yz xz xy, ASE's sign). Frames are evaluated in batches.

          mlff predict --model student.safetensors input.xyz -o output.xyz
        """)

    @Option(help: "Model file (.safetensors).")
    var model: String
    @Argument(help: "Input structures (extxyz).")
    var input: String
    @Option(name: [.short, .customLong("output")], help: "Output extxyz file (replaced when it exists).")
    var output: String
    @Option(help: "Arithmetic: float (default, fastest) or double.")
    var precision = "float"
    @Option(help: "Frames evaluated together in one pass.")
    var batchSize = 16
    @Option(help: "Comment-line key the energy is written under.")
    var energyKey = "energy"
    @Option(help: "Properties column group the forces are written under.")
    var forcesKey = "forces"
    @Option(help: "Comment-line key the stress is written under.")
    var stressKey = "stress"

    func validate() throws {
      _ = try parsedPrecision()
      guard batchSize >= 1 else { throw ValidationError("--batch-size must be at least 1, got \(batchSize)") }
    }

    func parsedPrecision() throws -> PaiNNPrecision {
      guard let p = PaiNNPrecision(rawValue: precision.lowercased()) else {
        throw ValidationError("unknown --precision '\(precision)'; choose float or double")
      }
      return p
    }

    func run() throws {
      let potential = try PaiNNPotential(contentsOf: URL(fileURLWithPath: model), precision: try parsedPrecision())
      let options = ExtXYZOptions(energyKey: energyKey, forcesKey: forcesKey, stressKey: stressKey)
      let reader = try ExtXYZReader(url: URL(fileURLWithPath: input))
      let file = try AtomicFile(destination: URL(fileURLWithPath: output))
      let sink = try ExtXYZWriter(url: file.temporaryURL, options: options)
      let progress = ProgressLine(label: "predict", total: nil, unit: "frames")
      var frame = 0
      var batch: [Structure] = []
      func flush() throws {
        guard !batch.isEmpty else { return }
        let results = try potential.compute(batch, .all)
        for (s, r) in zip(batch, results) {
          var out = s.unlabelled
          out.energy = r.energy
          out.forces = r.forces
          out.stress = r.stress
          try sink.write(out)
        }
        progress.advance(by: batch.count)
        batch.removeAll(keepingCapacity: true)
      }
      while let s = try reader.next() {
        do { try potential.requireSupport([s], firstIndex: frame) } catch {
          let message = error.describing(structure: { "\(input), frame \($0)" }, potential: "the model \(model)")
          throw ModelCommandFailure("\(message). Use a model trained on these elements or remove those frames")
        }
        batch.append(s)
        frame += 1
        if batch.count >= batchSize { try flush() }
      }
      try flush()
      try sink.synchronize()
      try sink.close()
      try file.commit()
      progress.finish()
      print("wrote \(frame) frame(s) with energy, forces\(frame > 0 ? " and stress (periodic frames)" : "") to \(output)")
    }
  }
}
