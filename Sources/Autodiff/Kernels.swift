// The inner loops behind every op. Each is generic and `@inline(__always)`; the Float and
// Double conformances of `TensorScalar` call them, so they are compiled per concrete type.

@inline(__always)
func unaryLoop<S: TensorScalar>(
  _ op: UnaryKernel<S>, _ x: UnsafePointer<S>, _ y: UnsafeMutablePointer<S>, _ n: Int
) {
  switch op {
  case .negate: for i in 0..<n { y[i] = -x[i] }
  case .exp: if !fastExp(x, y, n) { for i in 0..<n { y[i] = S.exp(x[i]) } }
  case .log: for i in 0..<n { y[i] = S.log(x[i]) }
  case .sin: for i in 0..<n { y[i] = S.sin(x[i]) }
  case .cos: for i in 0..<n { y[i] = S.cos(x[i]) }
  case .sqrt: for i in 0..<n { y[i] = x[i].squareRoot() }
  case .tanh: for i in 0..<n { y[i] = S.tanh(x[i]) }
  case .square: for i in 0..<n { y[i] = x[i] * x[i] }
  case .sigmoid:
    negatedExp(x, y, n)
    for i in 0..<n { y[i] = 1 / (1 + y[i]) }
  case .silu:
    negatedExp(x, y, n)
    for i in 0..<n { y[i] = x[i] / (1 + y[i]) }
  case .siluDerivative:
    // 1 − σ = e⁻ˣσ and 1 − 2σ = (e⁻ˣ − 1)σ avoid cancellation for large x.
    negatedExp(x, y, n)
    for i in 0..<n {
      let e = y[i], s = 1 / (1 + e)
      let oneMinusS = e.isFinite ? e * s : 1
      y[i] = s * (1 + x[i] * oneMinusS)
    }
  case .siluSecondDerivative:
    negatedExp(x, y, n)
    for i in 0..<n {
      let e = y[i], s = 1 / (1 + e)
      let oneMinusS = e.isFinite ? e * s : 1
      let oneMinus2S = e.isFinite ? (e - 1) * s : 1
      y[i] = s * oneMinusS * (2 + x[i] * oneMinus2S)
    }
  case .power(let p):
    if p == 2 {
      for i in 0..<n { y[i] = x[i] * x[i] }
    } else if p == -1 {
      for i in 0..<n { y[i] = 1 / x[i] }
    } else if p == 0.5 {
      for i in 0..<n { y[i] = x[i].squareRoot() }
    } else if p == p.rounded(), Swift.abs(p) < 1_000_000_000 {
      let k = Int(p)
      for i in 0..<n { y[i] = S.pow(x[i], k) }
    } else {
      for i in 0..<n { y[i] = S.pow(x[i], p) }
    }
  case .scale(let s): for i in 0..<n { y[i] = s * x[i] }
  case .shift(let s): for i in 0..<n { y[i] = x[i] + s }
  }
}

/// y = exp(−x), vectorised where possible.
@inline(__always)
func negatedExp<S: TensorScalar>(_ x: UnsafePointer<S>, _ y: UnsafeMutablePointer<S>, _ n: Int) {
  for i in 0..<n { y[i] = -x[i] }
  if !fastExp(UnsafePointer(y), y, n) { for i in 0..<n { y[i] = S.exp(y[i]) } }
}

@inline(__always)
func binaryLoop<S: TensorScalar>(
  _ op: BinaryKernel, _ a: UnsafePointer<S>, _ sa: Int, _ b: UnsafePointer<S>, _ sb: Int,
  _ y: UnsafeMutablePointer<S>, _ n: Int
) {
  switch (sa, sb) {
  case (1, 1):
    switch op {
    case .add: for i in 0..<n { y[i] = a[i] + b[i] }
    case .subtract: for i in 0..<n { y[i] = a[i] - b[i] }
    case .multiply: for i in 0..<n { y[i] = a[i] * b[i] }
    case .divide: for i in 0..<n { y[i] = a[i] / b[i] }
    }
  case (1, 0):
    let s = b[0]
    switch op {
    case .add: for i in 0..<n { y[i] = a[i] + s }
    case .subtract: for i in 0..<n { y[i] = a[i] - s }
    case .multiply: for i in 0..<n { y[i] = a[i] * s }
    case .divide: for i in 0..<n { y[i] = a[i] / s }
    }
  case (0, 1):
    let s = a[0]
    switch op {
    case .add: for i in 0..<n { y[i] = s + b[i] }
    case .subtract: for i in 0..<n { y[i] = s - b[i] }
    case .multiply: for i in 0..<n { y[i] = s * b[i] }
    case .divide: for i in 0..<n { y[i] = s / b[i] }
    }
  default:
    let r: S
    switch op {
    case .add: r = a[0] + b[0]
    case .subtract: r = a[0] - b[0]
    case .multiply: r = a[0] * b[0]
    case .divide: r = a[0] / b[0]
    }
    for i in 0..<n { y[i] = r }
  }
}

@inline(__always)
func accumulateLoop<S: TensorScalar>(_ x: UnsafePointer<S>, _ y: UnsafeMutablePointer<S>, _ n: Int) {
  for i in 0..<n { y[i] += x[i] }
}

/// Sum with eight independent partial sums (vectorisable, and more accurate than one chain).
@inline(__always)
func sumLoop<S: TensorScalar>(_ x: UnsafePointer<S>, _ n: Int) -> S {
  var acc = SIMD8<S>(repeating: 0)
  var i = 0
  while i + 8 <= n {
    acc += UnsafeRawPointer(x + i).loadUnaligned(as: SIMD8<S>.self)
    i += 8
  }
  var total = acc.sum()
  while i < n {
    total += x[i]
    i += 1
  }
  return total
}
