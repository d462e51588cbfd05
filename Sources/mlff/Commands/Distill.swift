import ArgumentParser

extension MLFF {
  struct Distill: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "distill", abstract: "Run the whole chain: sample, label, train, evaluate, validate with MD, measure speed, report.")

    func run() throws {
      throw ValidationError("'mlff distill' is not available in this build yet")
    }
  }
}
