import Autodiff
import Testing

/// `edgeProduct` against the same quantity written with gather, broadcasting multiply,
/// scatter-add and sums (ops tested on their own elsewhere): values, first derivatives and
/// second derivatives (a loss on first derivatives, as the force loss is) agree to rounding.
@Suite struct EdgeProductTests {
  /// A small graph with repeated centers and neighbours, self-images and an atom without edges.
  let graph = EdgeIndex(centers: [0, 0, 1, 2, 2, 2, 3, 1], neighbors: [1, 2, 0, 0, 3, 2, 1, 3], atomCount: 5)

  /// The composed reference: rows, broadcasting product, then the reduction to `shape`.
  func reference(_ factors: [(Tensor<Double>, EdgeRows)], into rows: EdgeRows, shape: [Int]) -> Tensor<Double> {
    func read(_ x: Tensor<Double>, _ r: EdgeRows) -> Tensor<Double> {
      switch r {
      case .edge: return x
      case .center: return x.gathering(rows: graph.centers)
      case .neighbor: return x.gathering(rows: graph.neighbors)
      }
    }
    var p = read(factors[0].0, factors[0].1)
    for (x, r) in factors.dropFirst() { p = p * read(x, r) }
    if shape[0] == 1 && p.shape[1] != 1 { p = p.sum(axis: 1, keepingDimension: true) }
    if shape[1] == 1 && p.shape[2] != 1 { p = p.sum(axis: 2, keepingDimension: true) }
    p = p.broadcast(to: [graph.edgeCount] + shape)
    switch rows {
    case .edge: return p
    case .center: return scatterAdd(p, into: graph.atomCount, at: graph.centers)
    case .neighbor: return scatterAdd(p, into: graph.atomCount, at: graph.neighbors)
    }
  }

  func maxDifference(_ a: Tensor<Double>, _ b: Tensor<Double>) -> Double {
    #expect(a.shape == b.shape)
    return zip(a.scalars, b.scalars).map { abs($0 - $1) }.max() ?? 0
  }

  /// Factor sets of the kinds PaiNN uses (and a few more shapes), each with a result layout.
  func cases() -> [(factors: [(Tensor<Double>, EdgeRows)], rows: EdgeRows, shape: [Int])] {
    let e = graph.edgeCount, n = graph.atomCount, f = 4
    func t(_ shape: [Int], _ seed: UInt64) -> Tensor<Double> { Tensor(randomNormal: shape, seed: seed).requiringGradient() }
    return [
      ([(t([e, 1, f], 1), .edge), (t([n, 1, f], 2), .neighbor)], .center, [1, f]),
      ([(t([e, 1, f], 3), .edge), (t([e, 1, 1], 4), .edge), (t([n, 1, f], 5), .neighbor), (t([e, 3, 1], 6), .edge)], .center, [3, f]),
      ([(t([e, 1, f], 7), .edge), (t([e, 1, 1], 8), .edge), (t([n, 1, f], 9), .neighbor), (t([n, 3, f], 10), .neighbor)], .center, [3, f]),
      ([(t([n, 3, f], 11), .center), (t([n, 1, f], 12), .neighbor), (t([e, 3, 1], 13), .edge)], .edge, [3, 1]),
      ([(t([n, 3, f], 14), .center), (t([n, 3, f], 15), .neighbor)], .neighbor, [1, 1]),
      ([(t([e, 3, f], 16), .edge), (t([n, 1, 1], 17), .center)], .edge, [1, f]),
    ]
  }

  @Test func valuesMatchGatherMultiplyScatter() {
    for (factors, rows, shape) in cases() {
      let fused = edgeProduct(factors, graph: graph, into: rows, shape: shape)
      let composed = reference(factors, into: rows, shape: shape)
      #expect(maxDifference(fused, composed) <= 1e-12, "rows \(rows), shape \(shape)")
    }
  }

  @Test func firstAndSecondDerivativesMatchTheComposedOps() {
    for (k, (factors, rows, shape)) in cases().enumerated() {
      let xs = factors.map(\.0)
      let upstream = Tensor<Double>(randomNormal: [rows == .edge ? graph.edgeCount : graph.atomCount] + shape, seed: 100 + UInt64(k))
      // L₂ = Σ_k Σ (∂L₁/∂x_k)² with L₁ = Σ upstream ⊙ y: differentiates the first derivatives
      // again, as a force loss does.
      func secondOrder(_ y: Tensor<Double>) -> (first: [Tensor<Double>], second: [Tensor<Double>]) {
        let first = gradients(of: (y * upstream).sum(), wrt: xs, createGraph: true)
        var loss = Tensor<Double>(0)
        for g in first { loss = loss + square(g).sum() }
        return (first, gradients(of: loss, wrt: xs))
      }
      let fused = secondOrder(edgeProduct(factors, graph: graph, into: rows, shape: shape))
      let composed = secondOrder(reference(factors, into: rows, shape: shape))
      for m in xs.indices {
        let scale = max(1, composed.second[m].scalars.map(abs).max() ?? 0)
        #expect(maxDifference(fused.first[m], composed.first[m]) <= 1e-12, "case \(k), factor \(m): first derivative")
        #expect(maxDifference(fused.second[m], composed.second[m]) <= 1e-11 * scale, "case \(k), factor \(m): second derivative")
        #expect(composed.second[m].scalars.contains { $0 != 0 }, "case \(k), factor \(m): the check is empty")
      }
    }
  }

  @Test func graphWithoutEdgesGivesZeros() {
    let empty = EdgeIndex(centers: [], neighbors: [], atomCount: 3)
    let x = Tensor<Double>(randomNormal: [3, 1, 2], seed: 1).requiringGradient()
    let w = Tensor<Double>(zeros: [0, 1, 2]).requiringGradient()
    let y = edgeProduct([(w, .edge), (x, .neighbor)], graph: empty, into: .center, shape: [1, 2])
    #expect(y.shape == [3, 1, 2] && y.scalars.allSatisfy { $0 == 0 })
    let g = gradients(of: y.sum(), wrt: [x, w])
    #expect(g[0].scalars.allSatisfy { $0 == 0 } && g[1].shape == [0, 1, 2])
  }
}
