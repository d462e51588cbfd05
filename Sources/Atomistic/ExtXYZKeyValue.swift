import Foundation

/// The key=value pairs of an extxyz comment line, split the way ASE's `key_val_str_to_dict` does.
///
/// Pairs are separated by whitespace; a value (or a key) may be delimited by `"…"`, `'…'`,
/// `{…}` or `[…]`; a backslash takes the next character literally; whitespace around `=` is
/// allowed; a key without `=` means `T`; `a=b=c` gives key `a`, value `b=c`.
struct CommentLinePairs {
  /// (key, raw value) in line order; a bare key has the value "T".
  var pairs: [(key: String, value: String)] = []
  /// True when an `=` appears outside quotes: the line is meant as key=value pairs.
  var hasAssignment = false
}

/// Why a comment line cannot be split into pairs.
enum CommentLineProblem: Error {
  case unterminatedQuote(Character)
  case missingKey
}

/// Splits an extxyz comment line into key=value pairs (ASE's character-by-character rules).
///
/// One deliberate difference from ASE: a quoted empty value (`a="" b=1`) is a value of its own
/// here, where ASE would glue the next pair onto it.
/// - Throws: `CommentLineProblem` for an unterminated quote or an `=` with no key before it.
func splitCommentLine(_ line: some StringProtocol) throws(CommentLineProblem) -> CommentLinePairs {
  var result = CommentLinePairs()
  var entries: [[String]] = []  // each: key, then value parts (joined by "=")
  var current: [String] = [""]
  var started = false  // the current part has content (or an opened quote)
  var closing: Character? = nil
  var opening: Character = "\""
  var escaped = false
  func finishEntry() {
    if started || current.count > 1 { entries.append(current) }
    current = [""]
    started = false
  }
  for char in line {
    if escaped {
      current[current.count - 1].append(char)
      started = true
      escaped = false
    } else if char == "\\" {
      escaped = true
    } else if let close = closing {
      if char == close { closing = nil } else { current[current.count - 1].append(char) }
    } else if let close = closingDelimiter(char) {
      closing = close
      opening = char
      started = true
    } else if char.isWhitespace {
      if !started { continue }  // nothing yet, or "key= value"
      finishEntry()
    } else if char == "=" {
      result.hasAssignment = true
      if current.count == 1 && !started {
        // "key =value": the '=' belongs to the previous entry.
        guard let previous = entries.popLast() else { throw .missingKey }
        current = previous
      }
      current.append("")
      started = false
    } else {
      current[current.count - 1].append(char)
      started = true
    }
  }
  if closing != nil { throw .unterminatedQuote(opening) }
  finishEntry()
  for entry in entries {
    if entry.count == 1 {
      result.pairs.append((entry[0], "T"))
    } else {
      if entry[0].isEmpty { throw .missingKey }
      result.pairs.append((entry[0], entry[1...].joined(separator: "=")))
    }
  }
  return result
}

private func closingDelimiter(_ c: Character) -> Character? {
  switch c {
  case "\"": return "\""
  case "'": return "'"
  case "{": return "}"
  case "[": return "]"
  default: return nil
  }
}

/// The whitespace- and comma-separated parts of a value, as ASE's `re.findall(r'[^\s,]+', v)`.
func valueTokens(_ value: some StringProtocol) -> [Substring] {
  Substring(value).split(whereSeparator: { $0.isWhitespace || $0 == "," })
}

/// Parses a number with Python's `float()` syntax (decimal, exponent, inf, nan; no hex).
func parsePythonFloat(_ token: some StringProtocol) -> Double? {
  for u in token.utf8 where u == UInt8(ascii: "x") || u == UInt8(ascii: "X") || u == UInt8(ascii: "(") {
    return nil
  }
  return Double(token)
}

/// Parses an integer with Python's `int()` syntax (optional sign, decimal digits).
func parsePythonInt(_ token: some StringProtocol) -> Int? { Int(token) }

/// ASE's spellings of logical values on the comment line.
func parseInfoBool(_ token: some StringProtocol) -> Bool? {
  switch token {
  case "T", "true", "True", "TRUE": return true
  case "F", "false", "False", "FALSE": return false
  default: return nil
  }
}

