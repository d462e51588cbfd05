import Atomistic
import Autodiff
import PaiNN
import Potentials

/// The student's differentiable outputs for a batch: energies [B] (eV), forces [N, 3] (eV/Å)
/// and stress [B, 6] (eV/Å³), recorded so that a loss on them reaches the weights.
/// - Parameters:
///   - model: architecture, elements, reference energies and scale.
///   - structures: the structures of (part of) a batch.
///   - parameters: one tensor per weight, in file order (`PaiNNWeights.flattened`); used as
///     the leaves as they are, without a copy of the model's own weights.
///   - forces, stress: whether to compute them.
///   - graph: the batch graph of `structures` when the caller has it (`GraphCache`); nil
///     builds it.
/// - Returns: the prediction and the leaf tensors of the weights to differentiate against.
func studentForward<S: TensorScalar>(
  _ model: PaiNNModel, structures: [Structure], parameters: [Tensor<S>], forces: Bool, stress: Bool,
  graph cached: PaiNNGraph? = nil
) throws -> (prediction: PaiNNPrediction<S>, leaves: [Tensor<S>]) {
  let leaves = parameters.map { $0.requiringGradient() }
  let net = PaiNNTrainable<S>(model, weights: PaiNNWeights(flattened: leaves, layerCount: model.configuration.layerCount))
  let graph = try cached ?? net.batch(structures)
  var properties: PropertySet = .energy
  if forces { properties.insert(.forces) }
  if stress { properties.insert(.stress) }
  return (net.forward(graph, properties, createGraph: true), leaves)
}
