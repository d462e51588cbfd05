// The product of edge and atom tensors over the edges of a graph, summed onto atoms (or kept
// per edge), as one op: message passing without the [E, …] intermediates that gather,
// multiply and scatter-add would each store.

/// The edges of a graph, for `edgeProduct`: edge e joins center `centers[e]` to neighbour
/// `neighbors[e]`, both in `0..<atomCount`.
public struct EdgeIndex: Sendable {
  public let centers: [Int32]
  public let neighbors: [Int32]
  public let atomCount: Int

  /// - Precondition: equal counts, every index in `0..<atomCount`.
  public init(centers: [Int32], neighbors: [Int32], atomCount: Int) {
    precondition(centers.count == neighbors.count, "EdgeIndex: \(centers.count) centers for \(neighbors.count) neighbours")
    precondition(
      centers.allSatisfy { $0 >= 0 && Int($0) < atomCount } && neighbors.allSatisfy { $0 >= 0 && Int($0) < atomCount },
      "EdgeIndex: an atom index is outside 0..<\(atomCount)")
    self.centers = centers
    self.neighbors = neighbors
    self.atomCount = atomCount
  }

  public var edgeCount: Int { centers.count }
}

/// Which row of a tensor an edge e reads (or writes): its own row e of an edge tensor, or the
/// row of its center or neighbour atom in an atom tensor.
public enum EdgeRows: Sendable, Hashable {
  case edge, center, neighbor
}

/// The product over each edge of its factors' rows, reduced to `shape` and summed into the
/// result's rows:
///
///     out[r(e), a, b] += Σ_{(a', b') ↦ (a, b)} Π_k x_k[r_k(e), a'·[C_k > 1], b'·[F_k > 1]]
///
/// for every edge e, where each factor x_k has shape [rows, C_k, F_k] with C_k ∈ {1, C} and
/// F_k ∈ {1, F} (broadcast over the axes of size 1), r_k(e) is e, centers[e] or
/// neighbors[e] (`EdgeRows`), and the result has shape [rows, C_o, F_o] (C_o ∈ {1, C},
/// F_o ∈ {1, F}), summed over the axes it has as 1. An atom-row result (`.center`,
/// `.neighbor`) sums the edges that meet each atom (a scatter-add, in edge order); an edge-row
/// result gets one row per edge.
///
/// Examples (PaiNN): `Σ_{e=(i→j)} W_e ⊙ x_j` is `[(W, .edge), (x, .neighbor)]` into `.center`;
/// `Σ_e (W_e ⊙ x_j) û_e` is `[(W, .edge), (x, .neighbor), (û as [E, 3, 1], .edge)]` with
/// shape [3, F]. Nothing of size [E, C, F] is stored: only the factors are kept for the
/// backward pass.
///
/// The gradient with respect to factor k is the same op with x_k replaced by the result's
/// gradient (read at the result's rows) and the result taken at x_k's rows and shape, so
/// derivatives of every order stay in this op.
/// - Parameters:
///   - factors: 2 to 4 tensors of rank 3, each with the rows it is read at.
///   - graph: the edges.
///   - rows: the result's rows.
///   - shape: the result's [C_o, F_o].
public func edgeProduct<S: TensorScalar>(
  _ factors: [(Tensor<S>, EdgeRows)], graph: EdgeIndex, into rows: EdgeRows, shape: [Int]
) -> Tensor<S> {
  precondition(factors.count >= 2 && factors.count <= 4, "edgeProduct: 2 to 4 factors, got \(factors.count)")
  precondition(shape.count == 2, "edgeProduct: the result's shape is [C, F], got \(shape)")
  var c = shape[0], f = shape[1]
  for (x, r) in factors {
    precondition(x.rank == 3, "edgeProduct: factors have rank 3 ([rows, C, F]), got shape \(x.shape)")
    precondition(x.shape[0] == rowCount(r, graph), "edgeProduct: a factor on \(r) rows has \(x.shape[0]) rows, expected \(rowCount(r, graph))")
    c = Swift.max(c, x.shape[1])
    f = Swift.max(f, x.shape[2])
  }
  for dims in factors.map({ [$0.0.shape[1], $0.0.shape[2]] }) + [shape] {
    precondition((dims[0] == 1 || dims[0] == c) && (dims[1] == 1 || dims[1] == f),
                 "edgeProduct: shapes \(factors.map { $0.0.shape }) and result \(shape) do not broadcast to [\(c), \(f)]")
  }
  let outRows = rowCount(rows, graph)
  let values = edgeProductValues(factors.map(\.0), factors.map(\.1), graph: graph, into: rows, outRows: outRows,
                                 shape: shape, c: c, f: f)
  let inputs = factors.map(\.0), roles = factors.map(\.1)
  return makeResult("edgeProduct", shape: [outRows] + shape, scalars: values, inputs: inputs) { g, xs, _, needs in
    (0..<xs.count).map { k in
      guard needs[k] else { return nil }
      var others: [(Tensor<S>, EdgeRows)] = []
      for m in xs.indices where m != k { others.append((xs[m], roles[m])) }
      others.append((g, rows))
      return edgeProduct(others, graph: graph, into: roles[k], shape: [xs[k].shape[1], xs[k].shape[2]])
    }
  }
}

