import ArgumentParser

extension MLFF {
  struct Sample: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "sample", abstract: "Make candidate structures from seeds: rattle, strain, rotate, supercells, MD snapshots.")

    func run() throws {
      throw ValidationError("'mlff sample' is not available in this build yet")
    }
  }
}
