/// A fixed-size, zero-initialised block of scalars freed when the last reference goes.
/// Used by the hand-derived network kernels to avoid array bounds checks in inner loops.
final class ScratchBuffer<T: PaiNNScalar> {
  let count: Int
  let pointer: UnsafeMutablePointer<T>

  init(_ count: Int) {
    self.count = count
    pointer = .allocate(capacity: max(count, 1))
    pointer.initialize(repeating: 0, count: max(count, 1))
  }

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
}
