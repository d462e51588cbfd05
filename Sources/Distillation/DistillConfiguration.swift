import Foundation
import Training

/// Every setting of `mlff distill`, with the defaults a first run should use.
///
/// Read from a TOML file (`--config distill.toml`) whose keys are the snake_case names below,
/// grouped in tables `[sample]`, `[label]`, `[train]`, `[validate]`, `[speed]` and
/// `[active_learning]`, `[hessian]`; command-line options override the file; the resolved whole is saved
/// in the run folder as `distill.toml`. Units: Å, fs, K, eV, seconds.
public struct DistillConfiguration: Codable, Sendable, Hashable {
  /// Teacher name (`emt`, `chgnet`, `sevennet-0`, …) or `module:function`.
  public var teacher: String = "emt"
  /// The seed structures (extxyz); may be empty when `[sample]` gives SMILES.
  public var structures: String = ""
  /// Python interpreter for the teacher workers; empty: `.venv/bin/python` or `$MLFF_PYTHON`.
  public var python: String = ""
  /// Seed of every random choice (sampling, splits, weights, MD).
  public var seed: UInt64 = 0
  public var sample = Sample()
  public var label = Label()
  public var train = Train()
  public var validate = Validate()
  public var speed = Speed()
  public var activeLearning = ActiveLearning()
  public var hessian = Hessian()

  public init() {}

  /// Stage 1: candidates from the seeds.
  public struct Sample: Codable, Sendable, Hashable {
    /// Molecules as SMILES whose conformers are seeds too (after those of `structures`).
    public var smiles: [String] = []
    /// A file of molecules, one `SMILES name` per line, whose conformers are seeds too.
    public var smilesFile: String = ""
    /// Conformers per SMILES (RDKit ETKDG, relaxed with MMFF).
    public var conformers: Int = 10
    /// Candidates made by rattling and straining the seeds.
    public var count: Int = 200
    /// Gaussian displacement σ, Å.
    public var rattle: Double = 0.05
    /// Largest strain component of periodic cells, dimensionless.
    public var strain: Double = 0.02
    /// Random rotations of molecules (non-periodic seeds).
    public var rotate: Bool = true
    /// Repeat each periodic seed n₁×n₂×n₃ before sampling.
    public var supercell: [Int] = [1, 1, 1]
    /// Temperatures of the short sampling MD, K (empty: no MD sampling).
    public var mdTemperatures: [Double] = []
    /// Steps of each sampling MD run.
    public var mdSteps: Int = 200
    /// Snapshot every this many steps.
    public var mdInterval: Int = 20
    /// Timestep of the sampling MD, fs.
    public var mdTimestep: Double = 1.0
    public init() {}
  }

  /// Stage 2: labels from the teacher pool.
  public struct Label: Codable, Sendable, Hashable {
    /// Teacher worker processes.
    public var workers: Int = 2
    /// Seconds before a teacher call is declared hung.
    public var timeout: Double = 600
    /// Device the teacher runs on (`cpu`, `cuda`, …); empty: the teacher's own choice.
    public var device: String = ""
    /// The label quality checks (`[label.quality]`): max force, closest approach, energy outliers.
    public var quality = LabelQualityCriteria()
    public init() {}
  }

  /// Stage 3: the student.
  public struct Train: Codable, Sendable, Hashable {
    /// `tiny`, `small`, `medium` or `large`.
    public var preset: String = "small"
    /// Explicit width F (0: the preset's).
    public var features: Int = 0
    /// Explicit interaction layers (0: the preset's).
    public var layers: Int = 0
    /// Interaction range, Å.
    public var cutoff: Double = 5.0
    /// Epoch budget.
    public var epochs: Int = 1000
    /// Wall-clock budget, e.g. "5m" (empty: none).
    public var maxTime: String = "5m"
    /// Structures per batch.
    public var batchSize: Int = 8
    /// Peak learning rate.
    public var learningRate: Double = 1e-3
    /// Loss weights on energy per atom, forces and stress.
    public var energyWeight: Double = 1
    public var forceWeight: Double = 100
    public var stressWeight: Double = 1
    /// Fractions of the data used for training and validation; the rest is the test split.
    public var trainFraction: Double = 0.8
    public var validationFraction: Double = 0.1
    /// Threads computing gradients.
    public var threads: Int = 2
    public init() {}
  }

