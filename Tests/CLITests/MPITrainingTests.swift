import Atomistic
import Foundation
import PaiNN
import Testing
import Training

/// `mpirun -n 2 mlff train`: data-parallel training on one machine. Runs when `mpirun` is on
/// PATH (scripts/bootstrap --mpi installs Open MPI; `make test` does); skipped, saying so,
/// otherwise.
/// The `mpirun` on PATH, if any.
let mpirunOnPath: URL? = {
  for folder in (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":") {
    let candidate = URL(fileURLWithPath: String(folder)).appendingPathComponent("mpirun")
    if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
  }
  return nil
}()

@Suite(.serialized, .enabled(if: mpirunOnPath != nil, "mpirun is not on PATH: install Open MPI (scripts/bootstrap --mpi) to run the MPI tests"))
struct MPITrainingTests {
  static var mpirun: URL? { mpirunOnPath }

  /// Open MPI refuses root without these (CI machines and containers run as root), and 2
  /// ranks may be more than the cores it counts (--oversubscribe).
  static let environment = ["OMPI_ALLOW_RUN_AS_ROOT": "1", "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM": "1"]

  /// `mpirun -n ranks mlff arguments…`, started (not waited for); output in `folder`.
  static func startMPI(_ ranks: Int, _ arguments: [String], folder: URL) throws -> (Process, URL) {
    let process = Process()
    process.executableURL = mpirun!
    process.arguments = ["-n", "\(ranks)", "--oversubscribe", try mlffExecutable().path] + arguments
    process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
    let log = folder.appendingPathComponent("mpirun-\(UUID().uuidString).log")
    FileManager.default.createFile(atPath: log.path, contents: nil)
    let handle = try FileHandle(forWritingTo: log)
    process.standardOutput = handle
    process.standardError = handle
    process.standardInput = FileHandle.nullDevice
    try process.run()
    return (process, log)
  }

  /// 16 labelled frames of Morse copper MD (8 atoms each).
  func labels(in folder: URL) throws -> URL {
    let seed = folder.appendingPathComponent("seed.xyz"), labels = folder.appendingPathComponent("labels.xyz")
    try ExtXYZ.write([TrainEvalCommandTests.copper()], to: seed)
    let md = try runMLFF(["md", seed.path, "--potential", "morse", "--ensemble", "nvt", "--temperature", "900", "--timestep", "2",
                          "--steps", "300", "--every", "20", "-o", labels.path, "--quiet"])
    #expect(md.status == 0, "\(md.stderr)")
    return labels
  }

  /// Largest |a − b| over every weight, and the largest |a|.
  func difference(_ a: [[Double]], _ b: [[Double]]) -> (difference: Double, scale: Double) {
    var d = 0.0, s = 0.0
    for (x, y) in zip(a, b) {
      precondition(x.count == y.count)
      for (u, v) in zip(x, y) { d = max(d, abs(u - v)); s = max(s, abs(u)) }
    }
    return (d, s)
  }

  /// The weights after 6 steps (2 epochs of 3 batches of 4) on 2 ranks equal those of one
  /// process computing the same batch in 2 parts: rank r computes part r, and the allreduce
  /// of two numbers is a + b = b + a, so the sum is the one-process sum. Tolerance: 1e-12 of
  /// the largest weight (in practice equal to the bit); with R > 2 MPI's summation order
  /// differs from the rank order, so a few ulps per step are possible there.
  @Test func twoRanksGiveTheWeightsOfOneProcessWithTheSameGlobalBatch() throws {
    let folder = try cliTemporaryFolder()
    defer { try? FileManager.default.removeItem(at: folder) }
    let data = try labels(in: folder)
    let common = [data.path, "--preset", "tiny", "--split", "0.75,0.25", "--batch-size", "4", "--epochs", "2", "--seed", "5", "--quiet"]
    let single = folder.appendingPathComponent("single"), parallel = folder.appendingPathComponent("parallel")
    let one = try runMLFF(["train"] + common + ["-o", single.path, "--threads", "2"])
    #expect(one.status == 0, "\(one.stderr)")

    let (process, log) = try Self.startMPI(2, ["train"] + common + ["-o", parallel.path, "--threads", "1"], folder: folder)
    process.waitUntilExit()
    let output = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
    #expect(process.terminationStatus == 0, "\(output)")
    #expect(output.contains("data-parallel training on 2 ranks"), "\(output)")
    #expect(output.components(separatedBy: "stopped (").count == 2, "only rank 0 reports: \(output)")

    let a = try Checkpoint(contentsOf: single.appendingPathComponent("checkpoint_last.safetensors"))
    let b = try Checkpoint(contentsOf: parallel.appendingPathComponent("checkpoint_last.safetensors"))
    #expect(a.state.step == 6 && b.state.step == 6)
    let weights = difference(a.model.weights.flattened, b.model.weights.flattened)
    let average = difference(a.average, b.average)
    let moments = difference(a.optimizer.secondMoments, b.optimizer.secondMoments)
    print("mpirun -n 2 against one process after 6 steps: largest weight difference \(weights.difference) (largest weight \(weights.scale)), EMA \(average.difference), second moments \(moments.difference)")
    #expect(weights.difference <= 1e-12 * weights.scale)
    #expect(average.difference <= 1e-12 * average.scale)
    #expect(moments.difference <= 1e-12 * max(moments.scale, 1e-300))
    // Only rank 0 wrote files, and they are all there.
    for file in ["model.safetensors", "checkpoint_best.safetensors", "metrics.jsonl", "config.json"] {
      #expect(FileManager.default.fileExists(atPath: parallel.appendingPathComponent(file).path), "\(file)")
    }
  }

