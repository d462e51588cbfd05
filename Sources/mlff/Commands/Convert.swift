import ArgumentParser

extension MLFF {
  struct Convert: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "convert", abstract: "Convert between extxyz, XYZ and HDF5 (formats from the file extensions).")

    func run() throws {
      throw ValidationError("'mlff convert' is not available in this build yet")
    }
  }
}
