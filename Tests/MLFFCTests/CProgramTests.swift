import Atomistic
import Foundation
import PaiNN
import Potentials
import Testing

/// libmlff from C: `Programs/mlff_check.c` is compiled with the system C compiler against
/// include/mlff.h and linked to the built libmlff. Its numbers must be the Swift potential's
/// (same model file, same precision); on its own it checks batch against single calls, four
/// threads against serial calls, and a status and message for every kind of bad input.
@Suite(.serialized) struct CProgramTests {
  static let repository = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

  @Test(arguments: PaiNNPrecision.allCases)
  func matchesTheSwiftPotential(precision: PaiNNPrecision) throws {
    let folder = try temporaryFolder()
    defer { try? FileManager.default.removeItem(at: folder) }
    let program = try compileCheckProgram(into: folder)
    let model = TestModels.model()
    let modelURL = folder.appendingPathComponent("student.safetensors")
    try model.write(to: modelURL)
    let data = try Data(contentsOf: modelURL)
    let scratch = folder.appendingPathComponent("scratch.safetensors")
    try data.write(to: scratch)
    let truncated = folder.appendingPathComponent("truncated.safetensors")
    try data.prefix(data.count / 2).write(to: truncated)
    let structures = TestModels.structures
    let input = folder.appendingPathComponent("structures.txt")
    try TestModels.text(structures).write(to: input, atomically: true, encoding: .utf8)

    let run = try runProgram(
      program, [modelURL.path, scratch.path, truncated.path, input.path],
      environment: precision == .double ? ["MLFF_CHECK_DOUBLE": "1"] : [:])
    #expect(run.status == 0, "mlff_check failed:\n\(run.output)")
    #expect(run.output.contains("all checks passed"), "\(run.output)")
    // Each refusal names what was wrong.
    for (what, words) in [
      ("unknown element", "U (atomic numbers [92])"), ("NaN position", "atom 1"), ("zero-volume periodic cell", "zero volume"),
      ("tiny periodic cell", "neighbours"), ("thin periodic direction", "images of itself"),
      ("truncated model", "truncated"), ("model changed on disk", "changed on disk"), ("model removed", "removed"),
    ] {
      let line = run.output.split(separator: "\n").first { $0.hasPrefix("message \(what):") } ?? ""
      #expect(line.contains(words), "the message for \(what) should say '\(words)': '\(line)'")
    }

    // One structure per call, as mlff_check calls mlff_compute (in Float a batch sums in
    // another order).
    let potential = PaiNNPotential(model: model, precision: precision)
    let reference = try structures.map { try potential.compute([$0], [.energy, .forces, .stress, .atomicEnergies])[0] }
    let printed = parse(run.output)
    try #require(printed.count == structures.count, "\(run.output)")
    for (s, (c, swift)) in zip(printed, reference).enumerated() {
      expectClose([c.energy], [swift.energy], "structure \(s) energy")
      expectClose(c.energies, swift.atomicEnergies!, "structure \(s) per-atom energies")
      expectClose(c.forces, swift.forces!.flatMap { [$0.x, $0.y, $0.z] }, "structure \(s) forces")
      if let stress = swift.stress {
        expectClose(c.stress, stress, "structure \(s) stress")
      } else {
        #expect(c.stress.allSatisfy { $0.isNaN }, "structure \(s) is not fully periodic: stress should be NaN")
      }
    }
  }

  // MARK: Helpers

  struct Printed {
    var energy = 0.0
    var energies: [Double] = []
    var forces: [Double] = []
    var stress: [Double] = []
  }

  func parse(_ output: String) -> [Printed] {
    var out: [Printed] = []
    for line in output.split(separator: "\n") {
      let words = line.split(separator: " ")
      guard let key = words.first else { continue }
      let values = words.dropFirst().map { Double(String($0)) ?? .nan }
      switch key {
      case "structure": out.append(Printed())
      case "energy": out[out.count - 1].energy = values[0]
      case "energies": out[out.count - 1].energies = values
      case "forces": out[out.count - 1].forces = values
      case "stress": out[out.count - 1].stress = values
      default: break
      }
    }
    return out
  }

