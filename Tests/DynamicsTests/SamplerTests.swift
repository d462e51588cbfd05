import Atomistic
import Dynamics
import Foundation
import Potentials
import Testing

@Suite struct SamplerTests {
  @Test func snapshotsComeFromEveryTemperatureAndHotterMeansFurtherFromTheLattice() throws {
    let seed = Systems.argon(1)
    let sampler = MDSampler(temperatures: [10, 80], steps: 600, equilibrationSteps: 200, interval: 100, timestep: 5)
    let snapshots = try sampler.sample([seed], potential: LennardJones())
    #expect(sampler.snapshotsPerRun == 5)
    #expect(snapshots.count == 10)
    #expect(snapshots.allSatisfy { $0.info["source"] == .string("md") && $0.energy == nil })
    // Wrapped into the cell.
    for s in snapshots {
      for r in s.positions { let f = s.cell.fractional(r)!; #expect(f.min() >= 0 && f.max() < 1) }
    }
    // Mean squared displacement from the lattice sites (centre-of-mass drift removed) grows with temperature (∝ T in a harmonic crystal).
    func msd(_ t: Double) -> Double {
      let frames = snapshots.filter { $0.info["md_temperature"] == .double(t) }
      var sum = 0.0, n = 0.0
      for f in frames {
        // Displacements from the lattice sites, minus their mean (Langevin lets the whole crystal drift).
        let displacements = (0..<f.count).map { k -> SIMD3<Double> in
          var d = f.cell.fractional(f.positions[k] - seed.positions[k])!
          d -= d.rounded(.toNearestOrAwayFromZero)
          return f.cell.cartesian(d)
        }
        let mean = displacements.reduce(.zero, +) / Double(f.count)
        for d in displacements { sum += dot(d - mean, d - mean); n += 1 }
      }
      return sum / n
    }
    #expect(msd(80) > 3 * msd(10), "MSD at 80 K \(msd(80)) Å² vs 10 K \(msd(10)) Å²")
  }
}

/// Lennard-Jones argon whose `failingCall`-th evaluation throws, as a teacher pool does when
/// its worker dies mid-run.
private final class DyingPotential: Potential {
  struct WorkerDied: Error, CustomStringConvertible { var description: String { "teacher worker 0 died (exit status 9)" } }
  let base = LennardJones()
  let failingCall: Int
  private(set) var calls = 0
  init(failingCall: Int) { self.failingCall = failingCall }
  func compute(_ structures: [Structure], _ properties: PropertySet) throws -> [Results] {
    calls += 1
    if calls == failingCall { throw WorkerDied() }
    return try base.compute(structures, properties)
  }
}

/// Warnings collected from the sampler (which may call from any thread).
private final class Warnings: @unchecked Sendable {
  private let lock = NSLock()
  private var lines: [String] = []
  func append(_ line: String) { lock.lock(); lines.append(line); lock.unlock() }
  var all: [String] { lock.lock(); defer { lock.unlock() }; return lines }
}

@Suite struct SamplerFailureTests {
  @Test func aPotentialThatThrowsMidRunStopsThatRunVisiblyAndTheOthersContinue() throws {
    // One force evaluation in `prepare`, then one per step: call 351 is step 350 of the first run.
    let potential = DyingPotential(failingCall: 351)
    var sampler = MDSampler(temperatures: [10, 20], steps: 600, equilibrationSteps: 200, interval: 100, timestep: 5)
    let warnings = Warnings()
    sampler.warn = { warnings.append($0) }
    let snapshots = try sampler.sample([Systems.argon(1)], potential: potential)

    let first = snapshots.filter { $0.info["md_temperature"] == .double(10) }
    let second = snapshots.filter { $0.info["md_temperature"] == .double(20) }
    // The first run keeps steps 200 and 300 and ends with its last good state, step 349, marked.
    #expect(first.map { $0.info["md_step"] } == [.int(200), .int(300), .int(349)])
    #expect(first.map { $0.info["md_stopped"] } == [nil, nil, .bool(true)])
    guard case .string(let reason)? = first.last?.info["md_stop_reason"] else {
      Issue.record("no md_stop_reason on the stopped snapshot: \(String(describing: first.last?.info))")
      return
    }
    #expect(reason.contains("teacher worker 0 died"))
    // The second run is untouched.
    #expect(second.count == sampler.snapshotsPerRun)
    #expect(second.allSatisfy { $0.info["md_stopped"] == nil })
    #expect(warnings.all.count == 1)
    #expect(warnings.all.first?.contains("seed 0 at 10.0 K stopped at step 350 of 600") == true)
    #expect(warnings.all.first?.contains("teacher worker 0 died") == true)
  }

  @Test func aFailureDuringEquilibrationIsStillReported() throws {
    let potential = DyingPotential(failingCall: 51)
    var sampler = MDSampler(temperatures: [10], steps: 300, equilibrationSteps: 200, interval: 100, timestep: 5)
    let warnings = Warnings()
    sampler.warn = { warnings.append($0) }
    let snapshots = try sampler.sample([Systems.argon(1)], potential: potential)
    #expect(snapshots.isEmpty)
    #expect(warnings.all.count == 1)
    #expect(warnings.all.first?.contains("before the first snapshot") == true)
  }
}
