import Collections

/// Builds one `Structure` from the lines of one frame, following ASE's extxyz reader.
///
/// Where ASE is lenient in ways that hide mistakes, this reader stops with an `ExtXYZError`:
/// extra or missing columns, a non-numeric field, NaN or infinity in positions, cell or labels,
/// a stress with a count other than 6 or 9, an unterminated quote.
struct ExtXYZFrameParser {
  let file: String
  let options: ExtXYZOptions

  func error(_ kind: ExtXYZError.Kind, frame: Int, line: Int?, _ message: String) -> ExtXYZError {
    ExtXYZError(kind, file: file, frame: frame, line: line, message: message)
  }

  /// Reads the atom count from a header line. - Returns: the count, ≥ 0.
  func atomCount(_ header: String, frame: Int, line: Int) throws(ExtXYZError) -> Int {
    let text = header.trimmingWhitespace()
    guard let n = Int(text) else {
      let shown = text.count > 60 ? String(text.prefix(60)) + "…" : String(text)
      throw error(.badAtomCount, frame: frame, line: line,
        "expected the number of atoms (a non-negative integer on a line of its own) at the start of a frame, found '\(shown)'; check that the previous frame has as many atom lines as its count says")
    }
    guard n >= 0 else {
      throw error(.badAtomCount, frame: frame, line: line, "the number of atoms is \(n); it must be zero or positive")
    }
    return n
  }

  /// The comment line's contents, split into what the structure needs.
  struct Header {
    var plain = false
    var properties: [PropertyColumns] = []
    var propertiesText = defaultPropertiesText
    var cell: Cell = .zero
    var hasLattice = false
    var pbc: [Bool]? = nil
    var energy: Double? = nil
    var stress: [Double]? = nil
    var virial: [Double]? = nil
    var info: OrderedDictionary<String, InfoValue> = [:]
  }

  /// Parses a comment line. A line with no `=` (and not empty) is a plain-XYZ comment, kept as
  /// `info["comment"]`; otherwise it is key=value pairs.
  func header(_ comment: String, frame: Int, line: Int) throws(ExtXYZError) -> Header {
    var h = Header()
    let trimmed = comment.trimmingWhitespace()
    if !trimmed.isEmpty && !trimmed.contains("=") {
      h.plain = true
      h.info["comment"] = .string(String(trimmed))
      return h
    }
    let pairs: CommentLinePairs
    do {
      pairs = try splitCommentLine(trimmed)
    } catch .unterminatedQuote(let q) {
      throw error(.badCommentLine, frame: frame, line: line,
        "the comment line has an unterminated \(q) quote; close it, or escape a literal quote with a backslash")
    } catch {
      throw self.error(.badCommentLine, frame: frame, line: line,
        "the comment line has an '=' with no key before it; write key=value pairs")
    }
    for (key, raw) in pairs.pairs {
      switch key {
      case "Properties":
        h.propertiesText = raw
      case "Lattice":
        let values = try numbers(raw, key: "Lattice", frame: frame, line: line, kind: .badLattice)
        guard values.count == 9 else {
          // ASE refuses anything but 9 numbers ("expecting a 9-long numerical vector"); three
          // edge lengths would be a guess at the cell, so they are refused too.
          let hint = values.count == 3
            ? "; for an orthorhombic cell with edges a b c write Lattice=\"a 0 0 0 b 0 0 0 c\", here Lattice=\"\(values[0]) 0 0 0 \(values[1]) 0 0 0 \(values[2])\""
            : ""
          throw error(.badLattice, frame: frame, line: line,
            "Lattice has \(values.count) numbers; expected 9 (the cell rows a1x a1y a1z a2x a2y a2z a3x a3y a3z, Å), as ASE reads it" + hint)
        }
        guard values.allSatisfy(\.isFinite) else {
          throw error(.nonFiniteValue, frame: frame, line: line, "Lattice contains NaN or infinity: \(raw)")
        }
        h.cell = Cell(a1: SIMD3(values[0], values[1], values[2]), a2: SIMD3(values[3], values[4], values[5]),
                      a3: SIMD3(values[6], values[7], values[8]))
        h.hasLattice = true
      case "pbc":
        let tokens = valueTokens(raw)
        let flags = tokens.compactMap { t -> Bool? in
          if let b = parseInfoBool(t) { return b }
          if t == "1" { return true }
          if t == "0" { return false }
          return nil
        }
        guard flags.count == tokens.count, flags.count == 3 || flags.count == 1 else {
          throw error(.badPBC, frame: frame, line: line, "pbc=\"\(raw)\" is not three logicals; write e.g. pbc=\"T T F\"")
        }
        h.pbc = flags.count == 3 ? flags : [flags[0], flags[0], flags[0]]
      case options.energyKey:
        switch infoValue(key: key, raw: raw) {
        case .int(let e): h.energy = Double(e)
        case .double(let e):
          guard e.isFinite else {
            throw error(.nonFiniteValue, frame: frame, line: line, "energy '\(key)' is \(raw); a label must be a finite number of eV")
          }
          h.energy = e
        default:
          throw error(.badLabel, frame: frame, line: line, "energy '\(key)=\(raw)' is not a single number (eV)")
        }
      case options.stressKey:
        h.stress = try tensor(raw, key: key, frame: frame, line: line)
      case let k where k == options.virialKey:
        // Kept in info where it stands; it replaces a missing stress label (see `structure`).
        h.virial = try tensor(raw, key: key, frame: frame, line: line)
        h.info[key] = infoValue(key: key, raw: raw)
      default:
        h.info[key] = infoValue(key: key, raw: raw)
      }
    }
    return h
  }

