import Autodiff

/// What one evaluation of a batch gives.
struct PaiNNEvaluation {
  /// Total energy of each structure, [nStructures], eV.
  var energies: [Double]
  /// Energy of each atom, σ e_i + μ_{Z_i}, [nAtoms], eV; a structure's sum is its energy.
  var atomEnergies: [Double]
  /// −∂E/∂R, [nAtoms], eV/Å (empty when gradients were not asked for).
  var forces: [SIMD3<Double>]
  /// ∂E/∂ε of each structure as a row-major 3×3, [nStructures][9], eV (empty when not asked).
  var strainDerivatives: [[Double]]
}

/// The fused execution of a PaiNN network: the weights in the evaluation precision, and a
/// forward pass with its hand-derived adjoint that gives energies, forces and virials in one
/// go with no graph recorded.
///
/// The network is the same one `PaiNNTrainable` runs on the tensor engine: each block
/// (`EdgeGeometry`, `InteractionBlock`, `MixingBlock`, `Readout`) holds both executions side
/// by side, and tests check the two against each other for every radial basis and both
/// precisions. The fused path is what inference runs because it is faster than the tensor
/// path: 1.5–3× on structures of up to a few hundred atoms and 7–9× on a 1,372-atom cell, in
/// Float on one thread (`mlff bench painn --engine tensor` measures it; docs/benchmarks.md).
final class PaiNNNetwork<T: TensorScalar>: Sendable {
  let configuration: PaiNNConfiguration
  let basis: any RadialBasis
  let embedding: WeightBuffer<T>
  let interactions: [InteractionBlock<T>]
  let mixings: [MixingBlock<T>]
  let readout: Readout<T>

  init(_ model: PaiNNModel) {
    configuration = model.configuration
    basis = model.configuration.basis
    let w = model.weights.map { WeightBuffer<T>($0) }
    let f = configuration.featureCount
    embedding = w.embedding
    interactions = w.interactions.enumerated().map { l, block in
      InteractionBlock(weights: block, filter: w.filter, layer: l, featureCount: f)
    }
    mixings = w.mixings.map { MixingBlock(weights: $0, featureCount: f, normEpsilon: T(model.configuration.normEpsilon)) }
    readout = Readout(
      weights: w.readout, featureCount: f, hiddenCount: configuration.readoutHiddenCount,
      energyScale: model.energyScale, referenceEnergies: model.referenceEnergies)
  }

  /// Energies and, when `gradients` is true, forces and strain derivatives of a batch: the
  /// blocks' forward passes, then their adjoints in reverse order.
  ///
  /// q⁰_i = embedding(Z_i), μ⁰_i = 0; for each layer an interaction then a mixing block; the
  /// readout gives E_s. The adjoint runs from g_q = ∂E/∂q of the readout back to the edge
  /// gradients, from which `EdgeGeometry.backward` forms forces and ∂E/∂ε.
  func evaluate(_ graph: PaiNNGraph, gradients: Bool) -> PaiNNEvaluation {
    let n = graph.atomCount, f = configuration.featureCount
    let edges = EdgeGeometry<T>(graph, basis: basis, gradients: gradients)
    let workspace = PaiNNWorkspace<T>(atomCount: n, edgeCount: graph.edgeCount, featureCount: f)

    let q = ScratchBuffer<T>(n * f), mu = ScratchBuffer<T>(n * 3 * f)
    for i in 0..<n {
      (q.pointer + i * f).update(from: embedding.pointer + Int(graph.species[i]) * f, count: f)
    }
    var saved: [(InteractionBlock<T>.Activations, MixingBlock<T>.Activations)] = []
    for (interaction, mixing) in zip(interactions, mixings) {
      let a = interaction.forward(q: q, mu: mu, graph: graph, edges: edges, workspace: workspace, saving: gradients)
      let b = mixing.forward(q: q, mu: mu, atomCount: n, workspace: workspace, saving: gradients)
      if let a, let b { saved.append((a, b)) }
    }
    let (energies, atomEnergies, readoutInput) = readout.forward(q: q, graph: graph)
    guard gradients else {
      return PaiNNEvaluation(energies: energies, atomEnergies: atomEnergies, forces: [], strainDerivatives: [])
    }

    let gq = ScratchBuffer<T>(n * f), gmu = ScratchBuffer<T>(n * 3 * f)
    readout.backward(hiddenInput: readoutInput, atomCount: n, into: gq)
    let basisGradients = ScratchBuffer<T>(edges.count * edges.basisCount)
    let cutoffGradients = ScratchBuffer<T>(edges.count), unitGradients = ScratchBuffer<T>(3 * edges.count)
    for l in stride(from: interactions.count - 1, through: 0, by: -1) {
      mixings[l].backward(gq: gq, gmu: gmu, saved: saved[l].1, atomCount: n, workspace: workspace)
      interactions[l].backward(
        gq: gq, gmu: gmu, saved: saved[l].0, graph: graph, edges: edges, workspace: workspace,
        basisGradients: basisGradients, cutoffGradients: cutoffGradients, unitGradients: unitGradients)
    }
    let (forces, strain) = edges.backward(
      graph, basisGradients: basisGradients, cutoffGradients: cutoffGradients, unitGradients: unitGradients)
    return PaiNNEvaluation(energies: energies, atomEnergies: atomEnergies, forces: forces, strainDerivatives: strain)
  }
}
