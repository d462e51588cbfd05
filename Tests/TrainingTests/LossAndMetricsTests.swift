import Atomistic
import Autodiff
import Foundation
import Potentials
import Testing
@testable import Training

@Suite struct LossAndMetricsTests {
  let a = Structure(atomicNumbers: [29, 29], positions: [.zero, SIMD3(2, 0, 0)], energy: -2,
                    forces: [SIMD3(1, 0, 0), SIMD3(-1, 0, 0)])
  let b = Structure(atomicNumbers: [29, 47, 47], positions: [.zero, SIMD3(2, 0, 0), SIMD3(0, 2, 0)], energy: -6,
                    forces: [SIMD3(0, 1, 0), SIMD3(0, -1, 0), SIMD3(0, 0, 0)], stress: [0.01, 0, 0, 0, 0, 0])

  @Test func mseLossByHand() {
    let loss = LossFunction(kind: .mse, weights: LossWeights(energy: 2, forces: 10, stress: 100))
    let energies = Tensor<Double>(shape: [2], scalars: [-1.8, -6.3])  // per-atom errors 0.1, −0.1
    let forces = Tensor<Double>(shape: [5, 3], scalars: [1.1, 0, 0, -1, 0, 0, 0, 1, 0, 0, -1, 0.2, 0, 0, 0])
    let stress = Tensor<Double>(shape: [2, 6], scalars: [0, 0, 0, 0, 0, 0, 0.03, 0, 0, 0, 0, 0])
    let value = loss(energies: energies, forces: forces, stress: stress,
                     targets: LossTargets([a, b]), normalization: LossNormalization([a, b]))
    // energy: 2 · (0.01 + 0.01)/2 = 0.02; forces: 10 · (0.01 + 0.04)/15 = 1/30;
    // stress: 100 · 0.0004/6 (only b has stress).
    #expect(abs(value.energy - 0.02) < 1e-12)
    #expect(abs(value.forces - 1.0 / 30) < 1e-12)
    #expect(abs(value.stress - 100 * 0.0004 / 6) < 1e-12)
    #expect(abs(value.total.scalar - (0.02 + 1.0 / 30 + 100 * 0.0004 / 6)) < 1e-12)
  }

