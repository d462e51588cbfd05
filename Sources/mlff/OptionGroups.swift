import ArgumentParser
import Atomistic
import Autodiff
import Distillation
import Foundation
import PaiNN
import Teacher

// Options that several commands share, declared once so that their names, help texts and
// defaults are the same everywhere (docs/cli.md, "Naming").

/// `--precision`: the student's network arithmetic. Float by default everywhere; energies are
/// summed in Double either way.
struct PrecisionOption: ParsableArguments {
  @Option(help: "Student network arithmetic.")
  var precision: PaiNNPrecision = .float
}

/// `--threads N`: threads of one student evaluation (default: the processors available). The
/// student's kernels split their work over these threads themselves and give the same numbers
/// for any count; BLAS runs on one thread inside them.
struct ThreadsOption: ParsableArguments {
  @Option(help: "Threads of one student evaluation (default: the processors available; the results do not depend on it).")
  var threads: Int?

  func validate() throws {
    if let threads, threads < 1 { throw ValidationError("--threads must be at least 1, got \(threads)") }
  }

  /// The count to use; sets BLAS to one thread, since the student parallelises itself.
  func resolve() -> Int {
    TensorThreads.setBLASThreads(1)
    return threads ?? ProcessInfo.processInfo.activeProcessorCount
  }
}

/// `--model FILE --precision P --threads N`: the student a command evaluates.
struct ModelOptions: ParsableArguments {
  @Option(help: ArgumentHelp("Student model file (.safetensors).", valueName: "file"))
  var model: String

  @OptionGroup var arithmetic: PrecisionOption

  @OptionGroup var threading: ThreadsOption

  var precision: PaiNNPrecision { arithmetic.precision }

  /// The student, read from `--model`.
  /// - Throws: the model file's error (missing, truncated, not a PaiNN model), naming the file.
  func load() throws -> PaiNNPotential {
    try PaiNNPotential(contentsOf: URL(fileURLWithPath: model), precision: precision, threads: threading.resolve())
  }
}

/// `--teacher NAME` and how its worker processes run.
struct TeacherOptions: ParsableArguments {
  /// The help texts, shared with `mlff distill`, whose teacher options override a settings file.
  static let teacherHelp = ArgumentHelp(
    "Teacher: emt, chgnet, sevennet-0, orb-v2, mace-mp-0, mace-off, gfn2-xtb, gfn1-xtb, or module:function for any function that returns an ASE calculator (its folder on PYTHONPATH).",
    valueName: "name")
  static let workersHelp: ArgumentHelp = "Teacher worker processes, each with its own copy of the teacher."
  static let timeoutHelp: ArgumentHelp = "Seconds one structure may take before its worker is killed and the structure marked failed."
  static let pythonHelp = ArgumentHelp("Python interpreter for the teacher (default: $MLFF_PYTHON, else .venv/bin/python).", valueName: "path")

  @Option(help: teacherHelp)
  var teacher: String?

  @Option(help: workersHelp)
  var workers: Int = 1

  @Option(help: timeoutHelp)
  var timeout: Double = 600

  @Option(help: pythonHelp)
  var python: String?

  @Option(help: "Device for the teacher: cpu or cuda (default: the teacher's choice).")
  var device: String?

  func validate() throws {
    guard workers >= 1 else { throw ValidationError("--workers must be at least 1, got \(workers)") }
    guard timeout > 0, timeout.isFinite else { throw ValidationError("--timeout must be a positive number of seconds, got \(timeout)") }
  }

  /// The worker pool's settings for the teacher `name`.
  func configuration(teacher name: String) -> TeacherConfiguration {
    TeacherConfiguration(model: name, workers: workers, timeout: timeout, python: python, device: device)
  }
}

/// The label quality thresholds (`mlff label`, `mlff check`); 0 turns a check off. Defaults are
/// those of `LabelQualityCriteria` (and of `[label.quality]` in `mlff distill`).
struct LabelQualityOptions: ParsableArguments {
  @Option(name: .customLong("max-force"), help: ArgumentHelp("Reject a label whose largest force exceeds this, eV/Å (0: no limit).", valueName: "eV/Å"))
  var maxForce: Double = LabelQualityCriteria().maxForce

  @Option(name: .customLong("min-distance-fraction"), help: ArgumentHelp("Reject a structure with two atoms closer than this fraction of the sum of their covalent radii (0: no limit).", valueName: "fraction"))
  var minDistanceFraction: Double = LabelQualityCriteria().minDistanceFraction

  @Option(name: .customLong("max-energy-z"), help: ArgumentHelp("Reject an energy per atom whose robust z-score against the dataset's per-element fit exceeds this (0: no energy check)…", valueName: "z"))
  var maxEnergyZ: Double = LabelQualityCriteria().maxEnergyZ

  @Option(name: .customLong("min-energy-deviation"), help: ArgumentHelp("…and that lies more than this from the median residual, eV/atom.", valueName: "eV/atom"))
  var minEnergyDeviation: Double = LabelQualityCriteria().minEnergyDeviation

  var criteria: LabelQualityCriteria {
    var c = LabelQualityCriteria()
    c.maxForce = maxForce
    c.minDistanceFraction = minDistanceFraction
    c.maxEnergyZ = maxEnergyZ
    c.minEnergyDeviation = minEnergyDeviation
    return c
  }

  func validate() throws {
    if let problem = criteria.problem {
      throw ValidationError("--" + problem.replacingOccurrences(of: "_", with: "-"))
    }
  }
}

/// `--energy-key/--forces-key/--stress-key`: where extended XYZ files keep the labels, both
/// when they are read and when they are written.
struct LabelKeyOptions: ParsableArguments {
  @Option(help: "Comment-line key of the energy (eV).")
  var energyKey = "energy"
  @Option(help: "Properties column group of the forces (R:3, eV/Å).")
  var forcesKey = "forces"
  @Option(help: "Comment-line key of the stress (eV/Å³, 6 Voigt or 9 values).")
  var stressKey = "stress"

  var extxyz: ExtXYZOptions {
    ExtXYZOptions(energyKey: energyKey, forcesKey: forcesKey, stressKey: stressKey)
  }
}

/// `--quiet`: progress lines go to standard error unless this is given; results still go to
/// standard output.
struct ProgressOptions: ParsableArguments {
  @Flag(help: "No progress lines on standard error.")
  var quiet = false

  var showsProgress: Bool { !quiet }
}

/// `value` as the commands print JSON: pretty, keys sorted, slashes in paths not escaped.
func jsonText<T: Encodable>(_ value: T) throws -> String {
  let encoder = JSONEncoder()
  encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
  return String(decoding: try encoder.encode(value), as: UTF8.self)
}