private func rowCount(_ rows: EdgeRows, _ graph: EdgeIndex) -> Int {
  rows == .edge ? graph.edgeCount : graph.atomCount
}

/// The values of `edgeProduct`: the edge loop of the concrete scalar type (`_edgeProduct`).
private func edgeProductValues<S: TensorScalar>(
  _ xs: [Tensor<S>], _ roles: [EdgeRows], graph: EdgeIndex, into rows: EdgeRows, outRows: Int,
  shape: [Int], c: Int, f: Int
) -> [S] {
  var out: [S] = filledScalars(outRows * shape[0] * shape[1], 0)
  guard graph.edgeCount > 0, shape[0] * shape[1] > 0, c * f > 0 else { return out }
  let plan = EdgeProductPlan(
    roles: roles, widths: xs.map { $0.shape[1] * $0.shape[2] }, rowSteps: xs.map { $0.shape[1] == 1 ? 0 : $0.shape[2] },
    vectors: xs.map { $0.shape[2] != 1 }, output: rows, c: c, f: f, outputC: shape[0], outputF: shape[1],
    edgeCount: graph.edgeCount)
  withBasePointers(xs.map(\.scalars)) { bases in
    bases.withUnsafeBufferPointer { pb in
      out.withUnsafeMutableBufferPointer { py in
        graph.centers.withUnsafeBufferPointer { pc in
          graph.neighbors.withUnsafeBufferPointer { pn in
            S._edgeProduct(plan, pb.baseAddress!, centers: pc.baseAddress!, neighbors: pn.baseAddress!, into: py.baseAddress!)
          }
        }
      }
    }
  }
  return out
}

/// Calls `body` with the base address of each array (kept alive and unmoved meanwhile).
private func withBasePointers<S, R>(_ arrays: [[S]], _ body: ([UnsafePointer<S>]) -> R) -> R {
  func nest(_ k: Int, _ collected: [UnsafePointer<S>]) -> R {
    if k == arrays.count { return body(collected) }
    return arrays[k].withUnsafeBufferPointer { nest(k + 1, collected + [$0.baseAddress!]) }
  }
  return nest(0, [])
}

/// What the edge loop of one `edgeProduct` reads and writes: for factor k, the rows it is read
/// at, the scalars per row (C_k·F_k), the step between its C entries (0 when C_k = 1) and
/// whether it has an F axis; the result's rows and [C_o, F_o]; the broadcast [C, F].
public struct EdgeProductPlan: Sendable {
  public var roles: [EdgeRows]
  public var widths: [Int]
  public var rowSteps: [Int]
  public var vectors: [Bool]
  public var output: EdgeRows
  public var c: Int, f: Int, outputC: Int, outputF: Int
  public var edgeCount: Int
}

