// Ops that rearrange values without arithmetic: reshape, transpose, concatenate, slice.

extension Tensor {
  /// The same values with a new shape (no copy).
  /// - Parameter newShape: one entry may be `−1`, inferred from the count.
  public func reshaped(to newShape: [Int]) -> Tensor {
    var target = newShape
    if let k = target.firstIndex(of: -1) {
      let known = target.enumerated().filter { $0.offset != k }.reduce(1) { $0 * $1.element }
      precondition(known > 0 && count % known == 0, "reshaped(to:): cannot reshape \(shape) to \(newShape)")
      target[k] = count / known
    }
    precondition(shapeCount(target) == count, "reshaped(to:): cannot reshape \(shape) (\(count) values) to \(newShape)")
    if target == shape { return self }
    let inputShape = shape
    return makeResult("reshape", shape: target, scalars: scalars, inputs: [self]) { g, _, _, _ in
      [g.reshaped(to: inputShape)]
    }
  }

  /// Swaps the last two axes: `[…, M, N]` → `[…, N, M]`.
  public func transposed() -> Tensor {
    precondition(rank >= 2, "transposed(): needs rank ≥ 2, got shape \(shape)")
    let m = shape[rank - 2], n = shape[rank - 1]
    let batches = count / Swift.max(m * n, 1)
    var out = shape
    out.swapAt(rank - 2, rank - 1)
    let values: [Scalar] = scalars.withUnsafeBufferPointer { px in
      makeScalars(count) { y in
        let x = px.baseAddress!
        for b in 0..<batches {
          let src = x + b * m * n, dst = y + b * m * n
          // Blocked to stay in cache for large matrices.
          let block = 32
          for i0 in stride(from: 0, to: m, by: block) {
            for j0 in stride(from: 0, to: n, by: block) {
              for i in i0..<Swift.min(i0 + block, m) {
                for j in j0..<Swift.min(j0 + block, n) { dst[j * m + i] = src[i * n + j] }
              }
            }
          }
        }
      }
    }
    return makeResult("transpose", shape: out, scalars: values, inputs: [self]) { g, _, _, _ in
      [g.transposed()]
    }
  }

  /// The entries `range` of the last axis: `[…, N]` → `[…, range.count]`.
  public func slice(lastAxis range: Range<Int>) -> Tensor {
    precondition(rank >= 1, "slice(lastAxis:): needs rank ≥ 1, got shape \(shape)")
    let n = shape[rank - 1]
    precondition(range.lowerBound >= 0 && range.upperBound <= n, "slice(lastAxis:): range \(range) is outside 0..<\(n) for shape \(shape)")
    if range == 0..<n { return self }
    let rows = count / Swift.max(n, 1), w = range.count
    var out = shape
    out[rank - 1] = w
    let values: [Scalar] = scalars.withUnsafeBufferPointer { px in
      makeScalars(rows * w) { y in
        for r in 0..<rows { copyScalars(px.baseAddress! + r * n + range.lowerBound, to: y + r * w, w) }
      }
    }
    return makeResult("slice", shape: out, scalars: values, inputs: [self]) { g, _, _, _ in
      [g.padded(lastAxis: range.lowerBound, n - range.upperBound)]
    }
  }

  /// Zeros added before and after along the last axis: `[…, N]` → `[…, before + N + after]`.
  public func padded(lastAxis before: Int, _ after: Int) -> Tensor {
    precondition(rank >= 1 && before >= 0 && after >= 0, "padded(lastAxis:): bad padding \(before), \(after) for shape \(shape)")
    if before == 0 && after == 0 { return self }
    let n = shape[rank - 1], w = before + n + after
    let rows = count / Swift.max(n, 1)
    var out = shape
    out[rank - 1] = w
    var values: [Scalar] = filledScalars(rows * w, 0)
    scalars.withUnsafeBufferPointer { px in
      values.withUnsafeMutableBufferPointer { py in
        for r in 0..<rows { copyScalars(px.baseAddress! + r * n, to: py.baseAddress! + r * w + before, n) }
      }
    }
    return makeResult("pad", shape: out, scalars: values, inputs: [self]) { g, _, _, _ in
      [g.slice(lastAxis: before..<(before + n))]
    }
  }

  /// Pieces of the last axis with the given sizes (they must add up to its size).
  /// - Parameter axis: must be the last axis (`-1` or `rank − 1`).
  public func split(sizes: [Int], axis: Int = -1) -> [Tensor] {
    let a = normalizedAxis(axis, rank: rank, op: "split(sizes:axis:)")
    precondition(a == rank - 1, "split(sizes:axis:): only the last axis is supported, got axis \(axis) of shape \(shape)")
    precondition(sizes.reduce(0, +) == shape[a], "split(sizes:axis:): sizes \(sizes) do not add up to \(shape[a]) (shape \(shape))")
    var start = 0
    return sizes.map { size in
      defer { start += size }
      return slice(lastAxis: start..<(start + size))
    }
  }
}

/// Concatenation along the last axis: shapes `[…, N₁]`, `[…, N₂]`, … → `[…, N₁ + N₂ + …]`;
/// all other axes must agree.
/// - Parameter axis: must be the last axis (`-1`).
public func concat<S: TensorScalar>(_ tensors: [Tensor<S>], axis: Int = -1) -> Tensor<S> {
  precondition(!tensors.isEmpty, "concat: no tensors")
  let rank = tensors[0].rank
  let a = normalizedAxis(axis, rank: rank, op: "concat")
  precondition(a == rank - 1, "concat: only the last axis is supported, got axis \(axis) of rank \(rank)")
  let lead = Array(tensors[0].shape.dropLast())
  for t in tensors {
    precondition(
      Array(t.shape.dropLast()) == lead && t.rank == rank,
      "concat: shapes \(tensors[0].shape) and \(t.shape) differ outside the last axis")
  }
  let widths = tensors.map { $0.shape[rank - 1] }
  let w = widths.reduce(0, +)
  let rows = shapeCount(lead)
  var values: [S] = filledScalars(rows * w, 0)
  values.withUnsafeMutableBufferPointer { py in
    var offset = 0
    for (t, n) in zip(tensors, widths) {
      t.scalars.withUnsafeBufferPointer { px in
        for r in 0..<rows where n > 0 { copyScalars(px.baseAddress! + r * n, to: py.baseAddress! + r * w + offset, n) }
      }
      offset += n
    }
  }
  return makeResult("concat", shape: lead + [w], scalars: values, inputs: tensors) { g, _, _, needs in
    var start = 0
    return widths.enumerated().map { k, n in
      defer { start += n }
      return needs[k] ? g.slice(lastAxis: start..<(start + n)) : nil
    }
  }
}
