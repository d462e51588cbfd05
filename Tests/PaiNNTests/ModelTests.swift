import Atomistic
import Foundation
import PaiNN
import Potentials
import Testing

@Suite struct ModelTests {
  /// schnetpack's PaiNN(n_atom_basis=128, n_interactions=3, BesselRBF(20)) + Atomwise has
  /// 589,057 parameters and 157,313 for F = 64 (counted with PyTorch); with 100 embedding rows
  /// (schnetpack's max_z) ours must have exactly as many.
  @Test func parameterCountMatchesSchnetpack() {
    #expect(PaiNNPreset.medium.configuration.parameterCount(elementCount: 100) == 589_057)
    #expect(PaiNNPreset.small.configuration.parameterCount(elementCount: 100) == 157_313)
  }

  @Test func sameSeedSameWeights() {
    let c = PaiNNPreset.tiny.configuration
    #expect(PaiNNModel.random(c, elements: [1, 8], seed: 4) == PaiNNModel.random(c, elements: [1, 8], seed: 4))
    #expect(PaiNNModel.random(c, elements: [1, 8], seed: 4) != PaiNNModel.random(c, elements: [1, 8], seed: 5))
  }

  /// Glorot-uniform bound a = √(6/(fan_in + fan_out)); biases zero.
  @Test func initialisationFollowsGlorot() {
    let m = PaiNNModel.random(PaiNNPreset.small.configuration, elements: [1, 8], seed: 0)
    let w = m.weights.interactions[0].output.weight  // [192, 64]
    let a = (6.0 / (192 + 64)).squareRoot()
    #expect(w.allSatisfy { abs($0) <= a })
    #expect(w.map(abs).max()! > 0.95 * a)
    let variance = w.map { $0 * $0 }.reduce(0, +) / Double(w.count)
    #expect(abs(variance - a * a / 3) < 0.05 * a * a / 3)
    #expect(m.weights.filter.bias!.allSatisfy { $0 == 0 })
  }

  /// E = Σ_i (σ·e_i + μ_Z): doubling σ doubles the network part; μ adds per atom.
  @Test func energyIsScaledAndShiftedPerElement() throws {
    var model = Fixtures.model()
    model.referenceEnergies = [0, 0, 0, 0]
    model.energyScale = 1
    let s = Fixtures.ethanol
    let e1 = try PaiNNPotential(model: model, precision: .double).compute(s, .energyAndForces)
    model.energyScale = 2
    model.referenceEnergies = [-1, -10, -100, 0]  // H, C, O, Si
    let e2 = try PaiNNPotential(model: model, precision: .double).compute(s, .energyAndForces)
    // Ethanol: 2 C, 1 O, 6 H.
    #expect(abs(e2.energy - (2 * e1.energy - 6 - 20 - 100)) < 1e-9)
    for (a, b) in zip(e1.forces!, e2.forces!) { #expect(maxAbs(2 * a - b) < 1e-10) }
  }

  @Test func unknownElementsAreNamed() {
    let potential = PaiNNPotential(model: Fixtures.model())
    let s = Structure(atomicNumbers: [1, 17, 29], positions: [.zero, [1, 0, 0], [0, 1.5, 0]])
    do {
      _ = try potential.compute([Fixtures.ethanol, s], .energy)
      Issue.record("no error")
    } catch PotentialError.unsupportedElements(let index, let z, _) {
      #expect(index == 1)
      #expect(z == [17, 29])
    } catch {
      Issue.record("unexpected error \(error)")
    }
  }

  /// An isolated atom has no edges: the interaction adds nothing, μ stays 0, so in every
  /// layer's mixing V = U = 0, ‖V‖ = √ε and q += a with (a, b, c) = Dense₂(silu(Dense₁([q, √ε])));
  /// then E = σ · (w₂ · silu(W₁ q + b₁) + b₂) + μ_Z and F = 0. The value is computed here with
  /// plain arithmetic from the model's weights (PyTorch layout: weight [out, in], y = W x + b).
  @Test func isolatedAtomHasZeroForce() throws {
    let model = Fixtures.model()
    let c = model.configuration
    let f = c.featureCount, hidden = c.readoutHiddenCount
    func silu(_ x: Double) -> Double { x / (1 + exp(-x)) }
    /// y = W x + b for W [out, in] row-major.
    func dense(_ layer: Linear<[Double]>, _ x: [Double]) -> [Double] {
      let w = layer.weight
      var y = layer.bias!
      precondition(w.count == y.count * x.count, "\(w.count) weights for \(x.count) inputs")
      for o in 0..<y.count {
        for i in 0..<x.count { y[o] += w[o * x.count + i] * x[i] }
      }
      return y
    }
    let oxygen = model.elements.firstIndex(of: 8)!
    let embedding = model.weights.embedding
    var q = Array(embedding[(oxygen * f)..<((oxygen + 1) * f)])
    let vectorNorm = [Double](repeating: c.normEpsilon.squareRoot(), count: f)
    for l in 0..<c.layerCount {
      let mixing = model.weights.mixings[l]
      let y = dense(mixing.output, dense(mixing.hidden, q + vectorNorm).map(silu))
      #expect(y.count == 3 * f)
      for k in 0..<f { q[k] += y[k] }  // + c ⊙ ⟨V, U⟩ = 0
    }
    let hiddenLayer = dense(model.weights.readout.hidden, q).map(silu)
    #expect(hiddenLayer.count == hidden)
    let atomEnergy = dense(model.weights.readout.output, hiddenLayer)[0]
    let expected = model.energyScale * atomEnergy + model.referenceEnergies[oxygen]

    let r = try PaiNNPotential(model: model, precision: .double)
      .compute(Structure(atomicNumbers: [8], positions: [[1, 2, 3]]), .energyAndForces)
    #expect(r.forces! == [.zero])
    #expect(abs(r.energy - expected) <= 1e-12 * abs(expected), "E = \(r.energy) eV, by hand \(expected) eV")
    // The network part is not negligible, so the comparison tests more than μ_O.
    #expect(abs(expected - model.referenceEnergies[oxygen]) > 1e-3)
  }
}
