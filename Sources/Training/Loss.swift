import Atomistic
import Autodiff

/// The penalty ρ applied to each error r.
public enum LossKind: String, Sendable, Codable, CaseIterable {
  /// ρ(r) = r² (mean squared error).
  case mse
  /// ρ(r) = ½ r² for |r| ≤ δ, δ (|r| − ½ δ) beyond (PyTorch's `HuberLoss`), robust to a few
  /// badly labelled structures.
  case huber
}

/// Weights of the three terms of the training loss.
///
/// Defaults follow MACE's weighted loss (energy 1, forces 100, stress 1) on the same
/// quantities: energy per atom, force components and stress components. Forces dominate,
/// which is what molecular dynamics needs; raise `energy` when energies matter more.
public struct LossWeights: Sendable, Hashable, Codable {
  /// w_E, multiplies the per-atom energy term (eV²/atom²).
  public var energy: Double
  /// w_F, multiplies the force term ((eV/Å)²).
  public var forces: Double
  /// w_S, multiplies the stress term ((eV/Å³)²); ignored for structures without stress.
  public var stress: Double

  public init(energy: Double = 1, forces: Double = 100, stress: Double = 1) {
    self.energy = energy
    self.forces = forces
    self.stress = stress
  }
}

/// The loss of a batch, as a differentiable sum of three terms:
///
///     L = w_E · Σ_s ρ((Ê_s − E_s)/N_s) / n_E
///       + w_F · Σ_i Σ_α ρ(F̂_iα − F_iα) / n_F
///       + w_S · Σ_s Σ_v ρ(σ̂_sv − σ_sv) / n_S
///
/// with n_E the number of structures, n_F the number of force components and n_S the number
/// of stress components **of the whole batch** (`LossNormalization`), so that the losses of
/// the parts of a batch computed on different threads add up to the loss of the batch.
public struct LossFunction: Sendable, Hashable, Codable {
  public var kind: LossKind
  public var weights: LossWeights
  /// δ of the Huber loss, in the unit of each term (eV/atom, eV/Å, eV/Å³).
  public var huberDelta: Double

  public init(kind: LossKind = .mse, weights: LossWeights = .init(), huberDelta: Double = 0.01) {
    self.kind = kind
    self.weights = weights
    self.huberDelta = huberDelta
  }

  /// ρ(r) elementwise.
  public func penalty<S: TensorScalar>(_ r: Tensor<S>) -> Tensor<S> {
    switch kind {
    case .mse:
      return square(r)
    case .huber:
      let delta = S(huberDelta)
      let r2 = square(r)
      let magnitude = sqrt(r2 + S(1e-30))
      let quadratic = S(0.5) * r2
      let linear = delta * (magnitude - S(0.5) * delta)
      let mask = magnitude.isGreaterThan(delta).map { !$0 }
      return `where`(mask: mask, quadratic, linear)
    }
  }

  /// ρ(r) for a plain number (evaluation and tests).
  public func penalty(_ r: Double) -> Double {
    switch kind {
    case .mse: return r * r
    case .huber: return abs(r) <= huberDelta ? 0.5 * r * r : huberDelta * (abs(r) - 0.5 * huberDelta)
    }
  }

