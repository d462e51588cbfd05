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
      discussion: """
        Prints energy MAE/RMSE (meV/atom), force MAE/RMSE (meV/Å), force cosine similarity,
        stress MAE (meV/Å³) and per-element force MAE. Writes parity plots, an error
        histogram and report.html to --report (default: <model folder>/eval).

          mlff eval --model runs/x/model.safetensors data.h5 --split test
          mlff eval --model m.safetensors frames.xyz --json
        """)

    @Option(help: "Model file (.safetensors).")
    var model: String

    @Argument(help: "Labelled structures: a dataset (.h5) or extended XYZ (.xyz, .extxyz).")
    var data: String

    @Option(help: "Evaluate one split of a dataset: train, validation, test or all.")
    var split: String = "all"

    @Option(help: "Folder for the plots and report.html (default: eval/ next to the model).")
    var report: String?

    @Flag(help: "Print the metrics as JSON only.")
    var json = false

    @Option(help: "Arithmetic: float or double.")
    var precision: String = "double"

    @Option(name: .customLong("batch-size"), help: "Structures per model call.")
    var batchSize: Int = 32

    func validate() throws {
      if !["train", "validation", "test", "all"].contains(split) {
        throw ValidationError("--split must be train, validation, test or all, got '\(split)'")
      }
      if PaiNNPrecision(rawValue: precision) == nil {
        throw ValidationError("--precision must be 'float' or 'double', got '\(precision)'")
      }
    }

    func run() throws {
      let modelURL = URL(fileURLWithPath: model)
      let potential = try PaiNNPotential(contentsOf: modelURL, precision: PaiNNPrecision(rawValue: precision)!)
      let url = URL(fileURLWithPath: data)
      var structures: [Structure]
      switch url.pathExtension.lowercased() {
      case "h5", "hdf5":
        let d = try Dataset.read(url)
        if split == "all" {
          structures = d.structures
        } else {
          guard let splits = d.splits, let name = SplitName(rawValue: split) else {
            throw ValidationError("\(data) has no splits; use --split all")
          }
          structures = splits[name].map { d.structures[$0] }
        }
      case "xyz", "extxyz":
        if split != "all" { throw ValidationError("extended XYZ files have no splits; use --split all") }
        structures = try ExtXYZ.read(url)
      default:
        throw ValidationError("\(data): unknown format; give a dataset (.h5) or extended XYZ (.xyz, .extxyz)")
      }
      do { try potential.requireSupport(structures) } catch {
        throw ValidationError(error.describing(
          structure: { "\(data)\(split == "all" ? ", structure \($0)" : ", structure \($0) of the \(split) split")" },
          potential: "the model \(model)"))
      }
      structures = structures.filter { $0.energy != nil || $0.forces != nil }
      guard !structures.isEmpty else {
        throw ValidationError("\(data) has no labelled structures\(split == "all" ? "" : " in the \(split) split") to evaluate against")
      }
      let evaluation = try Evaluation(potential: potential, structures: structures, batchSize: batchSize)
      let summary = evaluation.summary
      if json {
        print(try summary.json(), terminator: "")
      } else {
        print("\(summary.structures) structures, \(summary.atoms) atoms")
        print("quantity               MAE        RMSE")
        for row in summary.tableRows {
          print(row[0].padding(toLength: 20, withPad: " ", startingAt: 0) + row[1].leftPadded(10) + " " + row[2].leftPadded(10))
        }
        if let c = summary.forceCosine { print(String(format: "force cosine similarity %.4f", c)) }
        for (symbol, mae) in summary.forceMAEByElement.sorted(by: { $0.key < $1.key }) {
          print(String(format: "force MAE %@: %.2f meV/Å", symbol, mae))
        }
      }
      let folder = report.map { URL(fileURLWithPath: $0) }
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
