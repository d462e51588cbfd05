/// One column group of an extxyz `Properties` key: `name:type:ncols`.
struct PropertyColumns: Hashable {
  /// Value type of a column group: real, integer, string, logical.
  enum ValueType: Character, Hashable {
    case real = "R", integer = "I", string = "S", logical = "L"
  }

  /// What the reader does with a column group.
  enum Role: Hashable {
    case species, atomicNumbers, positions, forces, other
  }

  var name: String
  var type: ValueType
  var count: Int
  var role: Role
  /// Index of the first column of this group in an atom line.
  var firstColumn: Int
}

/// The default layout of a frame without `Properties`: `species:S:1:pos:R:3`.
let defaultPropertiesText = "species:S:1:pos:R:3"

/// Parses `name:type:ncols:name:type:ncols…` and checks the columns the reader needs.
///
/// `species` must be `S:1`, `Z` must be `I:1`, `pos` must be `R:3`, and the forces group (named
/// by `forcesKey`) must be `R:3`; there must be `pos` and one of `species`/`Z`.
/// - Returns: the column groups in file order, or a message saying what is wrong.
func parseProperties(_ text: String, forcesKey: String) -> Result<[PropertyColumns], PropertiesProblem> {
  let fields = text.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
  guard fields.count % 3 == 0, !fields.isEmpty else {
    return .failure(.init(kind: .badProperties, message: "Properties=\(text) is not a list of name:type:ncols triples (it has \(fields.count) colon-separated fields, not a multiple of 3)"))
  }
  var groups: [PropertyColumns] = []
  var seen: Set<String> = []
  var column = 0
  for g in 0..<(fields.count / 3) {
    let name = fields[3 * g], typeText = fields[3 * g + 1], countText = fields[3 * g + 2]
    guard !name.isEmpty else {
      return .failure(.init(kind: .badProperties, message: "Properties=\(text): column group \(g + 1) has an empty name"))
    }
    guard typeText.count == 1, let type = PropertyColumns.ValueType(rawValue: typeText.first!) else {
      return .failure(.init(kind: .badProperties, message: "Properties=\(text): '\(name)' has type '\(typeText)'; the type must be R (real), I (integer), S (string) or L (logical)"))
    }
    guard let count = Int(countText), count > 0 else {
      return .failure(.init(kind: .badProperties, message: "Properties=\(text): '\(name)' has '\(countText)' columns; expected a positive integer"))
    }
    guard seen.insert(name).inserted else {
      return .failure(.init(kind: .badProperties, message: "Properties=\(text): '\(name)' appears twice"))
    }
    var role = PropertyColumns.Role.other
    switch name {
    case "species":
      guard type == .string && count == 1 else {
        return .failure(.init(kind: .badProperties, message: "Properties=\(text): 'species' must be S:1 (one chemical symbol per atom), found \(typeText):\(count)"))
      }
      role = .species
    case "Z":
      guard type == .integer && count == 1 else {
        return .failure(.init(kind: .badProperties, message: "Properties=\(text): 'Z' must be I:1 (one atomic number per atom), found \(typeText):\(count)"))
      }
      role = .atomicNumbers
    case "pos":
      guard type == .real && count == 3 else {
        return .failure(.init(kind: .badProperties, message: "Properties=\(text): 'pos' must be R:3 (x y z in Å), found \(typeText):\(count)"))
      }
      role = .positions
    case forcesKey:
      guard type == .real && count == 3 else {
        return .failure(.init(kind: .badLabel, message: "Properties=\(text): forces '\(forcesKey)' must be R:3 (eV/Å), found \(typeText):\(count)"))
      }
      role = .forces
    default: break
    }
    groups.append(PropertyColumns(name: name, type: type, count: count, role: role, firstColumn: column))
    column += count
  }
  guard groups.contains(where: { $0.role == .positions }) else {
    return .failure(.init(kind: .badProperties, message: "Properties=\(text) has no 'pos:R:3' group; positions are required"))
  }
  guard groups.contains(where: { $0.role == .species || $0.role == .atomicNumbers }) else {
    return .failure(.init(kind: .badProperties, message: "Properties=\(text) has neither 'species:S:1' nor 'Z:I:1'; the elements are required"))
  }
  return .success(groups)
}

/// A problem with a `Properties` key (the reader adds file, frame and line).
struct PropertiesProblem: Error {
  var kind: ExtXYZError.Kind
  var message: String
}
