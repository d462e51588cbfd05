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
      usage: "mlff predict <input> --model <file> -o <output> [<options>]",
      discussion: """
        Every frame of the input is evaluated with the model; the output holds the same frames with energy (eV), forces (eV/Å) and, for frames periodic in all three directions, stress (eV/Å³, Voigt xx yy zz yz xz xy, ASE's sign), under the label keys given. Frames are evaluated in batches. The output is written to a temporary file and renamed into place when every frame is done.

        Example:
          mlff predict input.xyz --model student.safetensors -o output.xyz
        """)

    @Argument(help: "Input structures (extxyz).")
    var input: String
    @OptionGroup var student: ModelOptions
    @Option(name: [.short, .customLong("output")], help: "Output extxyz file (replaced when it exists).")
    var output: String
    @Option(help: "Frames evaluated together (small ones in groups of about 64 atoms, a thread each).")
    var batchSize = 64
    @OptionGroup(title: "Where the labels are written")
    var keys: LabelKeyOptions
    @OptionGroup var progress: ProgressOptions

    func validate() throws {
      guard batchSize >= 1 else { throw ValidationError("--batch-size must be at least 1, got \(batchSize)") }
    }

    func run() throws {
      let model = student.model
      let potential = try student.load()
      let options = keys.extxyz
      let reader = try ExtXYZReader(url: URL(fileURLWithPath: input))
      let sink = try ExtXYZFileSink(url: URL(fileURLWithPath: output), options: options)
      let progressLine = progress.showsProgress ? ProgressLine(label: "predict", total: nil, unit: "frames") : nil
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
        progressLine?.advance(by: batch.count)
        batch.removeAll(keepingCapacity: true)
      }
      while let s = try reader.next() {
        try checkElements(
          [s], supportedBy: potential, file: input, firstFrame: frame, named: "the model \(model)",
          advice: "Use a model trained on these elements or remove those frames")
        batch.append(s)
        frame += 1
        if batch.count >= batchSize { try flush() }
      }
      try flush()
      try requireFrames(frame, in: input)
      try sink.finish()
      progressLine?.finish()
      print("wrote \(frame) frame(s) with energy, forces and stress (periodic frames) to \(output)")
    }
  }
}
