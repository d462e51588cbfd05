@testable import Autodiff
import Testing

/// The few-row Float product of gemm_kernels.h (`SmallProducts`) against the product summed
/// in Double, at every row count a block can have, with padded strides, β = 0 and 1, and the
/// property the fused network leans on: a row's result does not depend on the rows it is
/// multiplied with.
@Suite struct SmallProductTests {
  /// A[m, k] (row stride lda), B[k, n] (ldb), C[m, n] (ldc), deterministic values in [-1, 1].
  struct Operands {
    let m, n, k, lda, ldb, ldc: Int
    var a: [Float], b: [Float], c: [Float]
    init(m: Int, n: Int, k: Int, pad: Int, seed: UInt64) {
      self.m = m; self.n = n; self.k = k
      lda = k + pad; ldb = n + pad; ldc = n + pad
      var state = seed &* 0x9E37_79B9_7F4A_7C15 | 1
      func next() -> Float {
        state ^= state << 13; state ^= state >> 7; state ^= state << 17
        return Float(Int(state % 2001) - 1000) / 1000
      }
      a = (0..<max(1, m * lda)).map { _ in next() }
      b = (0..<(k * ldb)).map { _ in next() }
      c = (0..<max(1, m * ldc)).map { _ in next() }
    }

    /// β·C + A·B in Double.
    func reference(beta: Double) -> [Double] {
      var out = [Double](repeating: 0, count: m * n)
      for i in 0..<m {
        for j in 0..<n {
          var s = 0.0
          for p in 0..<k { s += Double(a[i * lda + p]) * Double(b[p * ldb + j]) }
          out[i * n + j] = s + (beta == 0 ? 0 : beta * Double(c[i * ldc + j]))
        }
      }
      return out
    }

    /// C after the kernel of `width` lanes.
    func kernel(width: Int, beta: Float, rows: Range<Int>? = nil) -> [Float] {
      var out = c
      let r = rows ?? 0..<m
      a.withUnsafeBufferPointer { pa in
        b.withUnsafeBufferPointer { pb in
          out.withUnsafeMutableBufferPointer { pc in
            SmallProducts.multiply(
              width: width, m: r.count, n: n, k: k, pa.baseAddress! + r.lowerBound * lda, lda: lda, pb.baseAddress!,
              ldb: ldb, beta: beta, pc.baseAddress! + r.lowerBound * ldc, ldc: ldc)
          }
        }
      }
      return out
    }
  }

  /// |error| ≤ k·2⁻²³·Σ|a·b| (+ the β·C term's rounding), the bound of a sum of k products.
  func expectClose(_ got: [Float], _ ops: Operands, beta: Double, _ label: String) {
    let want = ops.reference(beta: beta)
    for i in 0..<ops.m {
      for j in 0..<ops.n {
        var magnitude = beta == 0 ? 0 : abs(Double(ops.c[i * ops.ldc + j]))
        for p in 0..<ops.k { magnitude += abs(Double(ops.a[i * ops.lda + p]) * Double(ops.b[p * ops.ldb + j])) }
        let error = abs(Double(got[i * ops.ldc + j]) - want[i * ops.n + j])
        let bound = Double(ops.k + 2) * 0x1p-23 * magnitude + 1e-30
        if error > bound {
          Issue.record("\(label): C[\(i), \(j)] = \(got[i * ops.ldc + j]), want \(want[i * ops.n + j]) (error \(error) > \(bound))")
          return
        }
      }
    }
  }

  @Test("every row count 1…40 and 96, both widths, β = 0 and 1, padded strides")
  func againstDouble() {
    for width in SmallProducts.widths {
      for m in Array(1...40) + [96] {
        for (n, k) in [(2 * width, 64), (3 * width, 37), (128, 128), (width, 1)] {
          let ops = Operands(m: m, n: n, k: k, pad: m % 3, seed: UInt64(m * 1000 + n + k))
          for beta in [0.0, 1.0] {
            expectClose(ops.kernel(width: width, beta: Float(beta)), ops, beta: beta, "width \(width), m \(m), n \(n), k \(k), β \(beta)")
          }
        }
      }
    }
  }

  @Test("β = 0 never reads C, and nothing outside C's m × n entries is written")
  func writesOnlyItsEntries() {
    for width in SmallProducts.widths {
      var ops = Operands(m: 13, n: 4 * width, k: 70, pad: 5, seed: 7)
      ops.c = ops.c.indices.map { $0 % ops.ldc < ops.n ? Float.nan : -7 }
      let out = ops.kernel(width: width, beta: 0)
      expectClose(out, ops, beta: 0, "width \(width), C filled with NaN")
      for i in 0..<ops.m {
        for j in ops.n..<ops.ldc { #expect(out[i * ops.ldc + j] == -7) }
      }
    }
  }

  @Test("a row's result is the same bits whatever rows it is multiplied with")
  func rowsIndependentOfTheirCompany() {
    for width in SmallProducts.widths {
      let ops = Operands(m: 37, n: 6 * width, k: 128, pad: 0, seed: 11)
      let whole = ops.kernel(width: width, beta: 1)
      for rows in [0..<1, 3..<12, 5..<30, 36..<37] {
        let part = ops.kernel(width: width, beta: 1, rows: rows)
        #expect(Array(part[rows.lowerBound * ops.ldc..<rows.upperBound * ops.ldc])
          == Array(whole[rows.lowerBound * ops.ldc..<rows.upperBound * ops.ldc]))
      }
    }
  }

  @Test("Float._gemm gives the kernel exactly the products `takes` names, and agrees with BLAS there")
  func gemmDispatch() {
    #expect(!SmallProducts.takes(m: 1, n: 128, k: 128))
    #expect(!SmallProducts.takes(m: 9, n: 384, k: 21))  // a filter tile
    #expect(!SmallProducts.takes(m: 72, n: 20, k: 384))  // g_φ
    #expect(!SmallProducts.takes(m: 200, n: 128, k: 128))
    if SmallProducts.available && SmallProducts.enabled {
      #expect(SmallProducts.takes(m: 9, n: 128, k: 128))
      #expect(SmallProducts.takes(m: 32, n: 384, k: 128))
    }
    let ops = Operands(m: 9, n: 128, k: 128, pad: 0, seed: 3)
    var out = ops.c
    ops.a.withUnsafeBufferPointer { pa in
      ops.b.withUnsafeBufferPointer { pb in
        out.withUnsafeMutableBufferPointer { pc in
          Float._gemm(
            transposeA: false, transposeB: false, m: 9, n: 128, k: 128, pa.baseAddress!, lda: 128, pb.baseAddress!,
            ldb: 128, beta: 1, pc.baseAddress!, ldc: 128)
        }
      }
    }
    expectClose(out, ops, beta: 1, "Float._gemm")
  }
}
