import ArgumentParser

extension MLFF {
  struct Info: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "info", abstract: "Frames, atoms, elements, cells, labels and neighbour counts of a structure file.")

    func run() throws {
      throw ValidationError("'mlff info' is not available in this build yet")
    }
  }
}
