import ArgumentParser

extension MLFF {
  struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "bench",
      abstract: "Benchmarks that print figures side by side with a peer library, as ratios.",
      subcommands: [Neighbors.self, TensorEngine.self, PaiNNInference.self, MolecularDynamics.self, Label.self])
  }
}
