/// NumPy broadcasting: the shape of `a op b`, aligning trailing axes, where an axis of size 1
/// (or a missing leading axis) stretches to the other size.
/// - Precondition: the shapes broadcast; the message names both shapes.
func broadcastShape(_ a: [Int], _ b: [Int], op: String) -> [Int] {
  if a == b { return a }
  if let failure = broadcastFailure(a, b, op: op) { preconditionFailure(failure) }
  let rank = max(a.count, b.count)
  return (0..<rank).map { k in
    let da = k < rank - a.count ? 1 : a[k - (rank - a.count)]
    let db = k < rank - b.count ? 1 : b[k - (rank - b.count)]
    return da == 1 ? db : da
  }
}

/// Why shapes `a` and `b` do not broadcast, naming both; nil when they do.
func broadcastFailure(_ a: [Int], _ b: [Int], op: String) -> String? {
  let rank = max(a.count, b.count)
  for k in 0..<rank {
    let da = k < rank - a.count ? 1 : a[k - (rank - a.count)]
    let db = k < rank - b.count ? 1 : b[k - (rank - b.count)]
    if da != db && da != 1 && db != 1 {
      return "\(op): shapes \(a) and \(b) do not broadcast (axis \(k) of the result: \(da) vs \(db))"
    }
  }
  return nil
}

/// Row-major strides of `shape` seen from a result of shape `out` (rank ≥ shape's rank):
/// 0 on broadcast axes.
func broadcastStrides(_ shape: [Int], in out: [Int]) -> [Int] {
  var strides = [Int](repeating: 0, count: out.count)
  var step = 1
  let offset = out.count - shape.count
  for k in stride(from: shape.count - 1, through: 0, by: -1) {
    strides[k + offset] = shape[k] == 1 ? 0 : step
    step *= shape[k]
  }
  return strides
}

/// How to walk a result of some shape together with two operands seen through strides:
/// axes merged where the strides allow, so the innermost run is as long as possible.
struct StridedPlan {
  var shape: [Int]
  var aStrides: [Int]
  var bStrides: [Int]

  init(shape: [Int], aStrides: [Int], bStrides: [Int]) {
    // Drop size-1 axes, then merge neighbours k, k+1 when both operands step through them
    // as one axis.
    var s: [Int] = [], sa: [Int] = [], sb: [Int] = []
    for k in shape.indices where shape[k] != 1 {
      if let last = s.indices.last,
        sa[last] == aStrides[k] * shape[k], sb[last] == bStrides[k] * shape[k]
      {
        s[last] *= shape[k]
        sa[last] = aStrides[k]
        sb[last] = bStrides[k]
      } else {
        s.append(shape[k])
        sa.append(aStrides[k])
        sb.append(bStrides[k])
      }
    }
    if s.isEmpty { s = [1]; sa = [0]; sb = [0] }
    self.shape = s
    self.aStrides = sa
    self.bStrides = sb
  }

  /// Length of the innermost run.
  var inner: Int { shape[shape.count - 1] }
  var innerA: Int { aStrides[aStrides.count - 1] }
  var innerB: Int { bStrides[bStrides.count - 1] }
  /// Number of innermost runs.
  var runs: Int { shapeCount(Array(shape.dropLast())) }

  /// Calls `body(run, aOffset, bOffset)` for runs in `range` (each run covers `inner`
  /// consecutive result positions starting at `run·inner`).
  @inline(__always)
  func forEachRun(_ range: Range<Int>, _ body: (Int, Int, Int) -> Void) {
    // A zero-size axis leaves nothing to visit (and no index to divide by).
    guard !range.isEmpty else { return }
    let outer = shape.count - 1
    if outer == 0 {
      for r in range { body(r, 0, 0) }
      return
    }
    // Multi-index of range.lowerBound over the outer axes.
    var index = [Int](repeating: 0, count: outer)
    var rem = range.lowerBound
    var aOff = 0, bOff = 0
    for k in stride(from: outer - 1, through: 0, by: -1) {
      index[k] = rem % shape[k]
      rem /= shape[k]
      aOff += index[k] * aStrides[k]
      bOff += index[k] * bStrides[k]
    }
    for r in range {
      body(r, aOff, bOff)
      var k = outer - 1
      while k >= 0 {
        index[k] += 1
        aOff += aStrides[k]
        bOff += bStrides[k]
        if index[k] < shape[k] { break }
        aOff -= aStrides[k] * shape[k]
        bOff -= bStrides[k] * shape[k]
        index[k] = 0
        k -= 1
      }
    }
  }
}

