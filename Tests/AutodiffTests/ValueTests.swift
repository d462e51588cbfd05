import Foundation
import Testing
@testable import Autodiff

@Suite("Forward values against hand-computed results")
struct ValueTests {
  @Test func broadcastingArithmetic() {
    let a = Tensor<Double>(shape: [2, 1, 2], scalars: [1, 2, 3, 4])
    let b = Tensor<Double>(shape: [3, 1], scalars: [10, 20, 30])
    let c = a * b  // [2, 3, 2]
    #expect(c.shape == [2, 3, 2])
    #expect(c.scalars == [10, 20, 20, 40, 30, 60, 30, 40, 60, 80, 90, 120])
    #expect((a + 1).scalars == [2, 3, 4, 5])
    #expect((1 - a).scalars == [0, -1, -2, -3])
    #expect((12 / a).scalars == [12, 6, 4, 3])
  }

  @Test func reductions() {
    let x = Tensor<Double>(shape: [2, 3], scalars: [1, 2, 3, 4, 5, 6])
    #expect(x.sum().scalar == 21)
    #expect(x.sum(axis: 0).scalars == [5, 7, 9])
    #expect(x.sum(axis: 1).scalars == [6, 15])
    #expect(x.sum(axis: 1, keepingDimension: true).shape == [2, 1])
    #expect(x.mean(axis: 0).scalars == [2.5, 3.5, 4.5])
    #expect(x.sum(toShape: [3]).scalars == [5, 7, 9])
    #expect(x.sum(toShape: [2, 1]).scalars == [6, 15])
    #expect(Tensor<Double>(shape: [2], scalars: [3, 4]).broadcast(to: [2, 2]).scalars == [3, 4, 3, 4])
    #expect(abs(norm(Tensor<Double>(shape: [1, 2], scalars: [3, 4])).scalar - 5) < 1e-15)
  }

  @Test func shapes() {
    let x = Tensor<Double>(shape: [2, 3], scalars: [1, 2, 3, 4, 5, 6])
    #expect(x.transposed().scalars == [1, 4, 2, 5, 3, 6])
    #expect(x.reshaped(to: [3, -1]).shape == [3, 2])
    let parts = x.split(sizes: [1, 2])
    #expect(parts[0].scalars == [1, 4])
    #expect(parts[1].scalars == [2, 3, 5, 6])
    #expect(concat(parts).scalars == x.scalars)
    #expect(x.gathering(rows: [Int32(1), 1, 0]).scalars == [4, 5, 6, 4, 5, 6, 1, 2, 3])
    #expect(scatterAdd(x, into: 3, at: [Int32(2), 2]).scalars == [0, 0, 0, 0, 0, 0, 5, 7, 9])
    #expect(`where`([true, false, false, true, true, false], x, -x).scalars == [1, -2, -3, 4, 5, -6])
  }

  @Test func matmulAgainstLoops() {
    for (m, k, n) in [(1, 1, 1), (3, 4, 5), (17, 9, 33)] {
      let a = Tensor<Double>(randomNormal: [m, k], seed: 1)
      let b = Tensor<Double>(randomNormal: [k, n], seed: 2)
      let c = matmul(a, b)
      var worst = 0.0
      for i in 0..<m {
        for j in 0..<n {
          var s = 0.0
          for p in 0..<k { s += a.scalars[i * k + p] * b.scalars[p * n + j] }
          worst = max(worst, abs(s - c.scalars[i * n + j]))
        }
      }
      #expect(worst < 1e-12)
      #expect(matmul(a.transposed(), b, transposingA: true).scalars == c.scalars)
      #expect(matmul(a, b.transposed(), transposingB: true).scalars == c.scalars)
    }
  }

  @Test("large elementwise ops (threaded path) equal the small-op results")
  func threadedMatchesSerial() {
    let n = 1 << 17
    let x = Tensor<Float>(randomNormal: [n / 64, 64], seed: 3)
    let y = Tensor<Float>(randomNormal: [64], seed: 4)
    let big = silu(x) * y + x
    let rows = x.split(sizes: [32, 32])
    for (k, row) in [0, 100, n / 64 - 1].enumerated() {
      _ = k
      let xr = x.gathering(rows: [Int32(row)])
      let small = silu(xr) * y + xr
      #expect(big.gathering(rows: [Int32(row)]).scalars == small.scalars)
    }
    #expect(rows[0].count == n / 2)
    let total = x.sum().scalar
    let serial = x.scalars.reduce(0.0) { $0 + Double($1) }
    #expect(abs(Double(total) - serial) < 1e-2)
  }

  @Test("Float exp against Double exp, including overflow, underflow and NaN")
  func fastExpAccuracy() {
    let xs: [Float] = stride(from: -100, through: 100, by: 0.0137).map { Float($0) }
    let y = exp(Tensor<Float>(shape: [xs.count], scalars: xs)).scalars
    var worst = 0.0
    for (x, v) in zip(xs, y) {
      let exact = Foundation.exp(Double(x))
      if exact > Double(Float.greatestFiniteMagnitude) {
        #expect(v == .infinity)
      } else if exact < Double(Float.leastNormalMagnitude) {
        #expect(v >= 0 && Double(v) < 1.2e-38)
      } else {
        worst = max(worst, abs(Double(v) - exact) / exact)
      }
    }
    #expect(worst < 1e-6)
    let special = exp(Tensor<Float>(shape: [8], scalars: [.nan, -.infinity, .infinity, 0, 1, -1, 88, -87])).scalars
    #expect(special[0].isNaN)
    #expect(special[1] == 0)
    #expect(special[2] == .infinity)
    #expect(special[3] == 1)
    #expect(abs(special[4] - 2.7182817) < 1e-6)
  }

