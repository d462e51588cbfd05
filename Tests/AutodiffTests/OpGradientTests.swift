import Testing
@testable import Autodiff

/// One op under test: a name, its inputs and the op itself.
struct OpCase: CustomTestStringConvertible, Sendable {
  let name: String
  let inputs: @Sendable () -> [Tensor<Double>]
  let op: @Sendable ([Tensor<Double>]) -> Tensor<Double>
  var testDescription: String { name }
}

let positive = 0.5...2.0

let opCases: [OpCase] = [
  OpCase(name: "add same shape", inputs: { [sample([3, 4], seed: 1), sample([3, 4], seed: 2)] }, op: { $0[0] + $0[1] }),
  OpCase(name: "add bias [3,4]+[4]", inputs: { [sample([3, 4], seed: 1), sample([4], seed: 2)] }, op: { $0[0] + $0[1] }),
  OpCase(name: "subtract [3,1]-[3,4]", inputs: { [sample([3, 1], seed: 1), sample([3, 4], seed: 2)] }, op: { $0[0] - $0[1] }),
  OpCase(name: "multiply [2,1,4]*[2,3,1]", inputs: { [sample([2, 1, 4], seed: 1), sample([2, 3, 1], seed: 2)] }, op: { $0[0] * $0[1] }),
  OpCase(name: "multiply [3,4]*[]", inputs: { [sample([3, 4], seed: 1), sample([], seed: 2)] }, op: { $0[0] * $0[1] }),
  OpCase(name: "multiply [2,3,4]*[3,1]", inputs: { [sample([2, 3, 4], seed: 1), sample([3, 1], seed: 2)] }, op: { $0[0] * $0[1] }),
  OpCase(name: "divide [3,4]/[3,1]", inputs: { [sample([3, 4], seed: 1), sample([3, 1], seed: 2, in: positive)] }, op: { $0[0] / $0[1] }),
  OpCase(name: "scalar arithmetic", inputs: { [sample([5], seed: 1, in: positive)] }, op: { (2 - $0[0]) * 3 + 1.5 / $0[0] - $0[0] / 4 + (0.5 + $0[0]) }),
  OpCase(name: "negate", inputs: { [sample([5], seed: 1)] }, op: { -$0[0] }),
  OpCase(name: "exp", inputs: { [sample([6], seed: 1)] }, op: { exp($0[0]) }),
  OpCase(name: "log", inputs: { [sample([6], seed: 1, in: positive)] }, op: { log($0[0]) }),
  OpCase(name: "sin", inputs: { [sample([6], seed: 1)] }, op: { sin($0[0]) }),
  OpCase(name: "cos", inputs: { [sample([6], seed: 1)] }, op: { cos($0[0]) }),
  OpCase(name: "sqrt", inputs: { [sample([6], seed: 1, in: positive)] }, op: { sqrt($0[0]) }),
  OpCase(name: "pow 3", inputs: { [sample([6], seed: 1)] }, op: { pow($0[0], 3) }),
  OpCase(name: "pow -1.5", inputs: { [sample([6], seed: 1, in: positive)] }, op: { pow($0[0], -1.5) }),
  OpCase(name: "pow -1", inputs: { [sample([6], seed: 1, in: positive)] }, op: { pow($0[0], -1) }),
  OpCase(name: "square", inputs: { [sample([6], seed: 1)] }, op: { square($0[0]) }),
  OpCase(name: "silu", inputs: { [sample([8], seed: 1) * 2] }, op: { silu($0[0]) }),
  OpCase(name: "silu (third derivative)", inputs: { [sample([8], seed: 1) * 2] }, op: { siluSecondDerivative($0[0]) }),
  OpCase(name: "sigmoid", inputs: { [sample([8], seed: 1) * 2] }, op: { sigmoid($0[0]) }),
  OpCase(name: "tanh", inputs: { [sample([8], seed: 1)] }, op: { tanh($0[0]) }),
  OpCase(name: "sum", inputs: { [sample([3, 4], seed: 1)] }, op: { square($0[0]).sum() }),
  OpCase(name: "mean", inputs: { [sample([3, 4], seed: 1)] }, op: { square($0[0]).mean() }),
  OpCase(name: "sum axis 0", inputs: { [sample([3, 4], seed: 1)] }, op: { square($0[0]).sum(axis: 0) }),
  OpCase(name: "sum axis 1 of rank 3, kept", inputs: { [sample([2, 3, 4], seed: 1)] }, op: { square($0[0]).sum(axis: 1, keepingDimension: true) }),
  OpCase(name: "sum axis -1", inputs: { [sample([2, 3, 4], seed: 1)] }, op: { square($0[0]).sum(axis: -1) }),
  OpCase(name: "mean axis 1", inputs: { [sample([2, 3, 4], seed: 1)] }, op: { square($0[0]).mean(axis: 1) }),
  OpCase(name: "sum toShape", inputs: { [sample([2, 3, 4], seed: 1)] }, op: { square($0[0]).sum(toShape: [3, 1]) }),
  OpCase(name: "broadcast to", inputs: { [sample([3, 1], seed: 1)] }, op: { square($0[0]).broadcast(to: [2, 3, 4]) }),
  OpCase(name: "reshape", inputs: { [sample([2, 6], seed: 1)] }, op: { square($0[0]).reshaped(to: [3, -1]) * sample([3, 4], seed: 5) }),
  OpCase(name: "transpose rank 3", inputs: { [sample([2, 3, 4], seed: 1)] }, op: { square($0[0]).transposed() * sample([2, 4, 3], seed: 5) }),
  OpCase(name: "concat", inputs: { [sample([3, 2], seed: 1), sample([3, 4], seed: 2)] }, op: { concat([$0[0], square($0[1]), $0[0]], axis: -1) }),
  OpCase(name: "split", inputs: { [sample([2, 3, 5], seed: 1)] }, op: { let p = $0[0].split(sizes: [2, 3], axis: -1); return p[0] * p[0] + p[1].sum(axis: -1, keepingDimension: true) }),
  OpCase(name: "gather rows (repeated)", inputs: { [sample([4, 3], seed: 1)] }, op: { square($0[0]).gathering(rows: [Int32(2), 0, 2, 3, 3, 1]) }),
  OpCase(name: "scatterAdd", inputs: { [sample([6, 3], seed: 1)] }, op: { scatterAdd(square($0[0]), into: 4, at: [Int32(2), 0, 2, 3, 3, 1]) }),
  OpCase(name: "gather, product, scatter (a message pass)", inputs: { [sample([4, 2, 3], seed: 1), sample([6, 1, 3], seed: 2)] }, op: { ($0[0].gathering(rows: [Int32(1), 0, 2, 3, 3, 1]) * $0[1]).segmentSum(indices: [0, 1, 1, 2, 3, 0], count: 4) }),
  OpCase(name: "norm last axis", inputs: { [sample([5, 3], seed: 1)] }, op: { norm($0[0], epsilon: 1e-3) }),
  OpCase(name: "norm middle axis (vector features)", inputs: { [sample([2, 3, 4], seed: 1)] }, op: { norm($0[0], axis: 1, epsilon: 1e-8, keepingDimension: true) }),
  OpCase(name: "where", inputs: { [sample([2, 3], seed: 1), sample([2, 3], seed: 2)] }, op: { `where`([true, false, true, true, false, false], square($0[0]), exp($0[1])) }),
  OpCase(name: "matmul", inputs: { [sample([3, 4], seed: 1), sample([4, 5], seed: 2)] }, op: { matmul($0[0], $0[1]) }),
  OpCase(name: "matmul Aᵀ", inputs: { [sample([4, 3], seed: 1), sample([4, 5], seed: 2)] }, op: { matmul($0[0], $0[1], transposingA: true) }),
  OpCase(name: "matmul Bᵀ", inputs: { [sample([3, 4], seed: 1), sample([5, 4], seed: 2)] }, op: { matmul($0[0], $0[1], transposingB: true) }),
  OpCase(name: "matmul AᵀBᵀ", inputs: { [sample([4, 3], seed: 1), sample([5, 4], seed: 2)] }, op: { matmul($0[0], $0[1], transposingA: true, transposingB: true) }),
  OpCase(name: "matmul rank 3 left", inputs: { [sample([2, 3, 4], seed: 1), sample([4, 5], seed: 2)] }, op: { matmul($0[0], $0[1]) }),
]

