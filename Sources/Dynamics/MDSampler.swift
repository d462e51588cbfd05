import Atomistic
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

  /// Runs MD from every seed at every temperature and returns the snapshots, unlabelled and
  /// wrapped into the cell, with info `source = "md"`, `md_temperature` (K), `md_step`,
  /// `seed_index`, and `md_stopped` = true on the last snapshot of a run cut short.
  /// - Parameters:
  ///   - seeds: starting structures.
  ///   - potential: drives the dynamics (a student, an analytic potential or a teacher).
  ///   - progress: show a progress line.
  /// - Throws: errors of the potential on the seeds themselves; failures mid-run only stop that run.
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
        func snapshot(_ s: MDState, stopped: Bool) {
          var frame = s.structure.wrapped()
          frame.info = seedStructure.info
          frame.arrays = [:]
          frame.info["source"] = .string("md")
          frame.info["md_temperature"] = .double(temperature)
          frame.info["md_step"] = .int(s.step)
          frame.info["seed_index"] = .int(seedIndex)
          if stopped { frame.info["md_stopped"] = .bool(true) }
          out.append(frame)
        }
        var previous = state
        while state.step < steps {
          do { try integrator.step(&state, potential: potential) } catch { break }
          if let monitor, monitor.check(state, temperature: Dynamics.temperature(state, degreesOfFreedom: nf)) != nil {
            if previous.step >= equilibrationSteps { snapshot(previous, stopped: true) }
            break
          }
          if state.step >= equilibrationSteps && (state.step - equilibrationSteps) % interval == 0 {
            snapshot(state, stopped: false)
          }
          previous = state
          progress?.update(done: done + state.step)
        }
        done += steps
      }
    }
    progress?.finish()
    return out
  }
}
