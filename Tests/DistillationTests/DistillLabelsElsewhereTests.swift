import Atomistic
import Datasets
import Foundation
import Testing
@testable import Distillation

/// `mlff distill --until sample`, the candidates labelled outside the run in shards and
/// merged, then a rerun that finds the labels and continues.
@Suite struct DistillLabelsElsewhereTests {
  @Test func stopAfterSampleLabelInShardsMergeIntoTheRunAndContinue() throws {
    let folder = try distillTemporaryFolder()
    defer { try? FileManager.default.removeItem(at: folder) }
    var c = tinyConfiguration(seeds: copperGoldSeeds(), trainingTime: "1s")
    c.sample.count = 20
    let config = try tinyConfigurationFile(c, in: folder)
    let run = folder.appendingPathComponent("run")
    let paths = DistillPaths(run)
    let base = ["distill", "--config", config.path, "-o", run.path]

    let sample = try runDistill(base + ["--until", "sample"], logs: folder)
    #expect(sample.status == 0, "\(sample.stderr)")
    #expect(sample.stdout.contains("stopped after the stage 'sample'"), "\(sample.stdout)")
    #expect(sample.stdout.contains("mlff label \(paths.candidates.path) --teacher emt --shard K/"), "\(sample.stdout)")
    #expect(sample.stdout.contains("mlff merge shards/shard-*.h5 -o \(paths.dataset.path)"), "\(sample.stdout)")
    #expect(!FileManager.default.fileExists(atPath: paths.dataset.path))

    // The scheduler's part: two shards and a merge straight into the run folder.
    var shards: [String] = []
    for k in 0..<2 {
      let shard = folder.appendingPathComponent("shard-\(k).h5").path
      let label = try runDistill(["label", paths.candidates.path, "--teacher", "emt", "--python", testPython(), "--quiet",
                                  "--shard", "\(k)/2", "-o", shard], logs: folder)
      #expect(label.status == 0, "\(label.stderr)")
      shards.append(shard)
    }
    let merge = try runDistill(["merge"] + shards + ["-o", paths.dataset.path], logs: folder)
    #expect(merge.status == 0, "\(merge.stderr)")

    let resumed = try runDistill(base + ["--until", "train"], logs: folder)
    #expect(resumed.status == 0, "\(resumed.stderr)")
    #expect(!resumed.stderr.contains("== sample =="), "sampling ran again")
    #expect(resumed.stderr.contains("labels found in \(paths.dataset.path)"), "\(resumed.stderr)")
    let state = try DistillState.read(from: run)
    #expect(state.finished.starts(with: [.sample, .label]) && state.isFinished(.train), "\(state.finished)")
    // The merged labels are the candidates in order, with the splits the label stage makes.
    let candidates = try ExtXYZ.read(paths.candidates)
    let dataset = try Dataset.read(paths.dataset)
    #expect(dataset.structures.map(\.positions) == candidates.map(\.positions))
    let t = c.train
    #expect(dataset.splits == .random(count: candidates.count, fractions: SplitFractions(
      train: t.trainFraction, validation: t.validationFraction, test: 1 - t.trainFraction - t.validationFraction), seed: c.seed))

    // Labels of other candidates are refused by a run whose candidates differ.
    var other = c
    other.seed = 4
    let otherConfig = try tinyConfigurationFile(other, in: folder, name: "other.toml")
    let otherRun = folder.appendingPathComponent("other")
    let otherBase = ["distill", "--config", otherConfig.path, "-o", otherRun.path, "--quiet"]
    #expect(try runDistill(otherBase + ["--until", "sample"], logs: folder).status == 0)
    let refused = try runDistill(otherBase + ["--until", "label", "--labels", paths.dataset.path], logs: folder)
    #expect(refused.status != 0)
    #expect(refused.stderr.contains("was labelled from another input"), "\(refused.stderr)")
  }
}
