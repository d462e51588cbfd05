import ArgumentParser

extension MLFF {
  struct Label: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "label", abstract: "Label structures with a teacher (energy, forces, stress) into an HDF5 dataset; resumable.")

    func run() throws {
      throw ValidationError("'mlff label' is not available in this build yet")
    }
  }
}
