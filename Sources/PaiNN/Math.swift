import Foundation

#if canImport(CBLAS)
import CBLAS
#endif

/// The floating-point types a PaiNN network evaluates in: Float (default) and Double.
///
/// Supplies the elementary functions and the row-major matrix product the network needs.
public protocol PaiNNScalar: BinaryFloatingPoint, Sendable {
  /// sin x.
  static func sine(_ x: Self) -> Self
  /// cos x.
  static func cosine(_ x: Self) -> Self
  /// eˣ.
  static func exponential(_ x: Self) -> Self
  /// Row-major `C = A·op(B) + β·C` with A [m, k] and op(B) [k, n]; B is stored [n, k] when
  /// `transposeB` (a `Linear` weight [out, in]) and [k, n] otherwise.
  static func matmul(
    _ a: UnsafePointer<Self>, _ b: UnsafePointer<Self>, _ c: UnsafeMutablePointer<Self>,
    m: Int, n: Int, k: Int, transposeB: Bool, beta: Self)
}

extension Float: PaiNNScalar {
  @inline(__always) public static func sine(_ x: Float) -> Float { Foundation.sinf(x) }
  @inline(__always) public static func cosine(_ x: Float) -> Float { Foundation.cosf(x) }
  @inline(__always) public static func exponential(_ x: Float) -> Float { Foundation.expf(x) }
  public static func matmul(
    _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ c: UnsafeMutablePointer<Float>,
    m: Int, n: Int, k: Int, transposeB: Bool, beta: Float
  ) {
    guard m > 0, n > 0 else { return }
    #if canImport(CBLAS)
    cblas_sgemm(
      CblasRowMajor, CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans, Int32(m), Int32(n), Int32(k),
      1, a, Int32(k), b, transposeB ? Int32(k) : Int32(n), beta, c, Int32(n))
    #else
    naiveMatmul(a, b, c, m: m, n: n, k: k, transposeB: transposeB, beta: beta)
    #endif
  }
}

extension Double: PaiNNScalar {
  @inline(__always) public static func sine(_ x: Double) -> Double { Foundation.sin(x) }
  @inline(__always) public static func cosine(_ x: Double) -> Double { Foundation.cos(x) }
  @inline(__always) public static func exponential(_ x: Double) -> Double { Foundation.exp(x) }
  public static func matmul(
    _ a: UnsafePointer<Double>, _ b: UnsafePointer<Double>, _ c: UnsafeMutablePointer<Double>,
    m: Int, n: Int, k: Int, transposeB: Bool, beta: Double
  ) {
    guard m > 0, n > 0 else { return }
    #if canImport(CBLAS)
    cblas_dgemm(
      CblasRowMajor, CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans, Int32(m), Int32(n), Int32(k),
      1, a, Int32(k), b, transposeB ? Int32(k) : Int32(n), beta, c, Int32(n))
    #else
    naiveMatmul(a, b, c, m: m, n: n, k: k, transposeB: transposeB, beta: beta)
    #endif
  }
}

/// Reference triple loop for `PaiNNScalar.matmul` (platforms without CBLAS).
func naiveMatmul<T: BinaryFloatingPoint>(
  _ a: UnsafePointer<T>, _ b: UnsafePointer<T>, _ c: UnsafeMutablePointer<T>,
  m: Int, n: Int, k: Int, transposeB: Bool, beta: T
) {
  for i in 0..<m {
    for j in 0..<n {
      var s: T = 0
      for p in 0..<k { s += a[i * k + p] * (transposeB ? b[j * k + p] : b[p * n + j]) }
      c[i * n + j] = s + (beta == 0 ? 0 : beta * c[i * n + j])
    }
  }
}

/// SiLU (swish): `x·σ(x)` with σ(x) = 1/(1 + e⁻ˣ).
@inline(__always) func silu<T: PaiNNScalar>(_ x: T) -> T { x / (1 + T.exponential(-x)) }

/// d/dx SiLU = σ(x)·(1 + x·(1 − σ(x))).
@inline(__always) func siluDerivative<T: PaiNNScalar>(_ x: T) -> T {
  let s = 1 / (1 + T.exponential(-x))
  return s * (1 + x * (1 - s))
}
