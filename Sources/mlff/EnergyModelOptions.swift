import ArgumentParser
import Atomistic
import Foundation
import PaiNN
import Potentials
import Teacher

/// The options that choose what gives energies: a student, a committee of students, a teacher
/// or a built-in analytic potential. Shared by the commands that drive a `Potential`.
struct EnergyModelOptions: ParsableArguments {
  @Option(help: "Student model file (.safetensors).")
  var model: String?

  @Option(parsing: .upToNextOption, help: "Two or more student model files run as a committee (mean forces; their disagreement is reported).")
  var committee: [String] = []

  @Option(help: "Teacher: emt, lj, chgnet, sevennet-0, … or module:function.")
  var teacher: String?

  @Option(help: "Built-in analytic potential: lj (argon parameters) or morse (copper parameters).")
  var potential: String?

  @Option(help: "Student arithmetic: float or double.")
  var precision: String = "float"

  @Option(help: "Teacher worker processes.")
  var workers: Int = 1

  @Option(help: "Python interpreter for the teacher (default: $MLFF_PYTHON, else .venv/bin/python).")
  var python: String?

  func validate() throws {
    let chosen = [model != nil, !committee.isEmpty, teacher != nil, potential != nil].filter { $0 }.count
    guard chosen <= 1 else {
      throw ValidationError("choose only one of --model FILE, --committee FILE FILE…, --teacher NAME, --potential lj|morse")
    }
    if committee.count == 1 { throw ValidationError("--committee needs at least two model files") }
    if let potential, !["lj", "morse"].contains(potential) {
      throw ValidationError("--potential must be lj or morse, got '\(potential)'")
    }
    if PaiNNPrecision(rawValue: precision) == nil {
      throw ValidationError("--precision must be float or double, got '\(precision)'")
    }
    guard workers >= 1 else { throw ValidationError("--workers must be at least 1, got \(workers)") }
  }

  /// The chosen potential; `pool` is the teacher pool to close when one was started.
  func make() throws -> (potential: any Potential, pool: TeacherPool?) {
    let arithmetic = PaiNNPrecision(rawValue: precision) ?? .float
    if let model {
      return (try PaiNNPotential(contentsOf: URL(fileURLWithPath: model), precision: arithmetic), nil)
    }
    if !committee.isEmpty {
      let members = try committee.map { try PaiNNPotential(contentsOf: URL(fileURLWithPath: $0), precision: arithmetic) as any Potential }
      return (try CommitteePotential(members: members), nil)
    }
    if let teacher {
      let pool = try TeacherPool(configuration: TeacherConfiguration(model: teacher, workers: workers, python: python))
      return (pool, pool)
    }
    guard let potential else {
      throw ValidationError("say what gives the energies: --model FILE, --committee FILE FILE…, --teacher NAME or --potential lj|morse")
    }
    return (potential == "morse" ? Morse() : LennardJones(), nil)
  }
}

/// Refuses structures with elements the potential does not know, naming them and the frame.
/// - Parameter firstFrame: the file's frame index of `structures[0]`.
func checkElements(_ structures: [Structure], supportedBy potential: any Potential, file: String, firstFrame: Int = 0) throws {
  do { try potential.requireSupport(structures, firstIndex: firstFrame) } catch {
    throw CommandFailure(description: error.describing(structure: { "\(file), frame \($0) (0-based)" }, potential: "the potential"))
  }
}

/// A command that could not finish, said in words a user can act on (printed without the
/// usage text that ArgumentParser adds to a `ValidationError`).
struct CommandFailure: Error, CustomStringConvertible {
  var description: String
}