  @Test("vectorised Float kernels against Double references")
  func vectorKernelsAccuracy() {
    // Odd count: exercises the vector loop and the tail.
    let xs: [Float] = stride(from: -30.0, through: 30.0, by: 0.0171).map { Float($0) } + [0, 1e-3, -1e-3, 0.2499, 0.2501]
    let xd = xs.map(Double.init)
    let x = Tensor<Float>(shape: [xs.count], scalars: xs)
    func sig(_ v: Double) -> Double { 1 / (1 + Foundation.exp(-v)) }
    // The derivatives of SiLU cross zero away from x = 0, where a Float evaluation has an
    // absolute (not relative) error of a few ulp of its O(1) terms: the floor is 0.1 there.
    let cases: [(String, Tensor<Float>, Double, (Double) -> Double)] = [
      ("sigmoid", sigmoid(x), 1e-30, sig),
      ("silu", silu(x), 1e-30, { $0 * sig($0) }),
      ("silu'", unary(.siluDerivative, x), 0.1, { sig($0) * (1 + $0 * (1 - sig($0))) }),
      ("silu''", unary(.siluSecondDerivative, x), 0.1, { sig($0) * (1 - sig($0)) * (2 + $0 * (1 - 2 * sig($0))) }),
      ("tanh", tanh(x), 1e-30, { Foundation.tanh($0) }),
    ]
    for (name, result, floor, reference) in cases {
      var worst = 0.0
      for (v, r) in zip(result.scalars, xd.map(reference)) {
        worst = max(worst, abs(Double(v) - r) / max(abs(r), floor))
      }
      #expect(worst < 2e-6, "\(name): worst relative error \(worst)")
    }
  }

  @Test("SiLU and its derivatives stay finite far out, in both precisions")
  func siluFarOut() {
    let xs: [Double] = [-1000, -100, -50, 50, 100, 1000]
    let expected: [[Double]] = [
      [0, 0, 0, 50, 100, 1000],  // silu (≈ −0 on the left)
      [0, 0, 0, 1, 1, 1],  // silu'
      [0, 0, 0, 0, 0, 0],  // silu''
    ]
    let d = Tensor<Double>(shape: [6], scalars: xs)
    let f = Tensor<Float>(d)
    let kernels: [UnaryKernel<Double>] = [.silu, .siluDerivative, .siluSecondDerivative]
    let floatKernels: [UnaryKernel<Float>] = [.silu, .siluDerivative, .siluSecondDerivative]
    for k in 0..<3 {
      let vd = unary(kernels[k], d).scalars
      let vf = unary(floatKernels[k], f).scalars
      for i in 0..<6 {
        #expect(abs(vd[i] - expected[k][i]) < 1e-9, "kernel \(k), x = \(xs[i]): \(vd[i])")
        #expect(abs(Double(vf[i]) - expected[k][i]) < 1e-4 * max(1, abs(expected[k][i])), "Float kernel \(k), x = \(xs[i]): \(vf[i])")
      }
    }
  }

  @Test("portable Float loops (used without AVX2) against Double references")
  func portableFloatLoops() {
    let xs: [Float] = stride(from: -100.0, through: 100.0, by: 0.0731).map { Float($0) } + [.nan, .infinity, -.infinity]
    var exps = [Float](repeating: 0, count: xs.count)
    var silus = [Float](repeating: 0, count: xs.count)
    xs.withUnsafeBufferPointer { x in
      exps.withUnsafeMutableBufferPointer { y in unaryLoop(.exp, x.baseAddress!, y.baseAddress!, xs.count) }
      silus.withUnsafeMutableBufferPointer { y in unaryLoop(.silu, x.baseAddress!, y.baseAddress!, xs.count) }
    }
    var worstExp = 0.0, worstSilu = 0.0
    for i in 0..<(xs.count - 3) {
      let x = Double(xs[i])
      let e = Foundation.exp(x)
      if e < Double(Float.greatestFiniteMagnitude) && e > Double(Float.leastNormalMagnitude) {
        worstExp = max(worstExp, abs(Double(exps[i]) - e) / e)
      }
      let s = x / (1 + Foundation.exp(-x))
      worstSilu = max(worstSilu, abs(Double(silus[i]) - s) / max(abs(s), 1e-30))
    }
    #expect(worstExp < 1e-6)
    #expect(worstSilu < 2e-6)
    let n = xs.count
    #expect(exps[n - 3].isNaN && exps[n - 2] == .infinity && exps[n - 1] == 0)
  }

  @Test("shape errors name both shapes")
  func shapeErrorMessage() {
    #expect(broadcastFailure([5, 3], [4, 3], op: "add") == "add: shapes [5, 3] and [4, 3] do not broadcast (axis 0 of the result: 5 vs 4)")
    #expect(broadcastFailure([2, 1, 4], [3, 1], op: "multiply") == nil)
  }
}
