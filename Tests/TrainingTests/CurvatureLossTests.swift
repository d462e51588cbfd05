import Atomistic
import Autodiff
import Foundation
import PaiNN
import Potentials
import Testing
@testable import Training

/// The student's Hessian–vector products and the curvature term of the loss.
@Suite struct CurvatureLossTests {
  /// A small random model for Cu and Ni (F = 8, 2 layers, 4 Å), with non-trivial μ and σ.
  static func model() -> PaiNNModel {
    let configuration = PaiNNConfiguration(featureCount: 8, layerCount: 2, radialBasisCount: 6, cutoff: 4.0)
    var m = PaiNNModel.random(configuration, elements: [28, 29], seed: 5)
    m.referenceEnergies = [-1.2, -0.7]
    m.energyScale = 0.4
    return m
  }

  /// A rattled 4-atom fcc cell (periodic) and a 3-atom cluster.
  static var structures: [Structure] {
    let a = 3.6
    let crystal = Structure(
      atomicNumbers: [29, 28, 29, 29],
      positions: [SIMD3(0.05, -0.03, 0.02), SIMD3(0, a / 2 + 0.04, a / 2), SIMD3(a / 2, -0.02, a / 2 + 0.05), SIMD3(a / 2 - 0.06, a / 2, 0.03)],
      cell: Cell(a1: SIMD3(a, 0.02, 0), a2: SIMD3(0, a, 0), a3: SIMD3(0.03, 0, a)), pbc: [true, true, true], energy: -3)
    let cluster = Structure(atomicNumbers: [29, 28, 29],
                            positions: [.zero, SIMD3(2.4, 0.1, 0), SIMD3(1.1, 2.0, 0.4)], energy: -2)
    return [crystal, cluster]
  }

  static func probes(_ structures: [Structure], count: Int, seed: UInt64) -> [[[SIMD3<Double>]]] {
    structures.enumerated().map { s, structure in
      var rng = TestRandom(seed: seed &+ UInt64(s))
      return (0..<count).map { _ in
        var v = (0..<structure.count).map { _ in SIMD3(rng.normal(), rng.normal(), rng.normal()) }
        let norm = v.reduce(0) { $0 + ($1 * $1).sum() }.squareRoot()
        v = v.map { $0 / norm }
        return v
      }
    }
  }

  static func leaves(_ model: PaiNNModel) -> [Tensor<Double>] {
    zip(model.weights.flattened, model.weightShapes.flattened).map { Tensor<Double>(shape: $1, scalars: $0).requiringGradient() }
  }

  /// H v by Richardson extrapolation of central differences of the student's (inference)
  /// forces in Double: (4 D(h/2) − D(h)) / 3, error O(h⁴).
  static func reference(_ model: PaiNNModel, _ structures: [Structure], _ probes: [[[SIMD3<Double>]]]) throws -> [[[SIMD3<Double>]]] {
    let potential = PaiNNPotential(model: model, precision: .double)
    let h = 2e-3
    let coarse = try finiteDifferenceHessianProducts(potential, structures: structures, probes: probes, step: h)
    let fine = try finiteDifferenceHessianProducts(potential, structures: structures, probes: probes, step: h / 2)
    return zip(coarse, fine).map { c, f in zip(c, f).map { cp, fp in zip(cp, fp).map { (4 * $1 - $0) / 3 } } }
  }

