import Atomistic
import Foundation
import Testing

/// Structure files a new user might give by mistake, through the commands that read them: each
/// is a run-time failure (exit status 1, `Error: …` naming the file, no usage text), and no
/// output file is left behind.
@Suite struct EmptyAndMalformedInputTests {
  struct Case: CustomTestStringConvertible, Sendable {
    var name: String
    var content: String
    /// Words the message must contain besides the file's path.
    var mentions: [String]
    var testDescription: String { name }
  }

  static let cases: [Case] = [
    Case(name: "empty file", content: "", mentions: ["holds no structures", "at least one frame"]),
    Case(name: "only blank lines", content: "\n\n", mentions: ["holds no structures"]),
    Case(name: "truncated frame", content: "3\nenergy=1\nCu 0 0 0\nCu 0 0 1.8\n", mentions: ["2 of the 3 atom lines"]),
    Case(name: "Lattice with 6 numbers", content: "1\nLattice=\"1 0 0 0 1 0\"\nCu 0 0 0\n", mentions: ["6 numbers"]),
    Case(name: "unknown species", content: "1\nenergy=1\nQq 0 0 0\n", mentions: ["'Qq'"]),
  ]

  func model(in folder: URL) throws -> String {
    let path = folder.appendingPathComponent("cu.safetensors").path
    let made = try runMLFF(["model", "new", "--preset", "tiny", "--elements", "Cu", "-o", path])
    #expect(made.status == 0, "\(made.stderr)")
    return path
  }

  @Test(arguments: cases) func predictRefuses(_ c: Case) throws {
    let folder = try cliTemporaryFolder()
    let input = folder.appendingPathComponent("in.xyz"), output = folder.appendingPathComponent("out.xyz")
    try c.content.write(to: input, atomically: true, encoding: .utf8)
    let run = try runMLFF(["predict", input.path, "--model", try model(in: folder), "-o", output.path])
    #expect(run.status == 1, "\(run.stdout)\(run.stderr)")
    #expect(run.stderr.contains(input.path), "\(run.stderr)")
    for word in c.mentions { #expect(run.stderr.contains(word), "\(word): \(run.stderr)") }
    #expect(!run.stderr.contains("Usage:"), "\(run.stderr)")
    #expect(!FileManager.default.fileExists(atPath: output.path))
    #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted() == ["cu.safetensors", "in.xyz"])
  }

  /// Every other command that reads structures refuses an empty file the same way.
  @Test func emptyFileEverywhere() throws {
    let folder = try cliTemporaryFolder()
    let empty = folder.appendingPathComponent("empty.xyz")
    try Data().write(to: empty)
    let model = try model(in: folder)
    let out = folder.appendingPathComponent("out")
    let commands: [[String]] = [
      ["md", empty.path, "--potential", "morse", "-o", out.path + ".xyz"],
      ["sample", empty.path, "--rattle", "0.1", "-o", out.path + ".xyz"],
      ["eval", empty.path, "--model", model, "-o", out.path],
      ["train", empty.path, "-o", out.path],
      ["convert", empty.path, out.path + ".extxyz"],
      ["label", empty.path, "--teacher", "emt", "-o", out.path + ".h5"],
      ["serve", "--model", model, "--structure", empty.path, "--unix", "mlff-empty-template", "--wait", "0"],
    ]
    for arguments in commands {
      let run = try runMLFF(arguments)
      #expect(run.status == 1, "\(arguments[0]): \(run.stdout)\(run.stderr)")
      #expect(run.stderr.contains("\(empty.path) holds no structures"), "\(arguments[0]): \(run.stderr)")
      #expect(!run.stderr.contains("Usage:"), "\(arguments[0]): \(run.stderr)")
    }
    #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted() == ["cu.safetensors", "empty.xyz"])
  }
}
