import ArgumentParser
import Atomistic
import Datasets
import Dynamics
import Foundation

extension MLFF {
  /// `mlff sample seeds.xyz --rattle 0.05 --strain 0.02 -n 200 --seed 1 -o candidates.xyz`.
  struct Sample: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "sample", abstract: "Make candidate structures from seeds: rattle, strain, rotate, supercells, MD snapshots.",
      discussion: """
        Candidate k is made from seed structure k mod (number of seeds), by, in this order: a supercell (periodic seeds), a random symmetric strain with each component uniform in [-STRAIN, STRAIN] (periodic seeds), a uniformly random rotation (seeds with no periodic direction), and Gaussian displacements of standard deviation RATTLE Å on every coordinate. Labels of the seeds are dropped. Each candidate records mlff_seed_index, mlff_candidate_index and mlff_operation in its info. The same --seed gives the same candidates.

        With --md, short Langevin MD runs from every seed at every --temperatures value, driven by a student (--model), a committee, a teacher (--teacher) or an analytic potential, and writes a snapshot every --md-every steps (unlabelled, wrapped, with md_temperature, md_step and seed_index in its info). A run that turns unstable stops early.

        Examples:
          mlff sample seeds.xyz --rattle 0.05 --strain 0.02 -n 200 -o candidates.xyz
          mlff sample seeds.xyz --md --teacher emt --temperatures 300,900 -o md.xyz
        """)

    @Argument(help: "Seed structures (extxyz).")
    var seeds: String

    /// Words after the input: refused in `validate()` with an explanation.
    @Argument(help: .hidden)
    var unexpected: [String] = []

    @Option(name: .shortAndLong, help: "The candidates to write (extxyz).")
    var output: String

    @Option(name: .short, help: "Number of candidates.")
    var n: Int = 100

    @Option(help: "Standard deviation of Gaussian displacements, Å (e.g. 0.05).")
    var rattle: Double?

    @Option(help: "Largest magnitude of each random strain component, dimensionless (e.g. 0.02); periodic seeds only.")
    var strain: Double?

    @Flag(help: "Rotate seeds without periodicity (molecules) uniformly at random.")
    var rotate = false

    @Option(help: ArgumentHelp("Supercell repeats n1,n2,n3 for periodic seeds (e.g. 2,2,2).", valueName: "n1,n2,n3"))
    var supercell: CommaSeparated<Int>?

    @Option(help: "Random seed.")
    var seed: UInt64 = 0

    @Flag(help: "Sample snapshots of short MD runs instead of random distortions.")
    var md = false

    @Option(help: ArgumentHelp("Comma-separated MD temperatures, K (with --md).", valueName: "K,K,…"))
    var temperatures = CommaSeparated<Double>([300])

    @Option(name: .customLong("md-steps"), help: "Steps of each MD run (with --md).")
    var mdSteps: Int = 1000

    @Option(name: .customLong("md-every"), help: "Write a snapshot every k steps (with --md).")
    var mdEvery: Int = 100

    /// The former name of `--md-every`.
    @Option(name: .customLong("md-interval"), help: .hidden)
    var mdIntervalAlias: Int?

    @Option(name: .customLong("md-equilibration"), help: "Steps before the first snapshot (with --md).")
    var mdEquilibration: Int = 100

    @Option(help: "MD timestep, fs (with --md).")
    var timestep: Double = 1.0

    @OptionGroup(title: "What drives the MD (with --md)")
    var energyModel: EnergyModelOptions

    @OptionGroup var progress: ProgressOptions

    /// Steps between snapshots: `--md-every`, or the older `--md-interval`.
    var snapshotEvery: Int { mdIntervalAlias ?? mdEvery }

    func validate() throws {
      try energyModel.validate(input: seeds, extra: unexpected)
      guard n >= 0 else { throw ValidationError("-n must be zero or more, got \(n)") }
      if let rattle, !(rattle >= 0 && rattle.isFinite) {
        throw ValidationError("--rattle must be a non-negative length in Å, e.g. --rattle 0.05; got \(rattle)")
      }
      if let strain, !(strain >= 0 && strain < 1) {
        throw ValidationError("--strain must be in [0, 1), e.g. --strain 0.02 for 2 %; got \(strain)")
      }
      if let supercell, supercell.values.count != 3 || supercell.values.contains(where: { $0 <= 0 }) {
        throw ValidationError("--supercell takes three positive integers n1,n2,n3, e.g. --supercell 2,2,2; got '\(supercell.defaultValueDescription)'")
      }
      if md {
        try energyModel.requireChoice()
        guard temperatures.values.allSatisfy({ $0 > 0 && $0.isFinite }) else {
          throw ValidationError("--temperatures takes positive kelvin values separated by commas, e.g. 300,600; got '\(temperatures.defaultValueDescription)'")
        }
        guard mdSteps > 0, snapshotEvery > 0, mdEquilibration >= 0 else {
          throw ValidationError("--md-steps and --md-every must be positive and --md-equilibration ≥ 0")
        }
        guard timestep > 0 && timestep <= 10 else { throw ValidationError("--timestep must be in (0, 10] fs, got \(timestep)") }
        return
      }
      if rattle == nil && strain == nil && !rotate && supercell == nil {
        throw ValidationError("nothing to do: give at least one of --rattle, --strain, --rotate, --supercell (or --md)")
      }
    }

    func run() throws {
      if md { return try runMD() }
      let seedStructures = try ExtXYZ.read(URL(fileURLWithPath: seeds))
      try requireFrames(seedStructures.count, in: seeds)
      let options = SamplingOptions(count: n, rattle: rattle, strain: strain, rotate: rotate, supercell: supercell?.values, seed: seed)
      let candidates = try sampleCandidates(from: seedStructures, options: options)
      try ExtXYZ.write(candidates, to: URL(fileURLWithPath: output))
      let periodic = seedStructures.filter(\.isPeriodic).count
      var notes: [String] = []
      if strain != nil && periodic == 0 { notes.append("no seed is periodic, so no strain was applied") }
      if rotate && periodic == seedStructures.count { notes.append("every seed is periodic, so none was rotated") }
      let atoms = candidates.reduce(0) { $0 + $1.count }
      print("wrote \(candidates.count) candidates (\(atoms) atoms) from \(seedStructures.count) seed structure\(seedStructures.count == 1 ? "" : "s") to \(output)"
            + (notes.isEmpty ? "" : "; " + notes.joined(separator: "; ")))
    }

    /// `--md`: snapshots of short Langevin runs from every seed at every temperature.
    func runMD() throws {
      let seedStructures = try ExtXYZ.read(URL(fileURLWithPath: seeds))
      try requireFrames(seedStructures.count, in: seeds)
      let (potential, pool) = try energyModel.make()
      defer { pool?.close() }
      try checkElements(seedStructures, supportedBy: potential, file: seeds)
      let sampler = MDSampler(
        temperatures: temperatures.values, steps: mdSteps, equilibrationSteps: mdEquilibration,
        interval: snapshotEvery, timestep: timestep, seed: seed)
      let snapshots = try sampler.sample(seedStructures, potential: potential, progress: progress.showsProgress)
      try ExtXYZ.write(snapshots, to: URL(fileURLWithPath: output))
      let stopped = snapshots.filter { $0.info["md_stopped"] != nil }.count
      print("wrote \(snapshots.count) MD snapshots from \(seedStructures.count) seed structure\(seedStructures.count == 1 ? "" : "s") to \(output)"
            + (stopped > 0 ? "; \(stopped) run(s) stopped early (md_stop_reason in their last snapshot says why)" : ""))
    }
  }
}