  /// Both modes of the student's H v agree with finite differences of its own forces, made
  /// by an independent path (the inference potential, not the training graph).
  @Test(arguments: [CurvatureMode.exact, .finiteDifference])
  func studentProductsMatchFiniteDifferencesOfItsForces(mode: CurvatureMode) throws {
    let model = Self.model(), structures = Self.structures
    let probes = Self.probes(structures, count: 2, seed: 9)
    let expected = try Self.reference(model, structures, probes)
    let products = try studentHessianProducts(model, structures: structures, leaves: Self.leaves(model), probes: probes,
                                              mode: mode, step: 2.5e-4, createGraph: false)
    var worst = 0.0, scale = 0.0
    for p in 0..<2 {
      var row = 0
      for (s, structure) in structures.enumerated() {
        for i in 0..<structure.count {
          for d in 0..<3 {
            let got = products[p].scalars[3 * (row + i) + d], want = expected[s][p][i][d]
            worst = max(worst, abs(got - want))
            scale = max(scale, abs(want))
          }
        }
        row += structure.count
      }
    }
    #expect(scale > 1e-2, "the probes see no curvature")
    // Exact: only the reference's own O(h⁴) error; finite differences at h = 2.5·10⁻⁴ Å: O(h²).
    let tolerance = mode == .exact ? 1e-7 : 1e-5
    #expect(worst < tolerance * scale, "\(mode): worst deviation \(worst) eV/Å² on a scale of \(scale)")
  }

  static func labelled(_ structures: [Structure], probes: [[[SIMD3<Double>]]], seed: UInt64) -> [Structure] {
    var rng = TestRandom(seed: seed)
    return zip(structures, probes).map { structure, v in
      var s = structure
      s.hessianProbes = v
      s.hessianProducts = v.map { $0.map { _ in SIMD3(rng.normal(), rng.normal(), rng.normal()) * 0.5 } }
      s.hessianStep = 0.01
      return s
    }
  }

  /// The θ-gradient of the curvature term equals central differences of the term over a few
  /// weights, in both modes (exact: a third derivative of the energy through the engine).
  @Test(arguments: [CurvatureMode.exact, .finiteDifference])
  func lossGradientMatchesFiniteDifferencesInTheWeights(mode: CurvatureMode) throws {
    let model = Self.model()
    let structures = Self.labelled(Self.structures, probes: Self.probes(Self.structures, count: 2, seed: 4), seed: 8)
    let loss = CurvatureLoss(weight: 3, mode: mode, step: 1e-3)
    let count = curvatureProbeCount(structures)
    #expect(count == 4)
    let leaves = Self.leaves(model)
    let term = try #require(try curvatureLossTerm(model, structures: structures, leaves: leaves, loss: loss, probeCount: count))
    let analytic = gradients(of: term, wrt: leaves)
    let names = PaiNNWeights<String>.names(layerCount: model.configuration.layerCount).flattened
    let checked = ["filter_net.weight", "interactions.1.interatomic_context_net.0.weight", "mixing.0.mu_channel_mix.weight",
                   "embedding.weight", "readout.0.weight", "readout.1.weight"]
    let h = 1e-5
    for name in checked {
      let k = try #require(names.firstIndex(of: name), "\(name)")
      let flat = 2 % model.weights.flattened[k].count
      func value(_ delta: Double) throws -> Double {
        var values = leaves.map { $0.detached() }
        var scalars = values[k].scalars
        scalars[flat] += delta
        values[k] = Tensor(shape: values[k].shape, scalars: scalars)
        return try curvatureLossTerm(model, structures: structures, leaves: values, loss: loss, probeCount: count)!.scalar
      }
      let numeric = (try value(h) - value(-h)) / (2 * h)
      let got = analytic[k].scalars[flat]
      #expect(numeric != 0, "\(name) does not influence the curvature term")
      #expect(abs(got - numeric) <= 1e-5 * max(1e-2, abs(numeric)), "\(mode) \(name)[\(flat)]: \(got) vs \(numeric)")
    }
  }

