import Autodiff

/// Scratch buffers shared by the blocks of one evaluation, each allocated on first use. A
/// block overwrites what it takes before reading it, so they carry nothing between blocks.
final class PaiNNWorkspace<T: TensorScalar> {
  let atomCount: Int, edgeCount: Int, featureCount: Int

  init(atomCount: Int, edgeCount: Int, featureCount: Int) {
    self.atomCount = atomCount
    self.edgeCount = edgeCount
    self.featureCount = featureCount
  }

  /// Hidden activations of an MLP, [N, F].
  lazy var atomFeatures = ScratchBuffer<T>(atomCount * featureCount)
  /// Their gradients, [N, F].
  lazy var atomFeatureGradients = ScratchBuffer<T>(atomCount * featureCount)
  /// Filters W_e of one layer, [E, 3F].
  lazy var edgeFilters = ScratchBuffer<T>(edgeCount * 3 * featureCount)
  /// ∂E/∂W_e, [E, 3F].
  lazy var edgeFilterGradients = ScratchBuffer<T>(edgeCount * 3 * featureCount)
  /// Gradients of a context MLP's output, [N, 3F].
  lazy var contextGradients = ScratchBuffer<T>(atomCount * 3 * featureCount)
  /// The mixing context input [q, ‖V‖], [N, 2F].
  lazy var mixingInput = ScratchBuffer<T>(atomCount * 2 * featureCount)
  /// Its gradient, [N, 2F].
  lazy var mixingInputGradients = ScratchBuffer<T>(atomCount * 2 * featureCount)
  /// ∂E/∂(V, U), [N, 3, 2F].
  lazy var channelGradients = ScratchBuffer<T>(atomCount * 6 * featureCount)
}
