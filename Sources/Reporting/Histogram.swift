import Foundation

/// Counts of values in equal-width bins.
public struct Binning: Sendable, Equatable {
  /// Bin edges, [bins + 1], ascending, in the values' unit.
  public var edges: [Double]
  /// Values per bin, [bins]. Bin k holds edges[k] ≤ v < edges[k+1]; the last bin also holds
  /// v = edges[bins]. Values outside the edges and non-finite values are not counted.
  public var counts: [Int]

  /// Bins `values` into `bins` equal bins over `range` (default: the finite values' min…max).
  public init(_ values: [Double], bins: Int, range: ClosedRange<Double>? = nil) {
    precondition(bins > 0, "a histogram needs at least one bin")
    let finite = values.filter { $0.isFinite }
    var lo = range?.lowerBound ?? finite.min() ?? 0
    var hi = range?.upperBound ?? finite.max() ?? 1
    if hi <= lo { lo -= 0.5; hi += 0.5 }
    let width = (hi - lo) / Double(bins)
    edges = (0...bins).map { lo + Double($0) * width }
    edges[bins] = hi
    counts = Array(repeating: 0, count: bins)
    for v in finite where v >= lo && v <= hi {
      let k = min(Int((v - lo) / width), bins - 1)
      counts[k] += 1
    }
  }
}

/// A histogram of one or more sets of values sharing the same bins, as SVG (error
/// distributions, bond lengths).
///
///     var h = Histogram(title: "Force errors", xLabel: "error (meV/Å)", bins: 50)
///     h.add("validation", values: errors)
///     try writeFigure(h.svg(), to: folder.appendingPathComponent("force_errors.svg"))
///
/// Each set is a `<g class="series">` of `<rect>` bars (semi-transparent when several overlap).
public struct Histogram: Sendable {
  public var title: String
  /// x-axis label with unit.
  public var xLabel: String
  /// y-axis label ("count" by default).
  public var yLabel: String
  /// Number of equal-width bins.
  public var bins: Int
  /// Bin range; nil covers all values.
  public var range: ClosedRange<Double>?
  /// Logarithmic counts axis (empty bins not drawn).
  public var yScale: AxisScale
  public var width: Double
  public var height: Double
  /// Text lines shown in the top-left corner.
  public var annotations: [String] = []
  public var series: [(name: String, values: [Double], color: String?)] = []

  public init(title: String, xLabel: String, yLabel: String = "count", bins: Int = 40,
              range: ClosedRange<Double>? = nil, yScale: AxisScale = .linear,
              width: Double = 640, height: Double = 400) {
    self.title = title
    self.xLabel = xLabel
    self.yLabel = yLabel
    self.bins = bins
    self.range = range
    self.yScale = yScale
    self.width = width
    self.height = height
  }

  /// Adds a set of values. - Parameter values: [n], in the x unit.
  public mutating func add(_ name: String, values: [Double], color: String? = nil) {
    series.append((name, values, color))
  }

  /// The common bin range of all sets.
  var binRange: ClosedRange<Double>? {
    if let range { return range }
    let all = series.flatMap { $0.values }.filter { $0.isFinite }
    guard let lo = all.min(), let hi = all.max() else { return nil }
    return lo...hi
  }

  /// The binned counts of each set, in order.
  public var binnings: [Binning] {
    let r = binRange
    return series.map { Binning($0.values, bins: bins, range: r) }
  }

  /// The figure as a standalone SVG document.
  public func svg() -> String {
    let binned = binnings
    let edges = binned.first?.edges ?? [0, 1]
    let counts = binned.flatMap { $0.counts.map(Double.init) }
    let xAxis = Axis(covering: [edges.first!, edges.last!])
    let yAxis = yScale == .log
      ? Axis(covering: counts.filter { $0 > 0 } + [1], scale: .log)
      : Axis(covering: counts + [0], includeZero: true)
    let frame = PlotFrame(width: width, height: height, x: xAxis, y: yAxis)
    var s = frame.header(title: title, xLabel: xLabel, yLabel: yLabel)
    let opacity = series.count > 1 ? "0.5" : "0.8"
    var legend: [(name: String, color: String, dashed: Bool)] = []
    for (k, b) in binned.enumerated() {
      let color = series[k].color ?? seriesColors[k % seriesColors.count]
      legend.append((series[k].name, color, false))
      s += "<g class=\"series\" data-name=\"\(escapeXML(series[k].name))\" fill=\"\(color)\" fill-opacity=\"\(opacity)\" stroke=\"white\" stroke-width=\"0.5\">\n"
      let base = yScale == .log ? yAxis.lower : 0
      for (j, c) in b.counts.enumerated() where c > 0 {
        guard let x0 = frame.px(x: b.edges[j]), let x1 = frame.px(x: b.edges[j + 1]),
              let y0 = frame.px(y: Double(c)), let yb = frame.px(y: base) else { continue }
        s += "<rect data-count=\"\(c)\" x=\"\(px(x0))\" y=\"\(px(y0))\" width=\"\(px(x1 - x0))\" height=\"\(px(yb - y0))\"/>"
      }
      s += "\n</g>\n"
    }
    s += frame.annotations(annotations)
    if series.count > 1 { s += frame.legend(legend) }
    return s + "</svg>\n"
  }
}
