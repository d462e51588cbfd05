import Atomistic
import Datasets
import Foundation
import Testing
@testable import Distillation

/// The scripts in examples/cluster, run as a user runs them (the Slurm array script as the
/// shell script it is, with the variables Slurm sets for each array task).
@Suite struct ClusterExampleTests {
  func runScript(_ script: String, _ arguments: [String], environment: [String: String], logs folder: URL) throws -> (status: Int32, output: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/bin/bash")
    process.arguments = [repositoryRoot().appendingPathComponent("examples/cluster/\(script)").path] + arguments
    process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
    process.currentDirectoryURL = folder
    let log = folder.appendingPathComponent("\(script)-\(UUID().uuidString).log")
    FileManager.default.createFile(atPath: log.path, contents: nil)
    let handle = try FileHandle(forWritingTo: log)
    process.standardOutput = handle
    process.standardError = handle
    try process.run()
    process.waitUntilExit()
    return (process.terminationStatus, (try? String(contentsOf: log, encoding: .utf8)) ?? "")
  }

  @Test func theShellLoopAndTheSlurmArrayLabelTheSameDataset() throws {
    let folder = try distillTemporaryFolder()
    defer { try? FileManager.default.removeItem(at: folder) }
    let seeds = try ExtXYZ.read(copperGoldSeeds())
    let input = folder.appendingPathComponent("candidates.xyz")
    try ExtXYZ.write(try sampleCandidates(from: seeds, options: SamplingOptions(count: 12, rattle: 0.05, seed: 2)), to: input)
    let mlff = try mlffBinary().path

    let loop = try runScript("label-shards.sh", [input.path, "3", "loop", "2", "--", "--teacher", "emt", "--python", testPython()],
                             environment: ["MLFF": mlff], logs: folder)
    #expect(loop.status == 0, "\(loop.output)")
    #expect(loop.output.contains("merged 3 shards: 12 of 12 input structures"), "\(loop.output)")

    for k in 0..<3 {
      let task = try runScript("label-array.slurm", [], environment: [
        "MLFF": mlff, "INPUT": input.path, "TEACHER": "emt", "OUT": "array",
        "SLURM_ARRAY_TASK_ID": "\(k)", "SLURM_ARRAY_TASK_MAX": "2", "MLFF_PYTHON": testPython(),
      ], logs: folder)
      #expect(task.status == 0, "task \(k): \(task.output)")
      #expect(task.output.contains("shard \(k)/3 of"), "\(task.output)")
    }
    let array = folder.appendingPathComponent("array")
    let shards = (0..<3).map { array.appendingPathComponent("shard-\($0).h5").path }
    let merge = try runDistill(["merge"] + shards + ["-o", array.appendingPathComponent("data.h5").path], logs: folder)
    #expect(merge.status == 0, "\(merge.stderr)")

    let a = try Dataset.read(folder.appendingPathComponent("loop/data.h5"))
    let b = try Dataset.read(array.appendingPathComponent("data.h5"))
    #expect(a.structures.count == 12)
    #expect(a.structures == b.structures)
    #expect(a.structures.map(\.positions) == (try ExtXYZ.read(input)).map(\.positions))
  }
}
