/// The backward rule of one op: given the gradient with respect to the op's output, its
/// inputs and its output, returns the gradient with respect to each input whose `needs`
/// entry is true (nil elsewhere). Rules are written with tensor ops, so that with
/// `createGraph` their own computation is recorded and can be differentiated again.
typealias BackwardRule<S: TensorScalar> =
  @Sendable (_ grad: Tensor<S>, _ inputs: [Tensor<S>], _ output: Tensor<S>, _ needs: [Bool]) -> [Tensor<S>?]

/// One recorded op (or a leaf) of a differentiable computation. Immutable once made; shared
/// by the tensors that refer to it and freed with the last of them.
final class GraphNode<S: TensorScalar>: Sendable {
  let name: StaticString
  let inputs: [Tensor<S>]
  let backward: BackwardRule<S>?
  let shape: [Int]
  let outputScalars: [S]

  /// A leaf: a tensor marked as requiring gradients.
  init(leafShape: [Int]) {
    name = "leaf"
    inputs = []
    backward = nil
    shape = leafShape
    outputScalars = []
  }

  init(name: StaticString, inputs: [Tensor<S>], shape: [Int], scalars: [S], backward: @escaping BackwardRule<S>) {
    self.name = name
    self.inputs = inputs
    self.backward = backward
    self.shape = shape
    self.outputScalars = scalars
  }
}

/// The result of an op: recorded in the graph when any input requires gradients, a constant
/// otherwise.
@inline(__always)
func makeResult<S: TensorScalar>(
  _ name: StaticString, shape: [Int], scalars: [S], inputs: [Tensor<S>],
  backward: @escaping BackwardRule<S>
) -> Tensor<S> {
  for input in inputs where input.node != nil {
    let node = GraphNode(name: name, inputs: inputs, shape: shape, scalars: scalars, backward: backward)
    return Tensor(shape: shape, scalars: scalars, node: node)
  }
  return Tensor(shape: shape, scalars: scalars, node: nil)
}

/// Reverse-mode gradients of `y` with respect to each of `xs`.
///
/// Computes `∂(Σ upstream ⊙ y)/∂x` for each `x` in `xs` (a vector–Jacobian product; with
/// no `upstream`, the seed is all ones, which for a scalar `y` is the plain gradient).
///
/// - Parameters:
///   - y: the tensor to differentiate, usually shape `[]` (a loss or an energy).
///   - xs: tensors `y` may depend on: leaves made by `requiringGradient()` or intermediate
///     results. A tensor that `y` does not depend on gets zeros.
///   - upstream: the seed, of `y`'s shape; ones when nil.
///   - createGraph: when true, the backward computation is recorded, so that the returned
///     gradients can themselves be differentiated (forces in a loss, Hessian-vector
///     products). When false they are constants.
/// - Returns: one gradient per `xs[i]`, with `xs[i]`'s shape.
public func gradients<S: TensorScalar>(
  of y: Tensor<S>, wrt xs: [Tensor<S>], upstream: Tensor<S>? = nil, createGraph: Bool = false
) -> [Tensor<S>] {
  if let upstream {
    precondition(
      upstream.shape == y.shape,
      "gradients: upstream shape \(upstream.shape) differs from the shape \(y.shape) of y")
  }
  guard let root = y.node else { return xs.map { Tensor(zeros: $0.shape) } }

  // Topological order (inputs before the nodes that use them), by iterative depth-first search.
  var order: [GraphNode<S>] = []
  var visited = Set<ObjectIdentifier>()
  var stack: [(node: GraphNode<S>, next: Int)] = [(root, 0)]
  visited.insert(ObjectIdentifier(root))
  while !stack.isEmpty {
    let top = stack.count - 1
    let node = stack[top].node
    let next = stack[top].next
    if next < node.inputs.count {
      stack[top].next = next + 1
      if let child = node.inputs[next].node, visited.insert(ObjectIdentifier(child)).inserted {
        stack.append((child, 0))
      }
    } else {
      order.append(node)
      stack.removeLast()
    }
  }

  // Nodes on a path to a requested tensor; nothing else is differentiated.
  let targets = Set(xs.compactMap { $0.node.map(ObjectIdentifier.init) })
  var onPath = Set<ObjectIdentifier>()
  for node in order {
    let id = ObjectIdentifier(node)
    if targets.contains(id) || node.inputs.contains(where: { $0.node.map { onPath.contains(ObjectIdentifier($0)) } ?? false }) {
      onPath.insert(id)
    }
  }

  var grads: [ObjectIdentifier: Tensor<S>] = [:]
  let seed = upstream ?? Tensor(ones: y.shape)
  grads[ObjectIdentifier(root)] = createGraph ? seed : seed.detached()

  for node in order.reversed() {
    let id = ObjectIdentifier(node)
    guard onPath.contains(id), let backward = node.backward, let grad = grads[id] else { continue }
    if !targets.contains(id) { grads[id] = nil }  // free as early as possible
    let needs = node.inputs.map { $0.node.map { onPath.contains(ObjectIdentifier($0)) } ?? false }
    guard needs.contains(true) else { continue }
    let inputs = createGraph ? node.inputs : node.inputs.map { $0.detached() }
    let output = Tensor(shape: node.shape, scalars: node.outputScalars, node: createGraph ? node : nil)
    let inputGrads = backward(grad, inputs, output, needs)
    for k in node.inputs.indices where needs[k] {
      guard let g = inputGrads[k], let child = node.inputs[k].node else { continue }
      precondition(
        g.shape == node.inputs[k].shape,
        "gradients: backward of \(node.name) gave shape \(g.shape) for an input of shape \(node.inputs[k].shape)")
      let cid = ObjectIdentifier(child)
      if let existing = grads[cid] {
        grads[cid] = existing + g
      } else {
        grads[cid] = g
      }
    }
  }
  return xs.map { x in
    x.node.flatMap { grads[ObjectIdentifier($0)] } ?? Tensor(zeros: x.shape)
  }
}
