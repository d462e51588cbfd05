// Index-select of rows, its adjoint the scatter-add (segment sum), and selection by a mask.

extension Tensor {
  /// Rows picked by index (index-select along axis 0): `out[e] = self[rows[e]]`.
  /// Shape `[N, …]` → `[rows.count, …]`. Typical use: atom features to edges.
  /// - Parameter rows: indices in `0..<N`, e.g. the neighbour list's centres.
  public func gathering(rows: [Int32]) -> Tensor {
    precondition(rank >= 1, "gathering(rows:): needs rank ≥ 1, got shape \(shape)")
    let n = shape[0]
    let width = n == 0 ? 0 : count / n
    let e = rows.count
    var out = shape
    out[0] = e
    let values: [Scalar] = scalars.withUnsafeBufferPointer { px in
      rows.withUnsafeBufferPointer { pi in
        makeScalars(e * width) { y in
          parallelChunks(e, minimum: Swift.max(1, parallelThreshold / Swift.max(width, 1))) { range in
            for k in range {
              let r = Int(pi[k])
              precondition(r >= 0 && r < n, "gathering(rows:): index \(r) at position \(k) is outside 0..<\(n)")
              copyScalars(px.baseAddress! + r * width, to: y + k * width, width)
            }
          }
        }
      }
    }
    return makeResult("gather", shape: out, scalars: values, inputs: [self]) { g, _, _, _ in
      [scatterAdd(g, into: n, at: rows)]
    }
  }

  /// `gathering(rows:)` with `Int` indices.
  public func gathering(rows: [Int]) -> Tensor { gathering(rows: rows.map { Int32($0) }) }

  /// Sums of rows by segment: `out[indices[e]] += self[e]`; shape `[E, …]` → `[count, …]`.
  /// Same as `scatterAdd(self, into: count, at: indices)`.
  public func segmentSum(indices: [Int32], count: Int) -> Tensor {
    scatterAdd(self, into: count, at: indices)
  }
}

/// Scatter-add (segment sum) of rows: `out[indices[e]] += x[e]`, zeros elsewhere.
/// Shape `[E, …]` → `[count, …]`. Typical use: messages on edges summed onto atoms.
/// - Parameters:
///   - x: `[E, …]`.
///   - count: the number of output rows (e.g. nAtoms).
///   - indices: `[E]`, each in `0..<count`.
public func scatterAdd<S: TensorScalar>(_ x: Tensor<S>, into count: Int, at indices: [Int32]) -> Tensor<S> {
  precondition(x.rank >= 1, "scatterAdd: needs rank ≥ 1, got shape \(x.shape)")
  let e = x.shape[0]
  precondition(indices.count == e, "scatterAdd: \(indices.count) indices for \(e) rows (shape \(x.shape))")
  let width = e == 0 ? shapeCount(Array(x.shape.dropFirst())) : x.count / e
  var out = x.shape
  out[0] = count
  var values: [S] = filledScalars(count * width, 0)
  x.scalars.withUnsafeBufferPointer { px in
    indices.withUnsafeBufferPointer { pi in
      values.withUnsafeMutableBufferPointer { py in
        let src = px.baseAddress, dst = py.baseAddress
        for k in 0..<e {
          let r = Int(pi[k])
          precondition(r >= 0 && r < count, "scatterAdd: index \(r) at position \(k) is outside 0..<\(count)")
        }
        guard let src, let dst, width > 0 else { return }
        // Threads take disjoint column ranges, so no two write the same value.
        let columnsPerThread = width >= 64 && e * width >= parallelThreshold ? (width + 1) / 2 : width
        let chunks = (width + columnsPerThread - 1) / columnsPerThread
        parallelChunks(chunks, minimum: 2) { range in
          for c in range {
            let lo = c * columnsPerThread, w = Swift.min(width, lo + columnsPerThread) - lo
            for k in 0..<e {
              S._accumulate(src + k * width + lo, into: dst + Int(pi[k]) * width + lo, w)
            }
          }
        }
      }
    }
  }
  return makeResult("scatterAdd", shape: out, scalars: values, inputs: [x]) { g, _, _, _ in
    [g.gathering(rows: indices)]
  }
}

/// `scatterAdd` with `Int` indices.
public func scatterAdd<S: TensorScalar>(_ x: Tensor<S>, into count: Int, at indices: [Int]) -> Tensor<S> {
  scatterAdd(x, into: count, at: indices.map { Int32($0) })
}

/// Elementwise selection: `mask[i] ? a[i] : b[i]`. The gradient flows to `a` where the mask
/// is true and to `b` where it is false, so a NaN or ∞ on the side not taken does not leak.
/// - Parameters:
///   - mask: one Bool per scalar, row-major, `a.count` of them.
///   - a, b: tensors of one shape.
public func `where`<S: TensorScalar>(_ mask: [Bool], _ a: Tensor<S>, _ b: Tensor<S>) -> Tensor<S> {
  precondition(a.shape == b.shape, "where: shapes \(a.shape) and \(b.shape) differ")
  precondition(mask.count == a.count, "where: mask has \(mask.count) entries for shape \(a.shape)")
  let values: [S] = a.scalars.withUnsafeBufferPointer { pa in
    b.scalars.withUnsafeBufferPointer { pb in
      mask.withUnsafeBufferPointer { pm in
        makeScalars(a.count) { y in
          for i in 0..<a.count { y[i] = pm[i] ? pa[i] : pb[i] }
        }
      }
    }
  }
  let shape = a.shape
  return makeResult("where", shape: shape, scalars: values, inputs: [a, b]) { g, _, _, needs in
    let zero = Tensor<S>(zeros: shape)
    return [needs[0] ? `where`(mask, g, zero) : nil, needs[1] ? `where`(mask, zero, g) : nil]
  }
}

/// `where(_:_:_:)` with the mask as a labelled argument.
public func `where`<S: TensorScalar>(mask: [Bool], _ a: Tensor<S>, _ b: Tensor<S>) -> Tensor<S> {
  `where`(mask, a, b)
}

extension Tensor {
  /// A mask, row-major: `self[i] > s`.
  public func isGreaterThan(_ s: Scalar) -> [Bool] { scalars.map { $0 > s } }
  /// A mask, row-major: `self[i] < s`.
  public func isLessThan(_ s: Scalar) -> [Bool] { scalars.map { $0 < s } }
}
