/// Seconds in a duration written as a number with an optional unit: "90" or "90s" (seconds),
/// "20m" (minutes), "1.5h" (hours), or a sum such as "1h30m".
/// - Returns: seconds, or nil when the text is not a duration.
public func parseDuration(_ text: String) -> Double? {
  let t = text.trimmingCharacters(in: .whitespaces).lowercased()
  guard !t.isEmpty else { return nil }
  if let plain = Double(t) { return plain >= 0 ? plain : nil }
  var total = 0.0
  var number = ""
  for c in t {
    if c.isNumber || c == "." {
      number.append(c)
      continue
    }
    guard let value = Double(number) else { return nil }
    switch c {
    case "s": total += value
    case "m": total += 60 * value
    case "h": total += 3600 * value
    case "d": total += 86400 * value
    default: return nil
    }
    number = ""
  }
  guard number.isEmpty else { return nil }
  return total
}

import Foundation
