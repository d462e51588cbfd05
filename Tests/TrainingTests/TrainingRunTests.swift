import Atomistic
import Autodiff
import Foundation
import PaiNN
import Testing
@testable import Training
#if canImport(FoundationXML)
import FoundationXML
#endif

/// The committed EMT copper set (scripts/make_training_fixture.py).
func emtCopper() throws -> [Structure] {
  try ExtXYZ.parse(emtCopperExtXYZ, name: "EMTCopperFixture")
}

func temporaryFolder(_ name: String) -> URL {
  FileManager.default.temporaryDirectory.appendingPathComponent("mlff-\(name)-\(UUID().uuidString)")
}

/// A small, fast configuration: F = 16 (or 32), 2 layers, 4 Å.
func quickConfiguration(features: Int = 16, epochs: Int) -> TrainingConfiguration {
  var c = TrainingConfiguration()
  c.architecture = PaiNNConfiguration(featureCount: features, layerCount: 2, radialBasisCount: 12, cutoff: 4.0)
  c.maxEpochs = epochs
  c.batchSize = 4
  c.learningRate = 5e-3
  c.warmupSteps = 5
  c.seed = 42
  c.threads = 2
  return c
}

@Suite(.serialized) struct TrainingRunTests {
  @Test func trainingLowersTheValidationForceErrorByALargeFactor() throws {
    let structures = try emtCopper()
    var c = quickConfiguration(features: 32, epochs: 30)
    c.learningRate = 1e-2
    let data = try TrainingData(structures: structures, splits: nil, source: "emt", trainFraction: 0.8, validationFraction: 0.2, seed: 1)
    let folder = temporaryFolder("train")
    defer { try? FileManager.default.removeItem(at: folder) }
    let trainer = try Trainer(configuration: c, data: data, folder: folder)
    trainer.showsProgress = false
    let before = try trainer.validate(trainer.weights).metrics.forceMAE
    let outcome = try trainer.run()
    let after = outcome.state.history.map(\.validationForceMAE).min()!
    #expect(before / after > 4, "validation force MAE \(before) → \(after) eV/Å")
    // The exported model gives the best epoch's error through the inference path.
    let best = outcome.state.history.first { $0.epoch == outcome.state.bestEpoch }!
    let check = try Evaluation(potential: PaiNNPotential(model: outcome.bestModel, precision: .float),
                               structures: data.validation.map { structures[$0] })
    #expect(abs(check.metrics.forceMAE - best.validationForceMAE) < 1e-4)
    // The run folder holds every documented file, well formed.
    let run = RunFolder(folder)
    let lines = try String(contentsOf: run.metrics, encoding: .utf8).split(separator: "\n")
    #expect(lines.count == outcome.state.epoch)
    let first = try JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as! [String: Any]
    #expect(first["val_force_mae"] is Double && first["epoch"] as? Int == 1)
    let config = try JSONSerialization.jsonObject(with: Data(contentsOf: run.configuration)) as! [String: Any]
    #expect((config["elements"] as? [String]) == ["Cu"])
    let svg = try XMLDocument(data: Data(contentsOf: run.learningCurve))
    #expect(try svg.nodes(forXPath: "//*[local-name()='polyline']").count >= 3)
    #expect(FileManager.default.fileExists(atPath: run.bestCheckpoint.path))
    #expect(FileManager.default.fileExists(atPath: run.testMetrics.path) == !data.test.isEmpty)
  }

  @Test func resumedRunReachesTheSameWeights() throws {
    let structures = Array(try emtCopper().prefix(16))
    let c = quickConfiguration(epochs: 4)
    let data = try TrainingData(structures: structures, splits: nil, source: "emt", trainFraction: 0.75, validationFraction: 0.25, seed: 1)
    let straight = temporaryFolder("straight"), paused = temporaryFolder("paused")
    defer {
      try? FileManager.default.removeItem(at: straight)
      try? FileManager.default.removeItem(at: paused)
    }
    let a = try Trainer(configuration: c, data: data, folder: straight)
    a.showsProgress = false
    try a.run()

    let b = try Trainer(configuration: c, data: data, folder: paused)
    b.showsProgress = false
    let first = try b.run(stopAfterEpochs: 2)
    #expect(first.reason == .paused && first.state.epoch == 2)
    let resumed = try Trainer(configuration: c, data: data, folder: paused, resume: true)
    resumed.showsProgress = false
    try resumed.run()

    #expect(resumed.state.epoch == 4 && resumed.state.step == a.state.step)
    #expect(resumed.weights == a.weights)
    #expect(resumed.average.average == a.average.average)
    #expect(resumed.optimizer == a.optimizer)
    #expect(resumed.state.history == a.state.history.map { var e = $0; e.time = resumed.state.history[$0.epoch - 1].time; e.structuresPerSecond = resumed.state.history[$0.epoch - 1].structuresPerSecond; return e })
  }

