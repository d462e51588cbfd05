import ArgumentParser

extension MLFF {
  struct Predict: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "predict", abstract: "Energy, forces and stress of every frame of a file, written as extxyz.")

    func run() throws {
      throw ValidationError("'mlff predict' is not available in this build yet")
    }
  }
}
