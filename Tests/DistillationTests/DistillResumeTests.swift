import Atomistic
import Datasets
import Foundation
import Testing
import Teacher
import Training
@testable import Distillation

/// `mlff distill` killed (SIGKILL, no chance to clean up) in the middle of a stage, then run
/// again with the same command: nothing finished is lost or done twice.
@Suite struct DistillResumeTests {
  @Test func killDuringLabellingThenRerunLabelsEveryCandidateOnce() throws {
    let folder = try distillTemporaryFolder()
    defer { try? FileManager.default.removeItem(at: folder) }
    try writeTestTeachers(in: folder)
    var c = tinyConfiguration(seeds: copperGoldSeeds(), trainingTime: "1s")
    c.teacher = "distill_test_teachers:slow"  // 0.1 s per structure: labelling takes seconds
    c.label.workers = 1
    c.sample.count = 40
    c.validate.steps = 10
    c.validate.nveSteps = 0
    c.validate.teacherSteps = 0
    let config = try tinyConfigurationFile(c, in: folder)
    let runFolder = folder.appendingPathComponent("run")
    let journal = LabelJournal(output: DistillPaths(runFolder).dataset).journalURL
    let environment = ["PYTHONPATH": folder.path]
    let arguments = ["distill", "--config", config.path, "-o", runFolder.path, "--until", "label"]

    let first = try MLFFProcess(arguments, environment: environment, logs: folder)
    let started = waitUntil(timeout: 120) { countFramesQuickly(journal) >= 5 }
    first.kill()
    #expect(started, "the journal never reached 5 frames: \(first.stderr)")
    let before = countFramesQuickly(journal)
    #expect(before < 43, "labelling finished before the kill; the test proves nothing")
    #expect(!FileManager.default.fileExists(atPath: DistillPaths(runFolder).dataset.path))

    let second = try runDistill(arguments, environment: environment, logs: folder)
    #expect(second.status == 0, "\(second.stderr)")
    #expect(second.stderr.contains("resuming:"), "\(second.stderr)")
    #expect(!second.stderr.contains("== sample =="), "the finished sample stage ran again")
    let candidates = try ExtXYZ.read(DistillPaths(runFolder).candidates)
    let dataset = try Dataset.read(DistillPaths(runFolder).dataset)
    #expect(dataset.structures.count == candidates.count)
    for (k, candidate) in candidates.enumerated() {
      #expect(dataset.structures[k].positions == candidate.positions, "frame \(k)")
      #expect(dataset.structures[k].forces?.count == candidate.count)
    }
    #expect(!FileManager.default.fileExists(atPath: journal.path))
    let state = try DistillState.read(from: runFolder)
    #expect(state.finished == [.sample, .label])
  }

  @Test func killDuringTrainingThenRerunContinuesTheEpochs() throws {
    let folder = try distillTemporaryFolder()
    defer { try? FileManager.default.removeItem(at: folder) }
    var c = tinyConfiguration(seeds: copperGoldSeeds(), trainingTime: "8s")
    c.validate.steps = 10
    c.validate.nveSteps = 0
    c.validate.teacherSteps = 0
    let config = try tinyConfigurationFile(c, in: folder)
    let runFolder = folder.appendingPathComponent("run")
    let training = RunFolder(DistillPaths(runFolder).training)
    let arguments = ["distill", "--config", config.path, "-o", runFolder.path, "--until", "train"]

    let first = try MLFFProcess(arguments, logs: folder)
    func epochsLogged() -> [Int] {
      guard let text = try? String(contentsOf: training.metrics, encoding: .utf8) else { return [] }
      return text.split(separator: "\n").compactMap {
        (try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])?["epoch"] as? Int
      }
    }
    let started = waitUntil(timeout: 120) {
      FileManager.default.fileExists(atPath: training.lastCheckpoint.path) && epochsLogged().count >= 2
    }
    first.kill()
    #expect(started, "no checkpoint after two epochs: \(first.stderr)")
    let linesBefore = try String(contentsOf: training.metrics, encoding: .utf8).split(separator: "\n")
    let checkpointBefore = try Checkpoint(contentsOf: training.lastCheckpoint)
    #expect(checkpointBefore.state.finished == nil, "training ended before the kill; the test proves nothing")

    let second = try runDistill(arguments, logs: folder)
    #expect(second.status == 0, "\(second.stderr)")
    #expect(second.stderr.contains("resuming from"), "\(second.stderr)")
    let linesAfter = try String(contentsOf: training.metrics, encoding: .utf8).split(separator: "\n")
    // The epochs already trained are kept as they were and the count goes on from there.
    #expect(linesAfter.count > checkpointBefore.state.epoch)
    // (The checkpoint is written just before the metrics log, so the log may lag it by one.)
    let kept = min(checkpointBefore.state.epoch, linesBefore.count)
    #expect(kept >= 1)
    #expect(Array(linesAfter.prefix(kept)) == Array(linesBefore.prefix(kept)))
    #expect(epochsLogged() == Array(1...linesAfter.count))
    let checkpointAfter = try Checkpoint(contentsOf: training.lastCheckpoint)
    #expect(checkpointAfter.state.finished != nil)
    #expect(checkpointAfter.state.step > checkpointBefore.state.step)
    // The clock counts both sessions, and the time budget is not restarted by the rerun.
    let after = checkpointAfter.state
    #expect(after.elapsed > checkpointBefore.state.elapsed)
    let stopped = "stopped (\(after.finished.map(\.rawValue) ?? "?")) at \(after.elapsed) s, epoch \(after.epoch); before the kill \(checkpointBefore.state.elapsed) s"
    if after.finished == .time {
      #expect(after.elapsed >= 8 && after.elapsed < 8 + 5, "\(stopped)")
    } else {
      // On a fast machine early stopping can end training before the budget.
      #expect(after.elapsed < 8 + 5, "\(stopped)")
    }
    #expect(try DistillState.read(from: runFolder).finished == [.sample, .label, .activeLearning, .train])
  }
}
