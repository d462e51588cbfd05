import Foundation

/// One named series of a `LinePlot`: y against x, drawn as a line and/or markers.
public struct LineSeries: Sendable {
  /// Legend text ("" for no legend entry).
  public var name: String
  /// Abscissae, [n], in the plot's x unit.
  public var x: [Double]
  /// Ordinates, [n], in the plot's y unit. Non-finite values break the line.
  public var y: [Double]
  /// SVG colour; nil picks the next one from `seriesColors`.
  public var color: String?
  /// Dashed instead of solid line.
  public var dashed: Bool
  /// Draw a small circle at each point.
  public var markers: Bool
  /// Draw the connecting line.
  public var line: Bool

  public init(name: String, x: [Double], y: [Double], color: String? = nil,
              dashed: Bool = false, markers: Bool = false, line: Bool = true) {
    precondition(x.count == y.count, "series '\(name)': \(x.count) x values but \(y.count) y values")
    self.name = name
    self.x = x
    self.y = y
    self.color = color
    self.dashed = dashed
    self.markers = markers
    self.line = line
  }
}

/// A line plot with several series, a legend and linear or logarithmic axes, as SVG.
///
///     var plot = LinePlot(title: "Learning curve", xLabel: "epoch", yLabel: "loss", yScale: .log)
///     plot.add("training", x: epochs, y: trainLoss)
///     plot.add("validation", x: epochs, y: validLoss, dashed: true)
///     try writeFigure(plot.svg(), to: runFolder.appendingPathComponent("learning_curve.svg"))
///
/// Non-finite points (and points ≤ 0 on a log axis) are skipped and break the line there.
/// Each series is one `<g class="series" data-name="…">` holding `<polyline>` segments and
/// optional `<circle>` markers, so the figure is easy to check or restyle.
public struct LinePlot: Sendable {
  public var title: String
  /// x-axis label with its unit, e.g. "time (fs)".
  public var xLabel: String
  /// y-axis label with its unit, e.g. "energy (eV)".
  public var yLabel: String
  public var xScale: AxisScale
  public var yScale: AxisScale
  /// Figure size in pixels.
  public var width: Double
  public var height: Double
  /// Fixed axis ranges; nil fits the data, extended to nice ticks.
  public var xRange: ClosedRange<Double>?
  public var yRange: ClosedRange<Double>?
  /// Text lines shown in the top-left corner of the data area.
  public var annotations: [String] = []
  /// The series, drawn in order.
  public var series: [LineSeries] = []
  /// Id of the clip path, unique per figure when several are inlined in one page.
  public var clipIdentifier = "plot-area"

  public init(title: String, xLabel: String, yLabel: String,
              xScale: AxisScale = .linear, yScale: AxisScale = .linear,
              width: Double = 640, height: Double = 400) {
    self.title = title
    self.xLabel = xLabel
    self.yLabel = yLabel
    self.xScale = xScale
    self.yScale = yScale
    self.width = width
    self.height = height
  }

  /// Adds a series. - Parameters: x, y: [n] values in the axes' units.
  public mutating func add(_ name: String, x: [Double], y: [Double], color: String? = nil,
                           dashed: Bool = false, markers: Bool = false) {
    series.append(LineSeries(name: name, x: x, y: y, color: color, dashed: dashed, markers: markers))
  }

  /// Adds a series with x = 0, 1, 2, ….
  public mutating func add(_ name: String, y: [Double], color: String? = nil, dashed: Bool = false) {
    add(name, x: y.indices.map(Double.init), y: y, color: color, dashed: dashed)
  }

  /// The axes the figure uses.
  public var axes: (x: Axis, y: Axis) {
    let xs = series.flatMap { $0.x }
    let ys = series.flatMap { $0.y }
    let xAxis = xRange.map { Axis(lower: $0.lowerBound, upper: $0.upperBound, scale: xScale) }
      ?? Axis(covering: xs, scale: xScale)
    let yAxis = yRange.map { Axis(lower: $0.lowerBound, upper: $0.upperBound, scale: yScale) }
      ?? Axis(covering: ys, scale: yScale)
    return (xAxis, yAxis)
  }

  /// The figure as a standalone SVG document.
  public func svg() -> String {
    let (xAxis, yAxis) = axes
    let frame = PlotFrame(width: width, height: height, x: xAxis, y: yAxis)
    var s = frame.header(title: title, xLabel: xLabel, yLabel: yLabel)
    s += "<clipPath id=\"\(clipIdentifier)\"><rect x=\"\(px(frame.left))\" y=\"\(px(frame.top))\" width=\"\(px(frame.plotWidth))\" height=\"\(px(frame.plotHeight))\"/></clipPath>\n"
    var legend: [(name: String, color: String, dashed: Bool)] = []
    for (k, serie) in series.enumerated() {
      let color = serie.color ?? seriesColors[k % seriesColors.count]
      legend.append((serie.name, color, serie.dashed))
      s += "<g class=\"series\" data-name=\"\(escapeXML(serie.name))\" clip-path=\"url(#\(clipIdentifier))\">\n"
      var segment: [String] = []
      var markers = ""
      func flush() {
        if serie.line && segment.count > 1 {
          let dash = serie.dashed ? " stroke-dasharray=\"6 4\"" : ""
          s += "<polyline fill=\"none\" stroke=\"\(color)\" stroke-width=\"2\"\(dash) points=\"\(segment.joined(separator: " "))\"/>\n"
        }
        segment.removeAll()
      }
      for (xv, yv) in zip(serie.x, serie.y) {
        guard let X = frame.px(x: xv), let Y = frame.px(y: yv) else { flush(); continue }
        segment.append("\(px(X)),\(px(Y))")
        if serie.markers || !serie.line {
          markers += "<circle cx=\"\(px(X))\" cy=\"\(px(Y))\" r=\"3\" fill=\"\(color)\"/>"
        }
      }
      flush()
      s += markers.isEmpty ? "" : markers + "\n"
      s += "</g>\n"
    }
    s += frame.annotations(annotations)
    s += frame.legend(legend)
    return s + "</svg>\n"
  }
}
