import Autodiff

// The pieces every fused block is built from: read-only weights, scratch buffers, the dense
// layer and its input gradient on BLAS, and SiLU.

/// One weight tensor in the evaluation precision, row-major, never written after `init`:
/// that invariant is what makes sharing it between threads safe.
final class WeightBuffer<T: TensorScalar>: @unchecked Sendable {
  /// Number of scalars.
  let count: Int
  private let storage: UnsafeMutablePointer<T>
  /// The transpose of a matrix, [columns, rows], kept beside it (see `dense`).
  private let transposeStorage: UnsafeMutablePointer<T>?

  /// - Parameters:
  ///   - values: row-major, converted to `T`.
  ///   - shape: the tensor's shape; a matrix ([rows, columns]) keeps its transpose too.
  init(_ values: [Double], shape: [Int]? = nil) {
    count = values.count
    storage = allocateAligned(T.self, count)
    for k in 0..<count { (storage + k).initialize(to: T(values[k])) }
    if let shape, shape.count == 2, shape[0] * shape[1] == count {
      let t = allocateAligned(T.self, count)
      for r in 0..<shape[0] {
        for c in 0..<shape[1] { (t + c * shape[0] + r).initialize(to: storage[r * shape[1] + c]) }
      }
      transposeStorage = t
    } else {
      transposeStorage = nil
    }
  }

  deinit {
    storage.deallocate()
    transposeStorage?.deallocate()
  }

  /// The transpose, [columns, rows], when this buffer was made with a matrix's shape.
  var transposed: UnsafePointer<T>? { transposeStorage.map { UnsafePointer($0) } }

  /// The first scalar.
  var pointer: UnsafePointer<T> { UnsafePointer(storage) }

  @inline(__always) subscript(k: Int) -> T { storage[k] }
}

/// The alignment of every weight and scratch buffer: a cache line, and one AVX-512 vector.
///
/// With F a multiple of 16, every row of these buffers then starts on a cache line, and the
/// products and message loops never load a vector split across two lines. It matters: on a
/// 64-byte-aligned [9, 128] × [128, 384] product OpenBLAS ran at 2.4× the rate it reached on
/// the same product 16 bytes off (a C timing of `cblas_sgemm`, docs/benchmarks.md, "Buffers on
/// cache lines"); malloc aligns to 16.
let bufferAlignment = 64

/// Uninitialised memory for `count` (at least 1) values of `T` on a `bufferAlignment`
/// boundary; freed with `deallocate()`.
@inline(__always)
func allocateAligned<T>(_: T.Type, _ count: Int) -> UnsafeMutablePointer<T> {
  UnsafeMutableRawPointer.allocate(
    byteCount: max(count, 1) * MemoryLayout<T>.stride, alignment: max(bufferAlignment, MemoryLayout<T>.alignment)
  ).bindMemory(to: T.self, capacity: max(count, 1))
}

/// A zero-initialised block of scalars freed with its last reference; the per-evaluation
/// activations and gradients of the fused kernels (no bounds checks in inner loops).
final class ScratchBuffer<T: Numeric> {
  let count: Int
  let pointer: UnsafeMutablePointer<T>

  init(_ count: Int) {
    self.count = count
    pointer = allocateAligned(T.self, count)
    pointer.initialize(repeating: 0, count: max(count, 1))
  }

  /// A buffer holding `values`.
  convenience init(_ values: [T]) {
    self.init(values.count)
    for k in 0..<values.count { pointer[k] = values[k] }
  }

  deinit { pointer.deallocate() }

  @inline(__always) subscript(k: Int) -> T {
    get { pointer[k] }
    set { pointer[k] = newValue }
  }

  /// Sets every entry to zero.
  func zero() { pointer.update(repeating: 0, count: count) }

  /// A copy.
  func copy() -> ScratchBuffer<T> {
    let b = ScratchBuffer<T>(count)
    b.pointer.update(from: pointer, count: count)
    return b
  }

  /// The values, for tests and conversions.
  var array: [T] { Array(UnsafeBufferPointer(start: pointer, count: count)) }
}

/// `y[m, out] = x[m, in]·Wᵀ + b`: a `Linear` layer (W stored [out, in]) on m rows. The bias is
/// written first and the product added to it (β = 1), which spares BLAS its pass over C.
///
/// With the transpose of W at hand the product is x·(Wᵀ), both operands plain: OpenBLAS's
/// AVX-512 kernels then multiply small matrices in place, where for a transposed operand with
/// an output of more than 1,200 entries they first copy (pack) both, which took as long as the
/// product itself on the 32-row chunks of the fused network.
@inline(__always)
func dense<T: TensorScalar>(
  _ x: UnsafePointer<T>, rows m: Int, _ layer: Linear<WeightBuffer<T>>,
  into y: UnsafeMutablePointer<T>, outCount: Int, inCount: Int
) {
  guard m > 0 else { return }
  if let b = layer.bias {
    for r in 0..<m { (y + r * outCount).update(from: b.pointer, count: outCount) }
  }
  let beta: T = layer.bias == nil ? 0 : 1
  if let wt = layer.weight.transposed {
    T._gemm(
      transposeA: false, transposeB: false, m: m, n: outCount, k: inCount,
      x, lda: inCount, wt, ldb: outCount, beta: beta, y, ldc: outCount)
  } else {
    T._gemm(
      transposeA: false, transposeB: true, m: m, n: outCount, k: inCount,
      x, lda: inCount, layer.weight.pointer, ldb: inCount, beta: beta, y, ldc: outCount)
  }
}

/// `gx[m, in] (+)= gy[m, out]·W`: the input gradient of a `Linear` layer, added to `gx` when
/// `accumulate`, written over it otherwise.
@inline(__always)
func denseBackward<T: TensorScalar>(
  _ gy: UnsafePointer<T>, rows m: Int, _ layer: Linear<WeightBuffer<T>>,
  into gx: UnsafeMutablePointer<T>, outCount: Int, inCount: Int, accumulate: Bool
) {
  guard m > 0 else { return }
  T._gemm(
    transposeA: false, transposeB: false, m: m, n: inCount, k: outCount,
    gy, lda: outCount, layer.weight.pointer, ldb: inCount, beta: accumulate ? 1 : 0, gx, ldc: inCount)
}

/// SiLU (swish): `x·σ(x)` with σ(x) = 1/(1 + e⁻ˣ).
@inline(__always) func silu<T: TensorScalar>(_ x: T) -> T { x / (1 + T.exp(-x)) }

/// d/dx SiLU = σ(x)·(1 + x·(1 − σ(x))).
@inline(__always) func siluDerivative<T: TensorScalar>(_ x: T) -> T {
  let s = 1 / (1 + T.exp(-x))
  return s * (1 + x * (1 - s))
}
