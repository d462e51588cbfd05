// Elementwise functions of one tensor. Each backward rule is written with tensor ops, so
// derivatives of any order follow.

/// `op` applied to every scalar of `x`, recorded with its derivative.
func unary<S: TensorScalar>(_ op: UnaryKernel<S>, _ x: Tensor<S>) -> Tensor<S> {
  let n = x.count
  let values: [S] = x.scalars.withUnsafeBufferPointer { px in
    makeScalars(n) { y in
      let base = px.baseAddress!
      let heavy: Bool
      switch op {
      case .negate, .square, .scale, .shift: heavy = false
      default: heavy = true
      }
      parallelChunks(n, minimum: heavy ? parallelThreshold / 4 : parallelThreshold) { r in
        S._unary(op, base + r.lowerBound, y + r.lowerBound, r.count)
      }
    }
  }
  return makeResult(name(of: op), shape: x.shape, scalars: values, inputs: [x]) { g, inputs, y, _ in
    let x = inputs[0]
    switch op {
    case .negate: return [-g]
    case .scale(let s): return [g * s]
    case .shift: return [g]
    case .exp: return [g * y]
    case .log: return [g / x]
    case .sin: return [g * cos(x)]
    case .cos: return [-(g * sin(x))]
    case .sqrt: return [(g / y) * 0.5]
    case .square: return [g * x * 2]
    case .tanh: return [g * (1 - square(y))]
    case .sigmoid: return [g * (y * (1 - y))]
    case .silu: return [g * unary(.siluDerivative, x)]
    case .siluDerivative: return [g * unary(.siluSecondDerivative, x)]
    case .siluSecondDerivative:
      // silu''' = u'v + uv' with u = σ(1−σ), v = 2 + x(1−2σ), u' = u(1−2σ), v' = (1−2σ) − 2xu
      let s = sigmoid(x)
      let u = s * (1 - s)
      let w = 1 - 2 * s
      let v = 2 + x * w
      return [g * (u * w * v + u * (w - 2 * x * u))]
    case .power(let p):
      if p == 0 { return [Tensor(zeros: x.shape)] }
      if p == 1 { return [g] }
      if p == 2 { return [g * x * 2] }
      return [g * (unary(.power(p - 1), x) * p)]
    }
  }
}

private func name<S>(of op: UnaryKernel<S>) -> StaticString {
  switch op {
  case .negate: "negate"
  case .exp: "exp"
  case .log: "log"
  case .sin: "sin"
  case .cos: "cos"
  case .sqrt: "sqrt"
  case .tanh: "tanh"
  case .sigmoid: "sigmoid"
  case .square: "square"
  case .silu: "silu"
  case .siluDerivative: "siluDerivative"
  case .siluSecondDerivative: "siluSecondDerivative"
  case .power: "power"
  case .scale: "scale"
  case .shift: "shift"
  }
}

/// eˣ, elementwise.
public func exp<S: TensorScalar>(_ x: Tensor<S>) -> Tensor<S> { unary(.exp, x) }
/// Natural logarithm, elementwise (NaN for x < 0, −∞ at 0).
public func log<S: TensorScalar>(_ x: Tensor<S>) -> Tensor<S> { unary(.log, x) }
/// sin x (x in radians), elementwise.
public func sin<S: TensorScalar>(_ x: Tensor<S>) -> Tensor<S> { unary(.sin, x) }
/// cos x (x in radians), elementwise.
public func cos<S: TensorScalar>(_ x: Tensor<S>) -> Tensor<S> { unary(.cos, x) }
/// √x, elementwise (its derivative is infinite at 0: use `norm(_:epsilon:)` for lengths).
public func sqrt<S: TensorScalar>(_ x: Tensor<S>) -> Tensor<S> { unary(.sqrt, x) }
/// tanh x, elementwise.
public func tanh<S: TensorScalar>(_ x: Tensor<S>) -> Tensor<S> { unary(.tanh, x) }
/// σ(x) = 1 / (1 + e⁻ˣ), elementwise.
public func sigmoid<S: TensorScalar>(_ x: Tensor<S>) -> Tensor<S> { unary(.sigmoid, x) }
/// SiLU (swish): x·σ(x), elementwise.
public func silu<S: TensorScalar>(_ x: Tensor<S>) -> Tensor<S> { unary(.silu, x) }
/// x², elementwise.
public func square<S: TensorScalar>(_ x: Tensor<S>) -> Tensor<S> { unary(.square, x) }
/// xᵖ for a constant exponent p, elementwise (NaN for x < 0 unless p is an integer).
public func pow<S: TensorScalar>(_ x: Tensor<S>, _ p: S) -> Tensor<S> { unary(.power(p), x) }
