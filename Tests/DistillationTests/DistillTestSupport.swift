import Atomistic
import Foundation
@testable import Distillation

/// The repository root, found from this file's location.
func repositoryRoot(file: StaticString = #filePath) -> URL {
  URL(fileURLWithPath: "\(file)").deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
}

/// The interpreter that runs the teacher workers in tests: `$MLFF_PYTHON`, else the repository's
/// `.venv/bin/python`.
func testPython() -> String {
  if let python = ProcessInfo.processInfo.environment["MLFF_PYTHON"], !python.isEmpty { return python }
  return repositoryRoot().appendingPathComponent(".venv/bin/python").path
}

/// A fresh empty folder.
func distillTemporaryFolder(_ label: String = #function) throws -> URL {
  let safe = label.filter { $0.isLetter || $0.isNumber }
  let url = FileManager.default.temporaryDirectory.appendingPathComponent("mlff-distill-\(safe)-\(UUID().uuidString)")
  try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
  return url
}

/// Copper and gold seeds that ASE's EMT knows: fcc Cu (4 atoms), an ordered CuAu cell (4 atoms)
/// and fcc Au (8 atoms).
func copperGoldSeeds() -> URL { repositoryRoot().appendingPathComponent("examples/cu-au-seeds.xyz") }

/// Settings for a distillation that finishes in seconds: the tiny student, a few dozen EMT
/// candidates, seconds of training, a few hundred MD steps.
func tinyConfiguration(seeds: URL, trainingTime: String = "5s") -> DistillConfiguration {
  var c = DistillConfiguration()
  c.teacher = "emt"
  c.structures = seeds.path
  c.python = testPython()
  c.seed = 3
  c.sample.count = 30
  c.label.workers = 2
  c.train.preset = "tiny"
  c.train.cutoff = 4.0
  c.train.maxTime = trainingTime
  c.train.batchSize = 4
  c.validate.temperatures = [300]
  c.validate.steps = 100
  c.validate.nveSteps = 60
  c.validate.teacherSteps = 30
  c.validate.supercell = [2, 2, 2]
  c.speed.structures = 3
  c.speed.repeats = 1
  return c
}

/// The same settings as TOML text, for the command line.
func tinyConfigurationFile(_ c: DistillConfiguration, in folder: URL, name: String = "distill.toml") throws -> URL {
  let url = folder.appendingPathComponent(name)
  try c.tomlText().write(to: url, atomically: true, encoding: .utf8)
  return url
}

// MARK: Running the executable

/// The built `mlff` executable: `$MLFF_BIN`, else the one beside the running test bundle.
func mlffBinary() throws -> URL {
  var candidates: [URL] = []
  if let path = ProcessInfo.processInfo.environment["MLFF_BIN"], !path.isEmpty {
    candidates.append(URL(fileURLWithPath: path))
  }
  if let own = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
    candidates.append(URL(fileURLWithPath: own).deletingLastPathComponent().appendingPathComponent("mlff"))
  }
  for bundle in Bundle.allBundles where bundle.bundlePath.hasSuffix(".xctest") {
    candidates.append(bundle.bundleURL.deletingLastPathComponent().appendingPathComponent("mlff"))
  }
  for url in candidates where FileManager.default.isExecutableFile(atPath: url.path) { return url }
  throw DistillConfigurationError("cannot find the mlff executable (looked at \(candidates.map(\.path))); build it or set MLFF_BIN")
}

/// A running `mlff` process whose output goes to files.
final class MLFFProcess {
  let process = Process()
  let stdoutURL: URL
  let stderrURL: URL

  /// Starts `mlff arguments…` with extra environment variables.
  init(_ arguments: [String], environment: [String: String] = [:], logs folder: URL) throws {
    process.executableURL = try mlffBinary()
    process.arguments = arguments
    process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
    let tag = UUID().uuidString
    stdoutURL = folder.appendingPathComponent("stdout-\(tag)")
    stderrURL = folder.appendingPathComponent("stderr-\(tag)")
    FileManager.default.createFile(atPath: stdoutURL.path, contents: nil)
    FileManager.default.createFile(atPath: stderrURL.path, contents: nil)
    process.standardOutput = try FileHandle(forWritingTo: stdoutURL)
    process.standardError = try FileHandle(forWritingTo: stderrURL)
    process.standardInput = FileHandle.nullDevice
    try process.run()
  }

  /// Waits for the end; returns the exit status.
  @discardableResult
  func wait() -> Int32 {
    process.waitUntilExit()
    return process.terminationStatus
  }

  /// Kills the process at once (SIGKILL, as a power cut or an out-of-memory kill would).
  func kill() {
    Foundation.kill(process.processIdentifier, SIGKILL)
    process.waitUntilExit()
  }

  var stdout: String { (try? String(contentsOf: stdoutURL, encoding: .utf8)) ?? "" }
  var stderr: String { (try? String(contentsOf: stderrURL, encoding: .utf8)) ?? "" }
}

/// Runs `mlff arguments…` to the end.
func runDistill(_ arguments: [String], environment: [String: String] = [:], logs folder: URL) throws -> (status: Int32, stdout: String, stderr: String) {
  let p = try MLFFProcess(arguments, environment: environment, logs: folder)
  let status = p.wait()
  return (status, p.stdout, p.stderr)
}

/// Polls `condition` every 50 ms until it holds or `timeout` seconds pass.
func waitUntil(timeout: Double, _ condition: () -> Bool) -> Bool {
  let deadline = Date().addingTimeInterval(timeout)
  while Date() < deadline {
    if condition() { return true }
    Thread.sleep(forTimeInterval: 0.05)
  }
  return condition()
}

/// Frames in an extxyz file, counted by their comment lines (a cheap check while it grows).
func countFramesQuickly(_ url: URL) -> Int {
  guard let text = try? String(contentsOf: url, encoding: .utf8) else { return 0 }
  return text.components(separatedBy: "Lattice=").count - 1
}

/// Writes a Python module with teacher factories for the tests into `folder`: `slow()` is EMT
/// that sleeps 0.1 s per structure; `broken()` raises on every structure.
func writeTestTeachers(in folder: URL) throws {
  let source = """
    import time
    from ase.calculators.emt import EMT


    class SlowEMT(EMT):
        def calculate(self, atoms=None, properties=("energy",), system_changes=None):
            time.sleep(0.1)
            if system_changes is None:
                super().calculate(atoms, properties)
            else:
                super().calculate(atoms, properties, system_changes)


    class BrokenEMT(EMT):
        def calculate(self, atoms=None, properties=("energy",), system_changes=None):
            raise RuntimeError("this test teacher fails on purpose")


    def slow():
        return SlowEMT()


    def broken():
        return BrokenEMT()

    """
  try source.write(to: folder.appendingPathComponent("distill_test_teachers.py"), atomically: true, encoding: .utf8)
}