  func expectClose(_ a: [Double], _ b: [Double], _ what: String) {
    #expect(a.count == b.count, "\(what): \(a.count) vs \(b.count) values")
    let scale = max(1, b.map(abs).max() ?? 0)
    let worst = zip(a, b).map { abs($0 - $1) }.max() ?? 0
    #expect(worst <= 1e-12 * scale, "\(what): largest difference \(worst)")
  }
}

/// The built libmlff: `$MLFF_LIBRARY` when set, else libmlff_c.so (libmlff_c.dylib) beside the
/// running test bundle in the build products folder (debug or release alike).
func libraryFolder() throws -> URL {
  let name = ProcessInfo.processInfo.environment["MLFF_LIBRARY"].flatMap { $0.isEmpty ? nil : $0 }
  var candidates: [URL] = []
  if let name { candidates.append(URL(fileURLWithPath: name)) }
  if let own = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
    candidates.append(URL(fileURLWithPath: own).deletingLastPathComponent().appendingPathComponent("libmlff_c.so"))
  }
  for bundle in Bundle.allBundles where bundle.bundlePath.hasSuffix(".xctest") {
    candidates.append(bundle.bundleURL.deletingLastPathComponent().appendingPathComponent("libmlff_c.dylib"))
  }
  for url in candidates where FileManager.default.fileExists(atPath: url.path) { return url.deletingLastPathComponent() }
  throw CProgramFailure("cannot find libmlff (looked at \(candidates.map(\.path).joined(separator: ", "))); `swift build` builds it, or set MLFF_LIBRARY")
}

struct CProgramFailure: Error, CustomStringConvertible {
  var description: String
  init(_ description: String) { self.description = description }
}

func temporaryFolder() throws -> URL {
  let url = FileManager.default.temporaryDirectory.appendingPathComponent("mlffc-\(UUID().uuidString)")
  try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
  return url
}

/// Compiles mlff_check.c with warnings as errors against the shipped header.
func compileCheckProgram(into folder: URL) throws -> URL {
  let library = try libraryFolder()
  let source = CProgramTests.repository.appendingPathComponent("Tests/MLFFCTests/Programs/mlff_check.c")
  let include = CProgramTests.repository.appendingPathComponent("include")
  let output = folder.appendingPathComponent("mlff_check")
  let compiler = try cCompiler()
  let run = try runProgram(URL(fileURLWithPath: "/usr/bin/env"), [
    compiler, "-std=c11", "-Wall", "-Wextra", "-Werror", "-pedantic", "-I", include.path, source.path,
    "-L", library.path, "-lmlff_c", "-Wl,-rpath," + library.path, "-lpthread", "-lm", "-o", output.path,
  ])
  guard run.status == 0 else { throw CProgramFailure("compiling mlff_check.c failed:\n\(run.output)") }
  return output
}

/// `$CC`, else `cc`, else the `clang` that comes with the Swift toolchain.
func cCompiler() throws -> String {
  if let cc = ProcessInfo.processInfo.environment["CC"], !cc.isEmpty { return cc }
  let path = (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":")
  for name in ["cc", "clang", "gcc"] {
    for folder in path where FileManager.default.isExecutableFile(atPath: "\(folder)/\(name)") { return name }
  }
  throw CProgramFailure("no C compiler found (looked for $CC, cc, clang and gcc on PATH); the Swift toolchain's clang will do")
}

/// Runs a program; stdout and stderr together.
func runProgram(_ executable: URL, _ arguments: [String], environment: [String: String] = [:]) throws -> (status: Int32, output: String) {
  let process = Process()
  process.executableURL = executable
  process.arguments = arguments
  process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
  let log = FileManager.default.temporaryDirectory.appendingPathComponent("mlffc-\(UUID().uuidString).log")
  _ = FileManager.default.createFile(atPath: log.path, contents: nil)
  defer { try? FileManager.default.removeItem(at: log) }
  let handle = try FileHandle(forWritingTo: log)
  process.standardOutput = handle
  process.standardError = handle
  try process.run()
  process.waitUntilExit()
  try handle.close()
  return (process.terminationStatus, (try? String(contentsOf: log, encoding: .utf8)) ?? "")
}
