import ArgumentParser
import Atomistic
import Datasets
import Distillation
import Dynamics
import Foundation

extension MLFF {
  /// `mlff sample seeds.xyz --rattle 0.05 --strain 0.02 -n 200 --seed 1 -o candidates.xyz`.
  struct Sample: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "sample", abstract: "Make candidate structures from seeds: rattle, strain, rotate, supercells, MD snapshots.",
      discussion: """
        Candidate k is made from seed structure k mod (number of seeds), by, in this order: a supercell (periodic seeds), a random symmetric strain with each component uniform in [-STRAIN, STRAIN] (periodic seeds), a uniformly random rotation (seeds with no periodic direction), and Gaussian displacements of standard deviation RATTLE Å on every coordinate. Labels of the seeds are dropped. Each candidate records mlff_seed_index, mlff_candidate_index and mlff_operation in its info. The same --seed gives the same candidates.

        Seeds come from an extxyz file, from molecules given as SMILES (--smiles, repeated, or --smiles-file with one 'SMILES name' per line, # for comments), or both. For each SMILES, RDKit embeds --conformers conformers with hydrogens (ETKDG) and relaxes them with MMFF; they are the seeds (in the order given). With SMILES and nothing else to do, the conformers themselves are written. RDKit runs in the teacher's Python (--python, else $MLFF_PYTHON, else .venv/bin/python; scripts/bootstrap --teacher gfn2-xtb installs it).

        With --md, short Langevin MD runs from every seed at every --temperatures value, driven by a student (--model), a committee, a teacher (--teacher) or an analytic potential, and writes a snapshot every --md-every steps (unlabelled, wrapped, with md_temperature, md_step and seed_index in its info). A run that turns unstable stops early.

        Examples:
          mlff sample seeds.xyz --rattle 0.05 --strain 0.02 -n 200 -o candidates.xyz
          mlff sample seeds.xyz --md --teacher emt --temperatures 300,900 -o md.xyz
          mlff sample --smiles "CC(=O)Oc1ccccc1C(=O)O" --conformers 10 --rattle 0.05 --rotate -n 100 -o aspirin.xyz
          mlff sample --smiles-file mols.smi --conformers 4 --md --teacher gfn2-xtb --temperatures 300,600 -o md.xyz
        """)

    @Argument(help: "Seed structures (extxyz); optional with --smiles or --smiles-file.")
    var seeds: String?

    @Option(help: ArgumentHelp("A molecule as SMILES whose conformers are seeds (repeat for more).", valueName: "smiles"))
    var smiles: [String] = []

    @Option(name: .customLong("smiles-file"), help: ArgumentHelp("A file of molecules, one 'SMILES name' per line, whose conformers are seeds.", valueName: "file"))
    var smilesFile: String?

    @Option(help: "Conformers embedded per SMILES (RDKit ETKDG, relaxed with MMFF).")
    var conformers: Int = 10

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

    /// True when some seeds come from SMILES.
    var hasSMILES: Bool { !smiles.isEmpty || smilesFile != nil }

    func validate() throws {
      guard seeds != nil || hasSMILES else {
        throw ValidationError("give the seeds: an extxyz file, --smiles SMILES or --smiles-file FILE")
      }
      guard conformers >= 1 else { throw ValidationError("--conformers must be at least 1, got \(conformers)") }
      try energyModel.validate(input: seeds ?? "--smiles", extra: unexpected)
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
      if rattle == nil && strain == nil && !rotate && supercell == nil && !hasSMILES {
        throw ValidationError("nothing to do: give at least one of --rattle, --strain, --rotate, --supercell (or --md)")
      }
    }

    /// Where the seeds come from, in order: the file, then the SMILES of --smiles, then those of
    /// --smiles-file.
    func sources() throws -> [any CandidateSource] {
      var sources: [any CandidateSource] = []
      if let seeds { sources.append(StructureFileSource(url: URL(fileURLWithPath: seeds))) }
      var molecules = smiles.map { SMILESEntry(smiles: $0, location: "--smiles") }
      do {
        if let smilesFile { molecules += try readSMILESList(URL(fileURLWithPath: smilesFile)) }
      } catch let error as SMILESListError { throw CommandFailure(error.description) }
      if !molecules.isEmpty {
        sources.append(SMILESConformerSource(molecules: molecules, conformersPerMolecule: conformers, seed: seed,
                                             python: energyModel.teacherOptions.python))
      }
      return sources
    }

    /// The seed structures of every source.
    func seedStructures() throws -> [Structure] {
      var all: [Structure] = []
      for source in try sources() {
        let structures: [Structure]
        do { structures = try source.structures() } catch let error as SMILESListError {
          throw CommandFailure(error.description)
        }
        if let seeds, source is StructureFileSource { try requireFrames(structures.count, in: seeds) }
        all += structures
      }
      return all
    }

    func run() throws {
      if md { return try runMD() }
      let seedStructures = try seedStructures()
      if hasSMILES && rattle == nil && strain == nil && !rotate && supercell == nil {
        try ExtXYZ.write(seedStructures, to: URL(fileURLWithPath: output))
        print("wrote \(seedStructures.count) seed structures (conformers of the SMILES\(seeds == nil ? "" : " and the frames of \(seeds!)")) to \(output)")
        return
      }
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
      let seedStructures = try seedStructures()
      let (potential, pool) = try energyModel.make()
      defer { pool?.close() }
      do { try potential.requireSupport(seedStructures) } catch {
        let message = error.describing(
          structure: { seedLocation(seedStructures[$0], fallback: "\(seeds ?? "the seeds"), frame \($0) (0-based)") },
          potential: energyModel.teacherOptions.teacher.map { "the teacher '\($0)'" } ?? "the potential")
        throw CommandFailure(message + ". Remove that molecule or choose another teacher")
      }
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
