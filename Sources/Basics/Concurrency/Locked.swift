import Foundation

/// A value behind a lock: every read and write of it goes through `withLock`, so threads that
/// share the box never race on the value.
///
///     let results = Locked([Int: Double]())
///     DispatchQueue.concurrentPerform(iterations: n) { k in
///       let value = work(k)
///       results.withLock { $0[k] = value }
///     }
///
/// The lock is an `NSLock`: not recursive (calling `withLock` on the same box from inside its
/// own body deadlocks) and not fair. Keep the body short, since it blocks every other thread
/// that wants the value. (The standard library's `Mutex` does the same job but needs macOS 15.)
public final class Locked<Value> {
  private var value: Value
  private let lock = NSLock()

  /// - Parameter value: the initial value.
  public init(_ value: Value) { self.value = value }

  /// Runs `body` with exclusive access to the value and returns what it returns.
  /// - Parameter body: reads or changes the value; must not call `withLock` on this box.
  public func withLock<Result>(_ body: (inout Value) throws -> Result) rethrows -> Result {
    lock.lock()
    defer { lock.unlock() }
    return try body(&value)
  }
}

extension Locked where Value == Void {
  /// A plain lock with nothing behind it, for serialising a piece of work
  /// (`serial.withLock { _ in … }`).
  public convenience init() { self.init(()) }
}

/// Sendable because the value is only reachable through `withLock`, under the lock; limited to
/// Sendable values so that what the body hands out may cross threads too.
extension Locked: @unchecked Sendable where Value: Sendable {}
