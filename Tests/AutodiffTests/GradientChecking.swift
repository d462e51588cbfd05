@testable import Autodiff

/// Central finite differences of a scalar function of several tensors, one input at a time.
func numericGradients(
  _ f: ([Tensor<Double>]) -> Double, at xs: [Tensor<Double>], step h: Double = 1e-5
) -> [[Double]] {
  xs.indices.map { k in
    (0..<xs[k].count).map { i in
      var plus = xs, minus = xs
      var vp = xs[k].scalars, vm = xs[k].scalars
      vp[i] += h
      vm[i] -= h
      plus[k] = Tensor(shape: xs[k].shape, scalars: vp)
      minus[k] = Tensor(shape: xs[k].shape, scalars: vm)
      return (f(plus) - f(minus)) / (2 * h)
    }
  }
}

/// ‖a − b‖ / max(‖b‖, floor): the relative error of a whole gradient.
func relativeError(_ a: [Double], _ b: [Double], floor: Double = 1e-8) -> Double {
  precondition(a.count == b.count)
  var diff = 0.0, ref = 0.0
  for (x, y) in zip(a, b) {
    diff += (x - y) * (x - y)
    ref += y * y
  }
  return diff.squareRoot() / max(ref.squareRoot(), floor)
}

/// Worst relative error of the analytic gradient of `f` (a scalar tensor) against central
/// finite differences, over all inputs.
func firstDerivativeError(
  _ f: @escaping ([Tensor<Double>]) -> Tensor<Double>, at xs: [Tensor<Double>]
) -> Double {
  let leaves = xs.map { $0.requiringGradient() }
  let analytic = gradients(of: f(leaves), wrt: leaves)
  let numeric = numericGradients({ f($0).scalar }, at: xs)
  return zip(analytic, numeric).map { relativeError($0.scalars, $1) }.max() ?? 0
}

/// Worst relative error of the second derivative of `f`: the gradient of
/// h(x) = Σₖ ⟨∇ₖf(x), vₖ⟩ (a Hessian–vector product), from a recorded backward pass,
/// against central finite differences of h computed from first derivatives.
func secondDerivativeError(
  _ f: @escaping ([Tensor<Double>]) -> Tensor<Double>, at xs: [Tensor<Double>], seed: UInt64 = 7
) -> Double {
  let vs = xs.enumerated().map { Tensor<Double>(randomNormal: $1.shape, seed: seed + UInt64($0)) }
  func h(_ xs: [Tensor<Double>], createGraph: Bool) -> (Tensor<Double>, [Tensor<Double>]) {
    let leaves = xs.map { $0.requiringGradient() }
    let g = gradients(of: f(leaves), wrt: leaves, createGraph: createGraph)
    var total = Tensor<Double>(0)
    for (gk, vk) in zip(g, vs) { total = total + (gk * vk).sum() }
    return (total, leaves)
  }
  let (value, leaves) = h(xs, createGraph: true)
  let analytic = gradients(of: value, wrt: leaves)
  let numeric = numericGradients({ h($0, createGraph: false).0.scalar }, at: xs)
  return zip(analytic, numeric).map { relativeError($0.scalars, $1) }.max() ?? 0
}

/// A fixed random tensor, shifted so that its values lie in a given range when needed.
func sample(_ shape: [Int], seed: UInt64, in range: ClosedRange<Double>? = nil) -> Tensor<Double> {
  if let range { return Tensor(randomUniform: shape, in: range, seed: seed) }
  return Tensor(randomNormal: shape, seed: seed)
}

/// Wraps an op's result into a smooth scalar, so that first and second derivatives of the op
/// (including its backward rule's own backward) are exercised: Σ w ⊙ sin(op(x)).
func smoothScalar(_ y: Tensor<Double>, seed: UInt64 = 99) -> Tensor<Double> {
  let w = Tensor<Double>(randomNormal: y.shape, seed: seed)
  return (sin(y) * w).sum()
}
