import Atomistic
import Autodiff
import Potentials

/// A PaiNN model whose weights are tensors of the tensor engine, for training.
///
/// `forward` records a differentiable graph: energies, forces (−∂E/∂R, recorded with
/// `createGraph`) and stress ((1/V) ∂E/∂ε) are tensors whose graph reaches the weights, so a
/// loss on any of them can be differentiated with respect to `parameters`.
public struct PaiNNTrainable<Scalar: TensorScalar>: Sendable {
  /// Architecture.
  public let configuration: PaiNNConfiguration
  /// Atomic numbers, [nElements]; embedding row k belongs to `elements[k]`.
  public let elements: [Int]
  /// Parameter names in model-file order (see `PaiNNParameters`).
  public let names: [String]
  /// Weights by name (shapes as in the model file); leaves that require gradients unless
  /// replaced by the caller.
  public var parameters: [String: Tensor<Scalar>]
  /// Per-element reference energies μ_Z, [nElements], eV. Not trained by gradient: fitted on
  /// data by the trainer.
  public var referenceEnergies: [Double]
  /// Scale σ of the per-atom output, eV.
  public var energyScale: Double

  /// The weights of `model` as tensors requiring gradients.
  public init(_ model: PaiNNModel) {
    configuration = model.configuration
    elements = model.elements
    names = model.parameters.names
    var p: [String: Tensor<Scalar>] = [:]
    for (name, t) in model.parameters.tensors {
      p[name] = Tensor(shape: t.shape, scalars: t.values.map { Scalar($0) }).requiringGradient()
    }
    parameters = p
    referenceEnergies = model.referenceEnergies
    energyScale = model.energyScale
  }

  /// Parameter tensors in `names` order (for `gradients(of:wrt:)`).
  public var orderedParameters: [Tensor<Scalar>] { names.map { parameters[$0]! } }

  /// Replaces every parameter by the given values, as leaves requiring gradients.
  /// - Parameter values: one tensor per name, in `names` order, with the same shapes.
  public mutating func setParameters(_ values: [Tensor<Scalar>]) {
    precondition(values.count == names.count, "expected \(names.count) parameter tensors, got \(values.count)")
    for (name, v) in zip(names, values) {
      precondition(v.shape == parameters[name]!.shape, "parameter \(name): shape \(v.shape), expected \(parameters[name]!.shape)")
      parameters[name] = v.detached().requiringGradient()
    }
  }

  /// A model (for a file or for inference) with the current weights, μ and σ.
  /// - Parameters:
  ///   - provenance: stored in the model file.
  ///   - from: a tensor per name to use instead of `parameters` (e.g. an EMA copy), or nil.
  public func model(provenance: [String: String] = [:], from values: [String: Tensor<Scalar>]? = nil) -> PaiNNModel {
    var p = PaiNNParameters()
    for name in names {
      let t = (values ?? parameters)[name]!
      p[name] = SafeTensor(shape: t.shape, values: t.scalars.map { Double($0) })
    }
    return PaiNNModel(
      configuration: configuration, elements: elements, referenceEnergies: referenceEnergies,
      energyScale: energyScale, parameters: p, provenance: provenance)
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
}

extension PaiNNTrainable {
  /// A batch graph for this model (elements and cutoff). Build once, reuse every step.
  /// - Throws: `PotentialError.unsupportedElements` naming the structure and the elements.
  public func batch(_ structures: [Structure]) throws -> PaiNNGraph {
    try PaiNNGraph(structures, elements: elements, cutoff: configuration.cutoff)
  }

