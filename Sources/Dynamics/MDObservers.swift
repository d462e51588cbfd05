import Atomistic
import Foundation

/// The stability monitor as an observer: answers `.unstable` on the first broken bond,
/// runaway temperature or non-finite number (see `StabilityMonitor.check`).
public final class StabilityObserver: MDObserver {
  /// The bonds and criteria watched.
  public let monitor: StabilityMonitor
  /// N_f of the temperature `T = 2K / (N_f k_B)`.
  public let degreesOfFreedom: Int

  /// - Parameters:
  ///   - monitor: bonds and criteria.
  ///   - degreesOfFreedom: N_f for the instantaneous temperature (K).
  public init(_ monitor: StabilityMonitor, degreesOfFreedom: Int) {
    self.monitor = monitor
    self.degreesOfFreedom = degreesOfFreedom
  }

  public func observe(_ state: MDState, step: Int) throws -> MDObservation {
    let t = temperature(state, degreesOfFreedom: degreesOfFreedom)
    return monitor.check(state, temperature: t).map { .unstable($0) } ?? .proceed
  }
}

/// Writes one `MDLog` row (`step,time_fs,potential_eV,kinetic_eV,total_eV,conserved_eV,
/// temperature_K`) every `interval` steps and at `lastStep`, appending to an open log.
public final class MDLogWriter: MDObserver {
  /// Steps between rows.
  public let interval: Int
  /// The run's last step, always logged.
  public let lastStep: Int
  /// N_f of the temperature.
  public let degreesOfFreedom: Int
  /// Gives the conserved quantity of each state, eV (`Integrator.conservedEnergy`).
  public let integrator: any Integrator
  private let handle: FileHandle

  /// - Parameters:
  ///   - url: the log, which must exist (with its header); rows are appended.
  ///   - interval: steps between rows; `lastStep` is always logged.
  ///   - degreesOfFreedom: N_f for the temperature (K).
  ///   - integrator: its conserved energy goes in the `conserved_eV` column.
  /// - Throws: `MDError.invalid` when the log cannot be opened for writing.
  public init(url: URL, interval: Int, lastStep: Int, degreesOfFreedom: Int, integrator: any Integrator) throws {
    guard let handle = FileHandle(forWritingAtPath: url.path) else {
      throw MDError.invalid("cannot open the log \(url.path) for writing; check the folder's permissions")
    }
    try handle.seekToEnd()
    self.handle = handle
    self.interval = max(1, interval)
    self.lastStep = lastStep
    self.degreesOfFreedom = degreesOfFreedom
    self.integrator = integrator
  }

  deinit { try? handle.close() }

  /// Appends the row of `state` whatever its step.
  public func write(_ state: MDState) throws {
    let k = state.kineticEnergy
    let row = MDLogRow(step: state.step, time: state.time, potential: state.potentialEnergy, kinetic: k,
                       total: k + state.potentialEnergy, conserved: integrator.conservedEnergy(state),
                       temperature: temperature(state, degreesOfFreedom: degreesOfFreedom))
    try handle.write(contentsOf: Data((MDLog.line(row) + "\n").utf8))
  }

  public func observe(_ state: MDState, step: Int) throws -> MDObservation {
    if step % interval == 0 || step == lastStep { try write(state) }
    return .proceed
  }

  /// Closes the log; later writes throw.
  public func close() throws { try handle.close() }
}

/// Writes a trajectory frame every `interval` steps and at `lastStep` (see
/// `MDSimulation.frameStructure` for what a frame holds).
public final class TrajectoryWriter: MDObserver {
  /// Steps between frames.
  public let interval: Int
  /// The run's last step, always written.
  public let lastStep: Int
  /// Step of the last frame written (the resumed step before any is written).
  public private(set) var lastWrittenStep: Int
  private let writer: ExtXYZWriter
  private let frame: (MDState) -> Structure

  /// - Parameters:
  ///   - url: the trajectory, appended to (created when missing).
  ///   - interval: steps between frames; `lastStep` is always written.
  ///   - lastWrittenStep: step of the frame already last in the file (0 for a new run).
  ///   - frame: the extxyz frame of a state.
  /// - Throws: `ExtXYZError` when the file cannot be opened.
  public init(url: URL, interval: Int, lastStep: Int, lastWrittenStep: Int,
              frame: @escaping (MDState) -> Structure) throws {
    writer = try ExtXYZWriter(url: url, append: true)
    self.interval = max(1, interval)
    self.lastStep = lastStep
    self.lastWrittenStep = lastWrittenStep
    self.frame = frame
  }

  /// Appends the frame of `state` whatever its step.
  public func write(_ state: MDState) throws {
    try writer.write(frame(state))
    lastWrittenStep = state.step
  }

  public func observe(_ state: MDState, step: Int) throws -> MDObservation {
    if step % interval == 0 || step == lastStep { try write(state) }
    return .proceed
  }

  /// Closes the file; later writes throw.
  public func close() throws { try writer.close() }
}

/// An observer made of a closure: a progress line, a sampler's snapshots, a time budget.
public final class MDClosureObserver: MDObserver {
  private let body: (MDState, Int) throws -> MDObservation

  /// - Parameter body: receives each state and its step; returns what the loop should do.
  public init(_ body: @escaping (MDState, Int) throws -> MDObservation) {
    self.body = body
  }

  public func observe(_ state: MDState, step: Int) throws -> MDObservation {
    try body(state, step)
  }
}
