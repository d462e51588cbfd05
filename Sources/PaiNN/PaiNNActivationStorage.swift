/// Whether the adjoint of an energy + forces evaluation reads the per-atom activations of
/// every layer that the forward pass kept, or computes them again from each block's input.
///
/// The results are the same bits either way; recomputing trades arithmetic for memory, which
/// decides how large a structure fits: at F = 64, three layers and 20 basis functions in
/// Float, the activations kept cost 14.6 kB per atom and φ' 80 bytes per edge; recomputed,
/// 6.1 kB per atom and 8 bytes per edge.
public enum PaiNNActivationStorage: String, Sendable, CaseIterable {
  /// Kept while they would take at most 512 MB (about 35,000 atoms at F = 64, three layers,
  /// Float), recomputed beyond; the same for φ', decided on its own (512 MB is 6.7 million
  /// edges at n_rbf = 20, about 160,000 atoms of fcc Cu at r_c = 5 Å).
  case automatic
  /// 19F scalars per atom and layer: W₁q + b₁ and x of the interaction block, μ entering it,
  /// and (V, U), ‖V‖, W₃[q, ‖V‖] + b₃, (a, b, c) and s of the mixing block.
  case kept
  /// 8F per atom and layer: q and μ entering each block. The adjoint of a block first computes
  /// again, chunk by chunk and with the same calls as the forward (so the same numbers), what
  /// it needs of its atoms' activations: the per-atom MLPs and products, 15F² multiply-adds per
  /// atom and layer, beside the 3F·(n_rbf + 1) per edge and layer of the filters the adjoint
  /// computes again anyway. No message is computed twice: the adjoint of a message needs the
  /// context x of its sender only, which is one of the chunk's own atoms. The basis
  /// derivatives φ'(d_e) are evaluated again too, in each layer's adjoint, from d_e kept in
  /// Double: 8 bytes per edge instead of 4·n_rbf.
  case recomputed
}