/// The typed value of a comment-line entry, as ASE's `key_val_str_to_dict` types it:
/// all integers → int(s), else all numbers → double(s), else all logicals → bool(s), else the
/// string; `_JSON [...]` holding a flat list of strings/numbers/bools becomes that array.
/// The key `uid` is always kept as a string.
func infoValue(key: String, raw: String) -> InfoValue {
  if key.lowercased() == "uid" { return .string(raw) }
  let tokens = valueTokens(raw)
  if tokens.isEmpty { return .ints([]) }
  let ints = tokens.compactMap(parsePythonInt)
  if ints.count == tokens.count { return ints.count == 1 ? .int(ints[0]) : .ints(ints) }
  let doubles = tokens.compactMap(parsePythonFloat)
  if doubles.count == tokens.count { return doubles.count == 1 ? .double(doubles[0]) : .doubles(doubles) }
  let bools = tokens.compactMap(parseInfoBool)
  if bools.count == tokens.count { return bools.count == 1 ? .bool(bools[0]) : .bools(bools) }
  if raw.hasPrefix("_JSON "), let array = jsonFlatArray(String(raw.dropFirst(6))) { return array }
  return .string(raw)
}

/// A flat JSON array of strings, integers, numbers or booleans as an `InfoValue`; nil for any
/// other JSON (nested lists, objects, mixed kinds), which is then kept as the original string.
private func jsonFlatArray(_ json: String) -> InfoValue? {
  var scanner = FlatJSONArrayScanner(Array(json.utf8))
  return scanner.parse()
}

/// A small scanner for `[e, e, …]` with e a JSON string, number, `true` or `false`.
private struct FlatJSONArrayScanner {
  let bytes: [UInt8]
  var i = 0
  init(_ bytes: [UInt8]) { self.bytes = bytes }

  private enum Element { case string(String), number(String), bool(Bool) }

  mutating func skipSpace() {
    while i < bytes.count, bytes[i] == 0x20 || bytes[i] == 0x09 || bytes[i] == 0x0A || bytes[i] == 0x0D { i += 1 }
  }

  mutating func parse() -> InfoValue? {
    skipSpace()
    guard i < bytes.count, bytes[i] == UInt8(ascii: "[") else { return nil }
    i += 1
    var elements: [Element] = []
    skipSpace()
    if i < bytes.count, bytes[i] == UInt8(ascii: "]") {
      i += 1
    } else {
      while true {
        skipSpace()
        guard let e = element() else { return nil }
        elements.append(e)
        skipSpace()
        guard i < bytes.count else { return nil }
        if bytes[i] == UInt8(ascii: ",") { i += 1; continue }
        if bytes[i] == UInt8(ascii: "]") { i += 1; break }
        return nil
      }
    }
    skipSpace()
    guard i == bytes.count, !elements.isEmpty else { return nil }
    var strings: [String] = [], bools: [Bool] = [], numbers: [String] = []
    for e in elements {
      switch e {
      case .string(let s): strings.append(s)
      case .bool(let b): bools.append(b)
      case .number(let n): numbers.append(n)
      }
    }
    if strings.count == elements.count { return .strings(strings) }
    if bools.count == elements.count { return .bools(bools) }
    guard numbers.count == elements.count else { return nil }
    let ints = numbers.compactMap { Int($0) }
    if ints.count == numbers.count { return .ints(ints) }
    let doubles = numbers.compactMap { Double($0) }
    return doubles.count == numbers.count ? .doubles(doubles) : nil
  }

