import Atomistic
import Foundation

/// One row of the MD log.
public struct MDLogRow: Sendable, Hashable {
  /// Step number.
  public var step: Int
  /// Simulated time, fs.
  public var time: Double
  /// Potential energy U, eV.
  public var potential: Double
  /// Kinetic energy K, eV.
  public var kinetic: Double
  /// U + K, eV.
  public var total: Double
  /// The integrator's conserved quantity, eV (= total for NVE and Langevin).
  public var conserved: Double
  /// Instantaneous temperature, K.
  public var temperature: Double
}

/// The MD log as CSV: `step,time_fs,potential_eV,kinetic_eV,total_eV,conserved_eV,temperature_K`.
public enum MDLog {
  /// The header line.
  public static let header = "step,time_fs,potential_eV,kinetic_eV,total_eV,conserved_eV,temperature_K"

  /// One CSV line (no newline), numbers with full round-trip precision.
  public static func line(_ row: MDLogRow) -> String {
    "\(row.step),\(row.time),\(row.potential),\(row.kinetic),\(row.total),\(row.conserved),\(row.temperature)"
  }

  /// Reads a log written by `line`; rows that cannot be parsed are reported with their line number.
  /// - Throws: `MDError.badLog` naming the file and line.
  public static func read(_ url: URL) throws -> [MDLogRow] {
    let text = try String(contentsOf: url, encoding: .utf8)
    var rows: [MDLogRow] = []
    for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
      if line.isEmpty || line.hasPrefix("step") { continue }
      let f = line.split(separator: ",").map { Double($0) }
      guard f.count == 7, f.allSatisfy({ $0 != nil }) else {
        throw MDError.badLog(file: url.path, line: number + 1, text: String(line))
      }
      rows.append(MDLogRow(step: Int(f[0]!), time: f[1]!, potential: f[2]!, kinetic: f[3]!,
                           total: f[4]!, conserved: f[5]!, temperature: f[6]!))
    }
    return rows
  }

  /// Rewrites the log keeping only rows with `step ≤ lastStep` (atomically).
  public static func truncate(_ url: URL, after lastStep: Int) throws {
    let rows = try read(url).filter { $0.step <= lastStep }
    try writeAtomically(([header] + rows.map(line)).joined(separator: "\n") + "\n", to: url)
  }
}

/// Errors of an MD run a user can act on.
public enum MDError: Error, CustomStringConvertible {
  /// A log line could not be parsed.
  case badLog(file: String, line: Int, text: String)
  /// The trajectory to resume from does not fit the input.
  case cannotResume(file: String, why: String)
  /// Anything else.
  case invalid(String)

  public var description: String {
    switch self {
    case .badLog(let file, let line, let text):
      return "\(file), line \(line): cannot read the MD log row '\(text)'; delete the log (and the trajectory) to start the run afresh"
    case .cannotResume(let file, let why):
      return "\(file): cannot resume from this trajectory: \(why); delete it or choose another -o to start afresh"
    case .invalid(let why):
      return why
    }
  }
}
