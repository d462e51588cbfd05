// Elementwise arithmetic of two tensors with NumPy broadcasting, and with scalars.

/// `a op b` with broadcasting; the gradient with respect to each operand is reduced back
/// over the axes along which it was broadcast.
func binary<S: TensorScalar>(_ op: BinaryKernel, _ a: Tensor<S>, _ b: Tensor<S>, name: StaticString) -> Tensor<S> {
  let out = broadcastShape(a.shape, b.shape, op: "\(name)")
  let values = broadcastBinary(op, a, b, out: out)
  return makeResult(name, shape: out, scalars: values, inputs: [a, b]) { g, inputs, _, needs in
    let a = inputs[0], b = inputs[1]
    switch op {
    case .add:
      return [needs[0] ? g.sum(toShape: a.shape) : nil, needs[1] ? g.sum(toShape: b.shape) : nil]
    case .subtract:
      return [needs[0] ? g.sum(toShape: a.shape) : nil, needs[1] ? (-g).sum(toShape: b.shape) : nil]
    case .multiply:
      return [needs[0] ? (g * b).sum(toShape: a.shape) : nil, needs[1] ? (g * a).sum(toShape: b.shape) : nil]
    case .divide:
      // ∂(a/b)/∂a = 1/b, ∂(a/b)/∂b = −a/b²
      return [
        needs[0] ? (g / b).sum(toShape: a.shape) : nil,
        needs[1] ? (-(g * a) / square(b)).sum(toShape: b.shape) : nil,
      ]
    }
  }
}

extension Tensor {
  /// Elementwise `a + b`, broadcasting (e.g. `[N, F] + [F]` adds a bias to every row).
  public static func + (a: Tensor, b: Tensor) -> Tensor { binary(.add, a, b, name: "add") }
  /// Elementwise `a − b`, broadcasting.
  public static func - (a: Tensor, b: Tensor) -> Tensor { binary(.subtract, a, b, name: "subtract") }
  /// Elementwise `a · b`, broadcasting (e.g. `[E, 1, F] * [E, 3, 1]` gives `[E, 3, F]`).
  public static func * (a: Tensor, b: Tensor) -> Tensor { binary(.multiply, a, b, name: "multiply") }
  /// Elementwise `a / b`, broadcasting.
  public static func / (a: Tensor, b: Tensor) -> Tensor { binary(.divide, a, b, name: "divide") }

  /// `−a`.
  public static prefix func - (a: Tensor) -> Tensor { unary(.negate, a) }

  /// `a + s`.
  public static func + (a: Tensor, s: Scalar) -> Tensor { unary(.shift(s), a) }
  /// `s + a`.
  public static func + (s: Scalar, a: Tensor) -> Tensor { unary(.shift(s), a) }
  /// `a − s`.
  public static func - (a: Tensor, s: Scalar) -> Tensor { unary(.shift(-s), a) }
  /// `s − a`.
  public static func - (s: Scalar, a: Tensor) -> Tensor { unary(.shift(s), unary(.negate, a)) }
  /// `a · s`.
  public static func * (a: Tensor, s: Scalar) -> Tensor { unary(.scale(s), a) }
  /// `s · a`.
  public static func * (s: Scalar, a: Tensor) -> Tensor { unary(.scale(s), a) }
  /// `a / s`.
  public static func / (a: Tensor, s: Scalar) -> Tensor { unary(.scale(1 / s), a) }
  /// `s / a`.
  public static func / (s: Scalar, a: Tensor) -> Tensor { unary(.scale(s), unary(.power(-1), a)) }
}
