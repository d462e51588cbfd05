import Foundation

/// One molecule given as SMILES, with where it was given (for messages).
public struct SMILESEntry: Sendable, Hashable, Codable {
  /// The SMILES string as given (RDKit reads it; hydrogens are added).
  public var smiles: String
  /// A name for the molecule (the SMILES itself when none was given).
  public var name: String
  /// Where it was given: "mols.smi:3", "--smiles", "[sample] smiles[2]".
  public var location: String

  public init(smiles: String, name: String? = nil, location: String) {
    self.smiles = smiles
    self.name = (name?.isEmpty == false ? name! : smiles)
    self.location = location
  }

  enum CodingKeys: String, CodingKey { case smiles, name, location = "where" }
}

/// Why a list of SMILES cannot be read.
public struct SMILESListError: Error, CustomStringConvertible, Equatable {
  public var description: String
  public init(_ description: String) { self.description = description }
}

/// The molecules of a SMILES file: one `SMILES name` per line (the name optional and free text,
/// separated from the SMILES by spaces or a tab), blank lines and lines starting with `#`
/// ignored. Whether each SMILES is a molecule is RDKit's to say (`SMILESConformerSource`);
/// here a line is only split.
/// - Parameters:
///   - text: the file's contents.
///   - file: its path, for the entries' locations and messages.
/// - Throws: `SMILESListError` when no line holds a SMILES, or a line's first word looks like a
///   file name or an option rather than a SMILES.
public func parseSMILESList(_ text: String, file: String) throws -> [SMILESEntry] {
  var entries: [SMILESEntry] = []
  for (k, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
    let line = raw.trimmingCharacters(in: .whitespacesAndNewlines)
    if line.isEmpty || line.hasPrefix("#") { continue }
    let words = line.split(maxSplits: 1, whereSeparator: { $0 == " " || $0 == "\t" })
    let smiles = String(words[0])
    let name = words.count > 1 ? words[1].trimmingCharacters(in: .whitespaces) : nil
    if smiles.hasPrefix("-") || smiles.hasSuffix(".xyz") || smiles.hasSuffix(".smi") {
      throw SMILESListError("\(file):\(k + 1): '\(smiles)' is not a SMILES; each line holds a SMILES, then optionally a name (e.g. 'CCO ethanol')")
    }
    entries.append(SMILESEntry(smiles: smiles, name: name, location: "\(file):\(k + 1)"))
  }
  guard !entries.isEmpty else {
    throw SMILESListError("\(file) holds no SMILES: give one molecule per line as 'SMILES name' (lines starting with # are comments)")
  }
  return entries
}

/// Reads a SMILES file; see `parseSMILESList(_:file:)`.
/// - Throws: `SMILESListError` when the file cannot be read or holds no SMILES.
public func readSMILESList(_ url: URL) throws -> [SMILESEntry] {
  let text: String
  do { text = try String(contentsOf: url, encoding: .utf8) } catch {
    throw SMILESListError("cannot read the SMILES file \(url.path): \(error.localizedDescription)")
  }
  return try parseSMILESList(text, file: url.path)
}
