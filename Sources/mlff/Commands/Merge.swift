import ArgumentParser
import Datasets
import Foundation

extension MLFF {
  /// `mlff merge shard-*.h5 -o data.h5`: the shards of a sharded labelling job, checked and
  /// joined in input order.
  struct Merge: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "merge",
      abstract: "Merge the shards of a sharded labelling job (mlff label --shard K/N) into one dataset, in input order.",
      usage: "mlff merge <shards> ... -o <output> [<options>]",
      discussion: """
        The shards may be given in any order (a shell glob sorts shard-10 before shard-2; that does not matter). The merge refuses shards of different inputs (their fingerprints differ), of different teachers or teacher settings, properties or quality thresholds, of a different number of shards; a shard given twice; and any shard missing, naming it. The merged dataset holds the structures in input order, as one unsharded mlff label of the same input would, with the shards' splits and provenance (docs/cluster.md). Frames the teacher failed on, or whose labels the quality checks rejected, are left out and counted; each shard's OUTPUT.failed.jsonl lists them, and rerunning that shard's mlff label retries them.

        Ordinary datasets (not shards) are concatenated in the order given, when their teachers agree.

        Example:
          mlff merge shards/shard-*.h5 -o data.h5
        """)

    @Argument(help: "The shard files (.h5).")
    var shards: [String] = []

    @Option(name: .shortAndLong, help: "The merged dataset to write (.h5; replaced atomically).")
    var output: String

    func validate() throws {
      guard !shards.isEmpty else { throw ValidationError("give the shard files to merge: mlff merge shards/shard-*.h5 -o data.h5") }
      if shards.contains(output) { throw ValidationError("-o \(output) is also one of the inputs; write the merged dataset to another file") }
    }

    func run() throws {
      let urls = shards.map { URL(fileURLWithPath: $0) }
      do {
        // One shard among the files makes it a merge of shards (which refuses the others by name).
        if try urls.contains(where: { Dataset.isLabelShard(try Dataset.metadata(of: $0)) }) {
          let summary = try Dataset.mergeLabelShards(urls, into: URL(fileURLWithPath: output), createdBy: DatasetMetadata.commandLine())
          print("merged \(summary.shards) shards: \(summary.structures) of \(summary.inputFrames) input structures into \(output)")
          if !summary.missingFrames.isEmpty {
            let listed = summary.missingFrames.prefix(10).map(String.init).joined(separator: ", ")
            print("\(summary.missingFrames.count) input frames are not in it (the teacher failed or the quality checks rejected them: frames \(listed)\(summary.missingFrames.count > 10 ? ", …" : "")); "
                  + "each shard's .failed.jsonl says why, and rerunning that shard's mlff label retries the failures before merging again")
          }
        } else {
          let count = try Dataset.mergeShards(urls, into: URL(fileURLWithPath: output), createdBy: DatasetMetadata.commandLine())
          print("merged \(urls.count) datasets: \(count) structures into \(output)")
        }
      } catch let error as DatasetError {
        throw CommandFailure(error.description)
      }
    }
  }
}
