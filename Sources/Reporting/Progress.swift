import Basics
import Foundation

/// A live progress line on standard error: done/total, rate and ETA.
///
///     label  120/500  24%  12.3 structures/s  ETA 00:31  loss 0.12
///
/// Redraws in place (`\r`) when standard error is a terminal, and prints a plain line at most
/// every `interval` seconds otherwise (log files, CI). Thread-safe.
public final class ProgressLine: Sendable {
  private let label: String
  private let total: Int?
  private let unit: String
  private let interval: Double
  private let start = Date()
  private let startCount: Int
  private let isTerminal = isatty(2) != 0
  /// What changes as the job runs; drawing happens under the same lock, so lines never interleave.
  private let state: Locked<State>

  private struct State {
    var done: Int
    var lastPrint = Date.distantPast
    var lastLine = ""
  }

  /// - Parameters:
  ///   - label: what is running ("label", "train", "md").
  ///   - total: the number of items when known.
  ///   - unit: the items' name, plural ("structures", "steps").
  ///   - alreadyDone: items finished before this run (a resumed job); the rate counts only new ones.
  ///   - interval: minimum seconds between lines when not on a terminal.
  public init(label: String, total: Int?, unit: String, alreadyDone: Int = 0, interval: Double = 5) {
    self.label = label
    self.total = total
    self.unit = unit
    self.state = Locked(State(done: alreadyDone))
    self.startCount = alreadyDone
    self.interval = interval
  }

  /// Elapsed seconds since the line was created.
  public var elapsed: Double { Date().timeIntervalSince(start) }

  /// Items per second since the line was created (new items only).
  public var rate: Double {
    state.withLock { state in
      let t = elapsed
      return t > 0 ? Double(state.done - startCount) / t : 0
    }
  }

  /// Records progress and redraws when due. - Parameter extra: trailing text such as a loss.
  public func update(done newDone: Int, extra: String = "") {
    state.withLock { state in
      state.done = newDone
      let now = Date()
      let due = now.timeIntervalSince(state.lastPrint) >= (isTerminal ? 0.2 : interval)
      guard due || (total != nil && state.done >= total!) else { return }
      state.lastPrint = now
      write(line(done: state.done, extra: extra), final: false, into: &state)
    }
  }

  /// Adds `count` items.
  public func advance(by count: Int = 1, extra: String = "") {
    let next = state.withLock { $0.done + count }
    update(done: next, extra: extra)
  }

  /// Prints the final line and a newline.
  public func finish(extra: String = "") {
    state.withLock { state in
      let text = line(done: state.done, extra: extra)
      // Off a terminal the last update may already have printed the finished line.
      if !isTerminal && text == state.lastLine { return }
      write(text, final: true, into: &state)
    }
  }

  private func line(done: Int, extra: String) -> String {
    let t = elapsed
    let r = t > 0 ? Double(done - startCount) / t : 0
    var parts = [label]
    if let total {
      parts.append("\(done)/\(total)")
      parts.append(String(format: "%3.0f%%", total > 0 ? 100 * Double(done) / Double(total) : 100))
    } else {
      parts.append("\(done)")
    }
    parts.append(String(format: "%.3g %@/s", r, unit))
    if let total, r > 0, done < total {
      parts.append("ETA " + formatDuration(Double(total - done) / r))
    } else {
      parts.append("elapsed " + formatDuration(t))
    }
    if !extra.isEmpty { parts.append(extra) }
    return parts.joined(separator: "  ")
  }

  private func write(_ text: String, final: Bool, into state: inout State) {
    state.lastLine = text
    let out = isTerminal ? "\r\u{1B}[K" + text + (final ? "\n" : "") : text + "\n"
    FileHandle.standardError.write(Data(out.utf8))
  }
}

/// "1:02:03" for hours, "02:03" for minutes and seconds.
public func formatDuration(_ seconds: Double) -> String {
  guard seconds.isFinite, seconds >= 0 else { return "--:--" }
  let s = Int(seconds.rounded())
  let h = s / 3600, m = (s % 3600) / 60, sec = s % 60
  return h > 0 ? String(format: "%d:%02d:%02d", h, m, sec) : String(format: "%02d:%02d", m, sec)
}
