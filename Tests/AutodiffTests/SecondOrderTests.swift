import Foundation
import Testing
@testable import Autodiff

@Suite("Higher-order derivatives: exact Hessian and the force-loss parameter gradient")
struct SecondOrderTests {
  /// f(x) = x₀²x₁ + sin(x₀x₂) + exp(x₁)·x₂, whose Hessian is written out by hand.
  @Test func exactHessian() throws {
    let point: [Double] = [0.7, -0.3, 1.1]
    let x = Tensor<Double>(shape: [3], scalars: point).requiringGradient()
    let parts = x.split(sizes: [1, 1, 1])
    let (x0, x1, x2) = (parts[0], parts[1], parts[2])
    let f = (square(x0) * x1 + sin(x0 * x2) + exp(x1) * x2).sum()
    let g = gradients(of: f, wrt: [x], createGraph: true)[0]
    var hessian: [[Double]] = []
    for i in 0..<3 {
      var e = [Double](repeating: 0, count: 3)
      e[i] = 1
      let row = gradients(of: (g * Tensor(shape: [3], scalars: e)).sum(), wrt: [x])[0]
      hessian.append(row.scalars)
    }
    let (a, b, c) = (point[0], point[1], point[2])
    let expected: [[Double]] = [
      [2 * b - c * c * Foundation.sin(a * c), 2 * a, Foundation.cos(a * c) - a * c * Foundation.sin(a * c)],
      [2 * a, Foundation.exp(b) * c, Foundation.exp(b)],
      [Foundation.cos(a * c) - a * c * Foundation.sin(a * c), Foundation.exp(b), -a * a * Foundation.sin(a * c)],
    ]
    for i in 0..<3 {
      for j in 0..<3 {
        #expect(abs(hessian[i][j] - expected[i][j]) < 1e-13, "H[\(i)][\(j)] = \(hessian[i][j]), expected \(expected[i][j])")
      }
    }
    // The gradient itself.
    let expectedGradient = [2 * a * b + c * Foundation.cos(a * c), a * a + Foundation.exp(b) * c, a * Foundation.cos(a * c) + Foundation.exp(b)]
    #expect(relativeError(g.scalars, expectedGradient) < 1e-14)
  }

  /// The computation distillation training needs: for an MLP energy E(x; θ), the θ-gradient
  /// of the force loss |−∂E/∂x − F_ref|², against finite differences in θ.
  @Test func forceLossParameterGradient() {
    let x = sample([5, 3], seed: 11)
    let referenceForces = sample([5, 3], seed: 12)
    let theta = [
      sample([3, 8], seed: 13), sample([8], seed: 14), sample([8, 8], seed: 15), sample([8], seed: 16),
      sample([8, 1], seed: 17),
    ]
    func energy(_ x: Tensor<Double>, _ p: [Tensor<Double>]) -> Tensor<Double> {
      let h1 = silu(matmul(x, p[0]) + p[1])
      let h2 = tanh(matmul(h1, p[2]) + p[3])
      return matmul(h2, p[4]).sum()
    }
    func forceLoss(_ p: [Tensor<Double>], createGraph: Bool) -> Tensor<Double> {
      let xr = x.requiringGradient()
      let forces = -gradients(of: energy(xr, p), wrt: [xr], createGraph: createGraph)[0]
      return square(forces - referenceForces).sum()
    }
    let leaves = theta.map { $0.requiringGradient() }
    let analytic = gradients(of: forceLoss(leaves, createGraph: true), wrt: leaves)
    let numeric = numericGradients({ forceLoss($0, createGraph: false).scalar }, at: theta)
    for (k, (a, n)) in zip(analytic, numeric).enumerated() {
      let error = relativeError(a.scalars, n)
      #expect(error < 1e-6, "parameter \(k): relative error \(error)")
      #expect(n.contains { abs($0) > 1e-4 })
    }
    // Forces themselves against finite differences of the energy.
    let xr = x.requiringGradient()
    let forces = -gradients(of: energy(xr, theta), wrt: [xr])[0]
    let numericForces = numericGradients({ -energy($0[0], theta).scalar }, at: [x])[0]
    #expect(relativeError(forces.scalars, numericForces) < 1e-8)
  }

