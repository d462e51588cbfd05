/// The arithmetic of one evaluation of the fused network, counted from the architecture.
///
/// Floating-point operations (a multiply-add counts 2) of what the fused kernels execute, for
/// N atoms, E directed edges, F features, L layers, n_rbf basis functions and H = F/2:
///
///     per atom and layer, forward:   interaction MLP F→F→3F (4F² MACs), mixing channel mix
///                                    3 rows F→2F (6F²), context MLP 2F→F→3F (5F²): 30F² FLOPs
///     per atom and layer, adjoint:   the same products transposed (input gradients only): 30F²
///     per atom, readout:             F→H, forward and adjoint: 2·2FH
///     per edge and layer, forward:   filter φ·W_fᵀ (3F·n_rbf MACs) + bias and cutoff (6F) +
///                                    messages (16F)
///     per edge and layer, adjoint:   filter again (6F·n_rbf + 3F), messages' adjoint (45F),
///                                    g_W·W_f (6F·n_rbf), g_φ·φ' (2n_rbf)
///
/// Elementwise activations (SiLU, norms) and the edge geometry are left out: they are O(F) per
/// atom and O(n_rbf) per edge, a few per cent at most.
public struct PaiNNCost: Sendable {
  /// FLOPs of the forward pass (energies).
  public var forward: Double
  /// FLOPs of the adjoint (forces and stress).
  public var adjoint: Double
  /// Both.
  public var total: Double { forward + adjoint }

  /// - Parameters:
  ///   - configuration: the architecture.
  ///   - atoms: N.
  ///   - edges: E, directed (both directions of every pair).
  public init(_ configuration: PaiNNConfiguration, atoms: Int, edges: Int) {
    let f = Double(configuration.featureCount), l = Double(configuration.layerCount)
    let nR = Double(configuration.radialBasisCount), h = Double(configuration.readoutHiddenCount)
    let n = Double(atoms), e = Double(edges)
    forward = l * (n * 30 * f * f + e * (6 * f * nR + 22 * f)) + n * 2 * f * h
    adjoint = l * (n * 30 * f * f + e * (12 * f * nR + 48 * f + 2 * nR)) + n * 2 * f * h
  }
}
