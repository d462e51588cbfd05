import ArgumentParser

extension MLFF {
  struct Model: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "model", abstract: "Create and inspect student model files.",
      subcommands: [ModelNew.self, ModelInfo.self])
  }
}

/// A run-time failure of a model command, said in words a user can act on.
struct ModelCommandFailure: Error, CustomStringConvertible {
  var description: String
  init(_ description: String) { self.description = description }
}