  /// The loss of (part of) a batch.
  /// - Parameters:
  ///   - energies: predicted total energies Ê, [B], eV.
  ///   - forces: predicted forces F̂, [N, 3], eV/Å (nil when the force weight is zero).
  ///   - stress: predicted stress σ̂, [B, 6], eV/Å³ (nil when not trained on).
  ///   - targets: reference labels of the same structures.
  ///   - normalization: counts of the whole batch.
  /// - Returns: the total loss (shape []) and its three weighted terms as numbers.
  public func callAsFunction<S: TensorScalar>(
    energies: Tensor<S>, forces: Tensor<S>?, stress: Tensor<S>?,
    targets: LossTargets, normalization: LossNormalization
  ) -> (total: Tensor<S>, energy: Double, forces: Double, stress: Double) {
    var total = Tensor<S>(S(0))
    var parts = (energy: 0.0, forces: 0.0, stress: 0.0)
    if weights.energy != 0, normalization.energyCount > 0 {
      let reference = Tensor<S>(shape: [targets.energies.count], scalars: targets.energies.map { S($0) })
      let perAtom = Tensor<S>(shape: [targets.atomCounts.count], scalars: targets.atomCounts.map { S(1) / S($0) })
      let term = penalty((energies - reference) * perAtom).sum() * S(weights.energy / Double(normalization.energyCount))
      parts.energy = Double(term.scalar)
      total = total + term
    }
    if weights.forces != 0, normalization.forceComponentCount > 0, let forces, let reference = targets.forces {
      let f = Tensor<S>(shape: [reference.count / 3, 3], scalars: reference.map { S($0) })
      var errors = penalty(forces - f)
      if let mask = targets.forceMask {
        errors = errors * Tensor<S>(shape: [mask.count, 1], scalars: mask.map { $0 ? S(1) : S(0) })
      }
      let term = errors.sum() * S(weights.forces / Double(normalization.forceComponentCount))
      parts.forces = Double(term.scalar)
      total = total + term
    }
    if weights.stress != 0, normalization.stressComponentCount > 0, let stress, let reference = targets.stress {
      let s = Tensor<S>(shape: [reference.count / 6, 6], scalars: reference.map { S($0) })
      let mask = Tensor<S>(shape: [targets.stressMask.count, 1], scalars: targets.stressMask.map { $0 ? S(1) : S(0) })
      let term = (penalty(stress - s) * mask).sum() * S(weights.stress / Double(normalization.stressComponentCount))
      parts.stress = Double(term.scalar)
      total = total + term
    }
    return (total, parts.energy, parts.forces, parts.stress)
  }
}

/// Reference labels of the structures of (part of) a batch, laid out as the model's outputs.
public struct LossTargets: Sendable {
  /// Total energies E, [B], eV.
  public var energies: [Double]
  /// Atoms per structure N, [B].
  public var atomCounts: [Int]
  /// Forces F, [N·3] row-major, eV/Å; nil when no structure has forces.
  public var forces: [Double]?
  /// Per-atom flag, [N]: false for atoms of structures without force labels (nil: all true).
  public var forceMask: [Bool]?
  /// Stress σ, [B·6], eV/Å³ (zeros where missing); nil when no structure has stress.
  public var stress: [Double]?
  /// Per-structure flag, [B]: true when the structure has a stress label.
  public var stressMask: [Bool]

  /// The labels of `structures`, in order. Structures without energy are not allowed here
  /// (the training set is checked before).
  public init(_ structures: [Structure]) {
    energies = structures.map { $0.energy ?? 0 }
    atomCounts = structures.map { max($0.count, 1) }
    let anyForces = structures.contains { $0.forces != nil }
    if anyForces {
      var f: [Double] = []
      var mask: [Bool] = []
      for s in structures {
        if let forces = s.forces {
          for v in forces { f += [v.x, v.y, v.z] }
          mask += Array(repeating: true, count: s.count)
        } else {
          f += Array(repeating: 0, count: 3 * s.count)
          mask += Array(repeating: false, count: s.count)
        }
      }
      forces = f
      forceMask = mask.allSatisfy { $0 } ? nil : mask
    } else {
      forces = nil
      forceMask = nil
    }
    stressMask = structures.map { $0.stress != nil }
    stress = stressMask.contains(true) ? structures.flatMap { $0.stress ?? Array(repeating: 0, count: 6) } : nil
  }
}

/// Counts of a whole batch that divide each loss term (see `LossFunction`).
public struct LossNormalization: Sendable, Hashable {
  /// Structures with an energy label.
  public var energyCount: Int
  /// Force components with a label (3 per atom).
  public var forceComponentCount: Int
  /// Stress components with a label (6 per structure).
  public var stressComponentCount: Int
  /// (structure, probe) pairs with curvature labels (`curvatureProbeCount`), P of `CurvatureLoss`.
  public var curvatureProbeCount: Int = 0

  /// The counts of `structures`.
  public init(_ structures: [Structure]) {
    energyCount = structures.filter { $0.energy != nil }.count
    forceComponentCount = structures.reduce(0) { $0 + ($1.forces == nil ? 0 : 3 * $1.count) }
    stressComponentCount = structures.reduce(0) { $0 + ($1.stress == nil ? 0 : 6) }
    curvatureProbeCount = Training.curvatureProbeCount(structures)
  }
}
