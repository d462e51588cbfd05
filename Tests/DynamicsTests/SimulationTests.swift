import Atomistic
import Dynamics
import Foundation
import Potentials
import Testing

/// Wraps a potential and, from its `startCall`-th evaluation on, pulls atom 0 along +x with a
/// constant force (energy −F·x₀, so forces stay consistent), or returns NaN energies.
final class SabotagedPotential: Potential {
  enum Fault { case pull(Double), notANumber }
  let inner: any Potential
  let startCall: Int
  let fault: Fault
  var calls = 0
  init(_ inner: any Potential, startCall: Int, fault: Fault) {
    self.inner = inner
    self.startCall = startCall
    self.fault = fault
  }
  func compute(_ structures: [Structure], _ properties: PropertySet) throws -> [Results] {
    calls += 1
    var results = try inner.compute(structures, properties)
    guard calls >= startCall else { return results }
    for k in results.indices {
      switch fault {
      case .pull(let f):
        results[k].energy -= f * structures[k].positions[0].x
        results[k].forces?[0].x += f
      case .notANumber:
        results[k].energy = .nan
      }
    }
    return results
  }
}

@Suite struct StabilityTests {
  @Test func findsTheBondsOfTheReference() throws {
    let monitor = try StabilityMonitor(reference: Systems.copperTrimer, criteria: StabilityCriteria())
    #expect(monitor.bonds.count == 3)
    // Argon atoms 3.7 Å apart are not covalently bonded (1.2 × 2 × 1.06 Å = 2.5 Å).
    let argon = try StabilityMonitor(reference: Systems.argon(1), criteria: StabilityCriteria())
    #expect(argon.bonds.isEmpty)
  }

  @Test func firesOnAPlantedBondBreakAndKeepsTheLastGoodFrame() throws {
    let folder = try Systems.temporaryFolder()
    defer { try? FileManager.default.removeItem(at: folder) }
    let outputs = MDOutputs(trajectory: folder.appendingPathComponent("break.xyz"))
    let potential = SabotagedPotential(Morse(), startCall: 200, fault: .pull(5.0))
    let options = MDRunOptions(steps: 2000, trajectoryInterval: 500, logInterval: 10, initialTemperature: 50,
                               seed: 3, showProgress: false)
    let report = try MDSimulation(potential: potential, integrator: VelocityVerlet(timestep: 1),
                                  initial: Systems.copperTrimer, options: options, outputs: outputs).run()
    #expect(report.status == .unstable)
    let failure = try #require(report.failure)
    #expect(failure.kind == .bond)
    #expect(failure.step > 199 && failure.step < 2000)
    #expect(failure.time == Double(failure.step))
    #expect(failure.lastGoodStep == failure.step - 1)
    // The trajectory ends with the last good frame, whose bonds are all within 0.5 Å.
    let frames = try ExtXYZ.read(outputs.trajectory)
    let last = try #require(frames.last)
    #expect(last.info["md_step"] == .int(failure.lastGoodStep))
    let monitor = try StabilityMonitor(reference: Systems.copperTrimer, criteria: StabilityCriteria())
    for bond in monitor.bonds {
      #expect(abs(monitor.length(of: bond, in: last) - bond.referenceLength) <= 0.5)
    }
    let json = try JSONSerialization.jsonObject(with: Data(contentsOf: outputs.report)) as? [String: Any]
    #expect((json?["status"] as? String) == "unstable")
    // snake_case keys, with the unit in the key where the value has one.
    #expect((json?["ensemble"] as? String) == "nve")
    #expect((json?["timestep_fs"] as? NSNumber)?.doubleValue == 1)
    #expect((json?["steps_requested"] as? NSNumber)?.intValue == 2000)
    #expect((json?["steps_completed"] as? NSNumber)?.intValue == failure.lastGoodStep)
    #expect((json?["simulated_time_ps"] as? NSNumber)?.doubleValue == Double(failure.lastGoodStep) / 1000)
    #expect(json?["target_temperature_K"] == nil)  // NVE has no target
    #expect((json?["bonds_monitored"] as? NSNumber)?.intValue == 3)
    let failureJSON = json?["failure"] as? [String: Any]
    #expect((failureJSON?["kind"] as? String) == "bond")
    #expect((failureJSON?["last_good_step"] as? NSNumber)?.intValue == failure.lastGoodStep)
    #expect((failureJSON?["time_fs"] as? NSNumber)?.doubleValue == failure.time)
    let thermodynamics = json?["thermodynamics"] as? [String: Any]
    #expect(thermodynamics?["mean_temperature_K"] is NSNumber)
    #expect((json?["rdf"] as? [String: Any])?["r_A"] is [Any])
    // It reads back as the report returned.
    let decoded = try JSONDecoder().decode(MDReport.self, from: Data(contentsOf: outputs.report))
    #expect(decoded.status == .unstable && decoded.ensemble == .nve && decoded.failure?.kind == .bond)
    #expect(decoded.stepsCompleted == report.stepsCompleted && decoded.targetTemperature == nil)
  }

  @Test func stopsOnNonFiniteEnergy() throws {
    let folder = try Systems.temporaryFolder()
    defer { try? FileManager.default.removeItem(at: folder) }
    let outputs = MDOutputs(trajectory: folder.appendingPathComponent("nan.xyz"))
    let potential = SabotagedPotential(LennardJones(), startCall: 51, fault: .notANumber)
    let report = try MDSimulation(potential: potential, integrator: VelocityVerlet(timestep: 2),
                                  initial: Systems.argon(1),
                                  options: MDRunOptions(steps: 100, trajectoryInterval: 20, showProgress: false),
                                  outputs: outputs).run()
    #expect(report.failure?.kind == .nonFinite)
    #expect(report.failure?.step == 50)
    #expect(report.stepsCompleted == 49)
  }

