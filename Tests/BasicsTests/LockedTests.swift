import Dispatch
import Foundation
import Testing
import Basics

@Suite("Locked and UncheckedSendable")
struct LockedTests {
  @Test("increments from many threads through withLock all arrive")
  func noLostUpdates() {
    let counter = Locked(0)
    let perThread = 20_000
    DispatchQueue.concurrentPerform(iterations: 8) { _ in
      for _ in 0..<perThread { counter.withLock { $0 += 1 } }
    }
    #expect(counter.withLock { $0 } == 8 * perThread)
  }

  @Test("withLock returns the body's result and rethrows its error, releasing the lock")
  func resultAndErrors() {
    struct Planted: Error {}
    let box = Locked([1, 2, 3])
    #expect(box.withLock { $0.reduce(0, +) } == 6)
    #expect(throws: Planted.self) { try box.withLock { _ in throw Planted() } }
    // The lock was released by the throw: this would deadlock otherwise.
    box.withLock { $0.append(4) }
    #expect(box.withLock { $0 } == [1, 2, 3, 4])
  }

  @Test("a Void lock serialises a read-modify-write that is not atomic by itself")
  func voidLockSerialises() {
    let serial = Locked()
    let storage = UncheckedSendable(UnsafeMutablePointer<Int>.allocate(capacity: 1))
    storage.value.initialize(to: 0)
    defer { storage.value.deallocate() }
    // Invariant: the pointee is touched only inside `serial.withLock`.
    DispatchQueue.concurrentPerform(iterations: 8) { _ in
      for _ in 0..<10_000 {
        serial.withLock { _ in
          let read = storage.value.pointee
          storage.value.pointee = read + 1
        }
      }
    }
    #expect(storage.value.pointee == 80_000)
  }

  @Test("UncheckedSendable hands a buffer to threads that write disjoint chunks")
  func disjointChunks() {
    let count = 100_000
    let buffer = UnsafeMutableBufferPointer<Int>.allocate(capacity: count)
    defer { buffer.deallocate() }
    let shared = UncheckedSendable(buffer)
    // Invariant: chunk c writes only indices c·per ..< (c+1)·per.
    let chunks = 8, per = count / chunks
    DispatchQueue.concurrentPerform(iterations: chunks) { c in
      for i in (c * per)..<((c + 1) * per) { shared.value[i] = 2 * i }
    }
    #expect(buffer.enumerated().allSatisfy { $0.element == 2 * $0.offset })
  }
}
