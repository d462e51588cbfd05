/// Why training cannot start or go on, said so that a user can act on it.
public struct TrainingError: Error, CustomStringConvertible, Sendable, Equatable {
  public var description: String
  public init(_ description: String) { self.description = description }
}