  /// Stage 5: MD with the student.
  ///
  /// The validation structure (the first seed) is a molecule when it has no periodic direction
  /// (pbc all false). Molecules are validated at 300 and 500 K by default, with bond lengths
  /// judged against the teacher's equilibrium lengths, and compared with the teacher on a short
  /// run (bond-length and angle distributions, vibrational density of states); crystals at
  /// 300 K with the radial distribution function.
  public struct Validate: Codable, Sendable, Hashable {
    /// Temperatures of the Langevin stability runs, K (empty: 300 and 500 K for a molecule,
    /// 300 K for a crystal).
    public var temperatures: [Double] = []
    /// Simulated time of each stability run, ps (the origin project's target: a stable 100 ps).
    public var lengthPs: Double = 2
    /// Steps of each run; when above 0 it replaces `length_ps` (older settings files).
    public var steps: Int = 0
    /// Timestep, fs.
    public var timestep: Double = 1.0
    /// Steps of the NVE drift run (0: none).
    public var nveSteps: Int = 1000
    /// Largest allowed bond-length change, Å (Fu et al. 2022).
    public var maxBondDeviation: Double = 0.5
    /// Steps of the short teacher MD the student is compared with (the RDF for crystals; bond
    /// and angle distributions and the vibrational density of states for molecules); 0: none.
    public var teacherSteps: Int = 200
    /// Steps between the frames of a molecule's short student–teacher comparison runs (their
    /// velocities give the vibrational density of states; 2 fs resolves up to 8300 cm⁻¹).
    public var traceInterval: Int = 2
    /// Snapshots of each stability run labelled by the teacher for the in-use errors (0: none).
    public var inUseSnapshots: Int = 8
    /// Repeat periodic seeds n₁×n₂×n₃ for the MD cell.
    public var supercell: [Int] = [1, 1, 1]
    /// Verlet skin of the student's neighbour list in the stability and drift runs, Å: the list
    /// is built with r_c + skin and rebuilt only when an atom has moved more than skin/2 (0: a
    /// new list every step). The forces are those of a list rebuilt every step.
    public var skin: Double = 1.0
    public init() {}

    /// The stability runs' temperatures, K: `temperatures`, or the default of the kind of
    /// structure.
    public func resolvedTemperatures(molecule: Bool) -> [Double] {
      temperatures.isEmpty ? (molecule ? [300, 500] : [300]) : temperatures
    }

    /// Steps of each stability run: `steps` when set, else `length_ps` / `timestep`.
    public var resolvedSteps: Int {
      steps > 0 ? steps : max(1, Int((lengthPs * 1000 / timestep).rounded()))
    }
  }

  /// Stage 6: speed.
  public struct Speed: Codable, Sendable, Hashable {
    /// Structures timed (taken from the test split).
    public var structures: Int = 8
    /// Timed repetitions; the best is kept.
    public var repeats: Int = 3
    public init() {}
  }

  /// Query-by-committee active learning between the first labels and the final student.
  public struct ActiveLearning: Codable, Sendable, Hashable {
    /// Rounds (0: none).
    public var rounds: Int = 0
    /// Students in the committee.
    public var committee: Int = 3
    /// Trust window on the maximum force deviation, eV/Å (DP-GEN's defaults).
    public var trustLow: Double = 0.05
    public var trustHigh: Double = 0.15
    /// Committee MD temperatures, K (empty: those of `[validate]`).
    public var temperatures: [Double] = []
    /// Steps of each committee MD run, and the snapshot interval.
    public var mdSteps: Int = 500
    public var mdInterval: Int = 10
    /// Most new structures labelled per round.
    public var maxNewStructures: Int = 50
    /// Stop when fewer than this fraction of the committee's frames are uncertain.
    public var stopFraction: Double = 0.02
    /// Wall-clock budget of each committee member's training, e.g. "1m".
    public var memberMaxTime: String = "1m"
    public init() {}
  }