  /// The process ids of the ranks of a job writing into `folder` (found by its command line).
  func rankProcesses(of folder: URL) -> [Int32: Int] {
    var ranks: [Int32: Int] = [:]
    guard let entries = try? FileManager.default.contentsOfDirectory(atPath: "/proc") else { return [:] }
    for entry in entries {
      guard let pid = Int32(entry),
            let command = try? Data(contentsOf: URL(fileURLWithPath: "/proc/\(entry)/cmdline")),
            String(decoding: command, as: UTF8.self).contains(folder.path),
            let environ = try? Data(contentsOf: URL(fileURLWithPath: "/proc/\(entry)/environ")) else { continue }
      for variable in String(decoding: environ, as: UTF8.self).split(separator: "\0") where variable.hasPrefix("OMPI_COMM_WORLD_RANK=") {
        ranks[pid] = Int(variable.dropFirst("OMPI_COMM_WORLD_RANK=".count))
      }
    }
    return ranks
  }

  @Test func killingOneRankEndsTheJobWithAMessageAndTheCheckpointContinuesOnOneRank() throws {
    let folder = try cliTemporaryFolder()
    defer { try? FileManager.default.removeItem(at: folder) }
    let data = try labels(in: folder)
    let run = folder.appendingPathComponent("run")
    let common = [data.path, "-o", run.path, "--preset", "tiny", "--split", "0.75,0.25", "--batch-size", "4"]
    let (process, log) = try Self.startMPI(2, ["train"] + common + ["--epochs", "100000", "--threads", "1", "--quiet"], folder: folder)
    let checkpoint = run.appendingPathComponent("checkpoint_last.safetensors")
    let deadline = Date().addingTimeInterval(120)
    while !FileManager.default.fileExists(atPath: checkpoint.path) && Date() < deadline && process.isRunning {
      Thread.sleep(forTimeInterval: 0.1)
    }
    #expect(FileManager.default.fileExists(atPath: checkpoint.path), "no checkpoint: \((try? String(contentsOf: log, encoding: .utf8)) ?? "")")
    let ranks = rankProcesses(of: run)
    guard let victim = ranks.first(where: { $0.value == 1 })?.key else {
      process.terminate()
      Issue.record("rank 1 not found among \(ranks)")
      return
    }
    kill(victim, SIGKILL)
    let stopped = Date().addingTimeInterval(60)
    while process.isRunning && Date() < stopped { Thread.sleep(forTimeInterval: 0.1) }
    if process.isRunning { process.terminate() }
    process.waitUntilExit()
    let output = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
    print("mpirun after rank 1 was killed:\n\(output)")
    #expect(process.terminationStatus != 0)
    #expect(output.contains("rank 1") && output.contains("signal 9"), "mpirun's own message: \(output)")
    #expect(output.contains("mlff train (rank 0 of 2): stopped by signal") && output.contains("run the same command again"), "\(output)")
    #expect(rankProcesses(of: run).isEmpty, "a rank is still running")

    // The checkpoint is whole, and one process continues from it.
    let saved = try Checkpoint(contentsOf: checkpoint)
    let again = try runMLFF(["train"] + common + ["--epochs", "\(saved.state.epoch + 1)", "--threads", "1"])
    #expect(again.status == 0, "\(again.stderr)")
    #expect(again.stderr.contains("continuing the run in \(run.path)"), "\(again.stderr)")
    #expect(try Checkpoint(contentsOf: checkpoint).state.epoch == saved.state.epoch + 1)
  }
}
