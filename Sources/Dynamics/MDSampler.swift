import Atomistic
import Foundation
import Potentials
import Reporting

/// Short Langevin MD runs at several temperatures whose snapshots become candidate structures
/// for labelling (`mlff sample --md`).
public struct MDSampler: Sendable {
  /// Temperatures to run at, K (one run per seed structure and temperature).
  public var temperatures: [Double]
  /// Steps per run.
  public var steps: Int
  /// Steps before the first snapshot (equilibration).
  public var equilibrationSteps: Int
  /// Take a snapshot every k steps after equilibration.
  public var interval: Int
  /// Timestep, fs.
  public var timestep: Double
  /// Langevin friction γ, 1/fs.
  public var friction: Double
  /// Seed of velocities and noise (varied per run).
  public var seed: UInt64
  /// A run stops early (keeping its earlier snapshots) when these are violated; nil disables.
  public var criteria: StabilityCriteria?

  /// - Parameters: see the properties (K, steps, fs, 1/fs).
  public init(temperatures: [Double], steps: Int = 1000, equilibrationSteps: Int = 200, interval: Int = 100,
              timestep: Double = 1.0, friction: Double = 0.02, seed: UInt64 = 1,
              criteria: StabilityCriteria? = StabilityCriteria()) {
    self.temperatures = temperatures
    self.steps = steps
    self.equilibrationSteps = equilibrationSteps
    self.interval = max(1, interval)
    self.timestep = timestep
    self.friction = friction
    self.seed = seed
    self.criteria = criteria
  }

  /// Number of snapshots one stable run gives.
  public var snapshotsPerRun: Int {
    steps < equilibrationSteps ? 0 : (steps - equilibrationSteps) / interval + (equilibrationSteps > 0 ? 1 : 0)
  }

  /// Where a run that stops early is reported (one line per run; default: standard error).
  public var warn: @Sendable (String) -> Void = { message in
    FileHandle.standardError.write(Data(("sample md: warning: " + message + "\n").utf8))
  }

  /// Runs MD from every seed at every temperature and returns the snapshots, unlabelled and
  /// wrapped into the cell, with info `source = "md"`, `md_temperature` (K), `md_step`,
  /// `seed_index`, and on the last snapshot of a run cut short `md_stopped = T` and
  /// `md_stop_reason` (why: the stability criterion violated, or the potential's error).
  ///
  /// A run stops early when the stability criteria are violated or when the potential throws
  /// mid-run (a teacher that died, an element it does not know); the snapshots taken before
  /// are kept, the last of them is marked, and `warn` says which run stopped and why.
  /// - Parameters:
  ///   - seeds: starting structures.
  ///   - potential: drives the dynamics (a student, an analytic potential or a teacher).
  ///   - progress: show a progress line.
  /// - Throws: errors of the potential on the seeds themselves (before the first step).
  public func sample(_ seeds: [Structure], potential: any Potential, progress showProgress: Bool = false) throws -> [Structure] {
    var out: [Structure] = []
    let total = seeds.count * temperatures.count * steps
    let progress = showProgress ? ProgressLine(label: "sample md", total: total, unit: "steps") : nil
    var done = 0
    for (seedIndex, seedStructure) in seeds.enumerated() {
      for (tIndex, temperature) in temperatures.enumerated() {
        let runSeed = seed &+ UInt64(seedIndex) &* 1_000_003 &+ UInt64(tIndex) &* 7919
        let integrator = LangevinBAOAB(timestep: timestep, temperature: temperature, friction: friction, seed: runSeed)
        var state = MDState(structure: seedStructure)
        initializeMaxwellBoltzmann(&state, temperature: temperature, seed: runSeed)
        try integrator.prepare(&state, potential: potential)
        let monitor = try criteria.map { try StabilityMonitor(reference: seedStructure, criteria: $0) }
        let nf = degreesOfFreedom(state, conservesMomentum: false)
        let runStart = out.count
        func frame(_ s: MDState) -> Structure {
          var frame = s.structure.wrapped()
          frame.info = seedStructure.info
          frame.arrays = [:]
          frame.info["source"] = .string("md")
          frame.info["md_temperature"] = .double(temperature)
          frame.info["md_step"] = .int(s.step)
          frame.info["seed_index"] = .int(seedIndex)
          return frame
        }
        /// Marks the run as stopped after `last` (the last good state): its snapshot is marked,
        /// or appended marked when it is past equilibration but was not a snapshot step.
        func stop(after last: MDState, reason: String) {
          let which = "seed \(seedIndex) at \(temperature) K stopped at step \(last.step + 1) of \(steps)"
          if last.step >= equilibrationSteps {
            if out.count == runStart || out[out.count - 1].info["md_step"] != .int(last.step) {
              out.append(frame(last))
            }
            out[out.count - 1].info["md_stopped"] = .bool(true)
            out[out.count - 1].info["md_stop_reason"] = .string(reason)
            warn("\(which): \(reason); its last snapshot (step \(last.step)) is marked md_stopped")
          } else {
            warn("\(which), before the first snapshot (equilibration ends at step \(equilibrationSteps)): \(reason)")
          }
        }
        var observers: [any MDObserver] = []
        if let monitor { observers.append(StabilityObserver(monitor, degreesOfFreedom: nf)) }
        observers.append(MDClosureObserver { [equilibrationSteps, interval] s, step in
          if step >= equilibrationSteps && (step - equilibrationSteps) % interval == 0 { out.append(frame(s)) }
          progress?.update(done: done + step)
          return .proceed
        })
        switch try runMolecularDynamics(&state, integrator: integrator, potential: potential, until: steps, observers: observers) {
        case .completed: break
        case .unstable(let violation, _): stop(after: state, reason: "unstable: \(violation)")
        case .potentialFailed(let error, _): stop(after: state, reason: "the potential failed: \(error)")
        }
        done += steps
      }
    }
    progress?.finish()
    return out
  }
}
