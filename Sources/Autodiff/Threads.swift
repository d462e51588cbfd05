import Basics
import Foundation

#if canImport(Accelerate)
import Accelerate
#else
import CBLAS
#endif

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
