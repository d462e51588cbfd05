import Atomistic
import Autodiff
import Potentials

/// A PaiNN model whose weights are tensors of the tensor engine, for training: the
/// differentiable execution of the blocks in `Blocks/`.
///
/// `forward` records a differentiable graph: energies, forces (−∂E/∂R, recorded with
/// `createGraph`) and stress ((1/V) ∂E/∂ε) are tensors whose graph reaches the weights, so a
/// loss on any of them can be differentiated with respect to `weights`.
public struct PaiNNTrainable<Scalar: TensorScalar>: Sendable {
  /// Architecture.
  public let configuration: PaiNNConfiguration
  /// Atomic numbers, [nElements]; embedding row k belongs to `elements[k]`.
  public let elements: [Int]
  /// The weights; leaves that require gradients unless replaced by the caller.
  public var weights: PaiNNWeights<Tensor<Scalar>>
  /// Per-element reference energies μ_Z, [nElements], eV. Not trained by gradient: fitted on
  /// data by the trainer.
  public var referenceEnergies: [Double]
  /// Scale σ of the per-atom output, eV.
  public var energyScale: Double

  /// The weights of `model` as tensors requiring gradients.
  public init(_ model: PaiNNModel) {
    let tensors = model.weights.zip(model.weightShapes) { values, shape in
      Tensor<Scalar>(shape: shape, scalars: values.map { Scalar($0) }).requiringGradient()
    }
    self.init(model, weights: tensors)
  }

  /// The architecture, elements, μ and σ of `model` with the given weight tensors (used as
  /// they are: no copy, no conversion).
  /// - Parameter weights: shaped as `model.weightShapes`.
  public init(_ model: PaiNNModel, weights: PaiNNWeights<Tensor<Scalar>>) {
    for (shape, t) in zip(model.weightShapes.flattened, weights.flattened) {
      precondition(t.shape == shape, "a weight tensor has shape \(t.shape), expected \(shape)")
    }
    configuration = model.configuration
    elements = model.elements
    self.weights = weights
    referenceEnergies = model.referenceEnergies
    energyScale = model.energyScale
  }

  /// The weight tensors in file order (for `gradients(of:wrt:)`).
  public var orderedParameters: [Tensor<Scalar>] { weights.flattened }

  /// Replaces every weight by the given values, as leaves requiring gradients.
  /// - Parameter values: one tensor per weight, in file order, with the same shapes.
  public mutating func setParameters(_ values: [Tensor<Scalar>]) {
    let layers = configuration.layerCount
    precondition(values.count == PaiNNWeights<Tensor<Scalar>>.tensorCount(layerCount: layers), "expected \(PaiNNWeights<Tensor<Scalar>>.tensorCount(layerCount: layers)) weight tensors, got \(values.count)")
    weights = weights.zip(PaiNNWeights(flattened: values, layerCount: layers)) { old, new in
      precondition(new.shape == old.shape, "weight tensor of shape \(new.shape), expected \(old.shape)")
      return new.detached().requiringGradient()
    }
  }

  /// A model (for a file or for inference) with the current weights, μ and σ.
  /// - Parameters:
  ///   - provenance: stored in the model file.
  ///   - from: weights to use instead of `weights` (e.g. an EMA copy), or nil.
  public func model(provenance: [String: String] = [:], from values: PaiNNWeights<Tensor<Scalar>>? = nil) -> PaiNNModel {
    PaiNNModel(
      configuration: configuration, elements: elements, referenceEnergies: referenceEnergies,
      energyScale: energyScale, weights: (values ?? weights).map { $0.scalars.map { Double($0) } },
      provenance: provenance)
  }
}

/// What a differentiable forward pass returns. All tensors keep their graph.
public struct PaiNNPrediction<Scalar: TensorScalar> {
  /// Total energy per structure, [nStructures], eV.
  public var energies: Tensor<Scalar>
  /// −∂E/∂R, [nAtoms, 3], eV/Å, when forces were asked for.
  public var forces: Tensor<Scalar>?
  /// (1/V) ∂E/∂ε, [nStructures, 6] Voigt xx yy zz yz xz xy, eV/Å³, when stress was asked for;
  /// rows of structures not periodic in all three directions are zero.
  public var stress: Tensor<Scalar>?
  /// Per-atom energies σ·e_i + μ_{Z_i}, [nAtoms], eV.
  public var atomEnergies: Tensor<Scalar>
  /// The position leaf R [nAtoms, 3] (Å) that `forces` were differentiated against; with
  /// `createGraph` a Hessian–vector product is `gradients(of: (forces · v).sum(), wrt: [positions])`.
  public var positions: Tensor<Scalar>? = nil
}

