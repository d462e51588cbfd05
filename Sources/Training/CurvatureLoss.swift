import Atomistic
import Autodiff
import PaiNN
import Potentials

/// How the student's Hessian–vector products H_s v are computed in training.
public enum CurvatureMode: String, Sendable, Hashable, Codable, CaseIterable {
  /// Central differences of the student's forces, H_s v ≈ −(F(R + h v) − F(R − h v)) / (2h):
  /// 2k extra force evaluations per structure, each differentiable in θ through the usual
  /// double-backward force path (second order in θ overall); error O(h²).
  case finiteDifference = "finite-difference"
  /// Exactly, reverse over reverse: F = −∂E/∂R recorded with its graph, then
  /// H_s v = −∂(Σ F·v)/∂R recorded again, so the loss gradient in θ is a third derivative of E.
  case exact
}

/// The curvature term of the training loss, for structures with teacher Hessian–vector products
/// (`Structure.hessianProducts`):
///
///     L_H = λ_H · (1/P) Σ_s Σ_{p < k_s} ‖H_s v_sp − H_t v_sp‖² / (3 N_s)
///
/// with P the number of (structure, probe) pairs of the whole batch, so L_H is λ_H times the
/// mean over probes of the mean squared component error (eV/Å²)², and parts of a batch add up.
/// Plain squares (no Huber): the teacher's H v is smooth where it is defined.
public struct CurvatureLoss: Sendable, Hashable, Codable {
  /// λ_H, multiplies the mean squared H v error ((eV/Å²)²); 0 leaves the term out. Amin et al.
  /// (2025) use energy 5, forces 100, Hessian 200–400 on their normalisation; with energy 1 and
  /// forces 100 on ours, 10 did best of those tried (1, 10, 100 on EMT Cu; 1, 10 on GFN2-xTB
  /// ethanol; docs/benchmarks.md).
  public var weight: Double
  /// How the student's H v is computed.
  public var mode: CurvatureMode
  /// Step h of the finite-difference mode, Å.
  public var step: Double

  public init(weight: Double = 10, mode: CurvatureMode = .finiteDifference, step: Double = 0.01) {
    self.weight = weight
    self.mode = mode
    self.step = step
  }

  /// What is wrong with the settings, or nil.
  public var problem: String? {
    if !(weight >= 0 && weight.isFinite) { return "the curvature weight must be ≥ 0 (got \(weight))" }
    if !(step > 0 && step <= 0.1) { return "the curvature step must be in (0, 0.1] Å (got \(step))" }
    return nil
  }
}

/// (structure, probe) pairs with teacher products among `structures`: P of `CurvatureLoss`.
public func curvatureProbeCount(_ structures: [Structure]) -> Int {
  structures.reduce(0) { $0 + $1.hessianLabelCount }
}

/// The student's Hessian–vector products for the probes of `structures`, differentiable in the
/// weight leaves.
/// - Parameters:
///   - leaves: the weight tensors (file order) the result must be differentiable in.
///   - probes: probe p of structure s, [B][k][N_s] (dimensionless); all structures of the call
///     have the same k (pad with zero vectors).
///   - createGraph: record the computation so the products can be differentiated in θ.
/// - Returns: H_s v_p for each p as [N, 3] tensors over the atoms of all structures in order, eV/Å².
func studentHessianProducts<S: TensorScalar>(
  _ model: PaiNNModel, structures: [Structure], leaves: [Tensor<S>], probes: [[[SIMD3<Double>]]],
  mode: CurvatureMode, step: Double, createGraph: Bool = true
) throws -> [Tensor<S>] {
  let net = PaiNNTrainable<S>(model, weights: PaiNNWeights(flattened: leaves, layerCount: model.configuration.layerCount))
  let k = probes.first?.count ?? 0
  guard k > 0 else { return [] }
  let nAtoms = structures.reduce(0) { $0 + $1.count }
  func stacked(_ p: Int) -> [SIMD3<Double>] { probes.flatMap { $0[p] } }
  switch mode {
  case .exact:
    let out = net.forward(try net.batch(structures), .energyAndForces, createGraph: true)
    guard let forces = out.forces, let positions = out.positions else { return [] }
    return (0..<k).map { p in
      let v = Tensor<S>(shape: [nAtoms, 3], scalars: stacked(p).flatMap { [S($0.x), S($0.y), S($0.z)] })
      // H v = ∂(∂E/∂R · v)/∂R = −∂(F · v)/∂R.
      return -gradients(of: (forces * v).sum(), wrt: [positions], createGraph: createGraph)[0]
    }
  case .finiteDifference:
    // Displaced copies, ordered [p][+ then −][structure], evaluated in one batch.
    var displaced: [Structure] = []
    displaced.reserveCapacity(2 * k * structures.count)
    for p in 0..<k {
      for sign in [1.0, -1.0] {
        for (s, structure) in structures.enumerated() {
          var d = structure
          for i in 0..<d.count { d.positions[i] += sign * step * probes[s][p][i] }
          displaced.append(d)
        }
      }
    }
    let out = net.forward(try net.batch(displaced), .energyAndForces, createGraph: createGraph)
    guard let forces = out.forces else { return [] }
    return (0..<k).map { p in
      let plus = forces.gathering(rows: Array((2 * p * nAtoms)..<((2 * p + 1) * nAtoms)))
      let minus = forces.gathering(rows: Array(((2 * p + 1) * nAtoms)..<((2 * p + 2) * nAtoms)))
      return (plus - minus) * S(-1 / (2 * step))
    }
  }
}

/// The curvature term L_H of one part of a batch (see `CurvatureLoss`), differentiable in
/// `leaves`; nil when no structure of the part has curvature labels.
/// - Parameter probeCount: P of the whole batch (`curvatureProbeCount`).
func curvatureLossTerm<S: TensorScalar>(
  _ model: PaiNNModel, structures: [Structure], leaves: [Tensor<S>], loss: CurvatureLoss, probeCount: Int
) throws -> Tensor<S>? {
  let labelled = structures.filter { $0.hessianLabelCount > 0 }
  guard loss.weight != 0, probeCount > 0, !labelled.isEmpty else { return nil }
  let k = labelled.map(\.hessianLabelCount).max()!
  // Pad structures with fewer probes by zero directions; their rows get weight 0.
  var probes: [[[SIMD3<Double>]]] = []
  var targets = [[Double]](repeating: [], count: k)
  var rowWeights = [[Double]](repeating: [], count: k)
  for s in labelled {
    let n = s.count, ks = s.hessianLabelCount
    let v = s.hessianProbes!, hv = s.hessianProducts!
    probes.append((0..<k).map { $0 < ks ? v[$0] : Array(repeating: .zero, count: n) })
    for p in 0..<k {
      for i in 0..<n {
        let t = p < ks ? hv[p][i] : .zero
        targets[p] += [t.x, t.y, t.z]
        rowWeights[p].append(p < ks ? 1 / Double(3 * n) : 0)
      }
    }
  }
  let products = try studentHessianProducts(model, structures: labelled, leaves: leaves, probes: probes,
                                            mode: loss.mode, step: loss.step)
  let nAtoms = labelled.reduce(0) { $0 + $1.count }
  var total = Tensor<S>(S(0))
  for p in 0..<k {
    let t = Tensor<S>(shape: [nAtoms, 3], scalars: targets[p].map { S($0) })
    let w = Tensor<S>(shape: [nAtoms, 1], scalars: rowWeights[p].map { S($0) })
    total = total + (square(products[p] - t) * w).sum()
  }
  return total * S(loss.weight / Double(probeCount))
}
