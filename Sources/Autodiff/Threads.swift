import Basics
import Foundation

#if canImport(Accelerate)
import Accelerate
#else
import CBLAS
#endif

/// Which Float products `_gemm` gives to the few-row kernel of gemm_kernels.h instead of BLAS.
///
/// The per-atom layers of small structures are products of a few rows (9 for ethanol, 32 for
/// a chunk of atoms, 3 rows per atom in the mixing block) by a weight matrix of 64 to 384
/// columns. With 64-byte-aligned operands (as the fused network's buffers are) the kernel
/// ran at 1.0–1.3× OpenBLAS 0.3.21's rate on 9 rows, 1.2–1.7× on 32 and 96, and 0.85–0.9× on
/// 22–27 rows in cache (docs/benchmarks.md, "Buffers on cache lines"); on unaligned operands
/// 1.3–2× throughout. Single rows, transposed operands, inner dimensions below 64 (the
/// filter tiles: K = n_rbf + 1), narrow outputs (g_φ: n_rbf columns) and widths that are not
/// a multiple of the vector stay with BLAS, which is faster there.
public enum SmallProducts {
  nonisolated(unsafe) private static var _enabled = ProcessInfo.processInfo.environment["MLFF_SMALL_PRODUCTS"] != "0"

  /// Whether the few-row kernel is used where it applies (default true; false, or
  /// `MLFF_SMALL_PRODUCTS=0` in the environment: BLAS for every product, to compare the two).
  /// Set before products are computed.
  public static var enabled: Bool {
    get { _enabled }
    set { _enabled = newValue }
  }

  /// Whether this processor has the kernel (AVX2 + FMA, or AVX-512).
  public static var available: Bool {
    #if canImport(CBLAS)
    return hasAVX2
    #else
    return false
    #endif
  }

  /// The vector width `_gemm` uses: 16 with AVX-512, else 8.
  static var width: Int {
    #if canImport(CBLAS)
    return hasAVX512 ? 16 : 8
    #else
    return 8
    #endif
  }

  /// The rows of C the kernel takes: 2 to 96 with AVX-512, 2 to 32 with AVX2 (beyond, BLAS
  /// was as fast).
  public static var rows: ClosedRange<Int> { width == 16 ? 2...96 : 2...32 }

  /// The fewest columns of C, and the fewest inner dimension, the kernel takes.
  public static let minimumColumns = 64, minimumInner = 64

  /// The kernel's vector widths on this processor: 8 (AVX2) and, with AVX-512, 16.
  static var widths: [Int] { available ? (width == 16 ? [8, 16] : [8]) : [] }

  /// Whether a product C[m, n] = A[m, k]·B[k, n] (neither transposed) goes to the kernel.
  @inline(__always)
  static func takes(m: Int, n: Int, k: Int) -> Bool {
    _enabled && available && rows.contains(m) && n >= minimumColumns && k >= minimumInner && n % width == 0
  }

  /// C = A·B + β·C by the kernel of `width` lanes (8 or 16, which the processor must have; n
  /// a multiple of it).
  @inline(__always)
  static func run(
    width: Int, m: Int, n: Int, k: Int, _ a: UnsafePointer<Float>, lda: Int, _ b: UnsafePointer<Float>, ldb: Int,
    beta: Float, _ c: UnsafeMutablePointer<Float>, ldc: Int
  ) {
    #if canImport(CBLAS)
    if width == 16 {
      mlff_sgemm_small_avx512(m, n, k, a, lda, b, ldb, beta, c, ldc)
    } else {
      mlff_sgemm_small_avx2(m, n, k, a, lda, b, ldb, beta, c, ldc)
    }
    #endif
  }

  /// `run` with its preconditions checked, on any m ≥ 0, whatever `takes` would say: what the
  /// tests hold against a reference.
  static func multiply(
    width: Int, m: Int, n: Int, k: Int, _ a: UnsafePointer<Float>, lda: Int, _ b: UnsafePointer<Float>, ldb: Int,
    beta: Float, _ c: UnsafeMutablePointer<Float>, ldc: Int
  ) {
    precondition(widths.contains(width) && n % width == 0, "no \(width)-lane kernel for n = \(n) here")
    run(width: width, m: m, n: n, k: k, a, lda: lda, b, ldb: ldb, beta: beta, c, ldc: ldc)
  }
}

/// Thread settings of the tensor engine.
public enum TensorThreads {
  nonisolated(unsafe) private static var _elementwise = ProcessInfo.processInfo.activeProcessorCount

  /// How many threads large elementwise ops are spread over (default: the active
  /// processor count). Set once at start-up, before tensors are computed.
  public static var elementwiseThreads: Int {
    get { _elementwise }
    set { _elementwise = max(1, newValue) }
  }

  /// Makes the allocator keep large freed blocks for reuse instead of returning them to the
  /// system (see Allocation.swift): a loop that frees and allocates the same large arrays
  /// every step then takes no page faults.
  public static func keepFreedMemory() { _ = allocatorTuned }

  /// Sets the number of threads BLAS (OpenBLAS on Linux) uses for matrix products.
  public static func setBLASThreads(_ count: Int) {
    #if !canImport(Accelerate)
    openblas_set_num_threads(Int32(max(1, count)))
    #endif
  }

