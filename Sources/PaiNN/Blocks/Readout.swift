import Autodiff

/// The per-atom readout (schnetpack's `Atomwise` with a two-layer pyramidal MLP) and the sum
/// over atoms.
///
/// Forward:
///
///     e_i = W₆·silu(W₅ q_i + b₅) + b₆
///     E_s = Σ_{i ∈ s} (σ e_i + μ_{Z_i})
///
/// Adjoint: g_q,i = ∂E/∂q_i = W₅ᵀ(σ W₆ ⊙ silu'(W₅ q_i + b₅)).
struct Readout<T: TensorScalar>: Sendable {
  /// The MLP.
  let weights: ReadoutWeights<WeightBuffer<T>>
  /// F.
  let featureCount: Int
  /// H = F/2.
  let hiddenCount: Int
  /// σ, eV.
  let energyScale: Double
  /// μ of each element (embedding row), eV.
  let referenceEnergies: [Double]

  /// Energies of every structure and of every atom, and W₅ q + b₅ [N, H] for the adjoint.
  /// - Returns: E_s, [nStructures], eV, summed in Double in atom order; the per-atom terms
  ///   σ e_i + μ_{Z_i}, [nAtoms], eV, whose sum over a structure's atoms is its E_s.
  func forward(
    q: ScratchBuffer<T>, graph: PaiNNGraph
  ) -> (energies: [Double], atomEnergies: [Double], hiddenInput: ScratchBuffer<T>) {
    let n = graph.atomCount, hc = hiddenCount
    let a = ScratchBuffer<T>(n * hc)
    dense(q.pointer, rows: n, weights.hidden, into: a.pointer, outCount: hc, inCount: featureCount)
    let w = weights.output.weight, b = Double(weights.output.bias![0])
    var energies = [Double](repeating: 0, count: graph.structureCount)
    var atomEnergies = [Double](repeating: 0, count: n)
    for i in 0..<n {
      var e: T = 0
      for k in 0..<hc { e += silu(a[i * hc + k]) * w[k] }
      atomEnergies[i] = energyScale * (Double(e) + b) + referenceEnergies[Int(graph.species[i])]
      energies[Int(graph.structureIndex[i])] += atomEnergies[i]
    }
    return (energies, atomEnergies, a)
  }

  /// ∂E/∂q, [N, F], written into `gq`.
  func backward(hiddenInput a: ScratchBuffer<T>, atomCount n: Int, into gq: ScratchBuffer<T>) {
    let hc = hiddenCount, sigma = T(energyScale), w = weights.output.weight
    let ga = ScratchBuffer<T>(n * hc)
    for i in 0..<n {
      for k in 0..<hc { ga[i * hc + k] = sigma * w[k] * siluDerivative(a[i * hc + k]) }
    }
    denseBackward(ga.pointer, rows: n, weights.hidden, into: gq.pointer, outCount: hc, inCount: featureCount, accumulate: false)
  }
}

extension ReadoutWeights {
  /// The tensor-engine readout: per-atom energies σ e_i + μ_{Z_i}, [N], eV.
  /// - Parameters:
  ///   - q: scalar features, [N, F].
  ///   - referenceEnergies: μ of each atom's element, [N], eV.
  func forward<S: TensorScalar>(q: Tensor<S>, energyScale: Double, referenceEnergies: Tensor<S>) -> Tensor<S>
  where W == Tensor<S> {
    output(silu(hidden(q))).reshaped(to: [q.shape[0]]) * S(energyScale) + referenceEnergies
  }
}
