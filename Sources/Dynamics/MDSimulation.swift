import Atomistic
import Foundation
import Potentials
import Reporting

/// What an MD run does besides integrating: how long, how often to write, what to watch.
public struct MDRunOptions: Sendable {
  /// Total number of steps of the run (a resumed run continues up to this count).
  public var steps: Int
  /// Write a trajectory frame every k steps (and at the last step).
  public var trajectoryInterval: Int
  /// Write a log row every k steps.
  public var logInterval: Int
  /// Temperature of the initial Maxwell–Boltzmann velocities, K (ignored when the input frame
  /// carries a `velocities` array and `useInputVelocities` is set).
  public var initialTemperature: Double
  /// Take initial velocities (Å/fs) from the input frame's `velocities` array when present.
  public var useInputVelocities: Bool
  /// Seed of the initial velocities (the integrator has its own).
  public var seed: UInt64
  /// Atoms held in place (0-based indices).
  public var fixed: Set<Int>
  /// When the run counts as unstable.
  public var criteria: StabilityCriteria
  /// The bonds the stability monitor watches, with their reference lengths (Å); nil: the bonds
  /// of the initial structure at their initial lengths.
  public var bonds: [Bond]?
  /// Range of the radial distribution function, Å.
  public var rdfMaxDistance: Double
  /// Number of RDF bins.
  public var rdfBins: Int
  /// A reference trajectory (e.g. the teacher's) whose RDF is compared with this run's.
  public var referenceTrajectory: URL?
  /// Continue from the last frame of an existing trajectory.
  public var resume: Bool
  /// Show a progress line on standard error.
  public var showProgress: Bool

  /// - Parameters: see the properties (steps, intervals in steps; temperature K; distances Å).
  public init(steps: Int, trajectoryInterval: Int = 100, logInterval: Int = 10, initialTemperature: Double = 300,
              useInputVelocities: Bool = true, seed: UInt64 = 1, fixed: Set<Int> = [],
              criteria: StabilityCriteria = .init(), rdfMaxDistance: Double = 6, rdfBins: Int = 120,
              referenceTrajectory: URL? = nil, resume: Bool = true, showProgress: Bool = true) {
    self.steps = steps
    self.trajectoryInterval = max(1, trajectoryInterval)
    self.logInterval = max(1, logInterval)
    self.initialTemperature = initialTemperature
    self.useInputVelocities = useInputVelocities
    self.seed = seed
    self.fixed = fixed
    self.criteria = criteria
    self.rdfMaxDistance = rdfMaxDistance
    self.rdfBins = rdfBins
    self.referenceTrajectory = referenceTrajectory
    self.resume = resume
    self.showProgress = showProgress
  }
}

/// Runs molecular dynamics with any `Potential` and `Integrator`, writing a trajectory, a log,
/// a JSON report and plots; stops cleanly on instability; resumes from the last frame.
///
/// The steps are `runMolecularDynamics` with these observers, in order: the extra `observers`,
/// the `StabilityObserver`, the `MDLogWriter`, the `TrajectoryWriter` and the progress line.
///
/// Trajectory frames (extxyz) carry positions (Å, unwrapped), `velocities` (Å/fs), `forces`
/// (eV/Å), `energy` (potential, eV) and info `md_step`, `time` (fs), `temperature` (K),
/// `kinetic_energy` (eV), plus `nhc_xi`/`nhc_vxi` for a Nosé–Hoover chain. Numbers are written
/// with round-trip precision, so a resumed run continues bit for bit: exactly for NVE and
/// Nosé–Hoover, and for Langevin too because its noise is a function of (seed, step).
public final class MDSimulation {
  /// Gives energies (eV) and forces (eV/Å).
  public let potential: any Potential
  /// Advances the state by one timestep.
  public let integrator: any Integrator
  /// The starting structure; also the reference for bonds.
  public let initial: Structure
  /// Length, output intervals, stability criteria.
  public let options: MDRunOptions
  /// The files written.
  public let outputs: MDOutputs
  /// Extra observers (e.g. a `CommitteeDeviationLog`): they see every state the potential
  /// evaluated, the initial one of a new run included, before the stability check, so a state
  /// that turns out unstable is still seen.
  public let observers: [any MDObserver]

