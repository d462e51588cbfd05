/// A value handed to other threads where the compiler cannot see that there is no data race,
/// and the code that makes the box can: typically a closure passed to
/// `DispatchQueue.concurrentPerform` whose iterations write disjoint parts of a buffer, or touch
/// shared state only through a `Locked`.
///
/// Every use states its invariant in a comment where the box is made. Prefer `Locked` or a
/// `Sendable` type whenever one will do; this is the escape hatch, kept in one place.
public struct UncheckedSendable<Value>: @unchecked Sendable {
  /// The wrapped value.
  public let value: Value

  /// - Parameter value: a value the caller guarantees is used without data races.
  public init(_ value: Value) { self.value = value }
}