  /// Energies and, when asked, forces and stress of a batch, as tensors whose graph reaches
  /// the parameters.
  ///
  /// Positions R [nAtoms, 3] and a zero strain ε [nStructures, 3, 3] enter as leaves; edge
  /// vectors are `r_ij = (R_j − R_i + S·cell)(I + ε_s)`; forces and stress come from one
  /// `gradients(of: ΣE, wrt: [R, ε], createGraph:)` call.
  /// - Parameters:
  ///   - graph: from `batch(_:)`.
  ///   - properties: `.energy` always; `.forces`, `.stress` when wanted.
  ///   - createGraph: true when a loss on forces or stress will be differentiated (training);
  ///     false gives plain force and stress values (evaluation).
  public func forward(_ graph: PaiNNGraph, _ properties: PropertySet = .energyAndForces, createGraph: Bool = true) -> PaiNNPrediction<Scalar> {
    let n = graph.atomCount, nE = graph.edgeCount, nS = graph.structureCount
    let f = configuration.featureCount, nR = configuration.radialBasisCount
    let wantForces = properties.contains(.forces), wantStress = properties.contains(.stress)
    let p = parameters

    let positions = Tensor<Scalar>(
      shape: [n, 3], scalars: graph.positions.flatMap { [Scalar($0.x), Scalar($0.y), Scalar($0.z)] })
      .requiringGradient()
    let strain = Tensor<Scalar>(zeros: [nS, 3, 3]).requiringGradient()
    let offsets = Tensor<Scalar>(
      shape: [nE, 3], scalars: graph.cellOffsets.flatMap { [Scalar($0.x), Scalar($0.y), Scalar($0.z)] })
    var r = positions.gathering(rows: graph.neighbors) - positions.gathering(rows: graph.centers) + offsets
    if wantStress {
      let edgeStrain = strain.gathering(rows: graph.edgeStructure)  // [E, 3, 3]
      r = r + (r.reshaped(to: [nE, 3, 1]) * edgeStrain).sum(axis: 1)
    }
    let d = norm(r, axis: -1, keepingDimension: true)  // [E, 1]
    let unit = r / d
    let rc = Scalar(configuration.cutoff)

    let phi: Tensor<Scalar>
    switch configuration.radialBasis {
    case .sine:
      let k = Tensor<Scalar>(shape: [nR], scalars: (1...nR).map { Scalar($0) * Scalar.pi / rc })
      phi = sin(d * k) / d
    case .gaussian:
      let spacing = nR > 1 ? rc / Scalar(nR - 1) : rc
      let centres = Tensor<Scalar>(shape: [nR], scalars: (0..<nR).map { Scalar($0) * (nR > 1 ? spacing : 0) })
      phi = exp(square(d - centres) * (-1 / (2 * spacing * spacing)))
    }
    let inside = d.isLessThan(rc)
    let fcut = `where`(mask: inside, (cos(d * (Scalar.pi / rc)) + 1) * Scalar(0.5), Tensor<Scalar>(zeros: [nE, 1]))
    let filters = (matmul(phi, p["filter_net.weight"]!, transposingB: true) + p["filter_net.bias"]!) * fcut

    func dense(_ x: Tensor<Scalar>, _ name: String, bias: Bool = true) -> Tensor<Scalar> {
      let y = matmul(x, p["\(name).weight"]!, transposingB: true)
      return bias ? y + p["\(name).bias"]! : y
    }

    var q = p["embedding.weight"]!.gathering(rows: graph.species)  // [N, F]
    var mu = Tensor<Scalar>(zeros: [n, 3, f])
    let unitColumn = unit.reshaped(to: [nE, 3, 1])
    for l in 0..<configuration.layerCount {
      // Interaction.
      let ic = "interactions.\(l).interatomic_context_net"
      let x = dense(silu(dense(q, "\(ic).0")), "\(ic).1")  // [N, 3F]
      let w = filters.slice(lastAxis: (3 * f * l)..<(3 * f * (l + 1)))
      let m = (w * x.gathering(rows: graph.neighbors)).split(sizes: [f, f, f])
      let dmu = m[1].reshaped(to: [nE, 1, f]) * unitColumn + m[2].reshaped(to: [nE, 1, f]) * mu.gathering(rows: graph.neighbors)
      q = q + scatterAdd(m[0], into: n, at: graph.centers)
      mu = mu + scatterAdd(dmu, into: n, at: graph.centers)
      // Mixing.
      let mc = "mixing.\(l)"
      let vu = dense(mu, "\(mc).mu_channel_mix", bias: false).split(sizes: [f, f])  // [N, 3, F] each
      let vnorm = norm(vu[0], axis: 1, epsilon: Scalar(configuration.normEpsilon))  // [N, F]
      let y = dense(silu(dense(concat([q, vnorm], axis: -1), "\(mc).intraatomic_context_net.0")),
                    "\(mc).intraatomic_context_net.1").split(sizes: [f, f, f])
      q = q + y[0] + y[2] * (vu[0] * vu[1]).sum(axis: 1)
      mu = mu + y[1].reshaped(to: [n, 1, f]) * vu[1]
    }
    let e = dense(silu(dense(q, "readout.0")), "readout.1").reshaped(to: [n])
    let mu0 = Tensor<Scalar>(shape: [n], scalars: graph.species.map { Scalar(referenceEnergies[Int($0)]) })
    let atomEnergies = e * Scalar(energyScale) + mu0
    let energies = scatterAdd(atomEnergies, into: nS, at: graph.structureIndex)

    var prediction = PaiNNPrediction<Scalar>(energies: energies, forces: nil, stress: nil, atomEnergies: atomEnergies)
    guard wantForces || wantStress else { return prediction }
    let wrt = wantStress ? [positions, strain] : [positions]
    let g = gradients(of: energies.sum(), wrt: wrt, createGraph: createGraph)
    if wantForces { prediction.forces = -g[0] }
    if wantStress {
      let flat = g[1].reshaped(to: [nS, 9]).transposed()  // [9, nS]
      let sym = (flat.gathering(rows: [0, 4, 8, 5, 2, 1]) + flat.gathering(rows: [0, 4, 8, 7, 6, 3])) * Scalar(0.5)
      let inverseVolume = Tensor<Scalar>(
        shape: [1, nS],
        scalars: (0..<nS).map { graph.fullyPeriodic[$0] ? 1 / Scalar(graph.volumes[$0]) : 0 })
      prediction.stress = (sym * inverseVolume).transposed()
    }
    return prediction
  }
}
