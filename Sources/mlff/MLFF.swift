import ArgumentParser

/// `mlff`: distil a large machine-learned force field into a small, fast PaiNN student.
@main
struct MLFF: ParsableCommand {
  static let version = "0.1.0"

  static let configuration = CommandConfiguration(
    commandName: "mlff",
    abstract: "Distil a large machine-learned force field (the teacher) into a small, fast PaiNN student.",
    discussion: """
      The whole chain is `mlff distill`; every stage is also its own subcommand that reads and \
      writes ordinary files (extxyz, HDF5, safetensors), so any stage can be rerun or replaced. \
      Units everywhere: eV, Å, amu, fs.
      """,
    version: version,
    subcommands: [
      Distill.self,
      Sample.self, Label.self, Merge.self, Train.self, Eval.self, MD.self,
      Model.self, Predict.self, Serve.self, Frequencies.self,
      Info.self, Check.self, Convert.self,
      Bench.self,
    ])

  static func main() {
    BLASKernels.selectBeforeStart()
    main(nil)
  }
}
