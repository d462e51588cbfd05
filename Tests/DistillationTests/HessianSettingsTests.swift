import Atomistic
import Foundation
import Testing
import Training
@testable import Distillation

/// `[hessian]` in a distillation configuration: parsed, turned into labelling and loss settings,
/// refused when wrong.
@Suite struct HessianSettingsTests {
  @Test func parsedIntoLabellingAndLossSettings() throws {
    let c = try DistillConfiguration.parse(toml: """
      [hessian]
      probes = 3
      weight = 300
      step = 0.005
      mode = "exact"
      """, source: "test.toml")
    #expect(c.hessian.labelling(seed: 4) == CurvatureLabelling(probes: 3, step: 0.005, seed: 4))
    #expect(c.hessian.loss == CurvatureLoss(weight: 300, mode: .exact, step: 0.005))
    var run = c
    run.structures = "seeds.xyz"
    #expect(run.problem == nil)
    #expect(try DistillConfiguration.parse(toml: try c.tomlText(), source: "resolved") == c)
    // The default is no curvature at all.
    #expect(DistillConfiguration().hessian.labelling(seed: 0) == nil && DistillConfiguration().hessian.loss == nil)
  }

  @Test func wrongSettingsAreNamed() throws {
    var c = DistillConfiguration()
    c.structures = "seeds.xyz"
    c.hessian.probes = 2
    c.hessian.mode = "numerical"
    #expect(c.problem?.contains("hessian.mode") == true)
    c.hessian.mode = "exact"
    c.hessian.step = 0
    #expect(c.problem?.contains("hessian.step") == true)
  }

  /// Probes depend only on (seed, structure index): a resumed job asks the same questions, and
  /// each is a unit vector over all atoms.
  @Test func probesAreSeededUnitVectors() {
    let labelling = CurvatureLabelling(probes: 2, step: 0.01, seed: 7)
    let s = DistillationTestStructures.copper
    let a = labelling.prepare(s, index: 5), b = labelling.prepare(s, index: 5), c = labelling.prepare(s, index: 6)
    #expect(a.hessianProbes == b.hessianProbes)
    #expect(a.hessianProbes != c.hessianProbes)
    #expect(a.hessianStep == 0.01)
    for v in a.hessianProbes! {
      #expect(abs(v.reduce(0) { $0 + ($1 * $1).sum() } - 1) < 1e-12)
    }
  }
}

enum DistillationTestStructures {
  static var copper: Structure {
    Structure(atomicNumbers: [29, 29, 29], positions: [.zero, SIMD3(2.5, 0, 0), SIMD3(0, 2.5, 0.1)])
  }
}
