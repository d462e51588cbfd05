import Atomistic
import Dynamics
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