  /// Numbers of a Lattice/stress/virial value (brackets and commas are separators).
  private func numbers(_ raw: String, key: String, frame: Int, line: Int, kind: ExtXYZError.Kind) throws(ExtXYZError) -> [Double] {
    let tokens = valueTokens(raw.filter { $0 != "[" && $0 != "]" })
    var values: [Double] = []
    for t in tokens {
      guard let v = parsePythonFloat(t) else {
        throw error(kind, frame: frame, line: line, "\(key) contains '\(t)', which is not a number")
      }
      values.append(v)
    }
    return values
  }

  /// A symmetric tensor given as 6 Voigt values (xx yy zz yz xz xy) or 9 matrix values; in Voigt.
  private func tensor(_ raw: String, key: String, frame: Int, line: Int) throws(ExtXYZError) -> [Double] {
    let v = try numbers(raw, key: key, frame: frame, line: line, kind: .badLabel)
    guard v.allSatisfy(\.isFinite) else {
      throw error(.nonFiniteValue, frame: frame, line: line, "'\(key)' contains NaN or infinity; a label must be finite")
    }
    switch v.count {
    case 6: return v
    // 3×3 as ASE reads it (Fortran order; for a symmetric tensor the same as row-major):
    // Voigt (M00, M11, M22, M12, M02, M01).
    case 9: return [v[0], v[4], v[8], v[7], v[6], v[3]]
    default:
      throw error(.badLabel, frame: frame, line: line,
        "'\(key)' has \(v.count) numbers; expected 6 (Voigt xx yy zz yz xz xy) or 9 (a 3×3 matrix)")
    }
  }

