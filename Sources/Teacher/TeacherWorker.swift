import Atomistic
import Foundation
import Potentials

/// One teacher worker: a `python -m mlff_teacher serve` process and its protocol session.
final class TeacherWorker: Sendable {
  let process: WorkerProcess
  let stderr: StderrTail
  let identity: TeacherIdentity

  /// What happened to one request.
  enum Outcome {
    case results(Results)
    /// The calculator raised; the worker is still healthy.
    case teacherRaised(String)
    /// No reply within the timeout; the worker must be killed.
    case timedOut
    /// The process ended; `status` describes how.
    case died(status: String)
    /// The reply was not a protocol frame; the worker must be killed.
    case brokenStream(String)
  }

  /// Spawns a worker and waits for its hello.
  /// - Throws: `TeacherError.startupFailed` with the worker's message and stderr tail.
  init(configuration: TeacherConfiguration, python: String, slot: Int) throws {
    let threads = configuration.threadsPerWorker
      ?? max(1, ProcessInfo.processInfo.activeProcessorCount / max(1, configuration.workers))
    var arguments = [python, "-m", "mlff_teacher", "serve", "--model", configuration.model, "--threads", String(threads)]
    if let device = configuration.device { arguments += ["--device", device] }

    var environment = ProcessInfo.processInfo.environment
    for (key, value) in configuration.environment { environment[key] = value }
    for key in ["OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"] where environment[key] == nil {
      environment[key] = String(threads)
    }
    environment["PYTHONUNBUFFERED"] = "1"
    if let folder = PythonInterpreter.teacherPackageFolder(near: python) {
      environment["PYTHONPATH"] = [environment["PYTHONPATH"], folder].compactMap { $0 }.filter { !$0.isEmpty }
        .joined(separator: ":")
    }

    let name = configuration.model
    process = try WorkerProcess(arguments: arguments, environment: environment, label: name)
    stderr = StderrTail(fd: process.stderrFD, echoPrefix: configuration.echoWorkerStderr ? "[\(name) \(slot)] " : nil)
    let deadline = Date().addingTimeInterval(configuration.startupTimeout)
    do {
      let header = try process.read(TeacherFrames.headerSize, before: deadline)
      let (kind, length) = try TeacherFrames.parseHeader(header)
      let payload = try process.read(length, before: deadline)
      switch kind {
      case .hello:
        identity = try TeacherFrames.decodeHello(payload)
      case .startupError:
        process.kill()
        throw TeacherError.startupFailed(teacher: name, message: String(decoding: payload, as: UTF8.self), stderrTail: [])
      default:
        throw FrameError("frame kind \(kind) before the hello")
      }
    } catch let error as TeacherError {
      throw error
    } catch let failure as WorkerProcess.IOFailure {
      let message: String
      switch failure {
      case .timedOut:
        process.kill()
        message = "no hello within \(Int(configuration.startupTimeout)) s (loading the model took too long, or it hangs)"
      case .endOfFile:
        let status = process.exitStatus(waitingUpTo: 5)
        message = "the worker exited before saying hello (\(WorkerProcess.describe(status))); check that \(python) "
          + "can import mlff_teacher (scripts/bootstrap installs it)"
      case .failed(let why):
        process.kill()
        message = "reading from the worker failed: \(why)"
      }
      throw TeacherError.startupFailed(teacher: name, message: message, stderrTail: stderr.tail(waitingUpTo: 2))
    } catch let error as FrameError {
      process.kill()
      throw TeacherError.startupFailed(teacher: name, message: "the worker's first reply is not a protocol frame (\(error.detail))",
                                       stderrTail: stderr.tail(waitingUpTo: 2))
    }
  }

  /// Sends one structure and waits for the reply, at most `timeout` seconds in all.
  func evaluate(_ structure: Structure, _ properties: PropertySet, timeout: Double) -> Outcome {
    let deadline = Date().addingTimeInterval(timeout)
    do {
      try process.write(TeacherFrames.request(structure, properties), before: deadline)
      let header = try process.read(TeacherFrames.headerSize, before: deadline)
      let (kind, length) = try TeacherFrames.parseHeader(header)
      let payload = try process.read(length, before: deadline)
      switch kind {
      case .result: return .results(try TeacherFrames.decodeResult(payload, nAtoms: structure.count, probeCount: structure.hessianProbes?.count ?? 0))
      case .error: return .teacherRaised(String(decoding: payload, as: UTF8.self))
      default: return .brokenStream("a frame of kind \(kind) where a result was expected")
      }
    } catch let failure as WorkerProcess.IOFailure {
      switch failure {
      case .timedOut: return .timedOut
      case .endOfFile: return .died(status: WorkerProcess.describe(process.exitStatus(waitingUpTo: 5)))
      case .failed(let why): return .brokenStream("I/O error: \(why)")
      }
    } catch let error as FrameError {
      return .brokenStream(error.detail)
    } catch {
      return .brokenStream("\(error)")
    }
  }

  /// Largest request sent ahead of a reply (`send`): two such requests fit in a pipe's buffer
  /// (64 KiB on Linux), so neither side ever blocks on a write while the other waits to read.
  static let largestQueuedRequest = 16 << 10

  /// Sends one request without waiting for its reply (for queueing the next structure while
  /// the teacher computes the current one); `receive` then reads the replies in order.
  /// - Returns: false when the request is larger than `largestQueuedRequest` or the write
  ///   failed (nothing was queued that the worker would answer; an unfinished write breaks the
  ///   stream, so the caller retires the worker when it is not the size).
  func send(_ structure: Structure, _ properties: PropertySet) -> (sent: Bool, tooLarge: Bool) {
    let request = TeacherFrames.request(structure, properties)
    guard request.count <= Self.largestQueuedRequest else { return (false, true) }
    do {
      try process.write(request, before: Date().addingTimeInterval(5))
      return (true, false)
    } catch {
      return (false, false)
    }
  }

  /// Waits for the reply to the oldest request sent with `send`, at most `timeout` seconds
  /// from now (the teacher starts on a queued request when it has answered the one before).
  func receive(atomCount: Int, timeout: Double) -> Outcome {
    let deadline = Date().addingTimeInterval(timeout)
    do {
      let header = try process.read(TeacherFrames.headerSize, before: deadline)
      let (kind, length) = try TeacherFrames.parseHeader(header)
      let payload = try process.read(length, before: deadline)
      switch kind {
      case .result: return .results(try TeacherFrames.decodeResult(payload, nAtoms: atomCount))
      case .error: return .teacherRaised(String(decoding: payload, as: UTF8.self))
      default: return .brokenStream("a frame of kind \(kind) where a result was expected")
      }
    } catch let failure as WorkerProcess.IOFailure {
      switch failure {
      case .timedOut: return .timedOut
      case .endOfFile: return .died(status: WorkerProcess.describe(process.exitStatus(waitingUpTo: 5)))
      case .failed(let why): return .brokenStream("I/O error: \(why)")
      }
    } catch let error as FrameError {
      return .brokenStream(error.detail)
    } catch {
      return .brokenStream("\(error)")
    }
  }

  /// Stops the worker now (SIGKILL).
  func kill() { process.kill() }

  /// Asks the worker to exit (end of file on stdin), then kills it if it has not within `grace` s.
  func stop(grace: Double = 2) {
    process.closeStdin()
    if process.exitStatus(waitingUpTo: grace) == nil { process.kill() }
  }
}
