// Matrix products through BLAS gemm (OpenBLAS on Linux, Accelerate on Apple platforms).

/// The matrix product `op(a)·op(b)`, where `op` transposes when asked.
///
/// - Parameters:
///   - a: `[M, K]` (or `[K, M]` when `transposingA`). Without `transposingA`, `a` may have
///     rank > 2: `[…, K]`, its leading axes flattened, giving `[…, N]`.
///   - b: `[K, N]` (or `[N, K]` when `transposingB`).
/// - Returns: `[M, N]`.
public func matmul<S: TensorScalar>(
  _ a: Tensor<S>, _ b: Tensor<S>, transposingA: Bool = false, transposingB: Bool = false
) -> Tensor<S> {
  precondition(b.rank == 2, "matmul: the right operand must have rank 2, got shape \(b.shape)")
  if a.rank > 2 && !transposingA {
    let lead = Array(a.shape.dropLast())
    let flat = matmul(a.reshaped(to: [-1, a.shape[a.rank - 1]]), b, transposingB: transposingB)
    return flat.reshaped(to: lead + [flat.shape[1]])
  }
  precondition(a.rank == 2, "matmul: the left operand must have rank 2, got shape \(a.shape)")
  let m = transposingA ? a.shape[1] : a.shape[0]
  let k = transposingA ? a.shape[0] : a.shape[1]
  let kb = transposingB ? b.shape[1] : b.shape[0]
  let n = transposingB ? b.shape[0] : b.shape[1]
  precondition(
    k == kb,
    "matmul: shapes \(a.shape)\(transposingA ? "ᵀ" : "") and \(b.shape)\(transposingB ? "ᵀ" : "") do not chain (\(k) vs \(kb))")
  let values: [S] = a.scalars.withUnsafeBufferPointer { pa in
    b.scalars.withUnsafeBufferPointer { pb in
      if k == 0 { return filledScalars(m * n, 0) }
      return makeScalars(m * n) { c in
        S._gemm(
          transposeA: transposingA, transposeB: transposingB, m: m, n: n, k: k,
          pa.baseAddress!, lda: a.shape[1], pb.baseAddress!, ldb: b.shape[1], c, ldc: n)
      }
    }
  }
  let tA = transposingA, tB = transposingB
  return makeResult("matmul", shape: [m, n], scalars: values, inputs: [a, b]) { g, inputs, _, needs in
    let a = inputs[0], b = inputs[1]
    var da: Tensor<S>? = nil, db: Tensor<S>? = nil
    switch (tA, tB) {
    case (false, false):  // C = AB
      if needs[0] { da = matmul(g, b, transposingB: true) }
      if needs[1] { db = matmul(a, g, transposingA: true) }
    case (false, true):  // C = ABᵀ
      if needs[0] { da = matmul(g, b) }
      if needs[1] { db = matmul(g, a, transposingA: true) }
    case (true, false):  // C = AᵀB
      if needs[0] { da = matmul(b, g, transposingB: true) }
      if needs[1] { db = matmul(a, g) }
    case (true, true):  // C = AᵀBᵀ
      if needs[0] { da = matmul(b, g, transposingA: true, transposingB: true) }
      if needs[1] { db = matmul(g, a, transposingA: true, transposingB: true) }
    }
    return [da, db]
  }
}