  @Test func runPutsBackTheThreadSettingsItChanges() throws {
    let structures = Array(try emtCopper().prefix(8))
    let c = quickConfiguration(epochs: 1)  // threads = 2: training sets BLAS and elementwise ops to 1 thread
    let data = try TrainingData(structures: structures, splits: nil, source: "emt", trainFraction: 0.75, validationFraction: 0.25, seed: 1)
    let folder = temporaryFolder("threads")
    defer { try? FileManager.default.removeItem(at: folder) }
    let savedBLAS = TensorThreads.blasThreads, savedElementwise = TensorThreads.elementwiseThreads
    defer { TensorThreads.setBLASThreads(savedBLAS); TensorThreads.elementwiseThreads = savedElementwise }
    TensorThreads.setBLASThreads(2)
    TensorThreads.elementwiseThreads = 3
    let blasBefore = TensorThreads.blasThreads
    #if !canImport(Accelerate)
    #expect(blasBefore == 2, "OpenBLAS refused 2 threads; the check below would not notice a leak")
    #endif
    let trainer = try Trainer(configuration: c, data: data, folder: folder)
    trainer.showsProgress = false
    try trainer.run()
    #expect(TensorThreads.blasThreads == blasBefore)
    #expect(TensorThreads.elementwiseThreads == 3)
  }

  @Test func partsOnTwoThreadsGiveTheBatchGradient() throws {
    let structures = Array(try emtCopper().prefix(8))
    var c = quickConfiguration(epochs: 1)
    c.precision = .double
    let data = try TrainingData(structures: structures, splits: nil, source: "emt", trainFraction: 0.75, validationFraction: 0.25, seed: 1)
    c.threads = 1
    let one = try Trainer(configuration: c, data: data, folder: temporaryFolder("one"))
    c.threads = 2
    let two = try Trainer(configuration: c, data: data, folder: temporaryFolder("two"))
    let (g1, l1) = try one.batchGradients(data.train)
    let (g2, l2) = try two.batchGradients(data.train)
    #expect(abs(l1 - l2) <= 1e-12 * abs(l1))
    let norm = globalNorm(g1)
    let difference = globalNorm(zip(g1, g2).map { zip($0, $1).map { $0 - $1 } })
    #expect(norm > 0 && difference <= 1e-10 * norm)
  }

  @Test func checkpointRoundTripsExactly() throws {
    let structures = Array(try emtCopper().prefix(8))
    let c = quickConfiguration(epochs: 1)
    let data = try TrainingData(structures: structures, splits: nil, source: "emt", trainFraction: 0.75, validationFraction: 0.25, seed: 1)
    let folder = temporaryFolder("checkpoint")
    defer { try? FileManager.default.removeItem(at: folder) }
    let t = try Trainer(configuration: c, data: data, folder: folder)
    t.showsProgress = false
    try t.run()
    let read = try Checkpoint(contentsOf: RunFolder(folder).lastCheckpoint)
    #expect(read.model.weights.flattened == t.weights)
    #expect(read.average == t.average.average)
    #expect(read.optimizer == t.optimizer)
    #expect(read.state == t.state)
    #expect(read.configuration == t.configuration)
    #expect(read.model.referenceEnergies == t.model.referenceEnergies && read.model.energyScale == t.model.energyScale)
  }

  @Test func evaluationReportIsWellFormed() throws {
    let structures = Array(try emtCopper().prefix(6))
    let model = PaiNNModel.random(PaiNNConfiguration(featureCount: 8, layerCount: 1, cutoff: 4), elements: [29], seed: 1)
    let e = try Evaluation(potential: PaiNNPotential(model: model, precision: .double), structures: structures)
    let folder = temporaryFolder("eval")
    defer { try? FileManager.default.removeItem(at: folder) }
    let files = try writeEvaluationReport(e, to: folder, title: "test")
    #expect(Set(files.map(\.lastPathComponent)) == ["parity_energy.svg", "parity_forces.svg", "force_errors.svg", "parity_stress.svg", "report.html"])
    for f in files where f.pathExtension == "svg" { _ = try XMLDocument(data: Data(contentsOf: f)) }
    let html = try String(contentsOf: folder.appendingPathComponent("report.html"), encoding: .utf8)
    let doc = try XMLDocument(xmlString: html.replacingOccurrences(of: "<!DOCTYPE html>", with: ""))
    #expect(try doc.nodes(forXPath: "//*[local-name()='svg']").count == 4)
    // The force parity plot has one point per force component (6 structures of 4 or 8 atoms).
    let forces = try XMLDocument(data: Data(contentsOf: folder.appendingPathComponent("parity_forces.svg")))
    let components = structures.reduce(0) { $0 + 3 * $1.count }
    #expect(try forces.nodes(forXPath: "//*[local-name()='circle']").count == components)
  }
}