  /// - Parameters:
  ///   - potential: gives energies and forces.
  ///   - integrator: advances the state (VelocityVerlet, LangevinBAOAB, NoseHooverChain).
  ///   - initial: the starting structure, positions Å.
  ///   - options: length, output intervals, stability criteria.
  ///   - outputs: file names (from the trajectory's).
  ///   - observers: extra observers, shown each state first.
  public init(potential: any Potential, integrator: any Integrator, initial: Structure, options: MDRunOptions,
              outputs: MDOutputs, observers: [any MDObserver] = []) {
    self.observers = observers
    self.potential = potential
    self.integrator = integrator
    self.initial = initial
    self.options = options
    self.outputs = outputs
  }

  /// Runs (or resumes) the simulation and writes every output.
  /// - Returns: the report also written to `outputs.report`.
  /// - Throws: `MDError` and file errors a user can act on; a potential that fails during the
  ///   run does not throw but ends the run with status `.failed`.
  public func run() throws -> MDReport {
    let monitor = try options.bonds.map { StabilityMonitor(bonds: $0, criteria: options.criteria) }
      ?? StabilityMonitor(reference: initial, criteria: options.criteria)
    var state: MDState
    var resumedFrom = 0
    if options.resume, let last = try lastFrame() {
      state = try stateFromFrame(last)
      resumedFrom = state.step
      try MDLog.truncate(outputs.log, after: state.step)
      try integrator.prepare(&state, potential: potential)
    } else {
      state = MDState(structure: initial, fixed: options.fixed)
      if options.useInputVelocities, case .doubles(3, let v)? = initial.arrays["velocities"], v.count == 3 * initial.count {
        state.velocities = (0..<initial.count).map { options.fixed.contains($0) ? .zero : SIMD3(v[3 * $0], v[3 * $0 + 1], v[3 * $0 + 2]) }
      } else {
        initializeMaxwellBoltzmann(&state, temperature: options.initialTemperature, seed: options.seed)
      }
      try integrator.prepare(&state, potential: potential)
      try writeAtomically(MDLog.header + "\n", to: outputs.log)
      _ = try ExtXYZWriter(url: outputs.trajectory, append: false)  // start an empty trajectory
    }
    let nf = degreesOfFreedom(state, conservesMomentum: integrator.conservesMomentum)
    let trajectory = try TrajectoryWriter(
      url: outputs.trajectory, interval: options.trajectoryInterval, lastStep: options.steps,
      lastWrittenStep: resumedFrom) { [self] in frameStructure($0, degreesOfFreedom: nf) }
    let log = try MDLogWriter(url: outputs.log, interval: options.logInterval, lastStep: options.steps,
                              degreesOfFreedom: nf, integrator: integrator)
    defer { try? log.close(); try? trajectory.close() }
    let stability = StabilityObserver(monitor, degreesOfFreedom: nf)
    if resumedFrom == 0 {
      // The initial state is shown to the extra observers as the potential just evaluated it
      // (a resumed run's first state was already seen by the run that wrote it).
      for observer in observers { _ = try observer.observe(state, step: state.step) }
      if case .unstable(.nonFinite) = try stability.observe(state, step: state.step) {
        throw MDError.invalid("the potential gives non-finite energy or forces for the initial structure; check the structure (overlapping atoms?) and the model")
      }
      try log.write(state)
      try trajectory.write(state)
    }

    let progress = options.showProgress
      ? ProgressLine(label: "md", total: options.steps, unit: "steps", alreadyDone: resumedFrom) : nil
    let progressObserver = progress.map { progress in
      MDClosureObserver { [integrator] s, step in
        let nsPerDay = progress.rate * integrator.timestep * 86400 / 1e6
        progress.update(done: step, extra: String(format: "T %.0f K  E %.4f eV  %.3g ns/day", temperature(s, degreesOfFreedom: nf),
                                                  s.kineticEnergy + s.potentialEnergy, nsPerDay))
        return .proceed
      }
    }
    let start = Date()
    let end = try runMolecularDynamics(
      &state, integrator: integrator, potential: potential, until: options.steps,
      observers: observers + [stability, log, trajectory] + (progressObserver.map { [$0] } ?? []))
    let failure: MDReport.Failure?
    let status: MDStatus
    switch end {
    case .completed:
      status = .stable
      failure = nil
    case .unstable(let violation, let bad):
      status = .unstable
      failure = .init(kind: MDFailureKind(violation), message: violation.description, step: bad.step,
                      time: bad.time, lastGoodStep: state.step)
    case .potentialFailed(let error, let step):
      status = .failed
      failure = .init(kind: .potentialError, message: "\(error)", step: step,
                      time: state.time + integrator.timestep, lastGoodStep: state.step)
    }
    // The last good state ends the trajectory and the log of a run that stopped early.
    if failure != nil && state.step != trajectory.lastWrittenStep {
      try log.write(state)
      try trajectory.write(state)
    }
    progress?.finish(extra: failure.map { "stopped: \($0.message)" } ?? "")
    let wall = Date().timeIntervalSince(start)
    let stepsRun = state.step - resumedFrom
    try? trajectory.close()
    try? log.close()
    return try writeReport(status: status, failure: failure, finalStep: state.step, finalTime: state.time,
                           degreesOfFreedom: nf, bonds: monitor.bonds.count, resumedFrom: resumedFrom,
                           stepsPerSecond: wall > 0 ? Double(stepsRun) / wall : 0)
  }

