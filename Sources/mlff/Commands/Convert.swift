import ArgumentParser
import Atomistic
import Datasets
import Foundation
import Reporting

/// A structure-file format, chosen from the file extension or named with `--format`.
enum StructureFileFormat: String, ExpressibleByArgument, CaseIterable {
  /// Extended XYZ (ASE's default for both `.extxyz` and `.xyz`).
  case extxyz
  /// Plain XYZ: count, comment, species x y z; no cell, labels or extra columns.
  case xyz
  /// HDF5 dataset (docs/dataset-format.md): atoms, cells, labels, splits; no info or extra arrays.
  case h5

  /// The format implied by a path's extension; nil when the extension is not known.
  /// `.xyz` is extended XYZ, as in ASE; ask for plain XYZ with `--format xyz`.
  static func fromExtension(of path: String) -> StructureFileFormat? {
    switch URL(fileURLWithPath: path).pathExtension.lowercased() {
    case "extxyz", "xyz": return .extxyz
    case "h5", "hdf5": return .h5
    default: return nil
    }
  }

  /// The format of `path`: `explicit` if given, else from the extension.
  /// - Throws: `ValidationError` telling the user to name the format.
  static func resolve(_ explicit: StructureFileFormat?, path: String, role: String, option: String) throws -> StructureFileFormat {
    if let explicit { return explicit }
    if let format = fromExtension(of: path) { return format }
    let known = "known extensions: .extxyz, .xyz, .h5, .hdf5"
    throw ValidationError("cannot tell the format of \(role) '\(path)' from its extension (\(known)); name it with \(option) \(allCases.map(\.rawValue).joined(separator: "|"))")
  }
}

/// Frames read one at a time from a structure file.
protocol StructureSource: AnyObject {
  /// The next structure, or nil at the end.
  func next() throws -> Structure?
  /// (bytes read, file size) for a progress line; nil when unknown.
  var byteProgress: (done: Int64, total: Int64)? { get }
}

/// Frames written one at a time; `finish()` puts the complete file in place.
protocol StructureSink: AnyObject {
  func write(_ structure: Structure) throws
  func finish() throws
}

extension ExtXYZReader: StructureSource {
  var byteProgress: (done: Int64, total: Int64)? { fileSize.map { (bytesRead, $0) } }
}

/// Writes extxyz/XYZ frames through an `AtomicFile`, moved into place by `finish()`, so a
/// half-converted file never carries the final name.
final class ExtXYZFileSink: StructureSink {
  private let file: AtomicFile
  private let writer: ExtXYZWriter

  init(url: URL, options: ExtXYZOptions) throws {
    file = try AtomicFile(destination: url)
    writer = try ExtXYZWriter(url: file.temporaryURL, options: options)
  }

  func write(_ structure: Structure) throws {
    do { try writer.write(structure) } catch var error as ExtXYZError {
      error.file = file.destination.path
      throw error
    }
  }

  func finish() throws {
    try writer.synchronize()
    try writer.close()
    do { try file.commit() } catch {
      throw ExtXYZError(.io, file: file.destination.path, message: "cannot move the finished file into place: \(error.reason)")
    }
  }
}

/// Opens `path` for reading in `format` (the one place that knows every readable format).
func openStructureSource(_ path: String, format: StructureFileFormat, options: ExtXYZOptions) throws -> any StructureSource {
  let url = URL(fileURLWithPath: path)
  switch format {
  case .extxyz, .xyz:
    return try ExtXYZReader(url: url, options: options)
  case .h5:
    return try DatasetFileReader(url: url)
  }
}

/// Opens `path` for writing in `format` (the one place that knows every writable format).
/// - Parameter splits: random train/validation/test splits stored in an `.h5` output (ignored by other formats).
func openStructureSink(_ path: String, format: StructureFileFormat, options: ExtXYZOptions,
                       splits: (fractions: SplitFractions, seed: UInt64)? = nil) throws -> any StructureSink {
  let url = URL(fileURLWithPath: path)
  switch format {
  case .extxyz:
    return try ExtXYZFileSink(url: url, options: options)
  case .xyz:
    var plain = options
    plain.format = .plain
    return try ExtXYZFileSink(url: url, options: plain)
  case .h5:
    return DatasetFileWriter(url: url, splitFractions: splits?.fractions, seed: splits?.seed ?? 0)
  }
}

extension DatasetFileReader: StructureSource {
  var byteProgress: (done: Int64, total: Int64)? { nil }
}

extension DatasetFileWriter: StructureSink {}