/// silu'' through two recorded backward passes (so that checking its derivatives checks
/// silu''' and silu''''). A constant input is made a leaf first.
func siluSecondDerivative(_ x: Tensor<Double>) -> Tensor<Double> {
  let x = x.requiresGradient ? x : x.requiringGradient()
  let g = gradients(of: silu(x).sum(), wrt: [x], createGraph: true)[0]
  return gradients(of: g.sum(), wrt: [x], createGraph: true)[0]
}

@Suite("Gradients of every op against finite differences (Double)")
struct OpGradientTests {
  @Test("first derivative", arguments: opCases)
  func firstDerivative(_ c: OpCase) {
    let error = firstDerivativeError({ smoothScalar(c.op($0)) }, at: c.inputs())
    #expect(error < 1e-6, "\(c.name): relative error \(error)")
  }

  @Test("second derivative (gradient of a gradient–vector product)", arguments: opCases)
  func secondDerivative(_ c: OpCase) {
    let error = secondDerivativeError({ smoothScalar(c.op($0)) }, at: c.inputs())
    #expect(error < 1e-6, "\(c.name): relative error \(error)")
  }

  @Test("an op's first derivative is not trivially zero")
  func nonTrivial() {
    // The gradient checks compare vectors; make sure they are not comparing zeros with zeros.
    for c in opCases {
      let xs = c.inputs().map { $0.requiringGradient() }
      let g = gradients(of: smoothScalar(c.op(xs)), wrt: xs)
      #expect(g.contains { $0.scalars.contains { abs($0) > 1e-3 } }, "\(c.name)")
    }
  }
}
