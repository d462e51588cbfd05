import Atomistic
import Autodiff
import PaiNN
import Potentials
import Testing

/// The differentiable (tensor-engine) forward pass used for training.
@Suite struct TrainableTests {
  /// The tensor-engine path and the hand-derived inference path are two independent
  /// implementations of the same network: energies, forces and stress must agree.
  @Test func tensorForwardMatchesInference() throws {
    let model = Fixtures.model()
    let structures = [Fixtures.silicon, Fixtures.ethanol, Fixtures.silicon.supercell(1, 1, 2)]
    let reference = try PaiNNPotential(model: model, precision: .double).compute(structures, .all)
    let net = PaiNNTrainable<Double>(model)
    let graph = try net.batch(structures)
    let out = net.forward(graph, .all, createGraph: false)
    let forces = out.forces!.scalars, stress = out.stress!.scalars
    for s in 0..<structures.count {
      #expect(abs(out.energies.scalars[s] - reference[s].energy) < 1e-9 * max(1, abs(reference[s].energy)))
      for (k, atom) in (graph.atomStart[s]..<graph.atomStart[s + 1]).enumerated() {
        for c in 0..<3 { #expect(abs(forces[3 * atom + c] - reference[s].forces![k][c]) < 1e-9) }
      }
      if let ref = reference[s].stress {
        for c in 0..<6 { #expect(abs(stress[6 * s + c] - ref[c]) < 1e-10) }
      } else {
        for c in 0..<6 { #expect(stress[6 * s + c] == 0) }
      }
    }
  }

  /// With `createGraph: true` the force loss is differentiable in the weights: its gradient
  /// equals a central finite difference of the loss over a few individual weights.
  @Test func forceLossGradientMatchesFiniteDifferences() throws {
    let model = Fixtures.model(featureCount: 4, layerCount: 1, seed: 3)
    let structures = [Fixtures.silicon, Fixtures.ethanol]
    func loss(_ net: PaiNNTrainable<Double>, createGraph: Bool) throws -> Tensor<Double> {
      let out = net.forward(try net.batch(structures), .all, createGraph: createGraph)
      return square(out.forces!).sum() + square(out.stress!).sum() * 100 + square(out.energies).sum() * 1e-6
    }
    let net = PaiNNTrainable<Double>(model)
    let l = try loss(net, createGraph: true)
    let grads = gradients(of: l, wrt: net.orderedParameters)
    let checked = ["filter_net.weight", "interactions.0.interatomic_context_net.1.weight",
                   "mixing.0.mu_channel_mix.weight", "mixing.0.intraatomic_context_net.0.bias",
                   "embedding.weight", "readout.0.weight"]
    let names = PaiNNWeights<String>.names(layerCount: model.configuration.layerCount).flattened
    let h = 1e-5
    for name in checked {
      let k = names.firstIndex(of: name)!
      let flat = 1 % model.weights.flattened[k].count
      func shifted(_ delta: Double) -> PaiNNModel {
        var tensors = model.weights.flattened
        tensors[k][flat] += delta
        var m = model
        m.weights = PaiNNWeights(flattened: tensors, layerCount: model.configuration.layerCount)
        return m
      }
      let plus = shifted(h), minus = shifted(-h)
      let numeric = (try loss(PaiNNTrainable(plus), createGraph: false).scalar
        - loss(PaiNNTrainable(minus), createGraph: false).scalar) / (2 * h)
      let analytic = grads[k].scalars[flat]
      #expect(abs(analytic - numeric) <= 1e-5 * max(1, abs(numeric)), "\(name)[\(flat)]: \(analytic) vs \(numeric)")
      #expect(numeric != 0, "\(name) does not influence the loss")
    }
  }

  /// Weights, μ and σ go back into a model unchanged.
  @Test func roundTripsThroughModel() {
    let model = Fixtures.model()
    var net = PaiNNTrainable<Double>(model)
    #expect(net.model() == model)
    let doubled = net.orderedParameters.map { $0 * 2 }
    net.setParameters(doubled)
    let back = net.model()
    #expect(back.weights.readout.hidden.weight == model.weights.readout.hidden.weight.map { $0 * 2 })
    #expect(net.orderedParameters.allSatisfy { $0.requiresGradient })
  }
}
