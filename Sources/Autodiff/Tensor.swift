/// An n-dimensional array of `Float` or `Double` in contiguous row-major order, which
/// remembers how it was computed when it takes part in a differentiable computation.
///
/// A `Tensor` is a value: ops return new tensors and never change their inputs. When an
/// input requires gradients (see `requiringGradient()`), the result holds a reference to an
/// immutable graph node recording the op; the graph is freed by ARC when the last tensor
/// referring to it is dropped. There is no global tape, so graphs built on different threads
/// are independent.
public struct Tensor<Scalar: TensorScalar>: Sendable {
  /// The size of each axis; `[]` for a scalar.
  public let shape: [Int]
  /// The values in row-major order (shared copy-on-write storage).
  public let scalars: [Scalar]
  /// The graph node that produced this tensor, nil for a constant.
  let node: GraphNode<Scalar>?

  init(shape: [Int], scalars: [Scalar], node: GraphNode<Scalar>?) {
    self.shape = shape
    self.scalars = scalars
    self.node = node
  }

  /// A constant tensor. - Precondition: `scalars.count` is the product of `shape`.
  /// - Parameters:
  ///   - shape: the axis sizes, e.g. `[nAtoms, 3]`.
  ///   - scalars: the values in row-major order.
  public init(shape: [Int], scalars: [Scalar]) {
    precondition(shape.allSatisfy { $0 >= 0 }, "Tensor: negative axis size in shape \(shape)")
    precondition(
      scalars.count == shapeCount(shape),
      "Tensor: shape \(shape) needs \(shapeCount(shape)) scalars, got \(scalars.count)")
    self.init(shape: shape, scalars: scalars, node: nil)
  }

  /// A rank-0 (shape `[]`) tensor holding `scalar`.
  public init(_ scalar: Scalar) {
    self.init(shape: [], scalars: [scalar], node: nil)
  }

  /// A tensor of the given shape with every value equal to `value`.
  public init(repeating value: Scalar, shape: [Int]) {
    self.init(shape: shape, scalars: filledScalars(shapeCount(shape), value))
  }

  /// A tensor of zeros. - Parameter zeros: the shape.
  public init(zeros shape: [Int]) { self.init(repeating: 0, shape: shape) }

  /// A tensor of ones. - Parameter ones: the shape.
  public init(ones shape: [Int]) { self.init(repeating: 1, shape: shape) }

  /// The same values converted to another precision (a constant: not differentiable).
  public init<Other: TensorScalar>(_ other: Tensor<Other>) {
    self.init(shape: other.shape, scalars: other.scalars.map { Scalar($0) }, node: nil)
  }

  /// The same values converted to another precision (a constant: not differentiable).
  public func converted<Other: TensorScalar>(to type: Other.Type) -> Tensor<Other> {
    Tensor<Other>(self)
  }

  /// The number of axes.
  public var rank: Int { shape.count }

  /// The number of scalars (the product of `shape`).
  public var count: Int { scalars.count }

  /// The single value of a one-element tensor, e.g. a loss.
  public var scalar: Scalar {
    precondition(scalars.count == 1, "Tensor.scalar: tensor of shape \(shape) has \(count) values, not 1")
    return scalars[0]
  }

  /// The value at a row-major position.
  public subscript(flat index: Int) -> Scalar { scalars[index] }

  /// Whether gradients flow through this tensor: true for a leaf made by
  /// `requiringGradient()` and for anything computed from one.
  public var requiresGradient: Bool { node != nil }

  /// The same values as a new leaf of the graph, with respect to which `gradients(of:wrt:)`
  /// can differentiate. Each call makes a distinct leaf.
  public func requiringGradient() -> Tensor {
    Tensor(shape: shape, scalars: scalars, node: GraphNode(leafShape: shape))
  }

  /// Alias of `requiringGradient()`.
  public func withGradient() -> Tensor { requiringGradient() }

  /// The same values cut from the graph: a constant (stop-gradient).
  public func detached() -> Tensor {
    node == nil ? self : Tensor(shape: shape, scalars: scalars, node: nil)
  }
}

extension Tensor: CustomStringConvertible {
  public var description: String {
    let shown = scalars.prefix(8).map { "\($0)" }.joined(separator: ", ")
    return "Tensor\(shape)[\(shown)\(count > 8 ? ", …" : "")]"
  }
}

/// The number of scalars in a tensor of this shape.
@inline(__always)
func shapeCount(_ shape: [Int]) -> Int {
  var n = 1
  for s in shape { n *= s }
  return n
}

/// An axis index with negative values counted from the end, checked against `rank`.
func normalizedAxis(_ axis: Int, rank: Int, op: String) -> Int {
  let a = axis < 0 ? axis + rank : axis
  precondition(a >= 0 && a < rank, "\(op): axis \(axis) is out of range for rank \(rank)")
  return a
}