  private mutating func element() -> Element? {
    guard i < bytes.count else { return nil }
    switch bytes[i] {
    case UInt8(ascii: "\""): return string().map(Element.string)
    case UInt8(ascii: "t"): return literal("true") ? .bool(true) : nil
    case UInt8(ascii: "f"): return literal("false") ? .bool(false) : nil
    default:
      let start = i
      while i < bytes.count, let c = Optional(bytes[i]),
        (c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9")) || c == UInt8(ascii: "-") || c == UInt8(ascii: "+")
          || c == UInt8(ascii: ".") || c == UInt8(ascii: "e") || c == UInt8(ascii: "E")
      { i += 1 }
      guard i > start else { return nil }
      return .number(String(decoding: bytes[start..<i], as: UTF8.self))
    }
  }

  private mutating func literal(_ word: String) -> Bool {
    let w = Array(word.utf8)
    guard i + w.count <= bytes.count, Array(bytes[i..<(i + w.count)]) == w else { return false }
    i += w.count
    return true
  }

  private mutating func string() -> String? {
    i += 1  // opening quote
    var out: [UInt8] = []
    while i < bytes.count {
      let c = bytes[i]
      i += 1
      if c == UInt8(ascii: "\"") { return String(decoding: out, as: UTF8.self) }
      guard c == UInt8(ascii: "\\") else { out.append(c); continue }
      guard i < bytes.count else { return nil }
      let e = bytes[i]
      i += 1
      switch e {
      case UInt8(ascii: "n"): out.append(0x0A)
      case UInt8(ascii: "t"): out.append(0x09)
      case UInt8(ascii: "r"): out.append(0x0D)
      case UInt8(ascii: "b"): out.append(0x08)
      case UInt8(ascii: "f"): out.append(0x0C)
      case UInt8(ascii: "u"):
        guard i + 4 <= bytes.count, var code = UInt32(String(decoding: bytes[i..<(i + 4)], as: UTF8.self), radix: 16)
        else { return nil }
        i += 4
        // A surrogate pair spells one scalar outside the basic plane.
        if code >= 0xD800 && code < 0xDC00, i + 6 <= bytes.count, bytes[i] == UInt8(ascii: "\\"),
          bytes[i + 1] == UInt8(ascii: "u"),
          let low = UInt32(String(decoding: bytes[(i + 2)..<(i + 6)], as: UTF8.self), radix: 16),
          low >= 0xDC00 && low < 0xE000
        {
          code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
          i += 6
        }
        guard let scalar = Unicode.Scalar(code) else { return nil }
        out.append(contentsOf: Array(String(Character(scalar)).utf8))
      default: out.append(e)
      }
    }
    return nil
  }
}

// MARK: Writing

/// A Double in the shortest form that reads back to the same bits (Swift's and Python's
/// `repr` agree: `0.1`, `1e-05`, `5.43`, `-0.0`, `inf`, `nan`).
@inlinable func formatDouble(_ x: Double) -> String { "\(x)" }

/// A logical as ASE writes it on the comment line and in `L` columns.
@inlinable func formatBool(_ b: Bool) -> String { b ? "T" : "F" }

/// Quotes a comment-line key or value when it would not survive bare: whitespace, quotes,
/// brackets, backslashes, `=`, or empty. Inside quotes, `"` and `\` are escaped with `\`.
func quoteIfNeeded(_ text: String) -> String {
  let special: Set<Character> = ["\"", "'", "{", "}", "[", "]", "\\", "="]
  guard text.isEmpty || text.contains(where: { $0.isWhitespace || special.contains($0) }) else { return text }
  var out = "\""
  for c in text {
    if c == "\"" || c == "\\" { out.append("\\") }
    out.append(c)
  }
  out.append("\"")
  return out
}

/// A JSON string literal (for `_JSON` lists of strings).
func jsonStringLiteral(_ s: String) -> String {
  var out = "\""
  for scalar in s.unicodeScalars {
    switch scalar {
    case "\"": out += "\\\""
    case "\\": out += "\\\\"
    case "\n": out += "\\n"
    case "\r": out += "\\r"
    case "\t": out += "\\t"
    default:
      if scalar.value < 0x20 {
        out += String(format: "\\u%04x", scalar.value)
      } else {
        out.unicodeScalars.append(scalar)
      }
    }
  }
  return out + "\""
}

/// The comment-line text of an info value, unquoted (quoting is applied by the caller).
func formatInfoValue(_ value: InfoValue) -> String {
  switch value {
  case .bool(let b): return formatBool(b)
  case .int(let i): return String(i)
  case .double(let d): return formatDouble(d)
  case .string(let s): return s
  case .bools(let v): return v.map(formatBool).joined(separator: " ")
  case .ints(let v): return v.map { String($0) }.joined(separator: " ")
  case .doubles(let v): return v.map(formatDouble).joined(separator: " ")
  case .strings(let v): return "_JSON [" + v.map(jsonStringLiteral).joined(separator: ", ") + "]"
  }
}
