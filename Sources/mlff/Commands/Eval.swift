import ArgumentParser

extension MLFF {
  struct Eval: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "eval", abstract: "Errors of a model against labelled structures, with parity plots.")

    func run() throws {
      throw ValidationError("'mlff eval' is not available in this build yet")
    }
  }
}
