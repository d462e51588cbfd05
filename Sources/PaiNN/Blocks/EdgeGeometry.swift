import Autodiff
import Foundation

/// Edge geometry: the first block of the network and the last of its adjoint.
///
/// For every edge e = (i → j) of the graph:
///
///     r_e = R_j − R_i + S_e·cell,   d_e = ‖r_e‖,   û_e = r_e/d_e
///     φ_e = φ(d_e) (the radial basis),   f_e = f_cut(d_e)
///
/// Adjoint (given g_d = ∂E/∂d_e = Σ_n g_φ,n φ'_n(d_e) + g_f f'_cut(d_e) and g_û = ∂E/∂û_e,
/// which the interaction blocks accumulate edge by edge):
///
///     ∂E/∂r_e = g_d·û_e + (g_û − (g_û·û_e) û_e)/d_e
///     F_i = −∂E/∂R_i = Σ_e ∂E/∂r_e (δ_{i,i(e)} − δ_{i,j(e)})
///     ∂E/∂ε_s = Σ_{e ∈ s} r_e ⊗ ∂E/∂r_e
///
/// (a strain ε maps every r_e to (I + ε) r_e, so the virial is a sum over edges).
enum EdgeGeometry {
  /// Fills the workspace's edge arrays for `graph`: the edges shorter than the cutoff regrouped
  /// by center (CSR, each center's edges in graph order), then d_e, û_e, φ, φ' (or d_e in
  /// Double when the workspace recomputes φ'), f_cut and f'_cut of every one.
  /// Prepares the workspace for the graph first.
  /// - Parameters:
  ///   - basis: the radial basis (evaluated in Double, rounded to `T`).
  ///   - threads: threads for the per-edge work.
  static func prepare<T: TensorScalar>(
    _ graph: PaiNNGraph, basis radial: any RadialBasis, workspace ws: PaiNNWorkspace<T>, threads: Int
  ) {
    let n = graph.atomCount, nE = graph.edgeCount, nR = radial.count
    ws.prepare(atomCount: n, edgeCount: nE, workers: max(1, min(threads, (n + PaiNNWorkspace<T>.chunkAtoms - 1) / PaiNNWorkspace<T>.chunkAtoms)))
    // The listed edges within the cutoff (a Verlet list also holds pairs up to cutoff + skin,
    // whose filters are exactly zero: they are left out, so a skin costs no arithmetic), then
    // a counting sort of those by center (stable).
    let start = ws.edgeStart.pointer, within = ws.listedWithinCutoff.pointer, sources = ws.edgeSource.pointer
    let cutoff2 = radial.cutoff * radial.cutoff
    start.update(repeating: 0, count: n + 1)
    var kept = 0
    graph.centers.withUnsafeBufferPointer { c in
      graph.neighbors.withUnsafeBufferPointer { nb in
        graph.positions.withUnsafeBufferPointer { positions in
          graph.cellOffsets.withUnsafeBufferPointer { offsets in
            for e in 0..<nE {
              let r = positions[Int(nb[e])] - positions[Int(c[e])] + offsets[e]
              let inside = (r * r).sum() < cutoff2
              within[e] = inside ? 1 : 0
              if inside {
                start[Int(c[e]) + 1] += 1
                kept += 1
              }
            }
          }
        }
      }
      for i in 0..<n { start[i + 1] += start[i] }
      for e in 0..<nE where within[e] != 0 {
        let i = Int(c[e]), p = Int(start[i])
        start[i] = Int32(p + 1)
        sources[p] = Int32(e)
      }
    }
    for i in stride(from: n, to: 0, by: -1) { start[i] = start[i - 1] }
    start[0] = 0
    ws.keepEdges(kept)
    let source = ws.edgeSource.pointer, csrCenters = ws.centers.pointer, csrNeighbors = ws.neighbors.pointer
    let distances = ws.distances.pointer, units = ws.units.pointer
    let basis = ws.basis.pointer, basisDerivatives = ws.basisDerivatives.pointer
    let recompute = ws.recomputesBasisDerivatives, exactDistances = ws.exactDistances.pointer
    let cutoffValues = ws.cutoffValues.pointer, cutoffDerivatives = ws.cutoffDerivatives.pointer
    graph.positions.withUnsafeBufferPointer { positions in
      graph.cellOffsets.withUnsafeBufferPointer { offsets in
        graph.centers.withUnsafeBufferPointer { centers in
          graph.neighbors.withUnsafeBufferPointer { neighbors in
            parallelChunks(count: ws.chunkCount, threads: threads) { chunk, _ in
              let atoms = ws.chunkAtoms(chunk)
              withUnsafeTemporaryAllocation(of: Double.self, capacity: 2 * max(nR, 1)) { scratch in
                let phi = scratch.baseAddress!, dphi = phi + max(nR, 1)
                for p in Int(start[atoms.lowerBound])..<Int(start[atoms.upperBound]) {
                  let e = Int(source[p])
                  let i = centers[e], j = neighbors[e]
                  csrCenters[p] = i
                  csrNeighbors[p] = j
                  let r = positions[Int(j)] - positions[Int(i)] + offsets[e]
                  let d = (r * r).sum().squareRoot()
                  distances[p] = T(d)
                  for c in 0..<3 { units[3 * p + c] = T(r[c] / d) }
                  let fc = radial.valuesAndCutoff(at: d, into: phi, derivatives: dphi)
                  let row = basis + p * (nR + 1)
                  for k in 0..<nR { row[k] = T(phi[k]) }
                  if recompute {
                    exactDistances[p] = d
                  } else {
                    let drow = basisDerivatives + p * nR
                    for k in 0..<nR { drow[k] = T(dphi[k]) }
                  }
                  row[nR] = 1
                  cutoffValues[p] = T(fc.value)
                  cutoffDerivatives[p] = T(fc.derivative)
                }
              }
            }
          }
        }
      }
    }
  }

