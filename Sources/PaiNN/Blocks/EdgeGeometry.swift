import Autodiff
import Foundation

/// Edge geometry: the first block of the network and the last of its adjoint.
///
/// For every edge e = (i → j) of the graph:
///
///     r_e = R_j − R_i + S_e·cell,   d_e = ‖r_e‖,   û_e = r_e/d_e
///     φ_e = φ(d_e) (the radial basis),   f_e = f_cut(d_e)
///
/// Adjoint (given g_φ = ∂E/∂φ_e, g_f = ∂E/∂f_e and g_û = ∂E/∂û_e from the interaction
/// blocks):
///
///     ∂E/∂r_e = (Σ_n g_φ,n φ'_n(d_e) + g_f f'_cut(d_e))·û_e + (g_û − (g_û·û_e) û_e)/d_e
///     F_i = −∂E/∂R_i = Σ_e ∂E/∂r_e (δ_{i,i(e)} − δ_{i,j(e)})
///     ∂E/∂ε_s = Σ_{e ∈ s} r_e ⊗ ∂E/∂r_e
///
/// (a strain ε maps every r_e to (I + ε) r_e, so the virial is a sum over edges).
struct EdgeGeometry<T: TensorScalar> {
  /// Number of edges.
  let count: Int
  /// Number of radial basis functions.
  let basisCount: Int
  /// r_e, [nEdges], Å (Double: the virial is summed from it).
  let vectors: [SIMD3<Double>]
  /// d_e, [nEdges], Å.
  let distances: ScratchBuffer<T>
  /// û_e, [nEdges, 3].
  let units: ScratchBuffer<T>
  /// φ(d_e), [nEdges, n_rbf].
  let basis: ScratchBuffer<T>
  /// φ'(d_e), [nEdges, n_rbf], per Å; nil without gradients.
  let basisDerivatives: ScratchBuffer<T>?
  /// f_cut(d_e), [nEdges].
  let cutoffValues: ScratchBuffer<T>
  /// f'_cut(d_e), [nEdges], per Å.
  let cutoffDerivatives: ScratchBuffer<T>

  /// The geometry of every edge of `graph`.
  /// - Parameters:
  ///   - basis: the radial basis (evaluated in Double, rounded to `T`).
  ///   - gradients: whether the adjoint will run (then φ' is kept).
  init(_ graph: PaiNNGraph, basis radial: any RadialBasis, gradients: Bool) {
    let nE = graph.edgeCount, nR = radial.count
    count = nE
    basisCount = nR
    distances = ScratchBuffer(nE)
    units = ScratchBuffer(3 * nE)
    basis = ScratchBuffer(nE * nR)
    basisDerivatives = gradients ? ScratchBuffer(nE * nR) : nil
    cutoffValues = ScratchBuffer(nE)
    cutoffDerivatives = ScratchBuffer(nE)
    var vectors = [SIMD3<Double>](repeating: .zero, count: nE)
    let phi = UnsafeMutablePointer<Double>.allocate(capacity: max(nR, 1))
    let dphi = UnsafeMutablePointer<Double>.allocate(capacity: max(nR, 1))
    defer {
      phi.deallocate()
      dphi.deallocate()
    }
    for e in 0..<nE {
      let r = graph.positions[Int(graph.neighbors[e])] - graph.positions[Int(graph.centers[e])] + graph.cellOffsets[e]
      vectors[e] = r
      let d = (r * r).sum().squareRoot()
      distances[e] = T(d)
      for c in 0..<3 { units[3 * e + c] = T(r[c] / d) }
      radial.values(at: d, into: phi, derivatives: gradients ? dphi : nil)
      let row = basis.pointer + e * nR
      for n in 0..<nR { row[n] = T(phi[n]) }
      if let basisDerivatives {
        let drow = basisDerivatives.pointer + e * nR
        for n in 0..<nR { drow[n] = T(dphi[n]) }
      }
      let fc = cosineCutoff(d, cutoff: radial.cutoff)
      cutoffValues[e] = T(fc.value)
      cutoffDerivatives[e] = T(fc.derivative)
    }
    self.vectors = vectors
  }

