import ArgumentParser

extension MLFF {
  struct MD: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "md", abstract: "Molecular dynamics with a student, an analytic potential or a teacher.")

    func run() throws {
      throw ValidationError("'mlff md' is not available in this build yet")
    }
  }
}