  /// The adjoint: forces and strain derivatives from the edge gradients ∂E/∂d_e and ∂E/∂û_e
  /// in the workspace (summed over the edges in CSR order, in Double, on one thread: the
  /// same numbers for any number of threads).
  /// - Returns: forces −∂E/∂R, [nAtoms], eV/Å, and ∂E/∂ε of each structure, row-major 3×3, eV.
  static func backward<T: TensorScalar>(
    _ graph: PaiNNGraph, workspace ws: PaiNNWorkspace<T>
  ) -> (forces: [SIMD3<Double>], strainDerivatives: [[Double]]) {
    var forces = [SIMD3<Double>](repeating: .zero, count: graph.atomCount)
    var strain = [[Double]](repeating: Array(repeating: 0, count: 9), count: graph.structureCount)
    var virial = [SIMD3<Double>](repeating: .zero, count: 3 * graph.structureCount)
    let gdp = ws.distanceGradients.pointer, gup = ws.unitGradients.pointer, up = ws.units.pointer
    let centers = ws.centers.pointer, neighbors = ws.neighbors.pointer, sources = ws.edgeSource.pointer
    let distances = ws.distances.pointer, edgeCount = ws.edgeCount
    let positions = graph.positions, offsets = graph.cellOffsets
    graph.edgeStructure.withUnsafeBufferPointer { structureOf in
      forces.withUnsafeMutableBufferPointer { f in
        for p in 0..<edgeCount {
          let i = Int(centers[p]), j = Int(neighbors[p]), e = Int(sources[p])
          let d = Double(distances[p])
          let u = SIMD3<Double>(Double(up[3 * p]), Double(up[3 * p + 1]), Double(up[3 * p + 2]))
          let gu = SIMD3<Double>(Double(gup[3 * p]), Double(gup[3 * p + 1]), Double(gup[3 * p + 2]))
          let gr = Double(gdp[p]) * u + (gu - (gu * u).sum() * u) / d
          f[i] += gr
          f[j] -= gr
          // r_e again, as `prepare` formed it (the same operations: the same bits), rather
          // than 32 bytes per edge kept for it.
          let r = positions[j] - positions[i] + offsets[e], s = 3 * Int(structureOf[e])
          virial[s] += r.x * gr
          virial[s + 1] += r.y * gr
          virial[s + 2] += r.z * gr
        }
      }
    }
    for s in 0..<graph.structureCount {
      for a in 0..<3 { for b in 0..<3 { strain[s][3 * a + b] = virial[3 * s + a][b] } }
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
  let a = Double.pi / cutoff * d
  return cosineCutoff(d, cutoff: cutoff, sine: Foundation.sin(a), cosine: Foundation.cos(a))
}

/// `cosineCutoff` from sin and cos of its angle πd/r_c (computed as `Double.pi / cutoff * d`),
/// for a caller that has them already.
@inline(__always)
func cosineCutoff(_ d: Double, cutoff: Double, sine: Double, cosine: Double) -> (value: Double, derivative: Double) {
  guard d < cutoff else { return (0, 0) }
  return ((cosine + 1) / 2, -Double.pi / (2 * cutoff) * sine)
}

/// The cosine cutoff of a tensor of distances, differentiable in them.
/// - Parameters:
///   - d: distances, any shape, Å.
///   - cutoff: r_c, Å.
func cosineCutoff<S: TensorScalar>(_ d: Tensor<S>, cutoff: Double) -> Tensor<S> {
  let rc = S(cutoff)
  return `where`(mask: d.isLessThan(rc), (cos(d * (S.pi / rc)) + 1) * S(0.5), Tensor<S>(zeros: d.shape))
}