  /// Without createGraph the gradients are constants; with it they depend on the leaves.
  @Test func createGraphFlag() {
    let x = sample([4], seed: 1).requiringGradient()
    let y = (exp(x) * x).sum()
    #expect(!gradients(of: y, wrt: [x])[0].requiresGradient)
    #expect(gradients(of: y, wrt: [x], createGraph: true)[0].requiresGradient)
    // A tensor y does not depend on gets zeros; an intermediate tensor can be a target.
    let unrelated = sample([2], seed: 2).requiringGradient()
    let e = exp(x)
    let z = (e * 3).sum()
    let g = gradients(of: z, wrt: [unrelated, e])
    #expect(g[0].scalars == [0, 0])
    #expect(g[1].scalars == [3, 3, 3, 3])
  }

  /// A vector–Jacobian product through `upstream` equals the gradient of ⟨upstream, y⟩.
  @Test func vectorJacobianProduct() {
    let x = sample([3, 4], seed: 1).requiringGradient()
    let y = silu(matmul(x, sample([4, 2], seed: 2)))
    let u = sample([3, 2], seed: 3)
    let vjp = gradients(of: y, wrt: [x], upstream: u)[0]
    let direct = gradients(of: (y * u).sum(), wrt: [x])[0]
    #expect(relativeError(vjp.scalars, direct.scalars) < 1e-14)
  }

  /// Two threads build and differentiate their own graphs at the same time.
  @Test func concurrentGradients() async {
    let w = sample([6, 6], seed: 3)
    func work(_ seed: UInt64) -> [Double] {
      let x = sample([10, 6], seed: seed).requiringGradient()
      var out: [Double] = []
      for _ in 0..<200 {
        let e = silu(matmul(silu(matmul(x, w)), w)).sum()
        let f = gradients(of: e, wrt: [x], createGraph: true)[0]
        out = gradients(of: square(f).sum(), wrt: [x])[0].scalars
      }
      return out
    }
    let serialA = work(1), serialB = work(2)
    async let a = Task.detached { work(1) }.value
    async let b = Task.detached { work(2) }.value
    let (ra, rb) = await (a, b)
    #expect(ra == serialA)
    #expect(rb == serialB)
  }
}

@Suite("Float32 gradients against Double finite differences")
struct FloatGradientTests {
  @Test func mlpForceLossInFloat() {
    let x = sample([6, 3], seed: 21)
    let fRef = sample([6, 3], seed: 22)
    let theta = [sample([3, 16], seed: 23), sample([16], seed: 24), sample([16, 1], seed: 25)]
    func loss<S: TensorScalar>(_ p: [Tensor<S>], _ x: Tensor<S>, _ fRef: Tensor<S>, createGraph: Bool) -> Tensor<S> {
      let xr = x.requiringGradient()
      let e = matmul(silu(matmul(xr, p[0]) + p[1]), p[2]).sum()
      let f = -gradients(of: e, wrt: [xr], createGraph: createGraph)[0]
      return square(f - fRef).mean()
    }
    let floatLeaves = theta.map { Tensor<Float>($0).requiringGradient() }
    let floatGrads = gradients(
      of: loss(floatLeaves, Tensor<Float>(x), Tensor<Float>(fRef), createGraph: true), wrt: floatLeaves)
    let numeric = numericGradients({ loss($0, x, fRef, createGraph: false).scalar }, at: theta)
    for (g, n) in zip(floatGrads, numeric) {
      let error = relativeError(g.scalars.map(Double.init), n)
      #expect(error < 1e-4, "relative error \(error)")
    }
  }

  @Test func elementwiseInFloat() {
    let x = sample([64], seed: 5, in: 0.2...3)
    let xf = Tensor<Float>(x).requiringGradient()
    let y = (exp(xf) + log(xf) + sin(xf) * cos(xf) + sqrt(xf) + sigmoid(xf) + tanh(xf) + silu(xf) + pow(xf, 1.5)).sum()
    let g = gradients(of: y, wrt: [xf])[0]
    let numeric = numericGradients({ xs in
      let x = xs[0]
      return (exp(x) + log(x) + sin(x) * cos(x) + sqrt(x) + sigmoid(x) + tanh(x) + silu(x) + pow(x, 1.5)).sum().scalar
    }, at: [x])[0]
    #expect(relativeError(g.scalars.map(Double.init), numeric) < 1e-5)
  }
}
