import ArgumentParser
import Atomistic
import Dynamics
import Foundation
import PaiNN
import Potentials
import Teacher

extension MLFF {
  struct MD: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "md", abstract: "Molecular dynamics with a student, a committee, a teacher or an analytic potential.",
      discussion: """
        Runs NVE (velocity Verlet), NVT Langevin (BAOAB) or NVT Nosé–Hoover chain dynamics and watches stability (bond lengths, temperature, non-finite numbers). Writes the trajectory (-o, extxyz with velocities), <name>.log.csv, <name>.report.json and SVG plots of energy, temperature and the radial distribution function; a committee also writes <name>.committee.csv. Rerunning the same command resumes from the last trajectory frame; --fresh starts over. Exits with status 2 when the run turned unstable. Units: fs, K, Å, eV. See docs/md.md.

        Examples:
          mlff md init.xyz --model student.safetensors --ensemble nvt \\
              --temperature 500 --steps 200000 -o traj.xyz
          mlff md cu.xyz --teacher emt --temperature 300 -o teacher.xyz
          mlff md --committee a.safetensors,b.safetensors init.xyz -o c.xyz
          mlff md argon.xyz --potential lj --steps 20000 --timestep 5 -o ar.xyz
        """)

    @Argument(help: "Initial structure (extxyz); the frame chosen by --frame.")
    var input: String

    /// Words after the input: refused in `validate()` with an explanation.
    @Argument(help: .hidden)
    var unexpected: [String] = []

    @OptionGroup(title: "What gives the energies (one of)")
    var energyModel: EnergyModelOptions

    @Option(help: "Ensemble: nve, nvt (= nvt-langevin), nvt-langevin or nvt-nh (Nosé–Hoover chain).")
    var ensemble: EnsembleChoice = .nve

    @Option(help: "Temperature, K: the thermostat's target and the initial Maxwell–Boltzmann velocities.")
    var temperature: Double = 300

    @Option(help: "Verlet skin of a student's neighbour list, Å: the list (cutoff + skin) is reused until an atom has moved more than half of it (0: a new list every step).")
    var skin: Double = 1.0

    @Option(help: "Timestep, fs.")
    var timestep: Double = 0.5

    @Option(help: "Total number of steps (a resumed run continues up to this count).")
    var steps: Int = 10_000

    @Option(help: "Langevin friction γ, 1/fs.")
    var friction: Double = 0.01

    @Option(name: .customLong("thermostat-time"), help: "Nosé–Hoover relaxation time τ, fs.")
    var thermostatTime: Double = 100

    @Option(help: "Write a trajectory frame every k steps.")
    var every: Int = 100

    @Option(name: .customLong("log-every"), help: "Write a log row (and a committee row) every k steps.")
    var logEvery: Int = 10

    @Option(help: "Random seed of the initial velocities and the Langevin noise.")
    var seed: UInt64 = 0

    @Option(help: ArgumentHelp("Atoms held in place: comma-separated 0-based indices, e.g. 0,1,2.", valueName: "i,j,…"))
    var fixed: CommaSeparated<Int>?

    @Option(name: .customLong("max-bond-deviation"), help: "Unstable when a bond deviates more than this from its initial length, Å (0 disables).")
    var maxBondDeviation: Double = 0.5

    @Option(name: .customLong("bond-factor"), help: "Atoms are bonded when closer than this × the sum of covalent radii.")
    var bondFactor: Double = 1.2

    @Option(name: .customLong("temperature-bounds"), help: ArgumentHelp("Unstable when the temperature leaves LOW:HIGH, K (e.g. 0:2000).", valueName: "low:high"))
    var temperatureBounds: TemperatureRange?

    @Option(name: .customLong("reference-traj"), help: "A reference trajectory (e.g. the teacher's) to compare the RDF with.")
    var referenceTraj: String?

    @Option(name: .customLong("rdf-max"), help: "Range of the radial distribution function, Å.")
    var rdfMax: Double = 6

    @Option(name: .customLong("rdf-bins"), help: "Number of RDF bins.")
    var rdfBins: Int = 120

    @Option(help: "Which frame of the input file to start from (0-based; -1 = last).")
    var frame: Int = 0

    @Flag(help: "Start afresh, overwriting an existing trajectory instead of resuming it.")
    var fresh = false

    @Flag(name: .customLong("ignore-input-velocities"), help: "Draw Maxwell–Boltzmann velocities even when the input frame has velocities.")
    var ignoreInputVelocities = false

    @Option(name: .shortAndLong, help: "Trajectory file (extxyz); the log, report and plots are named after it.")
    var output: String = "md.xyz"

    @Flag(help: "Print the JSON report instead of a summary (and no progress line).")
    var json = false

    @OptionGroup var progress: ProgressOptions

    func validate() throws {
      try energyModel.validate(input: input, extra: unexpected)
      try energyModel.requireChoice()
      guard skin >= 0, skin.isFinite else { throw ValidationError("--skin must be ≥ 0 Å (0: a new neighbour list every step), got \(skin)") }
      guard timestep > 0, timestep.isFinite else { throw ValidationError("--timestep must be a positive number of fs, got \(timestep)") }
      guard steps >= 0 else { throw ValidationError("--steps must be ≥ 0, got \(steps)") }
      guard temperature >= 0, temperature.isFinite else { throw ValidationError("--temperature must be ≥ 0 K, got \(temperature)") }
      if ensemble.isThermostatted && temperature == 0 { throw ValidationError("an NVT run needs --temperature above 0 K") }
      guard friction > 0 else { throw ValidationError("--friction must be positive (1/fs), e.g. 0.01") }
      guard thermostatTime > 0 else { throw ValidationError("--thermostat-time must be positive (fs), e.g. 100") }
      guard every > 0, logEvery > 0 else { throw ValidationError("--every and --log-every must be positive step counts") }
      guard maxBondDeviation >= 0 else { throw ValidationError("--max-bond-deviation must be ≥ 0 Å (0 disables the bond check)") }
      guard rdfMax > 0, rdfBins > 0 else { throw ValidationError("--rdf-max and --rdf-bins must be positive") }
      if let negative = fixed?.values.first(where: { $0 < 0 }) {
        throw ValidationError("--fixed takes 0-based atom indices such as 0,1,2; \(negative) is negative")
      }
    }

    func run() throws {
      let inputURL = URL(fileURLWithPath: input)
      let frames = try ExtXYZ.read(inputURL)
      try requireFrames(frames.count, in: input)
      let index = frame < 0 ? frames.count + frame : frame
      guard frames.indices.contains(index) else {
        throw CommandFailure("\(input) has \(frames.count) frame\(frames.count == 1 ? "" : "s"); --frame \(frame) is out of range (use 0…\(frames.count - 1), or -1 for the last)")
      }
      let initial = frames[index]
      let fixedSet = Set(fixed?.values ?? [])
      if let bad = fixedSet.sorted().last, bad >= initial.count {
        throw CommandFailure("--fixed names atom \(bad), but \(input) frame \(index) has \(initial.count) atoms (indices 0…\(initial.count - 1))")
      }

      let (chosen, pool) = try self.energyModel.make(skin: skin)
      defer { pool?.close() }
      var driver: any Potential = chosen
      var committeeLog: CommitteeDeviationLog? = nil
      if let committee = chosen as? CommitteePotential {
        // The committee's disagreement is logged every --log-every steps next to the trajectory.
        let trajectory = URL(fileURLWithPath: output)
        let resumedStep = fresh ? 0 : ((try? ExtXYZ.read(trajectory))?.last.flatMap { frame -> Int? in
          if case .int(let step)? = frame.info["md_step"] { return step } else { return nil }
        } ?? 0)
        let log = try CommitteeDeviationLog(
          committee: committee, url: trajectory.deletingPathExtension().appendingPathExtension("committee.csv"),
          resumingFrom: resumedStep > 0 ? resumedStep : nil, interval: logEvery)
        committeeLog = log
        driver = log
      }
      try checkElements([initial], supportedBy: driver, file: input, firstFrame: index)

      let integrator: any Integrator
      switch ensemble {
      case .nve: integrator = VelocityVerlet(timestep: timestep)
      case .nvtNH: integrator = NoseHooverChain(timestep: timestep, temperature: temperature, relaxationTime: thermostatTime)
      case .nvt, .nvtLangevin: integrator = LangevinBAOAB(timestep: timestep, temperature: temperature, friction: friction, seed: seed)
      }
      let criteria = StabilityCriteria(maxBondDeviation: maxBondDeviation > 0 ? maxBondDeviation : nil,
                                       bondFactor: bondFactor, temperatureBounds: temperatureBounds?.range)
      let options = MDRunOptions(
        steps: steps, trajectoryInterval: every, logInterval: logEvery, initialTemperature: temperature,
        useInputVelocities: !ignoreInputVelocities, seed: seed, fixed: fixedSet, criteria: criteria,
        rdfMaxDistance: rdfMax, rdfBins: rdfBins, referenceTrajectory: referenceTraj.map { URL(fileURLWithPath: $0) },
        resume: !fresh, showProgress: !json && progress.showsProgress)
      let outputs = MDOutputs(trajectory: URL(fileURLWithPath: output))
      let report = try MDSimulation(potential: driver, integrator: integrator, initial: initial,
                                    options: options, outputs: outputs, observers: committeeLog.map { [$0] } ?? []).run()
      if json {
        print(String(decoding: try Data(contentsOf: outputs.report), as: UTF8.self))
      } else {
        printSummary(report, outputs: outputs)
        if let committeeLog {
          print(String(format: "committee of %d: largest max force deviation %.3g eV/Å; %d of %d steps at or above %.3g eV/Å; per-step log in %@",
                       (chosen as? CommitteePotential)?.members.count ?? 0, committeeLog.largestDeviation, committeeLog.stepsAboveThreshold, committeeLog.stepsSeen,
                       committeeLog.threshold, committeeLog.url.path))
        }
      }
      if report.status != .stable { throw ExitCode(2) }
    }

    func printSummary(_ r: MDReport, outputs: MDOutputs) {
      var lines: [String] = []
      lines.append(String(format: "%@  %d atoms  %d/%d steps  %.4g ps  %@", r.ensemble.rawValue, r.atoms, r.stepsCompleted,
                          r.stepsRequested, r.simulatedTime, r.status.rawValue))
      if let f = r.failure {
        lines.append(String(format: "stopped at step %d (t = %.1f fs): %@; last good frame: step %d", f.step, f.time, f.message, f.lastGoodStep))
      }
      if let t = r.thermodynamics {
        lines.append(String(format: "temperature %.1f ± %.1f K   ⟨U⟩ %.4f eV   ⟨K⟩ %.4f eV", t.meanTemperature, t.temperatureStd,
                            t.meanPotentialEnergy, t.meanKineticEnergy))
      }
      if let d = r.drift, r.ensemble != .nvtLangevin {
        lines.append(String(format: "energy drift %.4g meV/atom/ps   drift/σ_K %.3g   σ_E/σ_K %.3g", d.slope, d.driftToFluctuation, d.fluctuationRatio))
      }
      if let diff = r.rdf?.difference {
        lines.append(String(format: "RDF vs reference: RMS %.4g   ∫|Δg|dr %.4g Å", diff.rms, diff.integratedAbsolute))
      }
      lines.append(String(format: "%.3g steps/s  %.3g ns/day   bonds monitored: %d", r.stepsPerSecond, r.nanosecondsPerDay, r.bondsMonitored))
      lines.append("wrote \(outputs.trajectory.path), \(outputs.log.lastPathComponent), \(outputs.report.lastPathComponent) and plots")
      print(lines.joined(separator: "\n"))
    }
  }
}
