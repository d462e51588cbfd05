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
    let w = model.weights.zip(model.weightShapes) { WeightBuffer<T>($0, shape: $1) }
    let f = configuration.featureCount
    embedding = w.embedding
    let filterRows = WeightBuffer<T>(Self.filterRows(model.weights.filter))
    interactions = w.interactions.enumerated().map { l, block in
      InteractionBlock(
        weights: block, filter: w.filter, layer: l, featureCount: f, filterRows: filterRows, basis: model.configuration.basis)
    }
    mixings = w.mixings.map { MixingBlock(weights: $0, featureCount: f, normEpsilon: T(model.configuration.normEpsilon)) }
    readout = Readout(
      weights: w.readout, featureCount: f, hiddenCount: configuration.readoutHiddenCount,
      energyScale: model.energyScale, referenceEnergies: model.referenceEnergies)
  }

  /// The filter network [L·3F, n_rbf] with its bias [L·3F] as one matrix [n_rbf + 1, L·3F]:
  /// row k < n_rbf is column k of W_f, the last row is b_f (see `InteractionBlock.filterRows`).
  static func filterRows(_ filter: Linear<[Double]>) -> [Double] {
    let bias = filter.bias!, outputs = bias.count, nR = filter.weight.count / outputs
    var rows = [Double](repeating: 0, count: (nR + 1) * outputs)
    for c in 0..<outputs {
      for k in 0..<nR { rows[k * outputs + c] = filter.weight[c * nR + k] }
      rows[nR * outputs + c] = bias[c]
    }
    return rows
  }

  /// A workspace for this network's sizes (empty until the first evaluation prepares it).
  func makeWorkspace() -> PaiNNWorkspace<T> {
    PaiNNWorkspace(
      featureCount: configuration.featureCount, layerCount: configuration.layerCount,
      basisCount: basis.count, hiddenCount: configuration.readoutHiddenCount)
  }

  /// Energies and, when `gradients` is true, forces and strain derivatives of a batch: the
  /// blocks' forward passes, then their adjoints in reverse order.
  ///
  /// q⁰_i = embedding(Z_i), μ⁰_i = 0; for each layer an interaction then a mixing block; the
  /// readout gives E_s. The adjoint runs from g_q = ∂E/∂q of the readout back to the edge
  /// gradients, from which `EdgeGeometry.backward` forms forces and ∂E/∂ε.
  ///
  /// Every buffer comes from `workspace` (grown when the graph is larger than any before), so
  /// repeated evaluations allocate only their results. The work is cut into chunks of a fixed
  /// number of atoms spread over `threads` threads, with BLAS on one thread inside them; the
  /// numbers do not depend on `threads`.
  func evaluate(_ graph: PaiNNGraph, gradients: Bool, workspace ws: PaiNNWorkspace<T>? = nil, threads: Int = 1) -> PaiNNEvaluation {
    let ws = ws ?? makeWorkspace()
    return TensorThreads.withSingleThreadedBLAS { evaluate(graph, gradients: gradients, ws, threads: threads) }
  }

  /// `evaluate`, with BLAS already on one thread.
  private func evaluate(_ graph: PaiNNGraph, gradients: Bool, _ ws: PaiNNWorkspace<T>, threads: Int) -> PaiNNEvaluation {
    let n = graph.atomCount, f = configuration.featureCount
    EdgeGeometry.prepare(graph, basis: basis, workspace: ws, threads: threads)
    ws.keepFilters(gradients)

    let q = ws.q.pointer
    ws.mu.pointer.update(repeating: 0, count: n * 3 * f)
    graph.species.withUnsafeBufferPointer { species in
      for i in 0..<n { (q + i * f).update(from: embedding.pointer + Int(species[i]) * f, count: f) }
    }
    for l in 0..<interactions.count {
      interactions[l].forward(ws, threads: threads)
      mixings[l].forward(ws, layer: l, threads: threads)
    }
    let (energies, atomEnergies) = readout.forward(ws, graph: graph, threads: threads)
    guard gradients else {
      return PaiNNEvaluation(energies: energies, atomEnergies: atomEnergies, forces: [], strainDerivatives: [])
    }

    readout.backward(ws, threads: threads)
    ws.gmu.pointer.update(repeating: 0, count: n * 3 * f)
    ws.distanceGradients.pointer.update(repeating: 0, count: ws.edgeCount)
    ws.unitGradients.pointer.update(repeating: 0, count: 3 * ws.edgeCount)
    for l in stride(from: interactions.count - 1, through: 0, by: -1) {
      mixings[l].backward(ws, layer: l, threads: threads)
      interactions[l].backward(ws, threads: threads)
    }
    let (forces, strain) = EdgeGeometry.backward(graph, workspace: ws)
    return PaiNNEvaluation(energies: energies, atomEnergies: atomEnergies, forces: forces, strainDerivatives: strain)
  }
}