extension MLFF {
  struct Convert: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "convert", abstract: "Convert between extxyz, XYZ and HDF5 (formats from the file extensions).",
      usage: "mlff convert <input> <output> [<options>]\n       mlff convert <input> -o <output> [<options>]",
      discussion: """
        Streams frame by frame, so files larger than memory convert in constant memory. Both .extxyz and .xyz are read and written as extended XYZ (ASE's convention); write plain XYZ (species and positions only) with --format xyz. Labels are looked up under the given keys on input and written under the same keys on output. The output is given after the input or with -o.

        Example:
          mlff convert train.xyz -o train.h5 --split 0.8,0.1,0.1
          mlff convert train.xyz copy.extxyz --energy-key REF_energy \\
              --forces-key REF_forces
        """)

    @Argument(help: "Input structure file.")
    var input: String
    @Argument(help: ArgumentHelp("Output structure file (replaced when it exists); or give it with -o.", valueName: "output"))
    var outputArgument: String?
    @Option(name: [.short, .customLong("output")], help: "Output structure file (replaced when it exists).")
    var outputOption: String?
    @Option(help: "Output format (default: from the output's extension).")
    var format: StructureFileFormat?
    @Option(help: "Input format (default: from the input's extension).")
    var inputFormat: StructureFileFormat?
    @OptionGroup var keys: LabelKeyOptions
    @OptionGroup var progress: ProgressOptions
    @Option(help: ArgumentHelp("For an .h5 output: train,validation,test fractions of random splits stored in the file, e.g. 0.8,0.1,0.1.", valueName: "fractions"))
    var split: String?
    @Option(help: "For an .h5 output: seed of the random splits (same seed, same splits on every machine).")
    var seed: UInt64 = 0

    /// The output file, given after the input or with `-o`.
    var output: String { outputArgument ?? outputOption ?? "" }

    func validate() throws {
      switch (outputArgument, outputOption) {
      case (nil, nil): throw ValidationError("give the output file, after the input or with -o: mlff convert in.xyz -o out.h5")
      case (.some, .some): throw ValidationError("give the output file once, after the input or with -o")
      default: break
      }
      _ = try StructureFileFormat.resolve(inputFormat, path: input, role: "the input", option: "--input-format")
      _ = try StructureFileFormat.resolve(format, path: output, role: "the output", option: "--format")
      let a = URL(fileURLWithPath: input).standardizedFileURL.path
      let b = URL(fileURLWithPath: output).standardizedFileURL.path
      if a == b { throw ValidationError("the output '\(output)' is the input file; give a different output path") }
      if let split {
        do { _ = try SplitFractions(parsing: split) } catch { throw ValidationError("--split: \(error)") }
        if try StructureFileFormat.resolve(format, path: output, role: "the output", option: "--format") != .h5 {
          throw ValidationError("--split is stored only in an .h5 dataset; give an output ending in .h5 or leave out --split")
        }
      }
    }

    func run() throws {
      let readFormat = try StructureFileFormat.resolve(inputFormat, path: input, role: "the input", option: "--input-format")
      let writeFormat = try StructureFileFormat.resolve(format, path: output, role: "the output", option: "--format")
      let source = try openStructureSource(input, format: readFormat, options: keys.extxyz)
      let splits = try split.map { (fractions: try SplitFractions(parsing: $0), seed: seed) }
      let sink = try openStructureSink(output, format: writeFormat, options: keys.extxyz, splits: splits)
      let progressLine = LargeFileProgress(label: "convert", source: source, shown: progress.showsProgress)
      var frames = 0, atoms = 0
      while let s = try source.next() {
        try sink.write(s)
        frames += 1
        atoms += s.count
        progressLine.update()
      }
      try requireFrames(frames, in: input)
      try sink.finish()
      progressLine.finish()
      print("wrote \(frames) frame\(frames == 1 ? "" : "s") (\(atoms) atoms) to \(output) as \(writeFormat == .xyz ? "plain XYZ" : writeFormat == .h5 ? "an HDF5 dataset" : "extended XYZ")")
    }
  }
}

/// A progress line (in MB read) shown only for files large enough to take a while.
final class LargeFileProgress {
  private let source: any StructureSource
  private let line: ProgressLine?

  /// - Parameters:
  ///   - threshold: files at least this large (bytes) show a progress line.
  ///   - shown: false for no progress line at all (`--quiet`).
  init(label: String, source: any StructureSource, threshold: Int64 = 64 << 20, shown: Bool = true) {
    self.source = source
    if shown, let (_, total) = source.byteProgress, total >= threshold {
      line = ProgressLine(label: label, total: Int(total >> 20), unit: "MB")
    } else {
      line = nil
    }
  }

  func update() {
    guard let line, let (done, _) = source.byteProgress else { return }
    line.update(done: Int(done >> 20))
  }

  func finish() { line?.finish() }
}
