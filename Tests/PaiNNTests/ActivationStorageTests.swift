import Atomistic
import Autodiff
import Foundation
@testable import PaiNN
import Testing

/// Activations recomputed in the adjoint (what a graph too large to keep them does) against
/// activations kept from the forward pass: the same calls on the same inputs, so the same bits,
/// for less memory.
@Suite struct ActivationStorageTests {
  /// 64 + 8 + 9 atoms (three chunks, periodic and not), so that chunks and threads are exercised.
  var batch: [Structure] { [Fixtures.silicon.supercell(2, 2, 2), Fixtures.silicon, Fixtures.ethanol] }

  func evaluate<T: TensorScalar>(
    _ network: PaiNNNetwork<T>, _ graph: PaiNNGraph, _ storage: PaiNNActivationStorage,
    threads: Int, workspace: PaiNNWorkspace<T>? = nil
  ) -> (values: [Double], recomputed: Bool, bytes: Int) {
    let ws = workspace ?? network.makeWorkspace()
    ws.activationStorage = storage
    let r = network.evaluate(graph, gradients: true, workspace: ws, threads: threads)
    let values = r.energies + r.atomEnergies + r.forces.flatMap { [$0.x, $0.y, $0.z] } + r.strainDerivatives.flatMap { $0 }
    return (values, ws.recomputesActivations, ws.atomBufferBytes)
  }

  func check<T: TensorScalar>(_ type: T.Type, featureCount: Int) throws {
    let model = Fixtures.model(featureCount: featureCount, layerCount: 3)
    let network = PaiNNNetwork<T>(model)
    let graph = try PaiNNGraph(batch, elements: model.elements, cutoff: model.configuration.cutoff)
    let kept = evaluate(network, graph, .kept, threads: 1)
    #expect(!kept.recomputed)
    #expect(kept.values.contains { $0 != 0 } && kept.values.allSatisfy { $0.isFinite })
    for threads in [1, 2, 3] {
      let recomputed = evaluate(network, graph, .recomputed, threads: threads)
      #expect(recomputed.recomputed)
      #expect(recomputed.values == kept.values, "\(T.self), F = \(featureCount), \(threads) threads")
      // Per atom and layer, 19F kept against 8F recomputed, less the one layer of x [3F] that
      // recomputing holds (the features, gradients and readout are the same for both).
      let f = featureCount, n = graph.atomCount, l = 3, size = MemoryLayout<T>.stride
      #expect(kept.bytes - recomputed.bytes == ((19 - 8) * l - 3) * f * n * size)
    }
  }

  @Test(arguments: [16, 12])
  func recomputedActivationsGiveTheKeptOnesBits(featureCount: Int) throws {
    try check(Float.self, featureCount: featureCount)
    try check(Double.self, featureCount: featureCount)
  }

  /// `.automatic` keeps activations and basis derivatives that fit in the budget and
  /// recomputes each beyond it, and one workspace switched between the storages carries
  /// nothing over.
  @Test func automaticStorageFollowsTheBudgetAndSwitchesCleanly() throws {
    let model = Fixtures.model(layerCount: 3)
    let network = PaiNNNetwork<Float>(model)
    let large = try PaiNNGraph(batch, elements: model.elements, cutoff: model.configuration.cutoff)
    let small = try PaiNNGraph([Fixtures.ethanol], elements: model.elements, cutoff: model.configuration.cutoff)
    let expected = [large.atomCount: evaluate(network, large, .kept, threads: 2).values,
                    small.atomCount: evaluate(network, small, .kept, threads: 2).values]
    // Kept per atom: 19F·L scalars = 19 · 16 · 3 · 4 bytes; per edge: n_rbf = 8 scalars.
    let perAtom = 19 * 16 * 3 * 4, perEdge = 8 * 4
    let ws = network.makeWorkspace()
    ws.activationStorage = .automatic
    // (budget, graph, activations recomputed, φ' recomputed)
    let cases: [(Int, PaiNNGraph, Bool, Bool)] = [
      (perAtom * 20, large, true, large.edgeCount * perEdge > perAtom * 20), (perAtom * 20, small, false, false),
      (1, large, true, true), (1, small, true, true), (1 << 30, large, false, false), (1, large, true, true),
    ]
    for (budget, graph, activations, derivatives) in cases {
      ws.keptActivationBudget = budget
      let r = network.evaluate(graph, gradients: true, workspace: ws, threads: 2)
      let values = r.energies + r.atomEnergies + r.forces.flatMap { [$0.x, $0.y, $0.z] } + r.strainDerivatives.flatMap { $0 }
      #expect(ws.recomputesActivations == activations, "\(graph.atomCount) atoms, budget \(budget)")
      #expect(ws.recomputesBasisDerivatives == derivatives, "\(graph.atomCount) atoms, budget \(budget)")
      #expect(values == expected[graph.atomCount], "\(graph.atomCount) atoms, budget \(budget)")
    }
  }
}
