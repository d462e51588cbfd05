import ArgumentParser
import Atomistic
import Foundation
#if canImport(Glibc)
import Glibc
#endif

extension MLFF.Bench {
  /// `mlff bench label`: teacher labelling throughput through `mlff label` (1 and 2 workers)
  /// next to the same ASE calculator called in a plain Python loop, in the same run.
  struct Label: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "label",
      abstract: "Labelling throughput of `mlff label` next to a plain Python loop over the same calculator.",
      usage: "mlff bench label [<options>]",
      discussion: """
        Writes N rattled structures (Cu fcc 2×2×2, 32 atoms, for emt; Si diamond 2×1×1, 16 atoms, otherwise), times scripts/bench/label_python_loop.py on them, then `mlff label` with each worker count. Both figures exclude loading the model: the loop's is timed after the calculator is made, and `mlff label` reports the time from its workers being ready to the last structure (which includes its journal writes).
        """)

    @Option(help: "Teacher name (emt, chgnet, sevennet-0, …).")
    var teacher = "emt"

    @Option(help: "Number of structures.")
    var structures = 200

    @Option(help: ArgumentHelp("Worker counts to time, comma-separated.", valueName: "n,n,…"))
    var workers = CommaSeparated<Int>([1, 2])

    @Option(help: "Python interpreter for both sides (default: $MLFF_PYTHON, else .venv/bin/python).")
    var python: String?

    func validate() throws {
      guard structures >= 1 else { throw ValidationError("--structures must be at least 1, got \(structures)") }
      guard workers.values.allSatisfy({ $0 >= 1 }) else {
        throw ValidationError("--workers takes positive worker counts separated by commas, e.g. 1,2; got '\(workers.defaultValueDescription)'")
      }
    }

    func run() throws {
      let folder = FileManager.default.temporaryDirectory.appendingPathComponent("mlff-bench-label-\(getpid())")
      try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
      defer { try? FileManager.default.removeItem(at: folder) }
      let input = folder.appendingPathComponent("input.xyz")
      try ExtXYZ.write(makeStructures(), to: input)
      let interpreter = try python ?? resolvedPython()
      let repository = URL(fileURLWithPath: interpreter).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
      let script = repository.appendingPathComponent("scripts/bench/label_python_loop.py").path

      let loop = try runProcess(interpreter, [script, input.path, "--model", teacher])
      guard let line = loop.split(separator: "\n").last(where: { $0.hasPrefix("{") }),
            let json = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
            let loopSeconds = json["seconds"] as? Double else {
        throw CommandFailure("the Python loop did not print its timing:\n\(loop)")
      }
      let loopRate = Double(structures) / loopSeconds
      print("teacher \(teacher), \(structures) structures, \(ProcessInfo.processInfo.activeProcessorCount) cores")
      print(String(format: "%-28@ %10.1f structures/s  (%.2f s)  load %@", "python loop (peer)" as NSString, loopRate, loopSeconds,
                   loadAverage() as NSString))

      let executable = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().path
      for count in workers.values {
        let output = folder.appendingPathComponent("w\(count).h5")
        let text = try runProcess(executable, ["label", input.path, "-o", output.path, "--teacher", teacher,
                                               "--workers", String(count), "--python", interpreter])
        guard let range = text.range(of: "labelling took "),
              let seconds = Double(text[range.upperBound...].prefix(while: { $0.isNumber || $0 == "." })) else {
          throw CommandFailure("mlff label did not report its time:\n\(text)")
        }
        let rate = Double(structures) / seconds
        print(String(format: "%-28@ %10.1f structures/s  (%.2f s)  %.2fx the loop  load %@",
                     "mlff label --workers \(count)" as NSString, rate, seconds, rate / loopRate, loadAverage() as NSString))
      }
    }

    /// The 1-minute load average after a row, so that a figure taken on a busy machine says so.
    private func loadAverage() -> String {
      var loads = [Double](repeating: 0, count: 3)
      guard getloadavg(&loads, 3) == 3 else { return "unknown" }
      return String(format: "%.1f", loads[0])
    }

    private func resolvedPython() throws -> String {
      if let variable = ProcessInfo.processInfo.environment["MLFF_PYTHON"] { return variable }
      return FileManager.default.currentDirectoryPath + "/.venv/bin/python"
    }

    private func makeStructures() -> [Structure] {
      var generator = SystemRandomNumberGenerator()
      let copper = teacher == "emt" || teacher == "lj"
      let a = copper ? 3.61 : 5.43
      let basis: [SIMD3<Double>] = copper
        ? [SIMD3(0, 0, 0), SIMD3(0.5, 0.5, 0), SIMD3(0.5, 0, 0.5), SIMD3(0, 0.5, 0.5)]
        : [SIMD3(0, 0, 0), SIMD3(0.5, 0.5, 0), SIMD3(0.5, 0, 0.5), SIMD3(0, 0.5, 0.5),
           SIMD3(0.25, 0.25, 0.25), SIMD3(0.75, 0.75, 0.25), SIMD3(0.75, 0.25, 0.75), SIMD3(0.25, 0.75, 0.75)]
      let repeats = copper ? SIMD3(2, 2, 2) : SIMD3(2, 1, 1)
      var positions: [SIMD3<Double>] = []
      for i in 0..<repeats.x { for j in 0..<repeats.y { for k in 0..<repeats.z {
        for b in basis { positions.append((b + SIMD3(Double(i), Double(j), Double(k))) * a) }
      } } }
      let cell = Cell(a1: SIMD3(a * Double(repeats.x), 0, 0), a2: SIMD3(0, a * Double(repeats.y), 0),
                      a3: SIMD3(0, 0, a * Double(repeats.z)))
      return (0..<structures).map { _ in
        let rattled = positions.map { $0 + SIMD3(Double.random(in: -0.1...0.1, using: &generator),
                                                  Double.random(in: -0.1...0.1, using: &generator),
                                                  Double.random(in: -0.1...0.1, using: &generator)) }
        return Structure(atomicNumbers: Array(repeating: copper ? 29 : 14, count: positions.count),
                         positions: rattled, cell: cell, pbc: [true, true, true])
      }
    }

    private func runProcess(_ executable: String, _ arguments: [String]) throws -> String {
      let process = Process()
      process.executableURL = URL(fileURLWithPath: executable)
      process.arguments = arguments
      let output = Pipe()
      process.standardOutput = output
      try process.run()
      let data = output.fileHandleForReading.readDataToEndOfFile()
      process.waitUntilExit()
      let text = String(decoding: data, as: UTF8.self)
      guard process.terminationStatus == 0 else {
        throw CommandFailure("\(executable) \(arguments.joined(separator: " ")) failed (status \(process.terminationStatus)):\n\(text)")
      }
      return text
    }
  }
}
