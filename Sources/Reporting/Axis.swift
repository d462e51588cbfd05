import Foundation

/// How values are placed along an axis.
public enum AxisScale: String, Sendable, Codable {
  /// Position proportional to the value.
  case linear
  /// Position proportional to log₁₀(value); values ≤ 0 are not drawn.
  case log
}

/// "Nice" number for axis ticks (Heckbert, *Graphics Gems*, 1990): the number 1, 2, 5 or 10
/// times a power of ten that is closest to `x` (`round: true`) or the smallest one ≥ `x`.
///
///     niceNumber(0.37, round: true)   // 0.5
///     niceNumber(13, round: false)    // 20
///
/// - Parameter x: a positive, finite number.
/// - Returns: the nice number; `x` itself when it is not positive and finite.
public func niceNumber(_ x: Double, round: Bool) -> Double {
  guard x > 0, x.isFinite else { return x }
  let exponent = floor(log10(x))
  let power = pow(10, exponent)
  let fraction = x / power
  let nice: Double
  if round {
    nice = fraction < 1.5 ? 1 : fraction < 3 ? 2 : fraction < 7 ? 5 : 10
  } else {
    nice = fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 5 ? 5 : 10
  }
  return nice * power
}

/// Evenly spaced tick values with a nice step (1, 2 or 5 × 10ᵏ) that cover [lower, upper].
///
/// The first tick is ≤ `lower` and the last ≥ `upper`, so the axis can be extended to them.
///
///     niceTicks(lower: 0.13, upper: 0.92)   // [0.0, 0.2, 0.4, 0.6, 0.8, 1.0]
///
/// - Parameters:
///   - lower: smallest data value.
///   - upper: largest data value (equal to `lower` gives a unit-wide range around it).
///   - targetCount: roughly how many ticks to aim for (at least 2).
public func niceTicks(lower: Double, upper: Double, targetCount: Int = 6) -> [Double] {
  var lo = min(lower, upper), hi = max(lower, upper)
  guard lo.isFinite, hi.isFinite else { return [0, 1] }
  if hi - lo < 1e-12 * max(1, abs(lo)) {
    let pad = lo == 0 ? 1 : abs(lo) * 0.1
    lo -= pad
    hi += pad
  }
  let range = niceNumber(hi - lo, round: false)
  let step = niceNumber(range / Double(max(targetCount - 1, 1)), round: true)
  let first = floor(lo / step) * step
  let last = ceil(hi / step) * step
  let count = Int(((last - first) / step).rounded()) + 1
  return (0..<count).map { k in
    let v = first + Double(k) * step
    return abs(v) < step * 1e-9 ? 0 : v
  }
}

/// Decade ticks 10ᵏ that cover [lower, upper] for a logarithmic axis.
/// - Parameters: lower, upper: positive data range.
public func logTicks(lower: Double, upper: Double) -> [Double] {
  let lo = max(min(lower, upper), .leastNormalMagnitude)
  let hi = max(lower, upper, lo)
  var a = floor(log10(lo)), b = ceil(log10(hi))
  if a == b { a -= 1; b += 1 }
  // Thin out very long decades so labels do not collide.
  let stride = max(1, Int(((b - a) / 8).rounded(.up)))
  var ticks: [Double] = []
  var e = a
  while e <= b + 1e-9 {
    ticks.append(pow(10, e))
    e += Double(stride)
  }
  if let lastTick = ticks.last, lastTick < hi { ticks.append(lastTick * pow(10, Double(stride))) }
  return ticks
}

/// One axis: the value range drawn, its ticks and how values map to [0, 1] along it.
public struct Axis: Sendable {
  /// Smallest value shown (in data units).
  public var lower: Double
  /// Largest value shown (in data units).
  public var upper: Double
  /// Linear or logarithmic placement.
  public var scale: AxisScale
  /// Tick values, data units, inside [lower, upper].
  public var ticks: [Double]

  /// An axis that covers `values` (non-finite values and, on a log axis, values ≤ 0 ignored),
  /// extended to nice tick values.
  /// - Parameters:
  ///   - values: the data shown along this axis.
  ///   - scale: linear or log.
  ///   - includeZero: extend a linear range to contain 0 (histogram counts).
  public init(covering values: [Double], scale: AxisScale = .linear, includeZero: Bool = false) {
    let usable = values.filter { $0.isFinite && (scale == .linear || $0 > 0) }
    var lo = usable.min() ?? (scale == .log ? 0.1 : 0)
    var hi = usable.max() ?? (scale == .log ? 10 : 1)
    if includeZero && scale == .linear { lo = min(lo, 0); hi = max(hi, 0) }
    self.scale = scale
    switch scale {
    case .linear:
      let t = niceTicks(lower: lo, upper: hi)
      ticks = t
      lower = t.first!
      upper = t.last!
    case .log:
      let t = logTicks(lower: lo, upper: hi)
      ticks = t
      lower = t.first!
      upper = t.last!
    }
  }

  /// An axis with a fixed range and explicit ticks.
  public init(lower: Double, upper: Double, scale: AxisScale = .linear, ticks: [Double]? = nil) {
    self.lower = lower
    self.upper = upper
    self.scale = scale
    self.ticks = ticks ?? (scale == .linear ? niceTicks(lower: lower, upper: upper).filter { $0 >= lower - 1e-12 && $0 <= upper + 1e-12 } : logTicks(lower: lower, upper: upper).filter { $0 >= lower * (1 - 1e-12) && $0 <= upper * (1 + 1e-12) })
  }

  /// Where `value` lies along the axis: 0 at `lower`, 1 at `upper`; nil for values that cannot
  /// be drawn (non-finite, or ≤ 0 on a log axis).
  public func fraction(_ value: Double) -> Double? {
    guard value.isFinite else { return nil }
    switch scale {
    case .linear:
      let span = upper - lower
      return span == 0 ? 0.5 : (value - lower) / span
    case .log:
      guard value > 0, lower > 0, upper > 0 else { return nil }
      let span = log10(upper) - log10(lower)
      return span == 0 ? 0.5 : (log10(value) - log10(lower)) / span
    }
  }

  /// Tick label text: as few decimals as the tick step needs; powers of ten on a log axis.
  public func label(_ value: Double) -> String {
    switch scale {
    case .log:
      let e = Int(log10(value).rounded())
      if e >= -2 && e <= 4 { return formatTick(value, step: pow(10, Double(min(e, 0)))) }
      return "1e\(e)"
    case .linear:
      let step = ticks.count > 1 ? abs(ticks[1] - ticks[0]) : max(abs(value), 1)
      return formatTick(value, step: step)
    }
  }
}

/// A tick value with the number of decimals its step needs ("0.25", "100", "1.5e+06").
func formatTick(_ value: Double, step: Double) -> String {
  if value == 0 { return "0" }
  let magnitude = max(abs(value), step)
  if magnitude >= 1e6 || magnitude < 1e-4 {
    return String(format: "%.3g", value)
  }
  // The fewest decimals that write the step exactly (0.25 → 2, 0.5 → 1, 20 → 0).
  var decimals = 0
  while decimals < 8 {
    let scaled = step * pow(10, Double(decimals))
    if abs(scaled - scaled.rounded()) < 1e-6 * max(1, scaled) { break }
    decimals += 1
  }
  return String(format: "%.\(decimals)f", value)
}