  /// The BLAS library and the processor kernels it chose, e.g. "OpenBLAS 0.3.21 … (Haswell)".
  ///
  /// OpenBLAS picks its kernels when the process starts; a processor it does not know
  /// gets older kernels. `OPENBLAS_CORETYPE=SkylakeX` in the environment (set before the
  /// process starts) selects the AVX-512 kernels on processors that have AVX-512.
  public static var blasDescription: String {
    #if canImport(Accelerate)
    return "Accelerate"
    #else
    let config = openblas_get_config().map { String(cString: $0) } ?? "OpenBLAS"
    return "\(config) (kernels: \(blasCoreName))"
    #endif
  }

  /// The name of the processor kernels OpenBLAS chose ("Haswell", "SkylakeX", "Prescott", …);
  /// "Accelerate" on Apple platforms.
  public static var blasCoreName: String {
    #if canImport(Accelerate)
    return "Accelerate"
    #else
    return openblas_get_corename().map { String(cString: $0) } ?? "unknown"
    #endif
  }

  // Invariant: `_singleThreadedCallers` and `_savedBLASThreads` are only touched under the lock.
  private static let _blasLock = NSLock()
  nonisolated(unsafe) private static var _singleThreadedCallers = 0
  nonisolated(unsafe) private static var _savedBLASThreads = 1

  /// Runs `body` with BLAS on one thread, for callers that spread their own work over threads.
  ///
  /// BLAS's thread count is one process-wide setting, so concurrent callers share it: the
  /// first caller in saves it and sets 1, the last one out puts it back. A caller that saved
  /// and restored on its own would switch BLAS back to several threads while another was
  /// still inside, and the two would then see different kernels (and different roundoff).
  public static func withSingleThreadedBLAS<R>(_ body: () throws -> R) rethrows -> R {
    _blasLock.lock()
    if _singleThreadedCallers == 0 {
      _savedBLASThreads = blasThreads
      if _savedBLASThreads != 1 { setBLASThreads(1) }
    }
    _singleThreadedCallers += 1
    _blasLock.unlock()
    defer {
      _blasLock.lock()
      _singleThreadedCallers -= 1
      if _singleThreadedCallers == 0, _savedBLASThreads != 1 { setBLASThreads(_savedBLASThreads) }
      _blasLock.unlock()
    }
    return try body()
  }

  /// The number of threads BLAS uses for matrix products (1 where it cannot be queried).
  public static var blasThreads: Int {
    #if canImport(Accelerate)
    return 1
    #else
    return Int(openblas_get_num_threads())
    #endif
  }
}

/// Elementwise work of `count` items below which one thread is used.
let parallelThreshold = 1 << 15

/// Runs `body` over `0..<count` split in contiguous chunks, on several threads when `count`
/// is large. `body` receives each chunk's range.
@inline(__always)
func parallelChunks(_ count: Int, minimum: Int = parallelThreshold, _ body: (Range<Int>) -> Void) {
  let threads = TensorThreads.elementwiseThreads
  if count < minimum || threads < 2 {
    body(0..<count)
    return
  }
  let chunks = min(threads, (count + minimum / 2 - 1) / (minimum / 2))
  let per = (count + chunks - 1) / chunks
  withoutActuallyEscaping(body) { body in
    // Invariant: the chunks write disjoint ranges; the caller guarantees that.
    let shared = UncheckedSendable(body)
    DispatchQueue.concurrentPerform(iterations: chunks) { c in
      let lo = c * per
      let hi = min(count, lo + per)
      if lo < hi { shared.value(lo..<hi) }
    }
  }
}

/// Runs `body(chunk, worker)` for every chunk in `0..<chunks` on up to `threads` threads, each
/// chunk exactly once; `worker` (in `0..<min(threads, chunks)`) names the thread, so that a
/// caller can give each thread its own scratch. Threads take the next chunk as they finish
/// one (a machine shared with other work keeps both cores busy) and sleep in libdispatch when
/// idle; with one thread or one chunk everything runs on the calling thread.
///
/// Results do not depend on `threads` as long as each chunk's work is fixed by the chunk alone
/// (what it reads and writes, and in what order): the fused PaiNN kernels cut their work into
/// chunks of a fixed number of atoms, which is what makes them give the same numbers, bit for
/// bit, on any number of threads.
public func parallelChunks(count chunks: Int, threads: Int, _ body: (_ chunk: Int, _ worker: Int) -> Void) {
  let workers = min(max(1, threads), chunks)
  if workers <= 1 {
    for c in 0..<chunks { body(c, 0) }
    return
  }
  let next = Locked(0)
  withoutActuallyEscaping(body) { body in
    // Invariant: the caller's chunks write disjoint memory (and each worker its own scratch).
    let shared = UncheckedSendable(body)
    DispatchQueue.concurrentPerform(iterations: workers) { worker in
      while true {
        let c = next.withLock { value -> Int in
          defer { value += 1 }
          return value
        }
        if c >= chunks { break }
        shared.value(c, worker)
      }
    }
  }
}