  @Test func temperatureBoundIsEnforced() throws {
    let folder = try Systems.temporaryFolder()
    defer { try? FileManager.default.removeItem(at: folder) }
    let outputs = MDOutputs(trajectory: folder.appendingPathComponent("hot.xyz"))
    let criteria = StabilityCriteria(maxBondDeviation: nil, temperatureBounds: 0...150)
    let report = try MDSimulation(
      potential: LennardJones(), integrator: LangevinBAOAB(timestep: 5, temperature: 400, friction: 0.05, seed: 1),
      initial: Systems.argon(1),
      options: MDRunOptions(steps: 5000, initialTemperature: 50, criteria: criteria, showProgress: false),
      outputs: outputs).run()
    #expect(report.failure?.kind == .temperature)
  }
}

@Suite struct ResumeTests {
  func finalFrame(_ integrator: any Integrator, split: Int?, name: String) throws -> Structure {
    let folder = try Systems.temporaryFolder()
    defer { try? FileManager.default.removeItem(at: folder) }
    let outputs = MDOutputs(trajectory: folder.appendingPathComponent("\(name).xyz"))
    func run(_ steps: Int) throws -> MDReport {
      try MDSimulation(potential: LennardJones(), integrator: integrator, initial: Systems.argon(1),
                       options: MDRunOptions(steps: steps, trajectoryInterval: 30, logInterval: 5, initialTemperature: 80,
                                             seed: 8, showProgress: false),
                       outputs: outputs).run()
    }
    if let split {
      _ = try run(split)
      let report = try run(200)
      #expect(report.resumedFromStep == split)
    } else {
      _ = try run(200)
    }
    let rows = try MDLog.read(outputs.log)
    #expect(rows.map(\.step) == Array(stride(from: 0, through: 200, by: 5)))
    let frames = try ExtXYZ.read(outputs.trajectory)
    #expect(frames.last?.info["md_step"] == .int(200))
    return frames.last!
  }

  @Test(arguments: ["nve", "langevin", "nh"])
  func resumeContinuesTheSameTrajectory(_ kind: String) throws {
    let integrator: any Integrator = switch kind {
    case "nve": VelocityVerlet(timestep: 5)
    case "langevin": LangevinBAOAB(timestep: 5, temperature: 80, friction: 0.02, seed: 4)
    default: NoseHooverChain(timestep: 5, temperature: 80, relaxationTime: 100)
    }
    let whole = try finalFrame(integrator, split: nil, name: "whole")
    let resumed = try finalFrame(integrator, split: 100, name: "resumed")
    #expect(whole.positions == resumed.positions)
    #expect(whole.arrays["velocities"] == resumed.arrays["velocities"])
  }
}

@Suite struct AnalysisTests {
  @Test func driftIsTheSlopeOfTheTotalEnergy() throws {
    // E(t) = 2e-6 eV/fs · t + a sine; 10 atoms → 2e-6 × 1e6 / 10 = 0.2 meV/atom/ps.
    let t = (0..<1001).map { Double($0) }
    let e = t.map { 2e-6 * $0 + 1e-4 * sin($0 / 7) }
    let k = t.map { 0.01 * sin($0 / 3) }
    let drift = try #require(EnergyDrift(time: t, total: e, kinetic: k, atoms: 10))
    #expect(abs(drift.slope - 0.2) < 0.005)
    #expect(abs(drift.duration - 1) < 1e-12)
    // σ_K = 0.01/√2 eV; drift over the run 2e-3 eV → ratio ≈ 0.283.
    #expect(abs(drift.driftToFluctuation - 2e-3 / (0.01 / 2.0.squareRoot())) < 0.01)
  }

  @Test func rdfOfAnIdealGasIsOne() throws {
    var rng = SystemRandomNumberGenerator()
    var rdf = RadialDistribution(maxDistance: 5, binCount: 10)
    for _ in 0..<4 {
      let positions = (0..<400).map { _ in SIMD3(Double.random(in: 0..<12, using: &rng), Double.random(in: 0..<12, using: &rng), Double.random(in: 0..<12, using: &rng)) }
      try rdf.add(Structure(atomicNumbers: Array(repeating: 18, count: 400), positions: positions,
                            cell: .orthorhombic(12, 12, 12), pbc: [true, true, true]))
    }
    for (r, g) in zip(rdf.radii, rdf.values) where r > 1.5 {
      #expect(abs(g - 1) < 0.12, "g(\(r)) = \(g)")
    }
  }

  @Test func rdfOfFccHasTwelveNearestNeighbours() throws {
    var rdf = RadialDistribution(maxDistance: 4.5, binCount: 90)
    try rdf.add(Systems.argon(1))
    let g = rdf.values, r = rdf.radii, dr = rdf.binWidth
    let rho = 4 / (5.26 * 5.26 * 5.26)
    // Coordination number ∫ 4π r² ρ g(r) dr up to 4.5 Å: the 12 neighbours at a/√2 = 3.72 Å.
    var n = 0.0
    for k in 0..<g.count { n += g[k] * rho * 4 / 3 * Double.pi * (pow(r[k] + dr / 2, 3) - pow(r[k] - dr / 2, 3)) }
    #expect(abs(n - 12) < 1e-9)
    let peak = r[g.indices.max { g[$0] < g[$1] }!]
    #expect(abs(peak - 5.26 / 2.0.squareRoot()) < dr)
    // Identical trajectories differ by zero.
    #expect(rdf.difference(to: rdf).rms == 0)
  }
}
