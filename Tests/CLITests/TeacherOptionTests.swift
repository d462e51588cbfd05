import Atomistic
import Foundation
import Testing

/// The teacher options that `label`, `md` and `sample --md` share, seen from the worker's side: a
/// stand-in interpreter records the command line it is started with and then fails, as a
/// teacher that cannot start does.
@Suite struct TeacherOptionTests {
  /// An executable script that appends its arguments to `arguments.txt` and exits with 1.
  func recordingInterpreter(in folder: URL) throws -> (interpreter: URL, record: URL) {
    let script = folder.appendingPathComponent("python"), record = folder.appendingPathComponent("arguments.txt")
    try "#!/bin/sh\necho \"$@\" >> '\(record.path)'\necho 'no teacher here' >&2\nexit 1\n"
      .write(to: script, atomically: true, encoding: .utf8)
    try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: script.path)
    return (script, record)
  }

  @Test(arguments: ["md", "sample", "label"])
  func deviceReachesTheWorkerAndAFailedStartExitsOne(command: String) throws {
    let folder = try cliTemporaryFolder()
    let (python, record) = try recordingInterpreter(in: folder)
    let input = examplesFolder().appendingPathComponent("cu-fcc.xyz").path
    let output = folder.appendingPathComponent(command == "label" ? "out.h5" : "out.xyz").path
    let teacher = ["--teacher", "chgnet", "--device", "cuda", "--timeout", "30", "--python", python.path]
    let arguments: [String]
    switch command {
    case "md": arguments = ["md", input] + teacher + ["--steps", "2", "-o", output]
    case "sample": arguments = ["sample", input, "--md"] + teacher + ["--md-steps", "2", "--md-every", "1", "-o", output]
    default: arguments = ["label", input] + teacher + ["-o", output]
    }
    let run = try runMLFF(arguments)
    #expect(run.status == 1, "\(run.stdout)\(run.stderr)")
    #expect(run.stderr.hasPrefix("Error: "), "\(run.stderr)")
    #expect(!run.stderr.contains("Usage:"), "\(run.stderr)")
    let recorded = try String(contentsOf: record, encoding: .utf8)
    #expect(recorded.contains("mlff_teacher serve"), "\(recorded)")
    #expect(recorded.contains("--model chgnet") && recorded.contains("--device cuda"), "\(recorded)")
    #expect(!FileManager.default.fileExists(atPath: output))
  }

  @Test func labelNeedsATeacher() throws {
    let input = examplesFolder().appendingPathComponent("cu-fcc.xyz").path
    let run = try runMLFF(["label", input, "-o", "/tmp/never.h5"])
    #expect(run.status == 64 && run.stderr.contains("say which teacher") && run.stderr.contains("Usage: mlff label"), "\(run.stderr)")
    let workers = try runMLFF(["label", input, "-o", "/tmp/never.h5", "--teacher", "emt", "--workers", "0"])
    #expect(workers.status == 64 && workers.stderr.contains("--workers must be at least 1"), "\(workers.stderr)")
  }
}
