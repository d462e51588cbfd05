import ArgumentParser
import Atomistic
import Foundation
import PaiNN
import Potentials
import Teacher

/// The options that choose what gives energies: a student, a committee of students, a teacher
/// or a built-in analytic potential. Shared by the commands that drive a `Potential`.
///
/// A committee's members are given one per `--committee` (repeated) or as one comma-separated
/// list, never as several words after one `--committee`: a command's positional input can then
/// follow the option (`mlff md --committee a.safetensors,b.safetensors init.xyz`) without being
/// taken for a member.
struct EnergyModelOptions: ParsableArguments {
  @Option(help: ArgumentHelp("Student model file (.safetensors).", valueName: "file"))
  var model: String?

  @Option(help: ArgumentHelp(
    "Student model files run as a committee (mean forces; their disagreement is logged): two or more, each after its own --committee or together as a comma-separated list.",
    valueName: "file[,file…]"))
  var committee: [CommaSeparated<String>] = []

  @OptionGroup var teacherOptions: TeacherOptions

  @Option(help: "Built-in analytic potential: lj (argon parameters) or morse (copper parameters).")
  var potential: AnalyticPotential?

  @OptionGroup var arithmetic: PrecisionOption

  @OptionGroup var threading: ThreadsOption

  /// The committee's model files, in the order given.
  var committeeFiles: [String] { committee.flatMap(\.values) }

  func validate() throws {
    let chosen = [model != nil, !committee.isEmpty, teacherOptions.teacher != nil, potential != nil].filter { $0 }.count
    guard chosen <= 1 else {
      throw ValidationError("choose only one of --model FILE, --committee FILE,FILE…, --teacher NAME, --potential lj|morse")
    }
  }

  /// The checks that need the command's positional words, called first from the command's
  /// `validate()`: refuses words beyond the one input, explaining the committee's spelling when
  /// that is the likely cause (`--committee a b init.xyz`), and a committee of one.
  /// - Parameters:
  ///   - input: the word taken as the input.
  ///   - extra: the positional words after the input.
  func validate(input: String, extra: [String]) throws {
    try refuseExtraArguments(extra, input: input)
    if committeeFiles.count == 1 {
      throw ValidationError("--committee needs at least two model files: --committee a.safetensors,b.safetensors or --committee a.safetensors --committee b.safetensors")
    }
  }

  private func refuseExtraArguments(_ extra: [String], input: String) throws {
    guard let first = extra.first else { return }
    if !committee.isEmpty, let last = extra.last {
      let members = (committeeFiles + [input] + extra.dropLast()).joined(separator: ",")
      throw ValidationError("'\(input)' and '\(extra.joined(separator: "', '"))' follow --committee, which takes one model file each time or a comma-separated list; write --committee \(members) \(last) (or repeat --committee before every member)")
    }
    throw ValidationError("unexpected argument '\(first)': the command takes one input file, here '\(input)'")
  }

  /// True when one of --model, --committee, --teacher or --potential was given.
  var isChosen: Bool { model != nil || !committee.isEmpty || teacherOptions.teacher != nil || potential != nil }

  /// Refuses a command line that names nothing to give the energies.
  func requireChoice() throws {
    guard isChosen else {
      throw ValidationError("say what gives the energies: --model FILE, --committee FILE,FILE…, --teacher NAME or --potential lj|morse")
    }
  }

  /// The chosen potential; `pool` is the teacher pool to close when one was started.
  /// - Throws: `CommandFailure` when nothing was chosen; a model file's or the teacher's error.
  /// - Parameter skin: Verlet skin of a student's neighbour list, Å (0: a new list every call).
  func make(skin: Double = 0) throws -> (potential: any Potential, pool: TeacherPool?) {
    let arithmetic = arithmetic.precision
    if let model {
      return (try PaiNNPotential(contentsOf: URL(fileURLWithPath: model), precision: arithmetic, threads: threading.resolve(), skin: skin), nil)
    }
    if !committee.isEmpty {
      let members = try committeeFiles.map {
        try PaiNNPotential(contentsOf: URL(fileURLWithPath: $0), precision: arithmetic, threads: threading.resolve(), skin: skin) as any Potential
      }
      return (try CommitteePotential(members: members), nil)
    }
    if let teacher = teacherOptions.teacher {
      let pool = try TeacherPool(configuration: teacherOptions.configuration(teacher: teacher))
      return (pool, pool)
    }
    guard let potential else {
      throw CommandFailure("say what gives the energies: --model FILE, --committee FILE,FILE…, --teacher NAME or --potential lj|morse")
    }
    return (potential == .morse ? Morse() : LennardJones(), nil)
  }
}

/// `--potential`: the analytic potentials built in.
enum AnalyticPotential: String, CaseIterable, ExpressibleByArgument {
  /// Lennard-Jones with argon parameters.
  case lj
  /// Morse with copper parameters.
  case morse

  init?(argument: String) { self.init(rawValue: argument.lowercased()) }
}

/// Refuses structures with elements the potential does not know, naming them and the frame.
/// - Parameter firstFrame: the file's frame index of `structures[0]`.
func checkElements(
  _ structures: [Structure], supportedBy potential: any Potential, file: String, firstFrame: Int = 0,
  named name: String = "the potential", advice: String? = nil
) throws {
  do { try potential.requireSupport(structures, firstIndex: firstFrame) } catch {
    let message = error.describing(structure: { "\(file), frame \($0) (0-based)" }, potential: name)
    throw CommandFailure(advice.map { "\(message). \($0)" } ?? message)
  }
}
