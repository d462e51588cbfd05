import Atomistic
import PaiNN
import PotentialTesting
import Potentials
import Testing

/// The shared physics battery, run on PaiNN in both precisions.
@Suite struct PhysicsBatteryTests {
  @Test(arguments: [PaiNNPrecision.double, .float])
  func batteryPasses(precision: PaiNNPrecision) throws {
    let potential = PaiNNPotential(model: Fixtures.model(), precision: precision)
    let tolerances: Tolerances = precision == .double ? .double : .float
    let results = try PhysicsChecks.all(
      potential, periodic: Fixtures.silicon, molecule: Fixtures.ethanol, tolerances: tolerances)
    #expect(results.count >= 10)
  }

  @Test func gaussianBasisPassesTheBatteryInDouble() throws {
    let potential = PaiNNPotential(model: Fixtures.model(radialBasis: .gaussian), precision: .double)
    _ = try PhysicsChecks.all(potential, periodic: Fixtures.silicon, molecule: Fixtures.ethanol, tolerances: .double)
  }
}