  @Test func huberIsQuadraticThenLinear() {
    let loss = LossFunction(kind: .huber, huberDelta: 0.5)
    let r = Tensor<Double>(shape: [4], scalars: [0.2, -0.5, 1.5, -3])
    let p = loss.penalty(r).scalars
    let expected = [0.5 * 0.04, 0.5 * 0.25, 0.5 * (1.5 - 0.25), 0.5 * (3 - 0.25)]
    for (x, y) in zip(p, expected) { #expect(abs(x - y) < 1e-12) }
    for (x, y) in zip([0.2, -0.5, 1.5, -3.0], expected) { #expect(abs(loss.penalty(x) - y) < 1e-12) }
    // The gradient is r inside and ±δ outside.
    let leaf = r.requiringGradient()
    let g = gradients(of: loss.penalty(leaf).sum(), wrt: [leaf])[0].scalars
    for (x, y) in zip(g, [0.2, -0.5, 0.5, -0.5]) { #expect(abs(x - y) < 1e-9) }
  }

  @Test func partsOfABatchAddUpToTheBatch() {
    let loss = LossFunction()
    let all = [a, b]
    let n = LossNormalization(all)
    let e = Tensor<Double>(shape: [2], scalars: [-1.9, -5.7])
    let f = Tensor<Double>(shape: [5, 3], scalars: (0..<15).map { Double($0) * 0.01 })
    let whole = loss(energies: e, forces: f, stress: nil, targets: LossTargets(all), normalization: n).total.scalar
    let first = loss(energies: Tensor(shape: [1], scalars: [-1.9]), forces: Tensor(shape: [2, 3], scalars: (0..<6).map { Double($0) * 0.01 }),
                     stress: nil, targets: LossTargets([a]), normalization: n).total.scalar
    let second = loss(energies: Tensor(shape: [1], scalars: [-5.7]), forces: Tensor(shape: [3, 3], scalars: (6..<15).map { Double($0) * 0.01 }),
                      stress: nil, targets: LossTargets([b]), normalization: n).total.scalar
    #expect(abs(whole - (first + second)) < 1e-12)
  }

  @Test func metricsByHand() throws {
    var m = ErrorMetrics()
    m.add(reference: a, predicted: Results(energy: -1.8, forces: [SIMD3(1.1, 0, 0), SIMD3(-1, 0.3, 0)]))
    m.add(reference: b, predicted: Results(energy: -6.6, forces: [SIMD3(0, 1, 0), SIMD3(0, -1, 0), SIMD3(0, 0, 0.2)],
                                           stress: [0.02, 0, 0, 0, 0, 0.006]))
    // Energy per atom errors: +0.1 and −0.2.
    #expect(abs(m.energyMAE - 0.15) < 1e-12)
    #expect(abs(m.energyRMSE - ((0.01 + 0.04) / 2).squareRoot()) < 1e-12)
    // Force component errors: 0.1, 0.3, 0.2 among 15 components.
    #expect(abs(m.forceMAE - 0.6 / 15) < 1e-12)
    #expect(abs(m.forceRMSE - ((0.01 + 0.09 + 0.04) / 15).squareRoot()) < 1e-12)
    // Cosines: atom 0 of a: 1; atom 1 of a: cos = 1/√1.09; b: 1, 1; b atom 2 has no reference force.
    #expect(abs(m.forceCosine - (3 + 1 / 1.09.squareRoot()) / 4) < 1e-12)
    // Stress: errors 0.01 and 0.006 over 6 components.
    #expect(abs(m.stressMAE - 0.016 / 6) < 1e-12)
    // Per element: Cu has a's two atoms and b's first: errors 0.1 + 0.3 over 9 components;
    // Ag: 0.2 over 6.
    #expect(abs(m.forceMAEByElement[29]! - 0.4 / 9) < 1e-12)
    #expect(abs(m.forceMAEByElement[47]! - 0.2 / 6) < 1e-12)
    let s = EvaluationSummary(m, structureCount: 2, atomCount: 5)
    // The summary keeps eV units; its JSON says meV in keys and values.
    #expect(abs(s.forceMAE! - 0.04) < 1e-12)
    #expect(abs(s.forceMAEByElement["Ag"]! - 0.2 / 6) < 1e-12)
    let json = try JSONSerialization.jsonObject(with: Data(s.json().utf8)) as? [String: Any]
    #expect(abs(((json?["force_mae_meV_per_A"] as? NSNumber)?.doubleValue ?? 0) - 40) < 1e-9)
    #expect(abs(((json?["energy_mae_meV_per_atom"] as? NSNumber)?.doubleValue ?? 0) - 150) < 1e-9)
    let byElement = json?["force_mae_by_element_meV_per_A"] as? [String: Any]
    #expect(abs(((byElement?["Ag"] as? NSNumber)?.doubleValue ?? 0) - 1000 * 0.2 / 6) < 1e-9)
    let back = try JSONDecoder().decode(EvaluationSummary.self, from: Data(s.json().utf8))
    #expect(abs(back.forceMAE! - 0.04) < 1e-15 && abs(back.energyMAE! - 0.15) < 1e-15)
    #expect(s.tableRows[1] == ["forces (meV/Å)", "40.000", String(format: "%.3f", 1000 * m.forceRMSE)])
  }

  @Test func validationLossUsesTheTrainingFormula() {
    let loss = LossFunction(kind: .mse, weights: LossWeights(energy: 2, forces: 10, stress: 100))
    let e = Evaluation(references: [a, b], predictions: [
      Results(energy: -1.8, forces: [SIMD3(1.1, 0, 0), SIMD3(-1, 0, 0)]),
      Results(energy: -6.3, forces: [SIMD3(0, 1, 0), SIMD3(0, -1, 0.2), SIMD3(0, 0, 0)], stress: [0.03, 0, 0, 0, 0, 0]),
    ])
    #expect(abs(validationLoss(e, loss) - (0.02 + 1.0 / 30 + 100 * 0.0004 / 6)) < 1e-12)
  }
}