  /// Reads `count` atom lines through `nextLine` and assembles the structure.
  /// - Parameter nextLine: returns the next line and its number, or nil at end of file.
  func structure(
    header h: Header, count: Int, frame: Int, headerLine: Int,
    nextLine: () throws -> (String, Int)?
  ) throws -> Structure {
    var groups: [PropertyColumns]
    if h.plain {
      groups = [
        PropertyColumns(name: "species", type: .string, count: 1, role: .species, firstColumn: 0),
        PropertyColumns(name: "pos", type: .real, count: 3, role: .positions, firstColumn: 1),
      ]
    } else {
      switch parseProperties(h.propertiesText, forcesKey: options.forcesKey) {
      case .success(let g): groups = g
      case .failure(let p): throw error(p.kind, frame: frame, line: headerLine + 1, p.message)
      }
    }
    let totalColumns = groups.reduce(0) { $0 + $1.count }
    var species = [Int](repeating: 0, count: count)
    var atomicNumbers: [Int]? = nil
    var positions = [SIMD3<Double>](repeating: .zero, count: count)
    var forces: [SIMD3<Double>]? = nil
    // Free-form column groups, indexed by group; only the entry of the group's type is used.
    var reals = [[Double]](repeating: [], count: groups.count)
    var integers = [[Int]](repeating: [], count: groups.count)
    var strings = [[String]](repeating: [], count: groups.count)
    var logicals = [[Bool]](repeating: [], count: groups.count)
    for (g, group) in groups.enumerated() where group.role == .other {
      switch group.type {
      case .real: reals[g].reserveCapacity(count * group.count)
      case .integer: integers[g].reserveCapacity(count * group.count)
      case .string: strings[g].reserveCapacity(count * group.count)
      case .logical: logicals[g].reserveCapacity(count * group.count)
      }
    }
    if groups.contains(where: { $0.role == .forces }) { forces = [SIMD3<Double>](repeating: .zero, count: count) }
    if groups.contains(where: { $0.role == .atomicNumbers }) { atomicNumbers = [Int](repeating: 0, count: count) }

    for atom in 0..<count {
      guard let (text, lineNumber) = try nextLine() else {
        throw error(.truncatedFrame, frame: frame, line: nil,
          "the file ends after \(atom) of the \(count) atom lines this frame declares (count on line \(headerLine)); the file is truncated or the atom count is wrong")
      }
      // Split on ASCII whitespace bytes (much faster than by Character).
      let tokens = text.utf8.split(whereSeparator: { $0 == 0x20 || ($0 >= 0x09 && $0 <= 0x0D) }).map { Substring($0) }
      if h.plain ? tokens.count < 4 : tokens.count != totalColumns {
        let expected = h.plain ? "at least 4 columns (symbol x y z)" : "\(totalColumns) columns (Properties=\(h.propertiesText))"
        throw error(.wrongColumnCount, frame: frame, line: lineNumber,
          "expected \(expected) for atom \(atom), found \(tokens.count)")
      }
      for (g, group) in groups.enumerated() {
        for c in 0..<group.count {
          let column = group.firstColumn + c
          let token = tokens[column]
          func bad(_ what: String) -> ExtXYZError {
            error(.badValue, frame: frame, line: lineNumber,
              "column \(column + 1) ('\(group.name)'\(group.count > 1 ? " component \(c + 1)" : "")) of atom \(atom) is '\(token)', which is not \(what)")
          }
          switch group.role {
          case .species:
            if let z = Elements.atomicNumber(caseInsensitive: String(token)) {
              species[atom] = z
            } else if h.plain, let z = Int(token), Elements.isKnown(z) {
              species[atom] = z
            } else {
              throw error(.unknownSpecies, frame: frame, line: lineNumber,
                "atom \(atom) has species '\(token)', which is not a chemical symbol (H … Og)")
            }
          case .atomicNumbers:
            guard let z = parsePythonInt(token) else { throw bad("an integer atomic number") }
            guard z >= 1 && z <= Elements.maximumAtomicNumber else {
              throw error(.unknownSpecies, frame: frame, line: lineNumber,
                "atom \(atom) has atomic number \(z); expected 1 … \(Elements.maximumAtomicNumber)")
            }
            atomicNumbers?[atom] = z
          case .positions, .forces:
            guard let v = parsePythonFloat(token) else { throw bad("a number") }
            guard v.isFinite else {
              throw error(.nonFiniteValue, frame: frame, line: lineNumber,
                "\(group.role == .positions ? "position" : "force") component \(c + 1) of atom \(atom) is \(token); positions and labels must be finite numbers")
            }
            if group.role == .positions { positions[atom][c] = v } else { forces?[atom][c] = v }
          case .other:
            switch group.type {
            case .real:
              guard let x = parsePythonFloat(token) else { throw bad("a number (type R)") }
              reals[g].append(x)
            case .integer:
              guard let x = parsePythonInt(token) else { throw bad("an integer (type I)") }
              integers[g].append(x)
            case .string:
              strings[g].append(String(token))
            case .logical:
              switch token {
              case "T", "True": logicals[g].append(true)
              case "F", "False": logicals[g].append(false)
              default: throw bad("a logical (type L: T, F, True or False)")
              }
            }
          }
        }
      }
    }

    if let atomicNumbers {
      if groups.contains(where: { $0.role == .species }), let k = (0..<count).first(where: { species[$0] != atomicNumbers[$0] }) {
        throw error(.unknownSpecies, frame: frame, line: headerLine + 2 + k,
          "atom \(k) has species \(Elements.symbol(species[k])) but Z=\(atomicNumbers[k]); the two columns disagree")
      }
      species = atomicNumbers
    }

    var arrays: OrderedDictionary<String, PerAtomArray> = [:]
    for (g, group) in groups.enumerated() where group.role == .other {
      switch group.type {
      case .real: arrays[group.name] = .doubles(columns: group.count, values: reals[g])
      case .integer: arrays[group.name] = .ints(columns: group.count, values: integers[g])
      case .string: arrays[group.name] = .strings(columns: group.count, values: strings[g])
      case .logical: arrays[group.name] = .bools(columns: group.count, values: logicals[g])
      }
    }

    let pbc = h.pbc ?? (h.hasLattice ? [true, true, true] : [false, false, false])
    var stress = h.stress
    var info = h.info
    if let virial = h.virial, stress == nil, let key = options.virialKey {
      let volume = h.cell.volume
      guard volume > 0 else {
        throw error(.badLabel, frame: frame, line: headerLine + 1,
          "'\(key)' is given but the cell has no volume, so it cannot be turned into a stress (σ = −W/V); give a Lattice")
      }
      stress = virial.map { -$0 / volume }
      info.removeValue(forKey: key)
    }
    return Structure(
      atomicNumbers: species, positions: positions, cell: h.cell, pbc: pbc, energy: h.energy,
      forces: forces, stress: stress, info: info, arrays: arrays)
  }
}

extension StringProtocol {
  /// The text without leading and trailing whitespace (spaces, tabs, \r, …).
  func trimmingWhitespace() -> SubSequence {
    guard let first = firstIndex(where: { !$0.isWhitespace }) else { return self[endIndex...] }
    let last = lastIndex(where: { !$0.isWhitespace })!
    return self[first...last]
  }
}
