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
    #expect(results.map(\.check) == PhysicsChecks.fullBatteryCheckNames)
  }

  @Test func gaussianBasisPassesTheBatteryInDouble() throws {
    let potential = PaiNNPotential(model: Fixtures.model(radialBasis: .gaussian), precision: .double)
    let results = try PhysicsChecks.all(potential, periodic: Fixtures.silicon, molecule: Fixtures.ethanol, tolerances: .double)
    #expect(results.map(\.check) == PhysicsChecks.fullBatteryCheckNames)
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

/// The student with a planted rotation-dependent energy error: E + A·cos θ, where θ is the
/// angle between the first bond (atom 0 → atom 1) and the z axis. Forces and stress are the
/// student's own (the error is in the energy only, as a bug in the energy sum would be).
final class RotationDependentEnergy: Potential {
  let base: PaiNNPotential
  /// A, eV.
  let amplitude: Double
  init(_ base: PaiNNPotential, amplitude: Double) {
    self.base = base
    self.amplitude = amplitude
  }
  var cutoff: Double? { base.cutoff }
  var supportedAtomicNumbers: Set<Int>? { base.supportedAtomicNumbers }
  func compute(_ structures: [Structure], _ properties: PropertySet) throws -> [Results] {
    var results = try base.compute(structures, properties)
    for (k, s) in structures.enumerated() where s.count >= 2 {
      let bond = s.positions[1] - s.positions[0]
      results[k].energy += amplitude * bond.z / (bond * bond).sum().squareRoot()
    }
    return results
  }
}

@Suite struct PlantedEnergyErrorTests {
  /// A 0.01 eV rotation-dependent energy error (changes of up to 0.02 eV between rotations, on
  /// a total energy of about −4,200 eV) fails the rotation check in Float and in Double; the
  /// honest student passes it.
  @Test(arguments: [PaiNNPrecision.double, .float])
  func rotationCheckCatchesACentielectronvoltError(precision: PaiNNPrecision) throws {
    let student = PaiNNPotential(model: Fixtures.model(), precision: precision)
    let tolerances = precision == .double ? Tolerances.double : PhysicsBatteryTests.floatTolerances
    for structure in [Fixtures.ethanol, Fixtures.silicon] {
      try PhysicsChecks.rotationInvariance(student, structure, tolerances: tolerances)
      let planted = RotationDependentEnergy(student, amplitude: 0.01)
      #expect(throws: PhysicsCheckFailure.self, "\(precision), \(structure.count) atoms") {
        try PhysicsChecks.rotationInvariance(planted, structure, tolerances: tolerances)
      }
    }
  }

  /// The whole battery stops at the planted error in both precisions.
  @Test(arguments: [PaiNNPrecision.double, .float])
  func batteryFailsOnThePlantedError(precision: PaiNNPrecision) throws {
    let planted = RotationDependentEnergy(PaiNNPotential(model: Fixtures.model(), precision: precision), amplitude: 0.01)
    let tolerances = precision == .double ? Tolerances.double : PhysicsBatteryTests.floatTolerances
    #expect(throws: PhysicsCheckFailure.self) {
      try PhysicsChecks.all(planted, periodic: Fixtures.silicon, molecule: Fixtures.ethanol, tolerances: tolerances)
    }
  }
}
