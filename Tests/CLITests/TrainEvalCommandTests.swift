import Atomistic
import Foundation
import Testing

/// `mlff train` and `mlff eval`, run as a user runs them, on labels the built-in Morse copper
/// gives along an MD trajectory (`mlff md` writes energy and forces into every frame).
@Suite(.serialized) struct TrainEvalCommandTests {
  /// fcc copper, 2×1×1 conventional cells (8 atoms, a = 3.61 Å).
  static func copper() -> Structure {
    let a = 3.61
    let basis: [SIMD3<Double>] = [SIMD3(0, 0, 0), SIMD3(0.5, 0.5, 0), SIMD3(0.5, 0, 0.5), SIMD3(0, 0.5, 0.5)]
    let positions = [0.0, 1.0].flatMap { shift in basis.map { ($0 + SIMD3(shift, 0, 0)) * a } }
    return Structure(atomicNumbers: Array(repeating: 29, count: 8), positions: positions,
                     cell: .orthorhombic(2 * a, a, a), pbc: [true, true, true])
  }

  /// 16 labelled frames of a hot Langevin trajectory.
  func labelledFrames(in folder: URL) throws -> URL {
    let seed = folder.appendingPathComponent("seed.xyz"), labels = folder.appendingPathComponent("labels.xyz")
    try ExtXYZ.write([Self.copper()], to: seed)
    let md = try runMLFF([
      "md", seed.path, "--potential", "morse", "--ensemble", "nvt", "--temperature", "900", "--timestep", "2",
      "--steps", "300", "--every", "20", "-o", labels.path, "--quiet",
    ])
    #expect(md.status == 0, "\(md.stderr)")
    let frames = try ExtXYZ.read(labels)
    #expect(frames.count == 16 && frames.allSatisfy { $0.energy != nil && $0.forces != nil })
    return labels
  }

  func metricLines(_ run: URL) throws -> Int {
    try String(contentsOf: run.appendingPathComponent("metrics.jsonl"), encoding: .utf8).split(separator: "\n").count
  }

