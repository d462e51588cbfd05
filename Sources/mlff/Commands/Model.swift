import ArgumentParser

extension MLFF {
  struct Model: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "model", abstract: "Create and inspect student model files.",
      subcommands: [ModelNew.self, ModelInfo.self])
  }
}
