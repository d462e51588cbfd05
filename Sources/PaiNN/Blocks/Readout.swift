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

  /// Energies of every structure and of every atom from the workspace's q; keeps W₅ q + b₅
  /// [N, H] for the adjoint.
  /// - Returns: E_s, [nStructures], eV, summed in Double in atom order; the per-atom terms
  ///   σ e_i + μ_{Z_i}, [nAtoms], eV, whose sum over a structure's atoms is its E_s.
  func forward(_ ws: PaiNNWorkspace<T>, graph: PaiNNGraph, threads: Int) -> (energies: [Double], atomEnergies: [Double]) {
    let n = graph.atomCount, hc = hiddenCount, f = featureCount
    let a = ws.readoutHidden.pointer, q = ws.q.pointer, atomEnergy = ws.atomEnergies.pointer
    let w = weights.output.weight, b = Double(weights.output.bias![0])
    graph.species.withUnsafeBufferPointer { species in
      parallelChunks(count: ws.chunkCount, threads: threads) { c, _ in
        let atoms = ws.chunkAtoms(c)
        dense(q + atoms.lowerBound * f, rows: atoms.count, weights.hidden, into: a + atoms.lowerBound * hc, outCount: hc, inCount: f)
        for i in atoms {
          var e: T = 0
          for k in 0..<hc { e += silu(a[i * hc + k]) * w[k] }
          atomEnergy[i] = energyScale * (Double(e) + b) + referenceEnergies[Int(species[i])]
        }
      }
    }
    var energies = [Double](repeating: 0, count: graph.structureCount)
    let atomEnergies = Array(UnsafeBufferPointer(start: atomEnergy, count: n))
    for i in 0..<n { energies[Int(graph.structureIndex[i])] += atomEnergies[i] }
    return (energies, atomEnergies)
  }

  /// ∂E/∂q, [N, F], written into the workspace's g_q.
  func backward(_ ws: PaiNNWorkspace<T>, threads: Int) {
    let hc = hiddenCount, sigma = T(energyScale), w = weights.output.weight, f = featureCount
    let a = ws.readoutHidden.pointer, ga = ws.readoutGradients.pointer, gq = ws.gq.pointer
    parallelChunks(count: ws.chunkCount, threads: threads) { c, _ in
      let atoms = ws.chunkAtoms(c)
      for i in atoms {
        for k in 0..<hc { ga[i * hc + k] = sigma * w[k] * siluDerivative(a[i * hc + k]) }
      }
      denseBackward(ga + atoms.lowerBound * hc, rows: atoms.count, weights.hidden, into: gq + atoms.lowerBound * f, outCount: hc, inCount: f, accumulate: false)
    }
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
