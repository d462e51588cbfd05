// Sums and means, over everything or one axis, and the broadcast/reduce pair that the
// backward rules of broadcasting ops are made of.

extension Tensor {
  /// Σ of all scalars; shape `[]`.
  public func sum() -> Tensor {
    let total = scalars.withUnsafeBufferPointer { p in p.isEmpty ? 0 : Scalar._sum(p.baseAddress!, p.count) }
    let inputShape = shape
    return makeResult("sum", shape: [], scalars: [total], inputs: [self]) { g, _, _, _ in
      [g.broadcast(to: inputShape)]
    }
  }

  /// Mean of all scalars; shape `[]`.
  public func mean() -> Tensor { sum() * (1 / Scalar(Swift.max(count, 1))) }

  /// Σ along one axis.
  /// - Parameters:
  ///   - axis: the axis summed over; negative counts from the end.
  ///   - keepingDimension: keep the axis with size 1 instead of removing it.
  public func sum(axis: Int, keepingDimension: Bool = false) -> Tensor {
    let a = normalizedAxis(axis, rank: rank, op: "sum(axis:)")
    let kept = shape.enumerated().map { $0.offset == a ? 1 : $0.element }
    let values = reducedValues(self, to: kept)
    var out = kept
    if !keepingDimension { out.remove(at: a) }
    let inputShape = shape
    return makeResult("sumAxis", shape: out, scalars: values, inputs: [self]) { g, _, _, _ in
      [g.reshaped(to: kept).broadcast(to: inputShape)]
    }
  }

  /// Mean along one axis (see `sum(axis:keepingDimension:)`).
  public func mean(axis: Int, keepingDimension: Bool = false) -> Tensor {
    let a = normalizedAxis(axis, rank: rank, op: "mean(axis:)")
    return sum(axis: a, keepingDimension: keepingDimension) * (1 / Scalar(Swift.max(shape[a], 1)))
  }

  /// Σ over the axes along which `target` broadcasts to this tensor's shape: the inverse of
  /// `broadcast(to:)`, and the gradient of a broadcast operand.
  /// - Parameter target: a shape that broadcasts to `shape` (e.g. `[F]` for `[N, F]`).
  public func sum(toShape target: [Int]) -> Tensor {
    if target == shape { return self }
    precondition(
      broadcastShape(target, shape, op: "sum(toShape:)") == shape,
      "sum(toShape:): shape \(target) does not broadcast to \(shape)")
    let values = reducedValues(self, to: target)
    let inputShape = shape
    return makeResult("sumToShape", shape: target, scalars: values, inputs: [self]) { g, _, _, _ in
      [g.broadcast(to: inputShape)]
    }
  }

  /// The values repeated along size-1 (or missing leading) axes to `target`.
  /// - Parameter target: a shape this tensor broadcasts to.
  public func broadcast(to target: [Int]) -> Tensor {
    if target == shape { return self }
    precondition(
      broadcastShape(shape, target, op: "broadcast(to:)") == target,
      "broadcast(to:): shape \(shape) does not broadcast to \(target)")
    let values = broadcastValues(self, to: target)
    let inputShape = shape
    return makeResult("broadcast", shape: target, scalars: values, inputs: [self]) { g, _, _, _ in
      [g.sum(toShape: inputShape)]
    }
  }
}

/// The Euclidean norm along one axis with ε under the root, `sqrt(Σ x² + ε)`, so that it and
/// all its derivatives stay finite at x = 0.
/// - Parameters:
///   - x: e.g. edge vectors `[E, 3]`, Å, or vector features `[N, 3, F]` with `axis: 1`.
///   - axis: the axis summed over (default: the last).
///   - epsilon: added under the root (units of x²).
///   - keepingDimension: keep the axis with size 1.
public func norm<S: TensorScalar>(
  _ x: Tensor<S>, axis: Int = -1, epsilon: S = 0, keepingDimension: Bool = false
) -> Tensor<S> {
  let s = square(x).sum(axis: axis, keepingDimension: keepingDimension)
  return sqrt(epsilon == 0 ? s : s + epsilon)
}
