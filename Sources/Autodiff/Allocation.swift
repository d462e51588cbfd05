#if canImport(CBLAS)
import CBLAS
#endif

/// Storage for tensor values.
///
/// Training allocates and frees many arrays of the same large sizes on every step. glibc
/// serves blocks above its mmap threshold with fresh mappings, so every op would pay page
/// faults on memory it just gave back. The first allocation raises the threshold (to 32 MiB,
/// glibc's maximum) and the trim threshold, so that freed blocks are reused from the heap.
/// Peak memory is unchanged; memory is handed back to the system less eagerly.
let allocatorTuned: Bool = {
  #if canImport(CBLAS)
  mlff_tune_allocator()
  #endif
  return true
}()

/// A new array of `count` scalars filled by `fill` (no zeroing first).
@inline(__always)
func makeScalars<S: TensorScalar>(_ count: Int, _ fill: (UnsafeMutablePointer<S>) -> Void) -> [S] {
  _ = allocatorTuned
  return [S](unsafeUninitializedCapacity: count) { buffer, initialized in
    if count > 0 { fill(buffer.baseAddress!) }
    initialized = count
  }
}

/// A new array of `count` copies of `value`, filled without per-element generic overhead.
@inline(__always)
func filledScalars<S: TensorScalar>(_ count: Int, _ value: S) -> [S] {
  makeScalars(count) { y in
    if value == 0 {
      UnsafeMutableRawPointer(y).initializeMemory(as: UInt8.self, repeating: 0, count: count * MemoryLayout<S>.stride)
    } else {
      S._fill(value, y, count)
    }
  }
}

/// Copies `count` scalars from `source` to `destination` (non-overlapping) as one memcpy.
/// `update(from:count:)` on a generic pointer copies element by element through the type's
/// value witness when the caller is not specialised, which the profile of a training step
/// showed as a few percent of its time.
@inline(__always)
func copyScalars<S: TensorScalar>(_ source: UnsafePointer<S>, to destination: UnsafeMutablePointer<S>, _ count: Int) {
  UnsafeMutableRawPointer(destination).copyMemory(from: source, byteCount: count * MemoryLayout<S>.stride)
}
