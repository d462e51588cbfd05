import Atomistic
import Autodiff
import Basics
import Foundation
@testable import PaiNN
import Testing

/// Each fused block against the tensor engine through the same block, in Double: the forward
/// outputs agree, and the hand-derived adjoint equals `gradients(of:)` of a random linear
/// functional of the outputs, so a mistake is found in the block that makes it.
@Suite struct BlockAdjointTests {
  let model = Fixtures.model(featureCount: 8, layerCount: 2, seed: 7)
  let structures = [Fixtures.ethanol, Fixtures.selfImageCell]
  var f: Int { model.configuration.featureCount }

  func graph() throws -> PaiNNGraph {
    try PaiNNGraph(structures, elements: model.elements, cutoff: model.configuration.cutoff)
  }

  /// Reproducible values in [−1, 1).
  func random(_ count: Int, seed: UInt64) -> [Double] {
    var g = Xoshiro256StarStar(seed: seed)
    return (0..<count).map { _ in 2 * g.nextUniform() - 1 }
  }

  func tensor(_ values: [Double], _ shape: [Int]) -> Tensor<Double> {
    Tensor(shape: shape, scalars: values).requiringGradient()
  }

  func expectClose(_ hand: [Double], _ tensor: [Double], _ what: String, tolerance: Double = 1e-11) {
    #expect(hand.count == tensor.count, "\(what): \(hand.count) vs \(tensor.count) values")
    let scale = max(1, tensor.map(abs).max() ?? 0)
    let worst = zip(hand, tensor).map { abs($0 - $1) }.max() ?? 0
    #expect(worst <= tolerance * scale, "\(what): largest difference \(worst) (scale \(scale))")
    #expect(tensor.contains { $0 != 0 } || hand.allSatisfy { $0 == 0 }, "\(what) is all zero")
  }

  /// A workspace holding the fused geometry of `graph` (edges in CSR order).
  func workspace(_ graph: PaiNNGraph, basis: any RadialBasis) -> PaiNNWorkspace<Double> {
    let ws = PaiNNWorkspace<Double>(
      featureCount: f, layerCount: model.configuration.layerCount, basisCount: basis.count,
      hiddenCount: model.configuration.readoutHiddenCount)
    EdgeGeometry.prepare(graph, basis: basis, workspace: ws, threads: 1)
    return ws
  }

  /// Values of `width` per CSR edge of the workspace, in the graph's edge order.
  func graphOrder(_ buffer: ScratchBuffer<Double>, width: Int, stride: Int? = nil, _ ws: PaiNNWorkspace<Double>) -> [Double] {
    var out = [Double](repeating: 0, count: ws.edgeCount * width)
    for p in 0..<ws.edgeCount {
      let e = Int(ws.edgeSource[p])
      for k in 0..<width { out[e * width + k] = buffer[p * (stride ?? width) + k] }
    }
    return out
  }

  /// The graph index of the reverse (j → i, −S) of every graph edge (i → j, S).
  func reverseEdges(_ graph: PaiNNGraph) -> [Int] {
    (0..<graph.edgeCount).map { e in
      let r = (0..<graph.edgeCount).first {
        graph.centers[$0] == graph.neighbors[e] && graph.neighbors[$0] == graph.centers[e]
          && graph.cellOffsets[$0] == -graph.cellOffsets[e]
      }
      return r!
    }
  }

  /// Edge tensors whose φ, f_cut and û are leaves holding the fused geometry's values.
  func edgeLeaves(_ ws: PaiNNWorkspace<Double>) -> (phi: Tensor<Double>, fcut: Tensor<Double>, units: Tensor<Double>) {
    (tensor(graphOrder(ws.basis, width: ws.basisCount, stride: ws.basisStride, ws), [ws.edgeCount, ws.basisCount]),
     tensor(graphOrder(ws.cutoffValues, width: 1, ws), [ws.edgeCount, 1]),
     tensor(graphOrder(ws.units, width: 3, ws), [ws.edgeCount, 3]))
  }

  func set(_ buffer: ScratchBuffer<Double>, _ values: [Double]) {
    for k in values.indices { buffer[k] = values[k] }
  }

  func values(_ buffer: ScratchBuffer<Double>, _ count: Int) -> [Double] {
    Array(UnsafeBufferPointer(start: buffer.pointer, count: count))
  }

