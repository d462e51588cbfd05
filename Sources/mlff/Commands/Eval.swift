import ArgumentParser
import Atomistic
import Datasets
import Foundation
import PaiNN
import Potentials
import Training

extension MLFF {
  struct Eval: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "eval", abstract: "Errors of a model against labelled structures, with parity plots.",
      usage: "mlff eval <data> --model <file> [<options>]",
      discussion: """
        Prints energy MAE/RMSE (meV/atom), force MAE/RMSE (meV/Å), stress MAE (meV/Å³); the force accuracy against the reference: relative force error (force MAE ÷ mean |F| component of the reference), force cosine similarity, fraction of atoms whose force error is under 5 % of the reference's |F|; and all force figures per element. The headline figure is the force MAE. Writes parity plots, an error histogram and report.html to the folder -o (default: eval/ next to the model). With --json, prints only the metrics, as one JSON object with the unit in every key (force_mae_meV_per_A, …).

        Examples:
          mlff eval runs/x/data.h5 --model runs/x/model.safetensors --split test
          mlff eval frames.xyz --model m.safetensors --precision double --json
        """)

    @Argument(help: "Labelled structures: a dataset (.h5) or extended XYZ (.xyz, .extxyz).")
    var data: String

    @OptionGroup var student: ModelOptions

    @Option(help: "Evaluate one split of a dataset, or all of its structures.")
    var split: SplitSelection = .all

    @Option(name: [.short, .customLong("output")], help: ArgumentHelp("Folder for the plots and report.html (default: eval/ next to the model).", valueName: "folder"))
    var output: String?

    /// The former name of `--output`.
    @Option(name: .customLong("report"), help: .hidden)
    var reportAlias: String?

    @Flag(help: "Print the metrics as JSON only.")
    var json = false

    @Option(name: .customLong("batch-size"), help: "Structures per model call.")
    var batchSize: Int = 32

    func validate() throws {
      if output != nil && reportAlias != nil { throw ValidationError("give the report folder once, with -o/--output") }
      guard batchSize >= 1 else { throw ValidationError("--batch-size must be at least 1, got \(batchSize)") }
      if split != .all, StructureFileFormat.fromExtension(of: data) == .extxyz {
        throw ValidationError("extended XYZ files have no splits; leave out --split (or give --split all)")
      }
    }

    func run() throws {
      let model = student.model
      let modelURL = URL(fileURLWithPath: model)
      let potential = try student.load()
      let url = URL(fileURLWithPath: data)
      var structures: [Structure]
      switch StructureFileFormat.fromExtension(of: data) {
      case .h5?:
        let d = try Dataset.read(url)
        switch split {
        case .all:
          structures = d.structures
        case .split(let name):
          guard let splits = d.splits else {
            throw CommandFailure("\(data) has no splits; leave out --split to evaluate all of its structures, or store splits with mlff convert --split")
          }
          structures = splits[name].map { d.structures[$0] }
        }
      case .extxyz?, .xyz?:
        structures = try ExtXYZ.read(url)
        try requireFrames(structures.count, in: data)
      case nil:
        throw CommandFailure("\(data): unknown format; give a dataset (.h5) or extended XYZ (.xyz, .extxyz)")
      }
      let splitName = split.defaultValueDescription
      do { try potential.requireSupport(structures) } catch {
        throw CommandFailure(error.describing(
          structure: { "\(data)\(split == .all ? ", structure \($0)" : ", structure \($0) of the \(splitName) split")" },
          potential: "the model \(model)") + "; evaluate a model trained on these elements")
      }
      structures = structures.filter { $0.energy != nil || $0.forces != nil }
      guard !structures.isEmpty else {
        throw CommandFailure("\(data) has no labelled structures\(split == .all ? "" : " in the \(splitName) split") to evaluate against; label it first (mlff label) or give a file with energy or forces")
      }
      let evaluation = try Evaluation(potential: potential, structures: structures, batchSize: batchSize)
      let summary = evaluation.summary
      if json {
        print(try jsonText(summary))
      } else {
        print("\(summary.structures) structures, \(summary.atoms) atoms")
        print("quantity               MAE        RMSE")
        for row in summary.tableRows {
          print(row[0].padding(toLength: 20, withPad: " ", startingAt: 0) + row[1].leftPadded(10) + " " + row[2].leftPadded(10))
        }
        for row in summary.accuracyRows { print("\(row[0]): \(row[1])") }
        let elements = summary.elementTable
        if !elements.rows.isEmpty {
          print("by element   atoms   MAE (meV/Å)  RMSE (meV/Å)  relative   cosine  within 5 %")
          for r in elements.rows {
            print(r[0].padding(toLength: 9, withPad: " ", startingAt: 0) + r[1].leftPadded(8) + r[2].leftPadded(13)
                  + r[3].leftPadded(14) + r[4].leftPadded(10) + r[5].leftPadded(9) + r[6].leftPadded(12))
          }
        }
        print("headline: \(EvaluationSummary.headlineDescription)")
      }
      let folder = (output ?? reportAlias).map { URL(fileURLWithPath: $0) }
        ?? modelURL.deletingLastPathComponent().appendingPathComponent("eval")
      try writeEvaluationReport(evaluation, to: folder, title: "Evaluation of \(modelURL.lastPathComponent) on \(url.lastPathComponent)")
      if !json { print("report: \(folder.appendingPathComponent("report.html").path)") }
    }
  }
}

extension String {
  fileprivate func leftPadded(_ width: Int) -> String {
    count >= width ? self : String(repeating: " ", count: width - count) + self
  }
}
