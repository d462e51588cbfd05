import Foundation
import Testing

/// `--help` of every command, as printed on an 80-column terminal, and the option types that
/// the help advertises.
@Suite struct HelpAndOptionTests {
  static let commands: [[String]] = [
    [], ["distill"], ["sample"], ["label"], ["merge"], ["train"], ["eval"], ["md"], ["model"], ["model", "new"],
    ["model", "info"], ["predict"], ["info"], ["convert"], ["bench"], ["bench", "painn"], ["bench", "md"],
    ["bench", "neighbors"], ["bench", "tensor"], ["bench", "label"], ["serve"], ["frequencies"],
  ]

  /// Every line fits in 80 columns, and no paragraph line is followed by a line whose first word
  /// would have fitted on it (the mark of a hand-wrapped text wrapped again by the parser, which
  /// breaks a line only when the next word and its space would pass column 79). A line that
  /// starts a numbered item ("2. …") may follow a short one.
  @Test(arguments: commands) func helpReadsWellAtEightyColumns(_ command: [String]) throws {
    let run = try runMLFF(command + ["--help"], environment: ["COLUMNS": "80"])
    #expect(run.status == 0, "\(run.stderr)")
    let lines = run.stdout.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    #expect(lines.count > 5)
    for (k, line) in lines.enumerated() {
      #expect(line.count <= 80, "\(command): \(line.count) columns: \(line)")
      guard k + 1 < lines.count, !line.isEmpty, !line.hasPrefix(" "), !line.hasSuffix(":") else { continue }
      let next = lines[k + 1]
      guard !next.isEmpty, !next.hasPrefix(" "), next.first?.isNumber != true,
            let word = next.split(separator: " ").first else { continue }
      #expect(line.count + 1 + word.count > 78, "\(command): ragged line '\(line)' before '\(next)'")
    }
  }

  @Test func typedOptionsListTheirValuesAndDefaults() throws {
    let md = try runMLFF(["md", "--help"], environment: ["COLUMNS": "200"]).stdout
    #expect(md.contains("(values: nve, nvt, nvt-langevin, nvt-nh; default: nve)"), "\(md)")
    #expect(md.contains("(values: float, double; default: float)"))
    #expect(md.contains("(values: lj, morse)"))
    // The teacher's device and timeout are there for MD with a teacher too.
    #expect(md.contains("--device <device>") && md.contains("--timeout <timeout>") && md.contains("--workers <workers>"))
    #expect(md.contains("Random seed of the initial velocities and the Langevin noise. (default: 0)"))
    let new = try runMLFF(["model", "new", "--help"], environment: ["COLUMNS": "200"]).stdout
    #expect(new.contains("(values: tiny, small, medium, large; default: small)"), "\(new)")
    #expect(new.contains("(values: sine, gaussian; default: sine)"))
    #expect(new.contains("(values: f64, f32; default: f64)"))
    let distill = try runMLFF(["distill", "--help"], environment: ["COLUMNS": "200"]).stdout
    #expect(distill.contains("values: sample, label, active_learning, train, evaluate, validate, speed, report"), "\(distill)")
    // Hidden older spellings stay out of the help.
    #expect(!distill.contains("--structures"))
    let train = try runMLFF(["train", "--help"], environment: ["COLUMNS": "200"]).stdout
    #expect(!train.contains("--data") && !train.contains("--resume") && train.contains("--fresh"), "\(train)")
  }

  @Test func wordsAreMatchedWithoutRegardToCase() throws {
    let folder = try cliTemporaryFolder()
    let model = folder.appendingPathComponent("m.safetensors")
    let run = try runMLFF(["model", "new", "--preset", "Tiny", "--radial-basis", "GAUSSIAN", "--dtype", "float32",
                           "--elements", "cu,29", "-o", model.path])
    // "cu" and 29 are the same element: refused in validate().
    #expect(run.status == 64 && run.stderr.contains("element Cu appears twice"), "\(run.stderr)")
    let ok = try runMLFF(["model", "new", "--preset", "Tiny", "--radial-basis", "GAUSSIAN", "--dtype", "float32",
                          "--elements", "cu, O", "-o", model.path])
    #expect(ok.status == 0, "\(ok.stderr)")
    #expect(ok.stdout.contains("PaiNN F=32") && ok.stdout.contains("gaussian") && ok.stdout.contains("elements Cu,O"), "\(ok.stdout)")
    let info = try runMLFF(["model", "info", model.path, "--json"])
    let json = try #require(try JSONSerialization.jsonObject(with: Data(info.stdout.utf8)) as? [String: Any], "\(info.stdout)")
    let architecture = try #require(json["architecture"] as? [String: Any])
    #expect(architecture["feature_count"] as? Int == 32 && architecture["radial_basis"] as? String == "gaussian")
    #expect(architecture["cutoff_A"] as? Double == 5)
    #expect(json["atomic_numbers"] as? [Int] == [8, 29] || json["atomic_numbers"] as? [Int] == [29, 8])
    #expect((json["reference_energies_eV"] as? [String: Double])?.keys.sorted() == ["Cu", "O"])
    #expect(!info.stdout.contains("\\/"), "slashes are not escaped: \(info.stdout)")
    #expect(info.stdout.contains("\"file\" : \"\(model.path)\""))
  }
}