  /// The interaction block against the tensor engine: forward outputs, ∂/∂q and ∂/∂μ, and
  /// each edge slot's ∂E/∂d and ∂E/∂û, which hold the gradient of the message its center
  /// sends (the tensor engine's gradients of the reverse edge, û's sign flipped).
  @Test(arguments: [0, 1])
  func interactionBlock(layer: Int) throws {
    let graph = try graph()
    let n = graph.atomCount
    let network = PaiNNNetwork<Double>(model)
    let block = network.interactions[layer]
    let ws = workspace(graph, basis: model.configuration.basis)
    let nE = ws.edgeCount, nR = ws.basisCount
    let q0 = random(n * f, seed: 1), mu0 = random(n * 3 * f, seed: 2)
    let gq0 = random(n * f, seed: 3), gmu0 = random(n * 3 * f, seed: 4)

    // Tensor engine.
    let weights = PaiNNTrainable<Double>(model).weights
    let (phi, fcut, units) = edgeLeaves(ws)
    let q = tensor(q0, [n, f]), mu = tensor(mu0, [n, 3, f])
    let filters = (weights.filter(phi) * fcut).slice(lastAxis: (3 * f * layer)..<(3 * f * (layer + 1)))
    let out = weights.interactions[layer].forward(q: q, mu: mu, filters: filters, units: units, graph: graph)
    let functional = (out.q * Tensor(shape: [n, f], scalars: gq0)).sum() + (out.mu * Tensor(shape: [n, 3, f], scalars: gmu0)).sum()
    let g = gradients(of: functional, wrt: [q, mu, phi, fcut, units])

    // Fused.
    set(ws.q, q0)
    set(ws.mu, mu0)
    block.forward(ws, threads: 1)
    expectClose(values(ws.q, n * f), out.q.scalars, "q after interaction \(layer)")
    expectClose(values(ws.mu, n * 3 * f), out.mu.scalars, "μ after interaction \(layer)")
    set(ws.gq, gq0)
    set(ws.gmu, gmu0)
    ws.distanceGradients.pointer.update(repeating: 0, count: nE)
    ws.unitGradients.pointer.update(repeating: 0, count: 3 * nE)
    block.backward(ws, threads: 1)
    expectClose(values(ws.gq, n * f), g[0].scalars, "∂/∂q")
    expectClose(values(ws.gmu, n * 3 * f), g[1].scalars, "∂/∂μ")

    let reverse = reverseEdges(graph)
    var expectedDistance = [Double](repeating: 0, count: nE), expectedUnits = [Double](repeating: 0, count: 3 * nE)
    for p in 0..<nE {
      let e = reverse[Int(ws.edgeSource[p])]
      var gd = g[3].scalars[e] * ws.cutoffDerivatives[p]
      for k in 0..<nR { gd += g[2].scalars[e * nR + k] * ws.basisDerivatives[p * nR + k] }
      expectedDistance[p] = gd
      for c in 0..<3 { expectedUnits[3 * p + c] = -g[4].scalars[3 * e + c] }
    }
    expectClose(values(ws.distanceGradients, nE), expectedDistance, "∂/∂d")
    expectClose(values(ws.unitGradients, 3 * nE), expectedUnits, "∂/∂û")
  }

  @Test(arguments: [0, 1])
  func mixingBlock(layer: Int) throws {
    let n = try graph().atomCount
    let block = PaiNNNetwork<Double>(model).mixings[layer]
    let q0 = random(n * f, seed: 5), mu0 = random(n * 3 * f, seed: 6)
    let gq0 = random(n * f, seed: 7), gmu0 = random(n * 3 * f, seed: 8)

    let weights = PaiNNTrainable<Double>(model).weights
    let q = tensor(q0, [n, f]), mu = tensor(mu0, [n, 3, f])
    let out = weights.mixings[layer].forward(q: q, mu: mu, normEpsilon: model.configuration.normEpsilon)
    let functional = (out.q * Tensor(shape: [n, f], scalars: gq0)).sum() + (out.mu * Tensor(shape: [n, 3, f], scalars: gmu0)).sum()
    let g = gradients(of: functional, wrt: [q, mu])

    let ws = PaiNNWorkspace<Double>(
      atomCount: n, edgeCount: 0, featureCount: f, layerCount: model.configuration.layerCount,
      basisCount: model.configuration.radialBasisCount)
    set(ws.q, q0)
    set(ws.mu, mu0)
    block.forward(ws, layer: layer, threads: 1)
    expectClose(values(ws.q, n * f), out.q.scalars, "q after mixing \(layer)")
    expectClose(values(ws.mu, n * 3 * f), out.mu.scalars, "μ after mixing \(layer)")
    set(ws.gq, gq0)
    set(ws.gmu, gmu0)
    block.backward(ws, layer: layer, threads: 1)
    expectClose(values(ws.gq, n * f), g[0].scalars, "∂/∂q")
    expectClose(values(ws.gmu, n * 3 * f), g[1].scalars, "∂/∂μ")
  }