/// The edge loop, compiled for each scalar type: for every edge and every C entry a, the
/// factors without an F axis multiply into one scalar s, those with one are multiplied
/// along F, and the result row gets `s · Π v_k[b]` (F_o = F) or its sum over b (F_o = 1).
@inline(__always)
func edgeProductLoop<S: TensorScalar>(
  _ plan: EdgeProductPlan, _ factors: UnsafePointer<UnsafePointer<S>>, _ centers: UnsafePointer<Int32>,
  _ neighbors: UnsafePointer<Int32>, _ out: UnsafeMutablePointer<S>
) {
  // Factors with an F axis first; empty slots up to four read the constant 1.
  let order = plan.roles.indices.filter { plan.vectors[$0] } + plan.roles.indices.filter { !plan.vectors[$0] }
  let nv = order.filter { plan.vectors[$0] }.count
  let one = UnsafeMutablePointer<S>.allocate(capacity: 1)
  one.initialize(to: 1)
  let product = UnsafeMutablePointer<S>.allocate(capacity: max(plan.f, 1))
  defer {
    one.deallocate()
    product.deallocate()
  }
  func code(_ r: EdgeRows) -> Int { r == .edge ? 0 : (r == .center ? 1 : 2) }
  func slot(_ k: Int) -> (base: UnsafePointer<S>, width: Int, step: Int, role: Int) {
    guard k < order.count else { return (UnsafePointer(one), 0, 0, 0) }
    let m = order[k]
    return (factors[m], plan.widths[m], plan.rowSteps[m], code(plan.roles[m]))
  }
  let (b0, w0, s0, r0) = slot(0), (b1, w1, s1, r1) = slot(1), (b2, w2, s2, r2) = slot(2), (b3, w3, s3, r3) = slot(3)
  let ro = code(plan.output), c = plan.c, f = plan.f, fo = plan.outputF
  let wo = plan.outputC * fo, ao = plan.outputC == 1 ? 0 : fo
  @inline(__always) func row(_ role: Int, _ e: Int) -> Int {
    role == 0 ? e : (role == 1 ? Int(centers[e]) : Int(neighbors[e]))
  }
  for e in 0..<plan.edgeCount {
    let q0 = b0 + row(r0, e) * w0, q1 = b1 + row(r1, e) * w1
    let q2 = b2 + row(r2, e) * w2, q3 = b3 + row(r3, e) * w3
    let y = out + row(ro, e) * wo
    for a in 0..<c {
      let x0 = q0 + a * s0, x1 = q1 + a * s1, x2 = q2 + a * s2, x3 = q3 + a * s3
      let ya = y + a * ao
      var s: S = 1
      if nv < 1 { s *= x0[0] }
      if nv < 2 { s *= x1[0] }
      if nv < 3 { s *= x2[0] }
      if nv < 4 { s *= x3[0] }
      if fo == 1 {
        switch nv {
        case 0: ya[0] += s * S(f)
        case 1: ya[0] += s * sumLoop(x0, f)
        case 2:
          for b in 0..<f { product[b] = x0[b] * x1[b] }
          ya[0] += s * sumLoop(product, f)
        case 3:
          for b in 0..<f { product[b] = x0[b] * x1[b] * x2[b] }
          ya[0] += s * sumLoop(product, f)
        default:
          for b in 0..<f { product[b] = x0[b] * x1[b] * x2[b] * x3[b] }
          ya[0] += s * sumLoop(product, f)
        }
      } else {
        switch nv {
        case 0: for b in 0..<f { ya[b] += s }
        case 1: for b in 0..<f { ya[b] += s * x0[b] }
        case 2: for b in 0..<f { ya[b] += s * x0[b] * x1[b] }
        case 3: for b in 0..<f { ya[b] += s * x0[b] * x1[b] * x2[b] }
        default: for b in 0..<f { ya[b] += s * x0[b] * x1[b] * x2[b] * x3[b] }
        }
      }
    }
  }
}