extension PaiNNTrainable {
  /// A batch graph for this model (elements and cutoff); reusable for any number of forward
  /// passes over the same structures.
  /// - Throws: `PotentialError.unsupportedElements` naming the structure and the elements.
  public func batch(_ structures: [Structure]) throws -> PaiNNGraph {
    try PaiNNGraph(structures, elements: elements, cutoff: configuration.cutoff)
  }

  /// Energies and, when asked, forces and stress of a batch, as tensors whose graph reaches
  /// the weights.
  ///
  /// Positions R [nAtoms, 3] and a zero strain ε [nStructures, 3, 3] enter as leaves
  /// (`EdgeTensors`); each block's tensor forward follows (`TrainableMessages.interaction`,
  /// which forms the messages without edge-sized intermediates, `MixingWeights.forward`,
  /// `ReadoutWeights.forward`); forces and stress come from one
  /// `gradients(of: ΣE, wrt: [R, ε], createGraph:)` call.
  /// - Parameters:
  ///   - graph: from `batch(_:)`.
  ///   - properties: `.energy` always; `.forces`, `.stress` when wanted.
  ///   - createGraph: true when a loss on forces or stress will be differentiated (training);
  ///     false gives plain force and stress values (evaluation).
  public func forward(_ graph: PaiNNGraph, _ properties: PropertySet = .energyAndForces, createGraph: Bool = true) -> PaiNNPrediction<Scalar> {
    let n = graph.atomCount, nS = graph.structureCount
    let f = configuration.featureCount
    let wantForces = properties.contains(.forces), wantStress = properties.contains(.stress)

    let positions = Tensor<Scalar>(
      shape: [n, 3], scalars: graph.positions.flatMap { [Scalar($0.x), Scalar($0.y), Scalar($0.z)] })
      .requiringGradient()
    let strain = Tensor<Scalar>(zeros: [nS, 3, 3]).requiringGradient()
    let edges = EdgeTensors(graph, positions: positions, strain: wantStress ? strain : nil, basis: configuration.basis)
    let messages = TrainableMessages(graph, edges: edges)

    var q = weights.embedding.gathering(rows: graph.species)  // [N, F]
    var mu = Tensor<Scalar>(zeros: [n, 3, f])
    for l in 0..<configuration.layerCount {
      (q, mu) = messages.interaction(weights.interactions[l], filter: weights.filter, layer: l, q: q, mu: mu)
      (q, mu) = weights.mixings[l].forward(q: q, mu: mu, normEpsilon: configuration.normEpsilon)
    }
    let mu0 = Tensor<Scalar>(shape: [n], scalars: graph.species.map { Scalar(referenceEnergies[Int($0)]) })
    let atomEnergies = weights.readout.forward(q: q, energyScale: energyScale, referenceEnergies: mu0)
    let energies = scatterAdd(atomEnergies, into: nS, at: graph.structureIndex)

    var prediction = PaiNNPrediction<Scalar>(energies: energies, forces: nil, stress: nil, atomEnergies: atomEnergies)
    prediction.positions = positions
    guard wantForces || wantStress else { return prediction }
    let wrt = wantStress ? [positions, strain] : [positions]
    let g = gradients(of: energies.sum(), wrt: wrt, createGraph: createGraph)
    if wantForces { prediction.forces = -g[0] }
    if wantStress {
      let flat = g[1].reshaped(to: [nS, 9]).transposed()  // [9, nS]
      // σ_v = (∂E/∂ε_ab + ∂E/∂ε_ba)/(2V) for (a, b) = voigtComponents[v].
      let upper = voigtComponents.map { Int32(3 * $0.row + $0.column) }
      let lower = voigtComponents.map { Int32(3 * $0.column + $0.row) }
      let sym = (flat.gathering(rows: upper) + flat.gathering(rows: lower)) * Scalar(0.5)
      let inverseVolume = Tensor<Scalar>(
        shape: [1, nS],
        scalars: (0..<nS).map { graph.fullyPeriodic[$0] ? 1 / Scalar(graph.volumes[$0]) : 0 })
      prediction.stress = (sym * inverseVolume).transposed()
    }
    return prediction
  }
}
