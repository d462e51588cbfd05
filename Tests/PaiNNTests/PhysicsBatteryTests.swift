import Atomistic
import PaiNN
import PotentialTesting
import Potentials
import Testing

/// The shared physics battery, run on PaiNN in both precisions.
@Suite struct PhysicsBatteryTests {
  /// Float tolerances for PaiNN: the shared ones with a smaller finite-difference step. A
  /// randomly initialised PaiNN is rougher than a pair potential, so the O(h²) truncation
  /// error at h = 1e-2 Å alone reaches the 5e-3 eV/Å tolerance; h = 4e-3 Å keeps both the
  /// truncation error and the Float round-off (~1e-6 eV / 2h) well inside it.
  static let floatTolerances: Tolerances = {
    var t = Tolerances.float
    t.displacementStep = 4e-3
    t.strainStep = 4e-4
    return t
  }()

  @Test(arguments: [PaiNNPrecision.double, .float])
  func batteryPasses(precision: PaiNNPrecision) throws {
    let potential = PaiNNPotential(model: Fixtures.model(), precision: precision)
    let tolerances = precision == .double ? Tolerances.double : Self.floatTolerances
    let results = try PhysicsChecks.all(
      potential, periodic: Fixtures.silicon, molecule: Fixtures.ethanol, tolerances: tolerances)
    #expect(results.count >= 10)
  }

  @Test func gaussianBasisPassesTheBatteryInDouble() throws {
    let potential = PaiNNPotential(model: Fixtures.model(radialBasis: .gaussian), precision: .double)
    _ = try PhysicsChecks.all(potential, periodic: Fixtures.silicon, molecule: Fixtures.ethanol, tolerances: .double)
  }

  /// Float agrees with Double to Float round-off (relative 1e-5 of the scale of the numbers).
  @Test func floatAgreesWithDouble() throws {
    let model = Fixtures.model()
    let structures = [Fixtures.silicon, Fixtures.ethanol]
    let d = try PaiNNPotential(model: model, precision: .double).compute(structures, .all)
    let f = try PaiNNPotential(model: model, precision: .float).compute(structures, .all)
    for (a, b) in zip(d, f) {
      #expect(abs(a.energy - b.energy) < 1e-3)
      let scale = a.forces!.map(maxAbs).max()!
      for (fa, fb) in zip(a.forces!, b.forces!) { #expect(maxAbs(fa - fb) < 1e-4 * max(1, scale)) }
      if let sa = a.stress { for (x, y) in zip(sa, b.stress!) { #expect(abs(x - y) < 1e-5) } }
    }
  }
}
