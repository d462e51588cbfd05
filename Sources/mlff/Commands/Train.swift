import ArgumentParser

extension MLFF {
  struct Train: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "train", abstract: "Train a PaiNN student on teacher labels.")

    func run() throws {
      throw ValidationError("'mlff train' is not available in this build yet")
    }
  }
}
