import Foundation

/// Extended XYZ files as ASE reads and writes them.
///
/// One frame is: the number of atoms N; a comment line of key=value pairs; N atom lines.
/// - `Lattice="a1x a1y a1z a2x a2y a2z a3x a3y a3z"` — the cell rows, Å (exactly 9 numbers, as
///   ASE requires). `pbc="T T F"` — periodicity; without it `T T T` when a Lattice is given,
///   else `F F F`.
/// - `Properties=species:S:1:pos:R:3:…` — the atom-line columns as name:type:ncols with type R
///   (real), I (integer), S (string), L (logical). `pos` is in Å; `Z` may replace `species`.
/// - Labels (names set by `ExtXYZOptions`): energy (eV) on the comment line; forces (eV/Å) as an
///   `R:3` column group; stress (eV/Å³) as 6 Voigt or 9 matrix values; or, without a stress, a
///   virial W (eV) read as σ = −W/V.
/// - Every other key goes to `Structure.info` typed as ASE types it (integers, then reals, then
///   logicals T/F/True/False, else a string; several values make an array; a bare key is `T`),
///   and every other column group to `Structure.arrays`, both in file order.
///
/// A comment line with no `=` makes the frame plain XYZ: species x y z (extra columns ignored),
/// the comment kept as `info["comment"]`. Reading stops with an `ExtXYZError` (file, frame from 0,
/// line from 1) at the first problem; an empty file has zero frames.
public enum ExtXYZ {
  /// All frames of a file.
  /// - Throws: `ExtXYZError`.
  public static func read(_ url: URL, options: ExtXYZOptions = .init()) throws -> [Structure] {
    let reader = try ExtXYZReader(url: url, options: options)
    defer { reader.close() }
    var frames: [Structure] = []
    while let s = try reader.next() { frames.append(s) }
    return frames
  }

  /// All frames of extxyz text in memory; `name` stands for the file in error messages.
  public static func parse(_ text: String, name: String = "<text>", options: ExtXYZOptions = .init()) throws -> [Structure] {
    let reader = ExtXYZReader(text: text, name: name, options: options)
    var frames: [Structure] = []
    while let s = try reader.next() { frames.append(s) }
    return frames
  }

  /// The text of frames in extxyz (or plain XYZ, per `options.format`).
  /// - Throws: `ExtXYZError` (kind `.invalidStructure`) for a structure that cannot be written.
  public static func format(_ structures: [Structure], options: ExtXYZOptions = .init()) throws -> String {
    let formatter = ExtXYZFrameFormatter(file: "<text>", options: options)
    var out = ""
    for (k, s) in structures.enumerated() { out += try formatter.format(s, frame: k) }
    return out
  }

  /// Writes frames to a file atomically: a temporary file in the same folder, flushed, then
  /// renamed over `url`, so readers see the old file or the complete new one.
  /// - Throws: `ExtXYZError` (`.invalidStructure` or `.io`); the destination is then untouched.
  public static func write(_ structures: [Structure], to url: URL, options: ExtXYZOptions = .init()) throws {
    let file: AtomicFile
    do {
      file = try AtomicFile(destination: url)
      let writer = try ExtXYZWriter(url: file.temporaryURL, options: options)
      for s in structures { try writer.write(s) }
      try writer.synchronize()
      try writer.close()
    } catch var error as ExtXYZError {
      error.file = url.path
      throw error
    } catch {
      throw ExtXYZError(.io, file: url.path, message: "write failed: \(error.localizedDescription)")
    }
    do { try file.commit() } catch {
      throw ExtXYZError(.io, file: url.path, message: "cannot move the finished file into place: \(error.reason)")
    }
  }
}
