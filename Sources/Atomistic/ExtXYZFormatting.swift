import Collections

/// Formats one structure as an extxyz (or plain XYZ) frame, the way ASE writes it but with every
/// Double in the shortest form that reads back to the same bits.
///
/// Extended layout: `N`, then `Lattice="a1 a2 a3" Properties=species:S:1:pos:R:3:…:forces:R:3
/// <info…> energy=… stress="<3×3>" pbc="T T T"`, then one line per atom. `Lattice` is written only
/// for a non-zero cell; the stress is written as 9 values (ASE's form); forces come last among the
/// columns (as ASE writes calculator results).
struct ExtXYZFrameFormatter {
  let file: String
  let options: ExtXYZOptions

  private func invalid(_ frame: Int, _ message: String) -> ExtXYZError {
    ExtXYZError(.invalidStructure, file: file, frame: frame, message: message)
  }

  /// The text of one frame, ending with a line break.
  /// - Parameter frame: index used in error messages, counting from 0.
  /// - Throws: `ExtXYZError` (kind `.invalidStructure`) for a structure that cannot be written.
  func format(_ s: Structure, frame: Int) throws(ExtXYZError) -> String {
    let n = s.count
    for (k, z) in s.atomicNumbers.enumerated() where !Elements.isKnown(z) {
      throw invalid(frame, "atom \(k) has atomic number \(z), which is not an element (0 … 118)")
    }
    if let k = s.positions.firstIndex(where: { !($0.x.isFinite && $0.y.isFinite && $0.z.isFinite) }) {
      throw invalid(frame, "atom \(k) has a non-finite position \(s.positions[k])")
    }
    var out = "\(n)\n"
    out.reserveCapacity(64 + n * 60)
    if options.format == .plain {
      var comment = ""
      if case .string(let text)? = s.info["comment"] { comment = text }
      guard !comment.contains(where: \.isNewline) else {
        throw invalid(frame, "info[\"comment\"] contains a line break; a comment must be one line")
      }
      out += comment + "\n"
      for k in 0..<n {
        appendSymbol(Elements.symbol(s.atomicNumbers[k]), to: &out)
        for c in 0..<3 { appendReal(s.positions[k][c], to: &out) }
        out += "\n"
      }
      return out
    }

    // Comment line.
    var fields: [String] = []
    if !s.cell.isZero {
      let rows = [s.cell.a1, s.cell.a2, s.cell.a3]
      let values = rows.flatMap { [$0.x, $0.y, $0.z] }
      guard values.allSatisfy(\.isFinite) else { throw invalid(frame, "the cell contains NaN or infinity") }
      fields.append("Lattice=\"" + values.map(formatDouble).joined(separator: " ") + "\"")
    }
    var properties = "species:S:1:pos:R:3"
    let reservedColumns: Set<String> = ["species", "pos", "Z", options.forcesKey]
    for (name, array) in s.arrays {
      guard !reservedColumns.contains(name) else {
        throw invalid(frame, "arrays[\"\(name)\"] has a name the writer uses itself (species, pos, Z, \(options.forcesKey)); rename it")
      }
      try checkName(name, frame: frame, what: "array name")
      guard !name.contains(":") else { throw invalid(frame, "array name '\(name)' contains ':'; rename it") }
      guard array.columns > 0, array.valueCount == n * array.columns else {
        throw invalid(frame, "arrays[\"\(name)\"] holds \(array.valueCount) values; expected \(n) atoms × \(array.columns) columns")
      }
      if case .strings(_, let values) = array,
        let bad = values.first(where: { $0.isEmpty || $0.contains(where: { $0.isWhitespace }) })
      {
        throw invalid(frame, "arrays[\"\(name)\"] holds the string '\(bad)'; per-atom strings must be non-empty without spaces")
      }
      let type: String
      switch array {
      case .doubles: type = "R"
      case .ints: type = "I"
      case .strings: type = "S"
      case .bools: type = "L"
      }
      properties += ":\(name):\(type):\(array.columns)"
    }
    if let forces = s.forces {
      guard forces.count == n else {
        throw invalid(frame, "forces has \(forces.count) entries for \(n) atoms")
      }
      guard forces.allSatisfy({ $0.x.isFinite && $0.y.isFinite && $0.z.isFinite }) else {
        throw invalid(frame, "forces contain NaN or infinity")
      }
      properties += ":\(options.forcesKey):R:3"
    }
    fields.append("Properties=" + properties)

    var reservedKeys: Set<String> = ["Lattice", "Properties", "pbc"]
    if s.energy != nil { reservedKeys.insert(options.energyKey) }
    if s.stress != nil { reservedKeys.insert(options.stressKey) }
    for (key, value) in s.info {
      guard !reservedKeys.contains(key) else {
        throw invalid(frame, "info[\"\(key)\"] has a name the writer uses itself (Lattice, Properties, pbc, or a label key that is set); rename it")
      }
      try checkName(key, frame: frame, what: "info key")
      let text = formatInfoValue(value)
      guard !text.contains(where: \.isNewline) else {
        throw invalid(frame, "info[\"\(key)\"] contains a line break; extxyz values must fit on one line")
      }
      fields.append(quoteIfNeeded(key) + "=" + quoteIfNeeded(text))
    }
    if let energy = s.energy {
      guard energy.isFinite else { throw invalid(frame, "the energy is \(energy)") }
      fields.append(quoteIfNeeded(options.energyKey) + "=" + formatDouble(energy))
    }
    if let v = s.stress {
      guard v.count == 6 else { throw invalid(frame, "stress has \(v.count) values; expected 6 (Voigt xx yy zz yz xz xy)") }
      guard v.allSatisfy(\.isFinite) else { throw invalid(frame, "the stress contains NaN or infinity") }
      // Full symmetric 3×3, row-major (equal to ASE's Fortran-order flattening).
      let full = [v[0], v[5], v[4], v[5], v[1], v[3], v[4], v[3], v[2]]
      fields.append(quoteIfNeeded(options.stressKey) + "=\"" + full.map(formatDouble).joined(separator: " ") + "\"")
    }
    fields.append("pbc=\"" + s.pbc.map(formatBool).joined(separator: " ") + "\"")
    out += fields.joined(separator: " ") + "\n"

    // Atom lines.
    let arrays = Array(s.arrays.values)
    for k in 0..<n {
      appendSymbol(Elements.symbol(s.atomicNumbers[k]), to: &out)
      for c in 0..<3 { appendReal(s.positions[k][c], to: &out) }
      for array in arrays {
        let m = array.columns
        switch array {
        case .doubles(_, let v): for c in 0..<m { appendReal(v[k * m + c], to: &out) }
        case .ints(_, let v): for c in 0..<m { appendPadded(String(v[k * m + c]), width: 8, to: &out) }
        case .strings(_, let v): for c in 0..<m { out += " " + v[k * m + c] }
        case .bools(_, let v): for c in 0..<m { out += v[k * m + c] ? " T" : " F" }
        }
      }
      if let forces = s.forces {
        for c in 0..<3 { appendReal(forces[k][c], to: &out) }
      }
      out += "\n"
    }
    return out
  }

  private func checkName(_ name: String, frame: Int, what: String) throws(ExtXYZError) {
    guard !name.isEmpty, !name.contains(where: \.isNewline) else {
      throw invalid(frame, "\(what) '\(name)' is empty or contains a line break")
    }
  }
}

/// Appends a chemical symbol left-aligned in 2 characters (ASE's `%-2s`).
@inline(__always) private func appendSymbol(_ symbol: String, to out: inout String) {
  out += symbol
  if symbol.utf8.count < 2 { out += " " }
}

/// Appends ` ` and a Double right-aligned in 16 characters (as wide as ASE's `%16.8f`).
@inline(__always) private func appendReal(_ x: Double, to out: inout String) {
  appendPadded(formatDouble(x), width: 16, to: &out)
}

@inline(__always) private func appendPadded(_ text: String, width: Int, to out: inout String) {
  out += " "
  let pad = width - text.utf8.count
  if pad > 0 { out += String(repeating: " ", count: pad) }
  out += text
}