  /// The frame written to the trajectory for a state.
  func frameStructure(_ s: MDState, degreesOfFreedom nf: Int) -> Structure {
    var frame = s.structure
    frame.energy = s.potentialEnergy
    frame.forces = s.forces
    frame.info = initial.info
    frame.info["md_step"] = .int(s.step)
    frame.info["time"] = .double(s.time)
    frame.info["temperature"] = .double(temperature(s, degreesOfFreedom: nf))
    frame.info["kinetic_energy"] = .double(s.kineticEnergy)
    if !s.thermostatPositions.isEmpty {
      frame.info["nhc_xi"] = .doubles(s.thermostatPositions)
      frame.info["nhc_vxi"] = .doubles(s.thermostatVelocities)
    }
    frame.arrays = [:]
    frame.arrays["velocities"] = .doubles(columns: 3, values: s.velocities.flatMap { [$0.x, $0.y, $0.z] })
    return frame
  }

  /// The last complete frame of an existing trajectory, or nil when there is none. A damaged
  /// last frame (a run killed while writing) is dropped and the file rewritten without it.
  func lastFrame() throws -> Structure? {
    let url = outputs.trajectory
    guard FileManager.default.fileExists(atPath: url.path),
          FileManager.default.fileExists(atPath: outputs.log.path) else { return nil }
    let reader = try ExtXYZReader(url: url)
    defer { reader.close() }
    var frames: [Structure] = []
    var damaged = false
    while true {
      do {
        guard let s = try reader.next() else { break }
        frames.append(s)
      } catch {
        damaged = true
        break
      }
    }
    if damaged { try ExtXYZ.write(frames, to: url) }
    return frames.last
  }

  /// Rebuilds the state stored in a trajectory frame.
  func stateFromFrame(_ frame: Structure) throws -> MDState {
    let file = outputs.trajectory.path
    guard frame.atomicNumbers == initial.atomicNumbers else {
      throw MDError.cannotResume(file: file, why: "its atoms differ from the input structure's")
    }
    let time: Double?
    switch frame.info["time"] {
    case .double(let t)?: time = t
    case .int(let t)?: time = Double(t)
    default: time = nil
    }
    guard case .int(let step)? = frame.info["md_step"], let time else {
      throw MDError.cannotResume(file: file, why: "its last frame has no md_step/time (it was not written by mlff md)")
    }
    guard case .doubles(3, let v)? = frame.arrays["velocities"], v.count == 3 * frame.count else {
      throw MDError.cannotResume(file: file, why: "its last frame has no velocities")
    }
    var state = MDState(structure: frame, fixed: options.fixed)
    state.velocities = (0..<frame.count).map { SIMD3(v[3 * $0], v[3 * $0 + 1], v[3 * $0 + 2]) }
    state.step = step
    state.time = time
    if case .doubles(let xi)? = frame.info["nhc_xi"], case .doubles(let vxi)? = frame.info["nhc_vxi"] {
      state.thermostatPositions = xi
      state.thermostatVelocities = vxi
    }
    return state
  }
}
