import RealModule

#if canImport(Accelerate)
import Accelerate
#else
import CBLAS
#endif

/// A scalar type a `Tensor` can hold: `Float` (training, inference) or `Double` (gradient
/// checks, high-accuracy evaluation).
///
/// The underscored requirements are the engine's inner loops. Each conforming type forwards
/// them to one generic implementation, so that the loops are compiled (and vectorised) for
/// the concrete type while the tensor code above them stays generic.
public protocol TensorScalar: BinaryFloatingPoint, Real, SIMDScalar, Codable, Sendable {
  /// `y[i] = op(x[i])` for `i` in `0..<count`.
  static func _unary(
    _ op: UnaryKernel<Self>, _ x: UnsafePointer<Self>, _ y: UnsafeMutablePointer<Self>,
    _ count: Int)
  /// `y[i] = a[i·aStride] op b[i·bStride]`, strides 0 (a broadcast scalar) or 1.
  static func _binary(
    _ op: BinaryKernel, _ a: UnsafePointer<Self>, _ aStride: Int, _ b: UnsafePointer<Self>,
    _ bStride: Int, _ y: UnsafeMutablePointer<Self>, _ count: Int)
  /// `y[i] += x[i]`.
  static func _accumulate(_ x: UnsafePointer<Self>, into y: UnsafeMutablePointer<Self>, _ count: Int)
  /// `y[i] = value` for `i` in `0..<count` (y uninitialised or not).
  static func _fill(_ value: Self, _ y: UnsafeMutablePointer<Self>, _ count: Int)
  /// `Σ x[i]`.
  static func _sum(_ x: UnsafePointer<Self>, _ count: Int) -> Self
  /// The edge loop of `edgeProduct` (`EdgeProductPlan` says what it reads and writes).
  static func _edgeProduct(
    _ plan: EdgeProductPlan, _ factors: UnsafePointer<UnsafePointer<Self>>, centers: UnsafePointer<Int32>,
    neighbors: UnsafePointer<Int32>, into out: UnsafeMutablePointer<Self>)
  /// Row-major `C = op(A)·op(B) + β·C` (BLAS gemm with α = 1); with β = 0, C need not be
  /// initialised.
  static func _gemm(
    transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int,
    _ a: UnsafePointer<Self>, lda: Int, _ b: UnsafePointer<Self>, ldb: Int,
    beta: Self, _ c: UnsafeMutablePointer<Self>, ldc: Int)
}

extension TensorScalar {
  /// Row-major `C = op(A)·op(B)` (BLAS gemm with α = 1, β = 0).
  @inline(__always)
  public static func _gemm(
    transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int,
    _ a: UnsafePointer<Self>, lda: Int, _ b: UnsafePointer<Self>, ldb: Int,
    _ c: UnsafeMutablePointer<Self>, ldc: Int
  ) {
    _gemm(transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, a, lda: lda, b, ldb: ldb, beta: 0, c, ldc: ldc)
  }
}

/// An elementwise function of one tensor, with its constant parameter where it has one.
public enum UnaryKernel<Scalar: TensorScalar>: Sendable {
  case negate, exp, log, sin, cos, sqrt, tanh, sigmoid, square
  /// x·σ(x)
  case silu
  /// d/dx silu = σ(1 + x(1 − σ))
  case siluDerivative
  /// d²/dx² silu = σ(1 − σ)(2 + x(1 − 2σ))
  case siluSecondDerivative
  /// x^p
  case power(Scalar)
  /// s·x
  case scale(Scalar)
  /// x + s
  case shift(Scalar)
}

/// An elementwise arithmetic operation of two tensors.
public enum BinaryKernel: Sendable {
  case add, subtract, multiply, divide
}

