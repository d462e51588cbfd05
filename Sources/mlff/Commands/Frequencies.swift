import ArgumentParser
import Atomistic
import Dynamics
import Foundation
import PaiNN
import Potentials
import Reporting
import Teacher

extension MLFF {
  /// `mlff frequencies relaxed.xyz --model student.safetensors --teacher emt -o freq/`:
  /// harmonic frequencies of the student against a reference, mode by mode.
  struct Frequencies: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "frequencies",
      abstract: "Harmonic frequencies (cm⁻¹) of a student against its teacher: vibrations of a molecule, Γ-point modes of a crystal cell.",
      usage: "mlff frequencies <input> --model <file> --teacher <name> [-o <folder>]",
      discussion: """
        For the first frame of INPUT, the Hessian is made by central differences of each potential's forces (6N evaluations each), mass-weighted and diagonalised; the rigid-body modes are removed (6 for a molecule, 5 when linear, the 3 translations for a periodic cell, whose remaining modes are the Γ-point modes of that cell: give a supercell to sample more of the Brillouin zone). Give a structure relaxed with the teacher: away from a minimum some modes are imaginary (printed negative).

        Writes FOLDER/frequencies.json (both lists and the errors) and FOLDER/frequencies.svg (student against teacher, mode by mode).
        """)

    @Argument(help: "The structure (extxyz; the first frame is used).")
    var input: String

    @Option(help: ArgumentHelp("Student model file (.safetensors).", valueName: "file"))
    var model: String

    @OptionGroup(title: "Reference (teacher)")
    var teacherOptions: TeacherOptions

    @Option(help: "Built-in analytic reference instead of a teacher: lj or morse.")
    var potential: AnalyticPotential?

    @Option(help: "Finite-difference step, Å.")
    var step: Double = 0.01

    @Option(name: .shortAndLong, help: "Folder for frequencies.json and frequencies.svg.")
    var output: String = "frequencies"

    func validate() throws {
      if (teacherOptions.teacher == nil) == (potential == nil) {
        throw ValidationError("give the reference: --teacher NAME or --potential lj|morse (one of them)")
      }
      if !(step > 0 && step <= 0.1) { throw ValidationError("--step must be in (0, 0.1] Å, got \(step)") }
    }

    func run() throws {
      try requireFirstFrame(of: input)
      guard let structure = try ExtXYZ.read(URL(fileURLWithPath: input)).first else {
        throw CommandFailure("\(input) holds no structure")
      }
      let student = try PaiNNPotential(contentsOf: URL(fileURLWithPath: model), precision: .double)
      try checkElements([structure], supportedBy: student, file: input, named: "the student \(model)")
      var pool: TeacherPool?
      let reference: any Potential
      if let teacher = teacherOptions.teacher {
        do { pool = try TeacherPool(configuration: teacherOptions.configuration(teacher: teacher)) } catch let error as TeacherError {
          throw CommandFailure(error.description)
        }
        reference = pool!
      } else {
        reference = potential == .morse ? Morse() : LennardJones()
      }
      defer { pool?.close() }
      let comparison = FrequencyComparison(
        teacher: try HarmonicFrequencies(potential: reference, structure: structure, step: step),
        student: try HarmonicFrequencies(potential: student, structure: structure, step: step))
      let folder = URL(fileURLWithPath: output)
      try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
      let encoder = JSONEncoder()
      encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
      struct Saved: Encodable {
        var teacherWavenumbers: [Double], studentWavenumbers: [Double], removedModes: Int, stepAngstrom: Double
        var meanAbsoluteErrorPerCm: Double, maximumErrorPerCm: Double
      }
      try writeAtomically(try encoder.encode(Saved(
        teacherWavenumbers: comparison.teacher.wavenumbers, studentWavenumbers: comparison.student.wavenumbers,
        removedModes: comparison.teacher.removedModes, stepAngstrom: step,
        meanAbsoluteErrorPerCm: comparison.meanAbsoluteError, maximumErrorPerCm: comparison.maximumError)),
        to: folder.appendingPathComponent("frequencies.json"))
      var plot = ScatterPlot(title: "Harmonic frequencies", xLabel: "teacher (cm⁻¹)", yLabel: "student (cm⁻¹)")
      plot.add("modes", x: comparison.teacher.wavenumbers, y: comparison.student.wavenumbers)
      plot.annotations = [String(format: "MAE %.1f cm⁻¹", comparison.meanAbsoluteError), String(format: "max %.1f cm⁻¹", comparison.maximumError)]
      try writeFigure(plot.svg(), to: folder.appendingPathComponent("frequencies.svg"))
      print("mode  teacher (cm⁻¹)  student (cm⁻¹)  difference")
      for row in comparison.tableRows {
        print(row[0].padding(toLength: 4, withPad: " ", startingAt: 0) + "  " + [row[1], row[2], row[3]].map { $0.leftPadded(14) }.joined(separator: "  "))
      }
      print(String(format: "%d modes (%d rigid-body modes removed): MAE %.1f cm⁻¹, largest difference %.1f cm⁻¹; written to %@",
                   comparison.teacher.wavenumbers.count, comparison.teacher.removedModes, comparison.meanAbsoluteError,
                   comparison.maximumError, folder.path))
    }
  }
}

private extension String {
  func leftPadded(_ width: Int) -> String { count >= width ? self : String(repeating: " ", count: width - count) + self }
}
