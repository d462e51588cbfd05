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
      let known = Set(potential.model.elements)
      let knownSymbols = potential.model.elements.map(Elements.symbol).joined(separator: ", ")
      let options = ExtXYZOptions(energyKey: energyKey, forcesKey: forcesKey, stressKey: stressKey)
      let reader = try ExtXYZReader(url: URL(fileURLWithPath: input))
      let sink = try PredictionFile(url: URL(fileURLWithPath: output), options: options)
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
        let unknown = Set(s.atomicNumbers).subtracting(known).sorted()
        if !unknown.isEmpty {
          throw ModelCommandFailure(
            "frame \(frame) of \(input) contains \(unknown.map { "\(Elements.symbol($0)) (Z=\($0))" }.joined(separator: ", ")), which the model \(model) does not know (it knows \(knownSymbols)); use a model trained on these elements or remove those frames")
        }
        batch.append(s)
        frame += 1
        if batch.count >= batchSize { try flush() }
      }
      try flush()
      try sink.finish()
      progress.finish()
      print("wrote \(frame) frame(s) with energy, forces\(frame > 0 ? " and stress (periodic frames)" : "") to \(output)")
    }
  }
}

/// The output extxyz, written to a temporary file next to the destination and renamed into
/// place by `finish()`, so a half-written file never carries the final name.
private final class PredictionFile {
  private let destination: URL
  private let temporary: URL
  private let writer: ExtXYZWriter
  private var finished = false

  init(url: URL, options: ExtXYZOptions) throws {
    destination = url
    temporary = url.deletingLastPathComponent().appendingPathComponent(
      ".\(url.lastPathComponent).tmp-\(ProcessInfo.processInfo.processIdentifier)")
    writer = try ExtXYZWriter(url: temporary, options: options)
  }

  func write(_ structure: Structure) throws { try writer.write(structure) }

  func finish() throws {
    try writer.synchronize()
    try writer.close()
    guard rename(temporary.path, destination.path) == 0 else {
      throw ModelCommandFailure("cannot move the finished predictions into \(destination.path): \(String(cString: strerror(errno)))")
    }
    finished = true
  }

  deinit {
    if !finished {
      try? writer.close()
      try? FileManager.default.removeItem(at: temporary)
    }
  }
}