  /// Curvature distillation (`[hessian]`): teacher Hessian–vector products for random probes,
  /// labelled with energies and forces, and a curvature term in the student's loss.
  public struct Hessian: Codable, Sendable, Hashable {
    /// k, probe directions per structure (0: no curvature labels; each costs 2 teacher calls).
    public var probes: Int = 0
    /// λ_H of the curvature term (mean squared H v error, (eV/Å²)²).
    public var weight: Double = 10
    /// Finite-difference step h of the teacher's (and the student's) H v, Å.
    public var step: Double = 0.01
    /// How the student's H v is computed: "finite-difference" or "exact".
    public var mode: String = "finite-difference"
    public init() {}

    /// The labelling settings, or nil without probes.
    public func labelling(seed: UInt64) -> CurvatureLabelling? {
      probes > 0 ? CurvatureLabelling(probes: probes, step: step, seed: seed) : nil
    }

    /// The loss settings, or nil without probes.
    public var loss: CurvatureLoss? {
      probes > 0 && weight > 0 ? CurvatureLoss(weight: weight, mode: CurvatureMode(rawValue: mode) ?? .finiteDifference, step: step) : nil
    }

    /// What is wrong, or nil.
    public var problem: String? {
      if probes < 0 { return "hessian.probes must be ≥ 0, got \(probes)" }
      if CurvatureMode(rawValue: mode) == nil { return "hessian.mode must be finite-difference or exact, got '\(mode)'" }
      if !(weight >= 0) { return "hessian.weight must be ≥ 0, got \(weight)" }
      if !(step > 0 && step <= 0.1) { return "hessian.step must be in (0, 0.1] Å, got \(step)" }
      return nil
    }
  }

  enum CodingKeys: String, CodingKey {
    case teacher, structures, python, seed, sample, label, train, validate, speed
    case activeLearning = "active_learning"
    case hessian
  }
}

extension DistillConfiguration.Sample {
  enum CodingKeys: String, CodingKey {
    case smiles, smilesFile = "smiles_file", conformers
    case count, rattle, strain, rotate, supercell
    case mdTemperatures = "md_temperatures", mdSteps = "md_steps", mdInterval = "md_interval"
    case mdTimestep = "md_timestep"
  }
}

extension DistillConfiguration.Train {
  enum CodingKeys: String, CodingKey {
    case preset, features, layers, cutoff, epochs
    case maxTime = "max_time", batchSize = "batch_size", learningRate = "learning_rate"
    case energyWeight = "energy_weight", forceWeight = "force_weight", stressWeight = "stress_weight"
    case trainFraction = "train_fraction", validationFraction = "validation_fraction", threads
  }
}

extension DistillConfiguration.Validate {
  enum CodingKeys: String, CodingKey {
    case temperatures, steps, timestep, supercell, skin
    case lengthPs = "length_ps", nveSteps = "nve_steps", maxBondDeviation = "max_bond_deviation"
    case teacherSteps = "teacher_steps", traceInterval = "trace_interval", inUseSnapshots = "in_use_snapshots"
  }
}

extension DistillConfiguration.ActiveLearning {
  enum CodingKeys: String, CodingKey {
    case rounds, committee, temperatures
    case trustLow = "trust_low", trustHigh = "trust_high", mdSteps = "md_steps", mdInterval = "md_interval"
    case maxNewStructures = "max_new_structures", stopFraction = "stop_fraction"
    case memberMaxTime = "member_max_time"
  }
}
