import Atomistic
import Autodiff
import PaiNN
import Potentials
import Testing

/// The two executions of the student — the fused hand-derived pass (`PaiNNPotential`) and the
/// tensor-engine forward (`PaiNNTrainable`) — give the same energies, forces and stress for
/// every radial basis, both precisions and every kind of structure.
@Suite struct TwinTests {
  enum Case: String, CaseIterable, CustomTestStringConvertible {
    case molecule, crystal, selfImages, isolatedAtom, mixedBatch
    var testDescription: String { rawValue }

    var structures: [Structure] {
      switch self {
      case .molecule: [Fixtures.ethanol]
      case .crystal: [Fixtures.silicon]
      case .selfImages: [Fixtures.selfImageCell]
      case .isolatedAtom: [Structure(atomicNumbers: [8], positions: [[0.3, -0.2, 0.1]])]
      case .mixedBatch: [Fixtures.silicon, Fixtures.ethanol, Fixtures.selfImageCell, Fixtures.silicon.supercell(1, 1, 2)]
      }
    }
  }

  /// Largest absolute difference between hand and tensor results, over a batch.
  struct Deviation {
    var energy = 0.0, force = 0.0, stress = 0.0
  }

  func deviation<S: TensorScalar>(_: S.Type, model: PaiNNModel, structures: [Structure]) throws -> Deviation {
    let precision: PaiNNPrecision = S.self == Float.self ? .float : .double
    let hand = try PaiNNPotential(model: model, precision: precision).compute(structures, .all)
    let net = PaiNNTrainable<S>(model)
    let graph = try net.batch(structures)
    let out = net.forward(graph, .all, createGraph: false)
    let forces = out.forces!.scalars.map(Double.init), stress = out.stress!.scalars.map(Double.init)
    var d = Deviation()
    for s in structures.indices {
      d.energy = max(d.energy, abs(Double(out.energies.scalars[s]) - hand[s].energy))
      for (k, atom) in (graph.atomStart[s]..<graph.atomStart[s + 1]).enumerated() {
        for c in 0..<3 { d.force = max(d.force, abs(forces[3 * atom + c] - hand[s].forces![k][c])) }
      }
      let reference = hand[s].stress ?? Array(repeating: 0, count: 6)
      #expect((hand[s].stress == nil) == !structures[s].isFullyPeriodic, "stress of structure \(s)")
      for c in 0..<6 { d.stress = max(d.stress, abs(stress[6 * s + c] - reference[c])) }
    }
    return d
  }

  @Test(arguments: RadialBasisKind.allCases, Case.allCases)
  func doubleExecutionsAgree(basis: RadialBasisKind, structures: Case) throws {
    let d = try deviation(Double.self, model: Fixtures.model(radialBasis: basis), structures: structures.structures)
    #expect(d.energy < 1e-10, "energy differs by \(d.energy) eV")
    #expect(d.force < 1e-10, "a force differs by \(d.force) eV/Å")
    #expect(d.stress < 1e-11, "a stress component differs by \(d.stress) eV/Å³")
  }

  /// In Float the reference energies μ are set to zero: the tensor path adds μ in Float while
  /// the fused path sums energies in Double, and μ of −2,000 eV would make the comparison one
  /// of round-off in μ instead of one of the network.
  @Test(arguments: RadialBasisKind.allCases, Case.allCases)
  func floatExecutionsAgree(basis: RadialBasisKind, structures: Case) throws {
    var model = Fixtures.model(radialBasis: basis)
    model.referenceEnergies = model.referenceEnergies.map { _ in 0 }
    let d = try deviation(Float.self, model: model, structures: structures.structures)
    #expect(d.energy < 2e-4, "energy differs by \(d.energy) eV")
    #expect(d.force < 2e-4, "a force differs by \(d.force) eV/Å")
    #expect(d.stress < 2e-5, "a stress component differs by \(d.stress) eV/Å³")
  }

  /// An isolated atom has no edges: its energy is σ·readout(mixing(embedding)) + μ, with zero
  /// force in both executions.
  @Test(arguments: RadialBasisKind.allCases)
  func isolatedAtomHasNoForceInEitherExecution(basis: RadialBasisKind) throws {
    let atom = Structure(atomicNumbers: [6], positions: [[1, 2, 3]])
    let model = Fixtures.model(radialBasis: basis)
    let hand = try PaiNNPotential(model: model, precision: .double).compute([atom], .all)[0]
    let net = PaiNNTrainable<Double>(model)
    let out = net.forward(try net.batch([atom]), .all, createGraph: false)
    #expect(hand.forces! == [.zero])
    #expect(out.forces!.scalars == [0, 0, 0])
    #expect(hand.energy != model.referenceEnergies[1], "the network part of the energy must not vanish")
  }

  /// An empty batch gives no results, and the tensor forward gives empty tensors.
  @Test func emptyBatchGivesNothing() throws {
    let model = Fixtures.model()
    #expect(try PaiNNPotential(model: model, precision: .double).compute([], .all).isEmpty)
    #expect(try PaiNNPotential(model: model, precision: .float).compute([], .all).isEmpty)
    let net = PaiNNTrainable<Double>(model)
    let out = net.forward(try net.batch([]), .all, createGraph: false)
    #expect(out.energies.shape == [0])
    #expect(out.forces!.shape == [0, 3])
    #expect(out.stress!.shape == [0, 6])
  }

  /// The self-image cell really has edges from atoms to their own images.
  @Test func selfImageCellHasSelfImageEdges() throws {
    let graph = try PaiNNGraph([Fixtures.selfImageCell], elements: Fixtures.elements, cutoff: 4.0)
    let selfEdges = (0..<graph.edgeCount).filter { graph.centers[$0] == graph.neighbors[$0] }
    #expect(selfEdges.count >= 12)
  }
}