  /// The adjoint: forces and strain derivatives from the edge gradients.
  /// - Parameters:
  ///   - basisGradients: ∂E/∂φ, [nEdges, n_rbf].
  ///   - cutoffGradients: ∂E/∂f_cut, [nEdges].
  ///   - unitGradients: ∂E/∂û, [nEdges, 3].
  /// - Returns: forces −∂E/∂R, [nAtoms], eV/Å, and ∂E/∂ε of each structure, row-major 3×3, eV.
  func backward(
    _ graph: PaiNNGraph, basisGradients: ScratchBuffer<T>, cutoffGradients: ScratchBuffer<T>,
    unitGradients: ScratchBuffer<T>
  ) -> (forces: [SIMD3<Double>], strainDerivatives: [[Double]]) {
    var forces = [SIMD3<Double>](repeating: .zero, count: graph.atomCount)
    var strain = [[Double]](repeating: Array(repeating: 0, count: 9), count: graph.structureCount)
    let nR = basisCount
    for e in 0..<count {
      var gd = cutoffGradients[e] * cutoffDerivatives[e]
      let dp = basisDerivatives!.pointer + e * nR, gp = basisGradients.pointer + e * nR
      for n in 0..<nR { gd += gp[n] * dp[n] }
      let d = Double(distances[e])
      let u = SIMD3<Double>(Double(units[3 * e]), Double(units[3 * e + 1]), Double(units[3 * e + 2]))
      let gu = SIMD3<Double>(Double(unitGradients[3 * e]), Double(unitGradients[3 * e + 1]), Double(unitGradients[3 * e + 2]))
      let gr = Double(gd) * u + (gu - (gu * u).sum() * u) / d
      forces[Int(graph.centers[e])] += gr
      forces[Int(graph.neighbors[e])] -= gr
      let r = vectors[e], s = Int(graph.edgeStructure[e])
      for a in 0..<3 { for b in 0..<3 { strain[s][3 * a + b] += r[a] * gr[b] } }
    }
    return (forces, strain)
  }
}

/// The edge geometry as tensors of the tensor engine (the differentiable execution).
struct EdgeTensors<S: TensorScalar> {
  /// r_e, [nEdges, 3], Å.
  var vectors: Tensor<S>
  /// d_e, [nEdges, 1], Å.
  var distances: Tensor<S>
  /// û_e, [nEdges, 3].
  var units: Tensor<S>
  /// φ(d_e), [nEdges, n_rbf].
  var basis: Tensor<S>
  /// f_cut(d_e), [nEdges, 1].
  var cutoffValues: Tensor<S>

  /// Edge vectors `r_e = (R_j − R_i + S_e·cell)(I + ε_s)` from leaves R and ε, so that forces
  /// and stress are gradients of the energy with respect to them.
  /// - Parameters:
  ///   - positions: R, [nAtoms, 3], Å.
  ///   - strain: ε, [nStructures, 3, 3], or nil when no stress is wanted.
  init(_ graph: PaiNNGraph, positions: Tensor<S>, strain: Tensor<S>?, basis radial: any RadialBasis) {
    let nE = graph.edgeCount
    let offsets = Tensor<S>(
      shape: [nE, 3], scalars: graph.cellOffsets.flatMap { [S($0.x), S($0.y), S($0.z)] })
    var r = positions.gathering(rows: graph.neighbors) - positions.gathering(rows: graph.centers) + offsets
    if let strain {
      let edgeStrain = strain.gathering(rows: graph.edgeStructure)  // [E, 3, 3]
      r = r + (r.reshaped(to: [nE, 3, 1]) * edgeStrain).sum(axis: 1)
    }
    vectors = r
    distances = norm(r, axis: -1, keepingDimension: true)
    units = r / distances
    basis = radial.expand(distances)
    cutoffValues = cosineCutoff(distances, cutoff: radial.cutoff)
  }
}

/// Behler's cosine cutoff `f(d) = ½(cos(πd/r_c) + 1)` for d < r_c, else 0, and its
/// derivative `f'(d) = −(π/2r_c)·sin(πd/r_c)` (0 beyond r_c).
/// - Parameters:
///   - d: distance, Å.
///   - cutoff: r_c, Å.
/// - Returns: (f, df/dd), dimensionless and Å⁻¹.
@inline(__always)
func cosineCutoff(_ d: Double, cutoff: Double) -> (value: Double, derivative: Double) {
  guard d < cutoff else { return (0, 0) }
  let a = Double.pi * d / cutoff
  return ((Foundation.cos(a) + 1) / 2, -Double.pi / (2 * cutoff) * Foundation.sin(a))
}

/// The cosine cutoff of a tensor of distances, differentiable in them.
/// - Parameters:
///   - d: distances, any shape, Å.
///   - cutoff: r_c, Å.
func cosineCutoff<S: TensorScalar>(_ d: Tensor<S>, cutoff: Double) -> Tensor<S> {
  let rc = S(cutoff)
  return `where`(mask: d.isLessThan(rc), (cos(d * (S.pi / rc)) + 1) * S(0.5), Tensor<S>(zeros: d.shape))
}
