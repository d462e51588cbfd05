import Autodiff

/// The interaction blocks of the differentiable (training) forward, with the messages formed
/// by `edgeProduct`.
///
/// The formulas are `InteractionBlock`'s. Written with gather, multiply and scatter-add,
/// every edge would store the gathered features, the filter products and the message terms,
/// each [E, F] to [E, 3, F], in the forward pass and again in its recorded derivative (the
/// force loss differentiates the forces, so both are kept): about 90 KB per edge at F = 64.
/// Here the messages
///
///     Δq_i  = Σ_{e=(i→j)} f_e · W_s,e ⊙ x_s,j
///     Δμ_i  = Σ_{e=(i→j)} f_e · (W_vv,e ⊙ x_vv,j) û_e + f_e · W_vs,e ⊙ x_vs,j ⊙ μ_j
///
/// are each one `edgeProduct` (raw filters W = W_f,l φ_e + b_f,l, cutoff f_e, features and
/// unit vectors as its factors), which stores nothing of edge size; what an edge keeps is its
/// three raw filters [E, F] per block and their gradients.
struct TrainableMessages<S: TensorScalar> {
  /// The edges.
  let index: EdgeIndex
  /// [φ(d_e), 1], [E, n_rbf + 1]: the basis with a column of ones, so that one product gives
  /// W_f φ_e + b_f.
  let basis: Tensor<S>
  /// f_cut(d_e), [E, 1, 1].
  let cutoff: Tensor<S>
  /// û_e, [E, 3, 1].
  let units: Tensor<S>

  init(_ graph: PaiNNGraph, edges: EdgeTensors<S>) {
    let nE = graph.edgeCount
    index = EdgeIndex(centers: graph.centers, neighbors: graph.neighbors, atomCount: graph.atomCount)
    basis = concat([edges.basis, Tensor<S>(ones: [nE, 1])])
    cutoff = edges.cutoffValues.reshaped(to: [nE, 1, 1])
    units = edges.units.reshaped(to: [nE, 3, 1])
  }

  /// W_f,l φ_e + b_f,l for the rows `rows` of the shared filter network, [E, 1, rows.count].
  func rawFilters(_ filter: Linear<Tensor<S>>, rows: Range<Int>) -> Tensor<S> {
    let w = filter.weight.gathering(rows: rows.map { Int32($0) })  // [F, n_rbf]
    let b = filter.bias!.slice(lastAxis: rows).reshaped(to: [rows.count, 1])
    let raw = matmul(basis, concat([w, b]), transposingB: true)  // [E, F]
    return raw.reshaped(to: [index.edgeCount, 1, rows.count])
  }

  /// One interaction block: the updated (q [N, F], μ [N, 3, F]).
  /// - Parameters:
  ///   - weights: the block's context MLP.
  ///   - filter: the shared filter network; block `layer` uses its rows 3F·l ..< 3F·(l + 1).
  func interaction(
    _ weights: InteractionWeights<Tensor<S>>, filter: Linear<Tensor<S>>, layer: Int, q: Tensor<S>, mu: Tensor<S>
  ) -> (q: Tensor<S>, mu: Tensor<S>) {
    let n = q.shape[0], f = q.shape[1], start = 3 * f * layer
    let x = weights.output(silu(weights.hidden(q))).split(sizes: [f, f, f]).map { $0.reshaped(to: [n, 1, f]) }
    let ws = rawFilters(filter, rows: start..<(start + f))
    let wvv = rawFilters(filter, rows: (start + f)..<(start + 2 * f))
    let wvs = rawFilters(filter, rows: (start + 2 * f)..<(start + 3 * f))
    let dq = edgeProduct([(ws, .edge), (cutoff, .edge), (x[0], .neighbor)], graph: index, into: .center, shape: [1, f])
    let along = edgeProduct([(wvv, .edge), (cutoff, .edge), (x[1], .neighbor), (units, .edge)],
                            graph: index, into: .center, shape: [3, f])
    let scaled = edgeProduct([(wvs, .edge), (cutoff, .edge), (x[2], .neighbor), (mu, .neighbor)],
                             graph: index, into: .center, shape: [3, f])
    return (q + dq.reshaped(to: [n, f]), mu + along + scaled)
  }
}