extension Float: TensorScalar {
  public static func _unary(
    _ op: UnaryKernel<Float>, _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>,
    _ count: Int
  ) {
    #if canImport(CBLAS)
    if hasAVX2, let code = vectorKernelCode(op) {
      if hasAVX512 {
        mlff_unary_avx512(code, x, y, count)
      } else {
        mlff_unary_avx2(code, x, y, count)
      }
      return
    }
    #endif
    unaryLoop(op, x, y, count)
  }
  public static func _binary(
    _ op: BinaryKernel, _ a: UnsafePointer<Float>, _ aStride: Int, _ b: UnsafePointer<Float>,
    _ bStride: Int, _ y: UnsafeMutablePointer<Float>, _ count: Int
  ) {
    #if canImport(CBLAS)
    if hasAVX2 {
      let code: Int32
      switch op {
      case .add: code = 0
      case .subtract: code = 1
      case .multiply: code = 2
      case .divide: code = 3
      }
      mlff_binary_avx2(code, a, aStride, b, bStride, y, count)
      return
    }
    #endif
    binaryLoop(op, a, aStride, b, bStride, y, count)
  }
  public static func _accumulate(
    _ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>, _ count: Int
  ) {
    #if canImport(CBLAS)
    if hasAVX2 {
      mlff_accumulate_avx2(x, y, count)
      return
    }
    #endif
    accumulateLoop(x, y, count)
  }
  public static func _sum(_ x: UnsafePointer<Float>, _ count: Int) -> Float { sumLoop(x, count) }
  public static func _edgeProduct(
    _ plan: EdgeProductPlan, _ factors: UnsafePointer<UnsafePointer<Float>>, centers: UnsafePointer<Int32>,
    neighbors: UnsafePointer<Int32>, into out: UnsafeMutablePointer<Float>
  ) { edgeProductLoop(plan, factors, centers, neighbors, out) }
  public static func _fill(_ value: Float, _ y: UnsafeMutablePointer<Float>, _ count: Int) {
    y.initialize(repeating: value, count: count)
  }
  public static func _gemm(
    transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int,
    _ a: UnsafePointer<Float>, lda: Int, _ b: UnsafePointer<Float>, ldb: Int,
    beta: Float, _ c: UnsafeMutablePointer<Float>, ldc: Int
  ) {
    #if canImport(CBLAS)
    if !transposeA, !transposeB, SmallProducts.takes(m: m, n: n, k: k) {
      SmallProducts.run(width: SmallProducts.width, m: m, n: n, k: k, a, lda: lda, b, ldb: ldb, beta: beta, c, ldc: ldc)
      return
    }
    #endif
    cblas_sgemm(
      CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
      blasInt(m), blasInt(n), blasInt(k), 1, a, blasInt(lda), b, blasInt(ldb), beta, c, blasInt(ldc))
  }
}

extension Double: TensorScalar {
  public static func _unary(
    _ op: UnaryKernel<Double>, _ x: UnsafePointer<Double>, _ y: UnsafeMutablePointer<Double>,
    _ count: Int
  ) { unaryLoop(op, x, y, count) }
  public static func _binary(
    _ op: BinaryKernel, _ a: UnsafePointer<Double>, _ aStride: Int, _ b: UnsafePointer<Double>,
    _ bStride: Int, _ y: UnsafeMutablePointer<Double>, _ count: Int
  ) { binaryLoop(op, a, aStride, b, bStride, y, count) }
  public static func _accumulate(
    _ x: UnsafePointer<Double>, into y: UnsafeMutablePointer<Double>, _ count: Int
  ) { accumulateLoop(x, y, count) }
  public static func _sum(_ x: UnsafePointer<Double>, _ count: Int) -> Double { sumLoop(x, count) }
  public static func _edgeProduct(
    _ plan: EdgeProductPlan, _ factors: UnsafePointer<UnsafePointer<Double>>, centers: UnsafePointer<Int32>,
    neighbors: UnsafePointer<Int32>, into out: UnsafeMutablePointer<Double>
  ) { edgeProductLoop(plan, factors, centers, neighbors, out) }
  public static func _fill(_ value: Double, _ y: UnsafeMutablePointer<Double>, _ count: Int) {
    y.initialize(repeating: value, count: count)
  }
  public static func _gemm(
    transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int,
    _ a: UnsafePointer<Double>, lda: Int, _ b: UnsafePointer<Double>, ldb: Int,
    beta: Double, _ c: UnsafeMutablePointer<Double>, ldc: Int
  ) {
    cblas_dgemm(
      CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
      blasInt(m), blasInt(n), blasInt(k), 1, a, blasInt(lda), b, blasInt(ldb), beta, c, blasInt(ldc))
  }
}

#if canImport(CBLAS)
/// Whether the processor runs the AVX2 + FMA Float kernels of vector_kernels.h.
let hasAVX2 = mlff_has_avx2_fma() != 0
/// Whether the processor runs the AVX-512 Float kernels of vector_kernels.h.
let hasAVX512 = mlff_has_avx512() != 0

/// The vector_kernels.h code of a unary op it implements, nil otherwise.
@inline(__always)
func vectorKernelCode(_ op: UnaryKernel<Float>) -> Int32? {
  switch op {
  case .exp: Int32(MLFF_EXP)
  case .sigmoid: Int32(MLFF_SIGMOID)
  case .silu: Int32(MLFF_SILU)
  case .siluDerivative: Int32(MLFF_SILU_D1)
  case .siluSecondDerivative: Int32(MLFF_SILU_D2)
  case .tanh: Int32(MLFF_TANH)
  default: nil
  }
}
#endif

#if canImport(Accelerate)
@inline(__always) func blasInt(_ n: Int) -> Int32 { Int32(n) }
#else
@inline(__always) func blasInt(_ n: Int) -> blasint { blasint(n) }
#endif
