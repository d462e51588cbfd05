import Autodiff
import PaiNN

/// The student's differentiable outputs for a batch: energies, forces and stress as tensors
/// that the loss can be differentiated through (forces are recorded with `createGraph`).
struct StudentOutputs<S: TensorScalar> {
  /// Total energies, [B], eV.
  var energies: Tensor<S>
  /// Forces −∂E/∂R, [N, 3], eV/Å (nil when not requested).
  var forces: Tensor<S>?
  /// Stress, [B, 6], eV/Å³ (nil when not requested; rows of non-periodic structures are 0).
  var stress: Tensor<S>?
}

/// Runs the PaiNN differentiable forward pass on `graph` with `parameters` as leaves.
/// - Parameters:
///   - model: architecture, elements, reference energies and scale.
///   - parameters: one leaf tensor per weight, in `model.parameters.names` order.
func studentForward<S: TensorScalar>(
  _ model: PaiNNModel, graph: PaiNNGraph, parameters: [Tensor<S>], forces: Bool, stress: Bool
) throws -> StudentOutputs<S> {
  throw TrainingError("this build has no differentiable PaiNN forward pass yet; training is not available")
}
