import Atomistic
import Datasets
import Foundation
import PaiNN
import Potentials
import Testing
import Training
@testable import Distillation

/// The whole chain with ASE's EMT as the teacher, on a budget of seconds: every stage's files
/// exist, are well formed, agree with each other, and the student beats its untrained self.
@Suite struct DistillEndToEndTests {
  @Test func emtTeacherEveryStageAndRerun() throws {
    let folder = try distillTemporaryFolder()
    defer { try? FileManager.default.removeItem(at: folder) }
    // An epoch budget, not seconds, so that the student trains as far on a slow or loaded
    // machine as on a fast one (40 epochs take about 4 s in a release build on 2 idle cores);
    // the time budget only bounds a pathological machine.
    var c = tinyConfiguration(seeds: copperGoldSeeds(), trainingTime: "5m")
    c.train.epochs = 40
    c.activeLearning.rounds = 1
    c.activeLearning.committee = 2
    c.activeLearning.memberMaxTime = "2s"
    c.activeLearning.temperatures = [600]
    c.activeLearning.mdSteps = 40
    c.activeLearning.mdInterval = 10
    // A window that takes every frame, so the round surely labels `maxNewStructures` of them.
    c.activeLearning.trustLow = 0
    c.activeLearning.trustHigh = 1e6
    c.activeLearning.maxNewStructures = 4
    let runFolder = folder.appendingPathComponent("run")
    let run = try DistillRun(configuration: c, folder: runFolder)
    run.verbose = false
    let summary = try run.run()
    let paths = run.paths

    // Every stage finished, in order; the resolved settings read back to the same values.
    let state = try DistillState.read(from: runFolder)
    #expect(state.finished == DistillStage.allCases)
    #expect(try DistillConfiguration.read(paths.configuration) == c)

    // 1. Candidates: the three seeds and 30 distortions of them.
    let seeds = try ExtXYZ.read(copperGoldSeeds())
    let candidates = try ExtXYZ.read(paths.candidates)
    #expect(candidates.count == seeds.count + c.sample.count)
    #expect(candidates.allSatisfy { $0.energy == nil && $0.forces == nil })

    // 2. + active learning: every candidate labelled once, in input order, then the additions;
    // splits disjoint and covering; the added structures are all in the training split.
    let dataset = try Dataset.read(paths.dataset)
    #expect(state.rounds.count == 1)
    let round = try #require(state.rounds.first)
    #expect(round.structuresLabelled == 4)
    #expect(round.framesExamined == round.deviations.count && round.framesExamined > 0)
    #expect(round.framesUncertain == round.framesExamined)
    // The round's in-use error: its first student on teacher labels of committee MD frames.
    let roundInUse = try JSONDecoder().decode(InUseErrors.self, from: Data(contentsOf: paths.activeLearning
      .appendingPathComponent("round_1").appendingPathComponent("in_use.json")))
    // in_use.json keeps meV (×1000 written, ÷1000 read back), state.json eV: equal to rounding.
    #expect(roundInUse.labelled == c.validate.inUseSnapshots)
    #expect(equalToRounding(round.inUseForceMAE, roundInUse.errors?.forceMAE))
    #expect(dataset.structures.count == candidates.count + 4)
    for (k, candidate) in candidates.enumerated() {
      #expect(dataset.structures[k].positions == candidate.positions)
    }
    #expect(dataset.structures.allSatisfy { $0.energy != nil && $0.forces?.count == $0.count && $0.stress?.count == 6 })
    let splits = try #require(dataset.splits)
    let all = splits.train + splits.validation + splits.test
    #expect(Set(all).count == all.count && Set(all) == Set(dataset.structures.indices))
    #expect(!splits.test.isEmpty && !splits.validation.isEmpty)
    #expect(Set(candidates.count..<dataset.structures.count).isSubset(of: Set(splits.train)))
    #expect(dataset.metadata.teacher == "emt")

    // EMT labels are the teacher's: one candidate relabelled here with a fresh pool agrees.
    let pool = try run.teacher()
    let again = try pool.compute([dataset.structures[5].unlabelled], .energyAndForces)[0]
    #expect(abs(again.energy - dataset.structures[5].energy!) < 1e-9)

    // 3. + 4. The model loads; its test errors, recomputed here from the dataset's test split,
    // are those in metrics.json; training beat the untrained student by a wide margin.
    let student = try PaiNNPotential(contentsOf: paths.model, precision: .double)
    let test = dataset.structures(in: .test)
    var absoluteForceError = 0.0, components = 0
    for s in test {
      let predicted = try student.compute([s.unlabelled], .energyAndForces)[0]
      for (f, g) in zip(predicted.forces!, s.forces!) {
        absoluteForceError += abs(f.x - g.x) + abs(f.y - g.y) + abs(f.z - g.z)
        components += 3
      }
    }
    let forceMAE = absoluteForceError / Double(components)
    let metrics = try JSONDecoder().decode(EvaluationSummary.self, from: Data(contentsOf: paths.evaluationMetrics))
    let untrained = try JSONDecoder().decode(EvaluationSummary.self, from: Data(contentsOf: paths.untrainedMetrics))
    #expect(metrics.structures == test.count)
    #expect(abs(try #require(metrics.forceMAE) - forceMAE) < 1e-9 * max(1, forceMAE))
    #expect(try #require(metrics.forceMAE) < 0.5 * (try #require(untrained.forceMAE)))
    #expect(abs(try #require(summary.testForceMAE) - forceMAE) < 1e-9)
    let curve = try String(contentsOf: RunFolder(paths.training).metrics, encoding: .utf8).split(separator: "\n")
    #expect(curve.count == c.train.epochs, "training stops on its epoch budget")

    // 5. Validation: one Langevin run per temperature and one NVE run, all to their last step
    // (EMT copper at 300 K is harmless), the Langevin one compared with the teacher's RDF.
    let runs = try JSONDecoder().decode([ValidationRun].self, from: Data(contentsOf: paths.validation))
    #expect(runs.map(\.name) == ["nvt_300K", "nve"])
    #expect(runs.filter(\.stable).count == runs.count)
    #expect(runs[0].report.stepsCompleted == c.validate.steps && runs[1].report.stepsCompleted == c.validate.nveSteps)
    #expect(runs[0].report.atoms == 32)
    #expect(runs[0].report.rdf?.difference != nil)
    #expect(runs[1].report.drift != nil)
    #expect(summary.stableRuns == 2 && summary.validationRuns == 2)
    // In use: 8 snapshots of the 300 K run (the start left out), labelled by EMT; the errors
    // are the student's on them, as recomputed here from the labelled file.
    let inUse = try JSONDecoder().decode([InUseErrors].self, from: Data(contentsOf: paths.inUseErrors))
    #expect(inUse.map(\.run) == ["nvt_300K"])
    let used = try #require(inUse.first)
    #expect(used.taken == c.validate.inUseSnapshots && used.labelled == used.taken && used.failed == 0 && !used.steps.contains(0))
    let snapshots = try ExtXYZ.read(URL(fileURLWithPath: used.labelsFile))
    #expect(snapshots.allSatisfy { $0.stress?.count == 6 && $0.forces?.count == 32 })
    let relabelled = try pool.compute([snapshots[0].unlabelled], .energyAndForces)[0]
    #expect(abs(relabelled.energy - snapshots[0].energy!) < 1e-9)
    let inUseEvaluation = try Evaluation(potential: student, structures: snapshots).summary
    #expect(equalToRounding(inUseEvaluation.forceMAE, used.errors?.forceMAE) && used.errors?.relativeForceError != nil)
    #expect(equalToRounding(summary.inUseForceMAE["nvt_300K"], used.errors?.forceMAE))

    // 6. Speed: both timed on the same structures; the ratio is the ratio of the times.
    let speed = try JSONDecoder().decode(SpeedResult.self, from: Data(contentsOf: paths.speed))
    #expect(speed.structures == c.speed.structures)
    #expect(speed.teacherSecondsPerStructure > 0 && speed.studentSecondsPerStructure > 0)
    #expect(abs(speed.speedup - speed.teacherSecondsPerStructure / speed.studentSecondsPerStructure) < 1e-9 * speed.speedup)

    // 7. The report: every section, every figure embedded as an SVG that is a whole document.
    let html = try String(contentsOf: paths.report, encoding: .utf8)
    for section in ["Headline", "Dataset", "Active learning (query by committee)", "Training",
                    "Errors on the held-out test split", "Molecular dynamics with the student", "Errors where the student is used",
                    "Speed", "Settings"] {
      #expect(html.contains("<h2>\(section)</h2>"), "no section \(section)")
    }
    let images = html.components(separatedBy: "src=\"data:image/svg+xml;base64,").dropFirst()
      .map { String($0.prefix { $0 != "\"" }) }
    // Dataset 3, active learning 1, learning curve 1, parity/errors 4, MD 2 runs × 3.
    #expect(images.count == 15)
    for encoded in images {
      let svg = String(decoding: try #require(Data(base64Encoded: encoded)), as: UTF8.self)
      #expect(svg.contains("<svg") && svg.trimmingCharacters(in: .whitespacesAndNewlines).hasSuffix("</svg>"))
    }
    #expect(!html.contains("<img alt=\"\" "))
    #expect(!html.contains("Molecule: student against teacher"), "a crystal has no molecular comparison")
    #expect(html.hasSuffix("</html>\n"))

    // A rerun of a finished folder does nothing and gives the same figures.
    let rerun = try DistillRun(configuration: c, folder: runFolder)
    rerun.verbose = false
    let modified = try FileManager.default.attributesOfItem(atPath: paths.model.path)[.modificationDate] as? Date
    let second = try rerun.run()
    #expect(second.testForceMAE == summary.testForceMAE && second.speedup == summary.speedup)
    #expect(try FileManager.default.attributesOfItem(atPath: paths.model.path)[.modificationDate] as? Date == modified)
  }
}

/// Whether two errors agree to the rounding of a round trip through a file that keeps meV
/// (×1000 written, ÷1000 read back): both present and within 10⁻¹² relative.
func equalToRounding(_ a: Double?, _ b: Double?) -> Bool {
  guard let a, let b else { return false }
  return abs(a - b) <= 1e-12 * max(abs(a), abs(b))
}
