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

  /// Edge tensors whose φ, f_cut and û are leaves holding the fused geometry's values.
  func edgeLeaves(_ edges: EdgeGeometry<Double>) -> (phi: Tensor<Double>, fcut: Tensor<Double>, units: Tensor<Double>) {
    (tensor(edges.basis.array, [edges.count, edges.basisCount]),
     tensor(edges.cutoffValues.array, [edges.count, 1]),
     tensor(edges.units.array, [edges.count, 3]))
  }

  @Test(arguments: [0, 1])
  func interactionBlock(layer: Int) throws {
    let graph = try graph()
    let n = graph.atomCount
    let network = PaiNNNetwork<Double>(model)
    let block = network.interactions[layer]
    let edges = EdgeGeometry<Double>(graph, basis: model.configuration.basis, gradients: true)
    let q0 = random(n * f, seed: 1), mu0 = random(n * 3 * f, seed: 2)
    let gq0 = random(n * f, seed: 3), gmu0 = random(n * 3 * f, seed: 4)

    // Tensor engine.
    let weights = PaiNNTrainable<Double>(model).weights
    let (phi, fcut, units) = edgeLeaves(edges)
    let q = tensor(q0, [n, f]), mu = tensor(mu0, [n, 3, f])
    let filters = (weights.filter(phi) * fcut).slice(lastAxis: (3 * f * layer)..<(3 * f * (layer + 1)))
    let out = weights.interactions[layer].forward(q: q, mu: mu, filters: filters, units: units, graph: graph)
    let functional = (out.q * Tensor(shape: [n, f], scalars: gq0)).sum() + (out.mu * Tensor(shape: [n, 3, f], scalars: gmu0)).sum()
    let g = gradients(of: functional, wrt: [q, mu, phi, fcut, units])

    // Fused.
    let hq = ScratchBuffer<Double>(q0), hmu = ScratchBuffer<Double>(mu0)
    let workspace = PaiNNWorkspace<Double>(atomCount: n, edgeCount: edges.count, featureCount: f)
    let saved = block.forward(q: hq, mu: hmu, graph: graph, edges: edges, workspace: workspace, saving: true)!
    expectClose(hq.array, out.q.scalars, "q after interaction \(layer)")
    expectClose(hmu.array, out.mu.scalars, "μ after interaction \(layer)")
    let gq = ScratchBuffer<Double>(gq0), gmu = ScratchBuffer<Double>(gmu0)
    let gphi = ScratchBuffer<Double>(edges.count * edges.basisCount)
    let gfcut = ScratchBuffer<Double>(edges.count), gunit = ScratchBuffer<Double>(3 * edges.count)
    block.backward(
      gq: gq, gmu: gmu, saved: saved, graph: graph, edges: edges, workspace: workspace,
      basisGradients: gphi, cutoffGradients: gfcut, unitGradients: gunit)
    expectClose(gq.array, g[0].scalars, "∂/∂q")
    expectClose(gmu.array, g[1].scalars, "∂/∂μ")
    expectClose(gphi.array, g[2].scalars, "∂/∂φ")
    expectClose(gfcut.array, g[3].scalars, "∂/∂f_cut")
    expectClose(gunit.array, g[4].scalars, "∂/∂û")
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

    let hq = ScratchBuffer<Double>(q0), hmu = ScratchBuffer<Double>(mu0)
    let workspace = PaiNNWorkspace<Double>(atomCount: n, edgeCount: 0, featureCount: f)
    let saved = block.forward(q: hq, mu: hmu, atomCount: n, workspace: workspace, saving: true)!
    expectClose(hq.array, out.q.scalars, "q after mixing \(layer)")
    expectClose(hmu.array, out.mu.scalars, "μ after mixing \(layer)")
    let gq = ScratchBuffer<Double>(gq0), gmu = ScratchBuffer<Double>(gmu0)
    block.backward(gq: gq, gmu: gmu, saved: saved, atomCount: n, workspace: workspace)
    expectClose(gq.array, g[0].scalars, "∂/∂q")
    expectClose(gmu.array, g[1].scalars, "∂/∂μ")
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

    let (handEnergies, handAtomEnergies, hidden) = readout.forward(q: ScratchBuffer(q0), graph: graph)
    expectClose(handEnergies, energies.scalars, "E_s", tolerance: 1e-13)
    expectClose(handAtomEnergies, atomEnergies.scalars, "e_i", tolerance: 1e-13)
    let gq = ScratchBuffer<Double>(n * f)
    readout.backward(hiddenInput: hidden, atomCount: n, into: gq)
    expectClose(gq.array, g[0].scalars, "∂E/∂q")
  }

  /// Forces and the virial from edge gradients, against the tensor engine differentiating
  /// φ, f_cut and û with respect to positions and strain.
  @Test(arguments: RadialBasisKind.allCases)
  func edgeGeometry(basis kind: RadialBasisKind) throws {
    let graph = try graph()
    let basis = kind.basis(count: model.configuration.radialBasisCount, cutoff: model.configuration.cutoff)
    let edges = EdgeGeometry<Double>(graph, basis: basis, gradients: true)
    let nE = edges.count, nR = edges.basisCount
    let gphi0 = random(nE * nR, seed: 10), gfcut0 = random(nE, seed: 11), gunit0 = random(3 * nE, seed: 12)

    let positions = tensor(graph.positions.flatMap { [$0.x, $0.y, $0.z] }, [graph.atomCount, 3])
    let strain = tensor(Array(repeating: 0, count: 9 * graph.structureCount), [graph.structureCount, 3, 3])
    let t = EdgeTensors(graph, positions: positions, strain: strain, basis: basis)
    expectClose(edges.basis.array, t.basis.scalars, "φ", tolerance: 1e-13)
    expectClose(edges.cutoffValues.array, t.cutoffValues.scalars, "f_cut", tolerance: 1e-13)
    expectClose(edges.units.array, t.units.scalars, "û", tolerance: 1e-13)
    let functional = (t.basis * Tensor(shape: [nE, nR], scalars: gphi0)).sum()
      + (t.cutoffValues * Tensor(shape: [nE, 1], scalars: gfcut0)).sum()
      + (t.units * Tensor(shape: [nE, 3], scalars: gunit0)).sum()
    let g = gradients(of: functional, wrt: [positions, strain])

    let (forces, virial) = edges.backward(
      graph, basisGradients: ScratchBuffer(gphi0), cutoffGradients: ScratchBuffer(gfcut0),
      unitGradients: ScratchBuffer(gunit0))
    expectClose(forces.flatMap { [-$0.x, -$0.y, -$0.z] }, g[0].scalars, "∂/∂R", tolerance: 1e-10)
    expectClose(virial.flatMap { $0 }, g[1].scalars, "∂/∂ε", tolerance: 1e-10)
  }
}