  @Test func readout() throws {
    let graph = try graph()
    let n = graph.atomCount
    let readout = PaiNNNetwork<Double>(model).readout
    let q0 = random(n * f, seed: 9)
    let weights = PaiNNTrainable<Double>(model).weights
    let q = tensor(q0, [n, f])
    let mu0 = Tensor<Double>(shape: [n], scalars: graph.species.map { model.referenceEnergies[Int($0)] })
    let atomEnergies = weights.readout.forward(q: q, energyScale: model.energyScale, referenceEnergies: mu0)
    let energies = scatterAdd(atomEnergies, into: graph.structureCount, at: graph.structureIndex)
    let g = gradients(of: energies.sum(), wrt: [q])

    let ws = PaiNNWorkspace<Double>(
      atomCount: n, edgeCount: 0, featureCount: f, basisCount: 1, hiddenCount: model.configuration.readoutHiddenCount)
    set(ws.q, q0)
    let (handEnergies, handAtomEnergies) = readout.forward(ws, graph: graph, threads: 1)
    expectClose(handEnergies, energies.scalars, "E_s", tolerance: 1e-13)
    expectClose(handAtomEnergies, atomEnergies.scalars, "e_i", tolerance: 1e-13)
    readout.backward(ws, threads: 1)
    expectClose(values(ws.gq, n * f), g[0].scalars, "∂E/∂q")
  }

  /// Forces and the virial from edge gradients ∂E/∂d and ∂E/∂û, against the tensor engine
  /// differentiating d and û with respect to positions and strain; the geometry itself
  /// (φ, f_cut, û) against the tensor engine's.
  @Test(arguments: RadialBasisKind.allCases)
  func edgeGeometry(basis kind: RadialBasisKind) throws {
    let graph = try graph()
    let basis = kind.basis(count: model.configuration.radialBasisCount, cutoff: model.configuration.cutoff)
    let ws = workspace(graph, basis: basis)
    let nE = ws.edgeCount, nR = ws.basisCount
    let gd0 = random(nE, seed: 11), gunit0 = random(3 * nE, seed: 12)

    let positions = tensor(graph.positions.flatMap { [$0.x, $0.y, $0.z] }, [graph.atomCount, 3])
    let strain = tensor(Array(repeating: 0, count: 9 * graph.structureCount), [graph.structureCount, 3, 3])
    let t = EdgeTensors(graph, positions: positions, strain: strain, basis: basis)
    expectClose(graphOrder(ws.basis, width: nR, stride: ws.basisStride, ws), t.basis.scalars, "φ", tolerance: 1e-13)
    expectClose(graphOrder(ws.cutoffValues, width: 1, ws), t.cutoffValues.scalars, "f_cut", tolerance: 1e-13)
    expectClose(graphOrder(ws.units, width: 3, ws), t.units.scalars, "û", tolerance: 1e-13)
    set(ws.distanceGradients, gd0)
    set(ws.unitGradients, gunit0)
    let functional = (t.distances * Tensor(shape: [nE, 1], scalars: graphOrder(ws.distanceGradients, width: 1, ws))).sum()
      + (t.units * Tensor(shape: [nE, 3], scalars: graphOrder(ws.unitGradients, width: 3, ws))).sum()
    let g = gradients(of: functional, wrt: [positions, strain])

    let (forces, virial) = EdgeGeometry.backward(graph, workspace: ws)
    expectClose(forces.flatMap { [-$0.x, -$0.y, -$0.z] }, g[0].scalars, "∂/∂R", tolerance: 1e-10)
    expectClose(virial.flatMap { $0 }, g[1].scalars, "∂/∂ε", tolerance: 1e-10)
  }
}