  /// The term is λ_H · mean over probes of ‖ΔH v‖²/(3N) (by hand from the student's own
  /// products), parts of a batch add up to the batch, and structures without labels add nothing.
  @Test func partsAddUpAndUnlabelledStructuresAreIgnored() throws {
    let model = Self.model()
    let labelled = Self.labelled(Self.structures, probes: Self.probes(Self.structures, count: 2, seed: 1), seed: 2)
    let plain = Self.structures[1]
    let batch = labelled + [plain]
    let count = curvatureProbeCount(batch)
    #expect(count == 4)
    #expect(LossNormalization(batch).curvatureProbeCount == 4)
    let loss = CurvatureLoss(weight: 2, mode: .exact)
    let leaves = Self.leaves(model)
    let whole = try curvatureLossTerm(model, structures: batch, leaves: leaves, loss: loss, probeCount: count)!.scalar
    let first = try curvatureLossTerm(model, structures: [labelled[0]], leaves: leaves, loss: loss, probeCount: count)!.scalar
    let second = try curvatureLossTerm(model, structures: [labelled[1], plain], leaves: leaves, loss: loss, probeCount: count)!.scalar
    #expect(abs(whole - (first + second)) < 1e-12 * whole)
    #expect(try curvatureLossTerm(model, structures: [plain], leaves: leaves, loss: loss, probeCount: count) == nil)
    // By hand from the student's own products.
    var byHand = 0.0
    for s in labelled {
      let products = try studentHessianProducts(model, structures: [s], leaves: leaves, probes: [s.hessianProbes!],
                                                mode: .exact, step: 0.01, createGraph: false)
      for p in 0..<2 {
        var sum = 0.0
        for i in 0..<s.count { for d in 0..<3 { sum += pow(products[p].scalars[3 * i + d] - s.hessianProducts![p][i][d], 2) } }
        byHand += sum / Double(3 * s.count)
      }
    }
    #expect(abs(whole - 2 * byHand / 4) < 1e-12 * whole)
  }
}

/// The training step adds the curvature term to the loss it differentiates, exactly as
/// `curvatureLossTerm` computes it, and only when the configuration asks for it.
@Suite struct CurvatureInTrainingTests {
  @Test func partGradientsAddTheCurvatureTerm() throws {
    let labelled = CurvatureLossTests.labelled(CurvatureLossTests.structures,
                                               probes: CurvatureLossTests.probes(CurvatureLossTests.structures, count: 2, seed: 3), seed: 6)
    let structures = labelled + labelled
    let data = try TrainingData(structures: structures, splits: nil, source: "test", trainFraction: 0.5, validationFraction: 0.5, seed: 1)
    var plain = TrainingConfiguration()
    plain.preset = .tiny
    plain.precision = .double
    plain.threads = 1
    var curved = plain
    curved.curvature = CurvatureLoss(weight: 2, mode: .exact)
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("mlff-curvature-\(UUID().uuidString)")
    let withTerm = try Trainer(configuration: curved, data: data, folder: folder)
    let without = try Trainer(configuration: plain, data: data, folder: folder)
    let normalization = LossNormalization(labelled)
    let (gradientsWith, lossWith) = try withTerm.partGradients(Double.self, labelled, normalization)
    let (gradientsWithout, lossWithout) = try without.partGradients(Double.self, labelled, normalization)
    let leaves = zip(withTerm.weights, withTerm.model.weightShapes.flattened).map { Tensor<Double>(shape: $1, scalars: $0).requiringGradient() }
    let term = try #require(try curvatureLossTerm(withTerm.model, structures: labelled, leaves: leaves,
                                                  loss: curved.curvature!, probeCount: normalization.curvatureProbeCount))
    #expect(term.scalar > 0)
    #expect(abs(lossWith - lossWithout - term.scalar) < 1e-9 * lossWith)
    let termGradients = gradients(of: term, wrt: leaves)
    for k in [0, gradientsWith.count / 2, gradientsWith.count - 1] {
      for i in [0, gradientsWith[k].count - 1] {
        let expected = gradientsWithout[k][i] + termGradients[k].scalars[i]
        #expect(abs(gradientsWith[k][i] - expected) < 1e-9 * max(1, abs(expected)))
      }
    }
  }
}

/// A small deterministic generator for the tests (SplitMix64 with Box–Muller normals).
struct TestRandom {
  var state: UInt64
  init(seed: UInt64) { state = seed }
  mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }
  mutating func uniform() -> Double { Double(next() >> 11) / Double(1 << 53) }
  mutating func normal() -> Double {
    let u1 = max(uniform(), 1e-300), u2 = uniform()
    return (-2 * Foundation.log(u1)).squareRoot() * Foundation.cos(2 * Double.pi * u2)
  }
}