/// Values of `a op b` with broadcasting, for a result of shape `out`.
func broadcastBinary<S: TensorScalar>(
  _ op: BinaryKernel, _ a: Tensor<S>, _ b: Tensor<S>, out: [Int]
) -> [S] {
  let n = shapeCount(out)
  return a.scalars.withUnsafeBufferPointer { pa in
    b.scalars.withUnsafeBufferPointer { pb in
      makeScalars(n) { y in
        guard let ba = pa.baseAddress, let bb = pb.baseAddress else { return }
        if a.shape == b.shape || a.count == 1 || b.count == 1 {
          let sa = a.count == 1 && n > 1 ? 0 : 1
          let sb = b.count == 1 && n > 1 ? 0 : 1
          parallelChunks(n) { r in
            S._binary(op, ba + r.lowerBound * sa, sa, bb + r.lowerBound * sb, sb, y + r.lowerBound, r.count)
          }
          return
        }
        let plan = StridedPlan(
          shape: out, aStrides: broadcastStrides(a.shape, in: out), bStrides: broadcastStrides(b.shape, in: out))
        let inner = plan.inner, ia = plan.innerA, ib = plan.innerB
        parallelChunks(plan.runs, minimum: max(1, parallelThreshold / inner)) { range in
          plan.forEachRun(range) { run, ao, bo in
            S._binary(op, ba + ao, ia, bb + bo, ib, y + run * inner, inner)
          }
        }
      }
    }
  }
}

/// Values of `x` repeated along broadcast axes to shape `out`.
func broadcastValues<S: TensorScalar>(_ x: Tensor<S>, to out: [Int]) -> [S] {
  let n = shapeCount(out)
  if x.count == 1 { return filledScalars(n, x.scalars[0]) }
  let plan = StridedPlan(shape: out, aStrides: broadcastStrides(x.shape, in: out), bStrides: [Int](repeating: 0, count: out.count))
  return x.scalars.withUnsafeBufferPointer { px in
    makeScalars(n) { y in
      let base = px.baseAddress!
      let inner = plan.inner, ia = plan.innerA
      parallelChunks(plan.runs, minimum: max(1, parallelThreshold / inner)) { range in
        plan.forEachRun(range) { run, ao, _ in
          let dst = y + run * inner
          if ia == 0 {
            S._fill(base[ao], dst, inner)
          } else {
            copyScalars(base + ao, to: dst, inner)
          }
        }
      }
    }
  }
}

/// Values of `x` summed over the axes along which `shape` was broadcast to `x.shape`.
func reducedValues<S: TensorScalar>(_ x: Tensor<S>, to shape: [Int]) -> [S] {
  let n = shapeCount(shape)
  if n == 1 {
    return [x.scalars.withUnsafeBufferPointer { S._sum($0.baseAddress!, x.count) }]
  }
  // Walk x contiguously ("b") and the target through broadcast strides ("a").
  var contiguous = [Int](repeating: 0, count: x.rank)
  var step = 1
  for k in stride(from: x.rank - 1, through: 0, by: -1) {
    contiguous[k] = step
    step *= x.shape[k]
  }
  let plan = StridedPlan(shape: x.shape, aStrides: broadcastStrides(shape, in: x.shape), bStrides: contiguous)
  var out: [S] = filledScalars(n, 0)
  x.scalars.withUnsafeBufferPointer { px in
    out.withUnsafeMutableBufferPointer { py in
      let src = px.baseAddress!, dst = py.baseAddress!
      let inner = plan.inner, ia = plan.innerA
      plan.forEachRun(0..<plan.runs) { _, ao, bo in
        if ia == 0 {
          dst[ao] += S._sum(src + bo, inner)
        } else {
          S._accumulate(src + bo, into: dst + ao, inner)
        }
      }
    }
  }
  return out
}
