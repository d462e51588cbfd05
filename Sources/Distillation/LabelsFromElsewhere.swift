import Atomistic
import Datasets
import Foundation

// `mlff distill --until sample`, labels made elsewhere (a cluster's job array labelling shards
// of candidates.xyz, then `mlff merge`), and a rerun that continues from them.

extension DistillRun {
  /// What to run to label this run's candidates outside it, and how to continue; shown after
  /// `--until sample`.
  /// - Parameter shards: the N of the example commands.
  public func labellingInstructions(shards: Int = 8) throws -> String {
    let candidates = paths.candidates.path
    let count = try LabellingJob.countFrames(paths.candidates)
    let n = max(1, min(shards, count))
    let teacher = configuration.teacher
    return """
      The \(count) candidates are in \(candidates). To label them elsewhere (a cluster), in N jobs:
        mlff label \(candidates) --teacher \(teacher) --shard K/\(n) -o shards/shard-K.h5   (K = 0 … \(n - 1); examples/cluster/label-array.slurm, examples/cluster/label-shards.sh)
        mlff merge shards/shard-*.h5 -o \(paths.dataset.path)
      then run the same command without --until: it finds \(paths.dataset.path) (or give the merged file with --labels FILE) and continues. Run it without --until to label here instead.
      """
  }

  /// Copies a dataset labelled outside the run into the run folder as its `data.h5`
  /// (atomically), for the label stage to take (`acceptPlacedLabels`).
  /// - Throws: `DistillConfigurationError` when the label stage has already finished with
  ///   other labels, or the file cannot be read.
  public func placeLabels(from url: URL) throws {
    let target = paths.dataset
    guard url.standardizedFileURL.path != target.standardizedFileURL.path else { return }
    if state.isFinished(.label) {
      throw DistillConfigurationError(
        "--labels \(url.path): the label stage of \(folder.path) has already finished with \(target.path); give --labels only to a run stopped before labelling (--until sample)")
    }
    guard FileManager.default.fileExists(atPath: url.path) else {
      throw DistillConfigurationError("--labels \(url.path): no such file; give the dataset mlff merge wrote")
    }
    let atomic = try AtomicFile(destination: target)
    try? FileManager.default.removeItem(at: atomic.temporaryURL)
    try FileManager.default.copyItem(at: url, to: atomic.temporaryURL)
    try atomic.commit()
    if verbose { log("labels: took \(url.path) as \(target.path)") }
  }

  /// Takes the `data.h5` found in the run folder with no labelling journal beside it (written
  /// by `mlff merge`, or by an earlier run that stopped before recording the stage) as the
  /// label stage's output, after checking it: it must be labels of this run's candidates (its
  /// input fingerprint, when it has one, is that of `candidates.xyz`; else its structure count
  /// is at most theirs) by this run's teacher. A dataset without splits gets the splits the
  /// label stage makes (the `[train]` fractions, the run's seed), so that it is the dataset
  /// the run would have written itself.
  func acceptPlacedLabels() throws {
    var dataset = try dataset()
    let where_ = paths.dataset.path
    if let fingerprint = dataset.metadata.provenance[ShardProvenance.inputFingerprint] {
      let candidates = try fileFingerprint(paths.candidates)
      guard fingerprint == candidates else {
        throw DistillConfigurationError(
          "\(where_) was labelled from another input than \(paths.candidates.path) (fingerprint \(fingerprint), the candidates' \(candidates)): label the candidates of this run, or move it away to label here")
      }
    } else {
      let count = try LabellingJob.countFrames(paths.candidates)
      guard dataset.structures.count <= count else {
        throw DistillConfigurationError(
          "\(where_) holds \(dataset.structures.count) structures but \(paths.candidates.path) only \(count): these are not the labels of this run's candidates")
      }
    }
    if let teacher = dataset.metadata.teacher, teacher != configuration.teacher {
      throw DistillConfigurationError(
        "\(where_) was labelled by the teacher '\(teacher)', but this run's teacher is '\(configuration.teacher)': relabel with --teacher \(configuration.teacher), or rerun with --teacher \(teacher)")
    }
    if dataset.splits == nil {
      let t = configuration.train
      dataset.split(fractions: SplitFractions(train: t.trainFraction, validation: t.validationFraction,
                                              test: 1 - t.trainFraction - t.validationFraction), seed: configuration.seed)
      try dataset.write(to: paths.dataset)
    }
    if verbose {
      log("labels found in \(where_): \(dataset.structures.count) structures by \(dataset.metadata.teacher ?? "an unnamed teacher"); labelling skipped")
    }
  }
}
