import Foundation
import Potentials

/// Why the teacher could not label a structure, or could not start.
public enum TeacherError: Error, CustomStringConvertible, Sendable, Equatable {
  /// The Python interpreter was not found at `path`.
  case interpreterNotFound(path: String)
  /// The worker did not come up: a missing package or weights, a bad model name, a crash on
  /// import. `message` is the worker's own explanation when it gave one.
  case startupFailed(teacher: String, message: String, stderrTail: [String])
  /// The teacher's calculator raised for this structure (the worker stays alive).
  case teacherRaised(message: String)
  /// The call took longer than the configured timeout; the worker was killed and restarted.
  case timedOut(seconds: Double)
  /// The worker process ended during the call, on every attempt.
  case workerDied(status: String, attempts: Int, stderrTail: [String])
  /// The worker wrote bytes that are not a protocol frame; it was killed and restarted.
  case brokenStream(detail: String, attempts: Int, stderrTail: [String])
  /// The structure at `index` (as handed to the pool) holds elements the teacher says it does
  /// not support; worded as every element check is (`PotentialError.unsupportedElements`).
  case unsupportedElements(index: Int, atomicNumbers: [Int], supported: [Int])
  /// The pool was closed before the structure was labelled.
  case closed

  public var description: String {
    switch self {
    case .interpreterNotFound(let path):
      return "the Python interpreter \(path) does not exist: run scripts/bootstrap (it makes .venv with "
        + "the teacher package), or give one with --python PATH or the MLFF_PYTHON environment variable"
    case .startupFailed(let teacher, let message, let tail):
      return "the teacher '\(teacher)' did not start: \(message)" + Self.quote(tail, unlessIn: message)
    case .teacherRaised(let message):
      return "the teacher raised: \(message)"
    case .timedOut(let seconds):
      return "timed out after \(Self.seconds(seconds)) s (the worker was killed and restarted; "
        + "raise the limit with --timeout)"
    case .workerDied(let status, let attempts, let tail):
      return "the worker process died (\(status)) on \(attempts == 1 ? "the only attempt" : "each of \(attempts) attempts")"
        + Self.quote(tail, unlessIn: "")
    case .brokenStream(let detail, let attempts, let tail):
      return "the worker wrote something that is not a protocol frame (\(detail)) on "
        + (attempts == 1 ? "the only attempt" : "each of \(attempts) attempts")
        + "; something in the teacher writes to the protocol stream" + Self.quote(tail, unlessIn: "")
    case .unsupportedElements(let index, let z, let supported):
      return PotentialError.unsupportedElements(index: index, atomicNumbers: z, supported: supported).description
    case .closed:
      return "the teacher pool was closed before this structure was labelled"
    }
  }

  private static func quote(_ tail: [String], unlessIn message: String) -> String {
    let lines = tail.filter { !$0.isEmpty && !message.contains($0) }
    guard !lines.isEmpty else { return "" }
    return "; the worker's last messages:\n    " + lines.joined(separator: "\n    ")
  }

  private static func seconds(_ value: Double) -> String {
    value == value.rounded() ? String(Int(value)) : String(format: "%g", value)
  }
}
