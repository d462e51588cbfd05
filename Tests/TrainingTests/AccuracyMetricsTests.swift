import Atomistic
import Foundation
import Potentials
import Testing
@testable import Training

/// The force accuracy figures (relative error, cosine similarity, fraction within 5 %), by hand
/// and against a brute-force loop written from their definitions.
@Suite struct AccuracyMetricsTests {
  /// H at the origin with F = (1, 0, 0) eV/Å and C with F = (0, 2, 0) eV/Å.
  let molecule = Structure(atomicNumbers: [1, 6], positions: [.zero, SIMD3(1.1, 0, 0)], energy: -3,
                           forces: [SIMD3(1, 0, 0), SIMD3(0, 2, 0)])

  func metrics(_ predicted: [SIMD3<Double>], energy: Double = -3) -> ErrorMetrics {
    var m = ErrorMetrics()
    m.add(reference: molecule, predicted: Results(energy: energy, forces: predicted))
    return m
  }

  @Test func identicalForcesArePerfect() {
    let m = metrics(molecule.forces!)
    #expect(m.forceCosine == 1 && m.relativeForceError == 0 && m.forceFractionWithinTolerance == 1)
    #expect(m.forceMAE == 0 && m.forceRMSE == 0)
  }

  @Test func oppositeForcesHaveCosineMinusOneAndRelativeErrorTwo() {
    let m = metrics(molecule.forces!.map { -$0 })
    #expect(abs(m.forceCosine + 1) < 1e-15)
    // |−F − F| = 2|F| component by component.
    #expect(abs(m.relativeForceError - 2) < 1e-15)
    #expect(m.forceFractionWithinTolerance == 0)
  }

  @Test func zeroPredictionHasRelativeErrorOne() {
    let m = metrics([.zero, .zero])
    #expect(abs(m.relativeForceError - 1) < 1e-15)
    // A zero prediction has no direction: it counts 0 in the mean cosine.
    #expect(m.forceCosine == 0)
  }

  @Test func plantedErrorsByHand() throws {
    // H: error (0.04, 0, 0), 4 % of |F| = 1: within 5 %. C: error (0, 0, 0.2), 10 % of |F| = 2: not.
    let m = metrics([SIMD3(1.04, 0, 0), SIMD3(0, 2, 0.2)], energy: -2.9)
    #expect(abs(m.forceMAE - 0.24 / 6) < 1e-15)
    #expect(abs(m.relativeForceError - 0.24 / 3) < 1e-15)
    #expect(m.forceFractionWithinTolerance == 0.5)
    #expect(abs(m.forceCosine - (1 + 2 / 4.04.squareRoot()) / 2) < 1e-15)
    #expect(abs(m.energyMAE - 0.05) < 1e-15)
    let h = try #require(m.forcesByElement[1]), c = try #require(m.forcesByElement[6])
    #expect(h.atoms == 1 && c.atoms == 1)
    #expect(abs(h.relative - 0.04) < 1e-15 && abs(c.relative - 0.1) < 1e-15)
    #expect(h.fractionWithinTolerance == 1 && c.fractionWithinTolerance == 0)
    #expect(abs(h.cosine - 1) < 1e-15 && abs(c.cosine - 2 / 4.04.squareRoot()) < 1e-15)
    #expect(abs(c.rmse - (0.04 / 3).squareRoot()) < 1e-15)

    // The summary keeps them (eV units), writes meV for the MAE/RMSE and reads them back.
    let s = EvaluationSummary(m, structureCount: 1, atomCount: 2)
    #expect(abs(s.relativeForceError! - 0.08) < 1e-15 && s.forceWithinTolerance == 0.5)
    let json = try JSONSerialization.jsonObject(with: Data(s.json().utf8)) as? [String: Any]
    #expect(abs(((json?["force_relative_error"] as? NSNumber)?.doubleValue ?? 0) - 0.08) < 1e-12)
    #expect((json?["force_fraction_within_5_percent"] as? NSNumber)?.doubleValue == 0.5)
    let carbon = (json?["forces_by_element"] as? [String: Any])?["C"] as? [String: Any]
    #expect(abs(((carbon?["mae_meV_per_A"] as? NSNumber)?.doubleValue ?? 0) - 1000 * 0.2 / 3) < 1e-9)
    let back = try JSONDecoder().decode(EvaluationSummary.self, from: Data(s.json().utf8))
    #expect(back.forcesByElement["C"]?.mae.map { abs($0 - 0.2 / 3) < 1e-15 } == true)
    #expect(back.forcesByElement == s.forcesByElement)
    #expect(s.elementTable.rows.map { $0[0] } == ["H", "C"])
  }

  @Test func summariesWrittenBeforeTheAccuracyFiguresStillRead() throws {
    let old = #"{"atoms": 2, "structures": 1, "force_mae_meV_per_A": 40, "force_mae_by_element_meV_per_A": {"H": 40}}"#
    let s = try JSONDecoder().decode(EvaluationSummary.self, from: Data(old.utf8))
    #expect(s.relativeForceError == nil && s.forcesByElement.isEmpty && abs(s.forceMAE! - 0.04) < 1e-15)
  }

  @Test func agreesWithABruteForceLoopOnRandomForces() {
    var state: UInt64 = 11
    /// A uniform draw in [−1, 1] from a 64-bit linear congruential generator.
    func draw() -> Double {
      state = state &* 6364136223846793005 &+ 1442695040888963407
      return Double(state >> 11) / Double(1 << 53) * 2 - 1
    }
    var references: [Structure] = [], predictions: [Results] = []
    for k in 0..<5 {
      let n = 3 + k
      let z = (0..<n).map { [1, 6, 8][$0 % 3] }
      let f = (0..<n).map { _ in SIMD3(draw(), draw(), draw()) }
      // Predictions near the reference, so some atoms land within 5 % and some not.
      let p = f.map { $0 + 0.04 * SIMD3(draw(), draw(), draw()) }
      references.append(Structure(atomicNumbers: z, positions: (0..<n).map { SIMD3(Double($0), 0, 0) }, energy: draw(), forces: f))
      predictions.append(Results(energy: draw(), forces: p))
    }
    let m = Evaluation(references: references, predictions: predictions).metrics
    // Brute force, from the definitions.
    var absError = 0.0, absReference = 0.0, cosines: [Double] = [], within = 0, atoms = 0
    var oxygenAbs = 0.0, oxygenReference = 0.0
    for (r, p) in zip(references, predictions) {
      for i in 0..<r.count {
        let f = r.forces![i], g = p.forces![i]
        for c in 0..<3 {
          absError += abs(g[c] - f[c])
          absReference += abs(f[c])
          if r.atomicNumbers[i] == 8 { oxygenAbs += abs(g[c] - f[c]); oxygenReference += abs(f[c]) }
        }
        let nf = (f * f).sum().squareRoot(), ng = (g * g).sum().squareRoot(), d = g - f
        cosines.append((f * g).sum() / (nf * ng))
        if (d * d).sum().squareRoot() < 0.05 * nf { within += 1 }
        atoms += 1
      }
    }
    #expect(abs(m.relativeForceError - absError / absReference) < 1e-12)
    #expect(abs(m.forceMAE - absError / Double(3 * atoms)) < 1e-12)
    #expect(abs(m.forceCosine - cosines.reduce(0, +) / Double(cosines.count)) < 1e-12)
    #expect(abs(m.forceFractionWithinTolerance - Double(within) / Double(atoms)) < 1e-12)
    #expect(within > 0 && within < atoms)
    #expect(abs(m.forcesByElement[8]!.relative - oxygenAbs / oxygenReference) < 1e-12)
  }
}
