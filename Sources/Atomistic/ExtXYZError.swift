/// Why an extxyz or XYZ file could not be read or written: what was wrong, where, and what to do.
///
/// `description` reads like `data.xyz: frame 3 (counting from 0), line 57: expected 7 columns
/// (Properties=species:S:1:pos:R:3:forces:R:3), found 4; …`.
public struct ExtXYZError: Error, CustomStringConvertible, Hashable, Sendable {
  /// The class of problem, for code that reacts to it (tests, recovery).
  public enum Kind: String, Sendable, Hashable {
    /// The file cannot be opened, read or written.
    case io
    /// The atom-count line is not a non-negative integer.
    case badAtomCount
    /// The file ends inside a frame.
    case truncatedFrame
    /// The comment line cannot be parsed as key=value pairs (e.g. an unterminated quote).
    case badCommentLine
    /// `Properties` is malformed or lacks species/positions.
    case badProperties
    /// `Lattice` is not 9 finite numbers.
    case badLattice
    /// `pbc` is not three booleans.
    case badPBC
    /// An energy, stress or virial label has the wrong type or count, or forces the wrong shape.
    case badLabel
    /// An atom line has a different number of columns than `Properties` declares.
    case wrongColumnCount
    /// A field is not of the declared type (a number that does not parse, a bad logical).
    case badValue
    /// A species symbol or atomic number that is not an element.
    case unknownSpecies
    /// NaN or infinity in positions, cell or labels.
    case nonFiniteValue
    /// A structure cannot be written as given (a reserved name in info/arrays, a line break in a string…).
    case invalidStructure
  }

  /// The class of problem.
  public var kind: Kind
  /// The file path (or the name given to text parsed from memory).
  public var file: String
  /// Frame index, counting from 0; nil when not inside a frame.
  public var frame: Int?
  /// Line number, counting from 1; nil when not tied to a line.
  public var line: Int?
  /// What was wrong and what was expected, and what to do.
  public var message: String

  public init(_ kind: Kind, file: String, frame: Int? = nil, line: Int? = nil, message: String) {
    self.kind = kind
    self.file = file
    self.frame = frame
    self.line = line
    self.message = message
  }

  public var description: String {
    var place = file
    if let frame { place += ": frame \(frame) (counting from 0)" }
    if let line { place += (frame == nil ? ": " : ", ") + "line \(line)" }
    return "\(place): \(message)"
  }
}
