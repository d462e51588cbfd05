import Foundation

/// The outcome of running the `mlff` executable.
struct MLFFRun {
  /// Exit status (0 for success).
  var status: Int32
  /// Everything printed on standard output.
  var stdout: String
  /// Everything printed on standard error.
  var stderr: String
}

/// Why the `mlff` executable could not be run.
struct MLFFNotFound: Error, CustomStringConvertible {
  var searched: [String]
  var description: String {
    "cannot find the mlff executable (looked at \(searched.joined(separator: ", "))); build it with `swift build --build-tests` or set MLFF_BIN"
  }
}

/// The built `mlff` executable: `$MLFF_BIN` if set, else the `mlff` that sits in the same build
/// products folder as the running test bundle.
func mlffExecutable() throws -> URL {
  let manager = FileManager.default
  var candidates: [URL] = []
  if let path = ProcessInfo.processInfo.environment["MLFF_BIN"], !path.isEmpty {
    candidates.append(URL(fileURLWithPath: path))
  }
  // Linux: the test bundle is an executable (…/debug/MLFFDistillerPackageTests.xctest).
  if let own = try? manager.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
    candidates.append(URL(fileURLWithPath: own).deletingLastPathComponent().appendingPathComponent("mlff"))
  }
  // macOS: …/debug/MLFFDistillerPackageTests.xctest/Contents/MacOS/…; walk up to the .xctest.
  for bundle in Bundle.allBundles where bundle.bundlePath.hasSuffix(".xctest") {
    candidates.append(bundle.bundleURL.deletingLastPathComponent().appendingPathComponent("mlff"))
  }
  candidates.append(URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("mlff"))
  for url in candidates where manager.isExecutableFile(atPath: url.path) { return url }
  throw MLFFNotFound(searched: candidates.map(\.path))
}

/// Runs `mlff` with `arguments` and waits for it; output is captured through temporary files so
/// large outputs cannot block the child.
/// - Parameters:
///   - directory: working directory of the child (default: the current one).
///   - environment: extra environment variables.
func runMLFF(_ arguments: [String], in directory: URL? = nil, environment: [String: String] = [:]) throws -> MLFFRun {
  let process = Process()
  process.executableURL = try mlffExecutable()
  process.arguments = arguments
  if let directory { process.currentDirectoryURL = directory }
  process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
  let folder = FileManager.default.temporaryDirectory.appendingPathComponent("mlff-run-\(UUID().uuidString)")
  try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
  defer { try? FileManager.default.removeItem(at: folder) }
  let out = folder.appendingPathComponent("stdout"), err = folder.appendingPathComponent("stderr")
  _ = FileManager.default.createFile(atPath: out.path, contents: nil)
  _ = FileManager.default.createFile(atPath: err.path, contents: nil)
  let outHandle = try FileHandle(forWritingTo: out), errHandle = try FileHandle(forWritingTo: err)
  process.standardOutput = outHandle
  process.standardError = errHandle
  process.standardInput = FileHandle.nullDevice
  try process.run()
  process.waitUntilExit()
  try outHandle.close()
  try errHandle.close()
  return MLFFRun(
    status: process.terminationStatus,
    stdout: String(decoding: try Data(contentsOf: out), as: UTF8.self),
    stderr: String(decoding: try Data(contentsOf: err), as: UTF8.self))
}

/// A fresh empty folder for a CLI test's files.
func cliTemporaryFolder(_ label: String = #function) throws -> URL {
  let safe = label.filter { $0.isLetter || $0.isNumber }
  let url = FileManager.default.temporaryDirectory.appendingPathComponent("mlff-cli-\(safe)-\(UUID().uuidString)")
  try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
  return url
}

/// The repository's `examples/` folder (found from this source file's location).
func examplesFolder(file: StaticString = #filePath) -> URL {
  URL(fileURLWithPath: "\(file)").deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("examples")
}