  @Test func trainContinuesByDefaultThenEvalMeasuresTheModel() throws {
    let folder = try cliTemporaryFolder()
    let labels = try labelledFrames(in: folder)
    let run = folder.appendingPathComponent("run")
    let common = [labels.path, "-o", run.path, "--preset", "tiny", "--split", "0.75,0.25", "--batch-size", "4"]

    let first = try runMLFF(["train"] + common + ["--epochs", "2", "--quiet"])
    #expect(first.status == 0, "\(first.stderr)")
    #expect(first.stdout.contains("stopped (") && first.stdout.contains("model: \(run.path)/model.safetensors"), "\(first.stdout)")
    #expect(try metricLines(run) == 2)
    for file in ["model.safetensors", "checkpoint_last.safetensors", "config.json", "learning_curve.svg"] {
      #expect(FileManager.default.fileExists(atPath: run.appendingPathComponent(file).path), "\(file)")
    }

    // The same command with a larger budget continues the run from its checkpoint.
    let second = try runMLFF(["train"] + common + ["--epochs", "3"])
    #expect(second.status == 0, "\(second.stderr)")
    #expect(second.stderr.contains("continuing the run in \(run.path)"), "\(second.stderr)")
    #expect(try metricLines(run) == 3)

    // --fresh deletes the run and starts over.
    let fresh = try runMLFF(["train"] + common + ["--epochs", "1", "--fresh", "--quiet"])
    #expect(fresh.status == 0, "\(fresh.stderr)")
    #expect(try metricLines(run) == 1)
    // --fresh with data that cannot be read fails before the old run is deleted.
    let empty = folder.appendingPathComponent("empty.xyz")
    try Data().write(to: empty)
    let refused = try runMLFF(["train", empty.path, "-o", run.path, "--fresh"])
    #expect(refused.status == 1 && refused.stderr.contains("holds no structures"), "\(refused.stderr)")
    #expect(try metricLines(run) == 1)
    #expect(FileManager.default.fileExists(atPath: run.appendingPathComponent("checkpoint_last.safetensors").path))

    // eval: JSON metrics with the unit in every key, and the report in the -o folder.
    let report = folder.appendingPathComponent("eval")
    let eval = try runMLFF(["eval", labels.path, "--model", run.appendingPathComponent("model.safetensors").path,
                            "--json", "-o", report.path])
    #expect(eval.status == 0, "\(eval.stderr)")
    let metrics = try #require(try JSONSerialization.jsonObject(with: Data(eval.stdout.utf8)) as? [String: Any], "\(eval.stdout)")
    #expect(metrics["structures"] as? Int == 16 && metrics["atoms"] as? Int == 128)
    let forceMAE = try #require(metrics["force_mae_meV_per_A"] as? Double)
    let forceRMSE = try #require(metrics["force_rmse_meV_per_A"] as? Double)
    // A barely trained student: errors positive, finite, RMSE ≥ MAE, and below the 100 eV/Å
    // that would mean the energy scale went wrong.
    #expect(forceMAE > 0 && forceMAE.isFinite && forceRMSE >= forceMAE && forceMAE < 100_000, "\(metrics)")
    #expect((metrics["energy_mae_meV_per_atom"] as? Double).map { $0 >= 0 && $0.isFinite } == true)
    #expect(FileManager.default.fileExists(atPath: report.appendingPathComponent("report.html").path))

    // The text form prints the table and where the report went.
    let text = try runMLFF(["eval", labels.path, "--model", run.appendingPathComponent("model.safetensors").path,
                            "--report", report.path])
    #expect(text.status == 0 && text.stdout.contains("16 structures, 128 atoms") && text.stdout.contains("report: \(report.path)/report.html"),
            "\(text.stdout)\(text.stderr)")
  }

  @Test func trainAcceptsTheOlderDataOptionAndRefusesResumeWithoutARun() throws {
    let folder = try cliTemporaryFolder()
    let labels = try labelledFrames(in: folder)
    let run = folder.appendingPathComponent("old")
    let resume = try runMLFF(["train", "--data", labels.path, "-o", run.path, "--resume"])
    #expect(resume.status == 64 && resume.stderr.contains("holds no checkpoint_last.safetensors"), "\(resume.stderr)")
    let old = try runMLFF(["train", "--data", labels.path, "-o", run.path, "--preset", "tiny", "--epochs", "1", "--quiet"])
    #expect(old.status == 0, "\(old.stderr)")
    #expect(FileManager.default.fileExists(atPath: run.appendingPathComponent("model.safetensors").path))
    let twice = try runMLFF(["train", labels.path, "--data", labels.path, "-o", run.path])
    #expect(twice.status == 64 && twice.stderr.contains("give the training data once"), "\(twice.stderr)")
    let duration = try runMLFF(["train", labels.path, "-o", run.path, "--max-time", "ten minutes"])
    #expect(duration.status == 64 && duration.stderr.contains("--max-time") && duration.stderr.contains("90s, 20m"), "\(duration.stderr)")
  }

  @Test func aThreeFractionSplitMustSumToOne() throws {
    let folder = try cliTemporaryFolder()
    let labels = try labelledFrames(in: folder)
    let result = try runMLFF(["train", labels.path, "-o", folder.appendingPathComponent("run").path, "--split", "0.05,0.05,0.02"])
    #expect(result.status == 64 && result.stderr.contains("sums to 0.12") && result.stderr.contains("(0.9 here)"), "\(result.stderr)")
  }

  @Test func trainTakesAnAtomBudgetPerBatch() throws {
    let folder = try cliTemporaryFolder()
    let labels = try labelledFrames(in: folder)  // 16 structures of 8 atoms
    let zero = try runMLFF(["train", labels.path, "-o", folder.appendingPathComponent("zero").path, "--max-batch-atoms", "0"])
    #expect(zero.status == 64 && zero.stderr.contains("--max-batch-atoms must be at least 1"), "\(zero.stderr)")
    // 12 training structures: batches of 4 structures (32 atoms) give 3 steps an epoch; a
    // budget of 16 atoms cuts them to 2 structures, 6 steps.
    var steps: [Int] = []
    for (name, extra) in [("free", [String]()), ("capped", ["--max-batch-atoms", "16"])] {
      let run = folder.appendingPathComponent(name)
      let result = try runMLFF(["train", labels.path, "-o", run.path, "--preset", "tiny", "--split", "0.75,0.25",
                                "--batch-size", "4", "--epochs", "1", "--quiet"] + extra)
      #expect(result.status == 0, "\(result.stderr)")
      let line = try String(contentsOf: run.appendingPathComponent("metrics.jsonl"), encoding: .utf8).split(separator: "\n")[0]
      let metrics = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
      steps.append(try #require(metrics["step"] as? Int))
    }
    #expect(steps == [3, 6])
    let config = try String(contentsOf: folder.appendingPathComponent("capped/config.json"), encoding: .utf8)
    #expect(config.contains("\"maxBatchAtoms\" : 16") || config.contains("\"maxBatchAtoms\":16"), "\(config)")
  }

  @Test func evalOfUnlabelledStructuresIsARuntimeFailure() throws {
    let folder = try cliTemporaryFolder()
    let model = folder.appendingPathComponent("m.safetensors").path
    #expect(try runMLFF(["model", "new", "--preset", "tiny", "--elements", "Cu", "-o", model]).status == 0)
    let unlabelled = folder.appendingPathComponent("unl.xyz")
    try ExtXYZ.write([Self.copper()], to: unlabelled)
    let run = try runMLFF(["eval", unlabelled.path, "--model", model])
    #expect(run.status == 1)
    #expect(run.stderr.contains("\(unlabelled.path) has no labelled structures"), "\(run.stderr)")
    #expect(!run.stderr.contains("Usage:"), "\(run.stderr)")
    let split = try runMLFF(["eval", unlabelled.path, "--model", model, "--split", "test"])
    #expect(split.status == 64 && split.stderr.contains("have no splits"), "\(split.stderr)")
    let precision = try runMLFF(["eval", unlabelled.path, "--model", model, "--precision", "quad"])
    #expect(precision.status == 64 && precision.stderr.contains("float") && precision.stderr.contains("double"), "\(precision.stderr)")
  }
}
