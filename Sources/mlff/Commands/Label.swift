import ArgumentParser
import Atomistic
import Datasets
import Distillation
import Foundation
import Potentials
import Teacher

extension MLFF {
  /// `mlff label INPUT.xyz -o data.h5 --teacher emt --workers 2`: teacher labels into a dataset.
  struct Label: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "label",
      abstract: "Label structures with a teacher (energy, forces, stress) into an HDF5 dataset; resumable.",
      usage: "mlff label <input> --teacher <name> -o <output> [<options>]",
      discussion: """
        Each labelled structure is appended at once to OUTPUT.journal.xyz; structures the teacher failed on are listed with the reason in OUTPUT.failed.jsonl. After an interruption (Ctrl-C, kill -9, power loss) run the same command again: it continues where it stopped and keeps everything already labelled (--fresh starts over). When every structure is done the dataset is written (atomically) and the journal removed.

        If some structures failed, the dataset still holds every success, the journal is kept, the command exits with status 3, and running it again retries only the failed ones.

        Every label passes the quality checks before it enters the dataset: finite numbers, the largest force (--max-force), the closest approach of two atoms relative to their covalent radii (--min-distance-fraction), and energy-per-atom outliers against the dataset's per-element least-squares fit (--max-energy-z, --min-energy-deviation). A rejected label is listed in OUTPUT.failed.jsonl with its check and reason and left out of the dataset; it stays in the journal (exit status 3), so rerunning with other thresholds judges it again without labelling it again. `mlff check DATA.h5` shows the verdicts for any dataset.

        Teachers: emt, chgnet, sevennet-0, orb-v2, mace-mp-0, mace-off, gfn2-xtb, gfn1-xtb, or module:function for any function that returns an ASE calculator (its folder on PYTHONPATH).

        Shards: --shard K/N labels only the K-th (0-based) of N slices of the input, dealt from the atom counts alone (largest first, each to the slice with the fewest atoms), so N jobs anywhere label the whole input between them; each has its own journal and failures file beside its own -o and is resumed alone. `mlff merge shard-*.h5 -o data.h5` checks and joins them in input order (docs/cluster.md).

        Example:
          mlff label candidates.xyz --teacher emt --workers 2 -o data.h5
          mlff label candidates.xyz --teacher emt --shard 3/8 -o shards/shard-3.h5
        """)

    @Argument(help: "Structures to label (extxyz).")
    var input: String

    @Option(name: .shortAndLong, help: "The dataset to write (.h5).")
    var output: String

    @OptionGroup(title: "Teacher")
    var teacherOptions: TeacherOptions

    @Option(help: ArgumentHelp("Label only slice K (0-based) of N of the input, balanced by atom count; merge the N outputs with mlff merge.", valueName: "K/N"))
    var shard: LabelShard?

    @Option(help: ArgumentHelp("Comma-separated: energy, forces, stress (stress only for fully periodic structures; energy always).", valueName: "names"))
    var properties = CommaSeparated<PropertyName>([.energy, .forces, .stress])

    @Flag(help: "Copy the teacher workers' messages (stderr) to this terminal.")
    var verbose = false

    @Flag(help: "Label again from scratch even when OUTPUT exists or a journal is there.")
    var fresh = false

    /// The former name of `--fresh`.
    @Flag(name: .customLong("overwrite"), help: .hidden)
    var overwriteAlias = false

    @Option(help: ArgumentHelp("Also label the curvature: K random probe directions per structure and the teacher's Hessian–vector products H v by central differences of its forces (2K more teacher calls per structure).", valueName: "K"))
    var hessianProbes: Int?

    @Option(help: ArgumentHelp("Finite-difference step h of the Hessian–vector products, Å.", valueName: "h"))
    var hessianStep: Double = 0.01

    @Option(help: ArgumentHelp("Seed of the probe directions.", valueName: "n"))
    var hessianSeed: UInt64 = 0

    @OptionGroup(title: "Label quality checks")
    var quality: LabelQualityOptions

    @OptionGroup var progress: ProgressOptions

    func validate() throws {
      guard teacherOptions.teacher != nil else {
        throw ValidationError("say which teacher labels the structures: --teacher emt, chgnet, sevennet-0, orb-v2, mace-mp-0, mace-off, gfn2-xtb, gfn1-xtb or module:function")
      }
      if let problem = curvature?.problem { throw ValidationError("\(problem) (--hessian-probes, --hessian-step)") }
      if !properties.values.contains(.forces), hessianProbes != nil {
        throw ValidationError("--hessian-probes needs forces among --properties (the curvature is made from them)")
      }
    }

    /// The curvature labelling asked for, or nil.
    var curvature: CurvatureLabelling? {
      hessianProbes.map { CurvatureLabelling(probes: $0, step: hessianStep, seed: hessianSeed) }
    }

    var propertySet: PropertySet {
      var set: PropertySet = [.energy]
      for name in properties.values {
        switch name {
        case .energy: set.insert(.energy)
        case .forces: set.insert(.forces)
        case .stress: set.insert(.stress)
        }
      }
      return set
    }

    func run() throws {
      let inputURL = URL(fileURLWithPath: input)
      let outputURL = URL(fileURLWithPath: output)
      let journal = LabelJournal(output: outputURL)
      let manager = FileManager.default
      if fresh || overwriteAlias {
        try? manager.removeItem(at: journal.journalURL)
        try? manager.removeItem(at: journal.failuresURL)
      } else if manager.fileExists(atPath: outputURL.path) && !manager.fileExists(atPath: journal.journalURL.path) {
        print("\(output) already exists and no journal is left, so that job is complete; "
              + "use --fresh to label again, or choose another -o")
        return
      }
      try requireFirstFrame(of: input)

      var configuration = teacherOptions.configuration(teacher: teacherOptions.teacher ?? "")
      configuration.echoWorkerStderr = verbose
      let pool: TeacherPool
      do { pool = try TeacherPool(configuration: configuration) } catch let error as TeacherError {
        throw CommandFailure(error.description)
      }
      defer { pool.close() }

      var job = LabellingJob(input: inputURL, output: outputURL)
      job.properties = propertySet
      job.quality = quality.criteria
      job.curvature = curvature
      job.provenance = ["properties": properties.defaultValueDescription]
      if let curvature {
        job.provenance["hessian_probes"] = String(curvature.probes)
        job.provenance["hessian_step_A"] = String(curvature.step)
        job.provenance["hessian_seed"] = String(curvature.seed)
      }
      job.showsProgress = progress.showsProgress
      job.shard = shard
      let outcome: LabellingJob.Outcome
      do { outcome = try job.run(pool: pool) } catch let error as DistillConfigurationError {
        throw CommandFailure(error.description)
      }
      let identity = pool.identity
      if outcome.failed.isEmpty && outcome.rejected.isEmpty {
        print("labelled \(outcome.labelled) structures with \(identity.teacher) (\(identity.package) \(identity.version)) into \(output)"
              + String(format: "; labelling took %.3f s", outcome.labellingSeconds))
        return
      }
      var reasons = outcome.failed.mapValues { $0 }
      for (index, rejection) in outcome.rejected { reasons[index] = rejection.reason }
      let first = reasons.keys.sorted().prefix(3).map { "  frame \($0): \(reasons[$0]!)" }.joined(separator: "\n")
      var parts: [String] = []
      if !outcome.failed.isEmpty { parts.append("\(outcome.failed.count) failed") }
      if !outcome.rejected.isEmpty { parts.append("\(outcome.rejected.count) rejected by the label quality checks") }
      var advice: [String] = []
      if !outcome.failed.isEmpty { advice.append("run the same command again to retry only the failed ones") }
      if !outcome.rejected.isEmpty { advice.append("rerun with other thresholds (--max-force, --min-distance-fraction, --max-energy-z) to judge the rejected labels again without relabelling them") }
      print("""
        labelled \(outcome.labelled) of \(outcome.total) structures into \(output); \(parts.joined(separator: " and ")), listed with the reason in \(outcome.failuresFile.path):
        \(first)\(reasons.count > 3 ? "\n  …" : "")
        The journal \(journal.journalURL.path) is kept: \(advice.joined(separator: "; ")).
        """)
      throw ExitCode(3)
    }
  }
}
