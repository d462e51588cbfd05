import Foundation

/// A scatter plot of predicted against reference values with the y = x line, as SVG: the
/// parity plot of a force field's errors.
///
///     var parity = ScatterPlot(title: "Forces", xLabel: "teacher force (eV/Å)",
///                              yLabel: "student force (eV/Å)")
///     parity.add("Cu", x: referenceComponents, y: predictedComponents)
///     parity.annotations = ["MAE 31.2 meV/Å", "RMSE 44.0 meV/Å"]
///     try writeFigure(parity.svg(), to: folder.appendingPathComponent("parity_forces.svg"))
///
/// Both axes share one range so that y = x is the diagonal. Beyond `maxPoints` points per
/// series, every k-th point is drawn (the same points on every run) to keep the file small.
public struct ScatterPlot: Sendable {
  public var title: String
  public var xLabel: String
  public var yLabel: String
  public var width: Double
  public var height: Double
  /// Draw the y = x line and use equal x and y ranges.
  public var parity: Bool
  /// Most points drawn per series.
  public var maxPoints: Int
  /// Text lines shown in the top-left corner (metrics).
  public var annotations: [String] = []
  /// Series as (name, x, y, colour).
  public var series: [(name: String, x: [Double], y: [Double], color: String?)] = []

  public init(title: String, xLabel: String, yLabel: String, parity: Bool = true,
              width: Double = 480, height: Double = 480, maxPoints: Int = 20_000) {
    self.title = title
    self.xLabel = xLabel
    self.yLabel = yLabel
    self.parity = parity
    self.width = width
    self.height = height
    self.maxPoints = maxPoints
  }

  /// Adds a series of points. - Parameters: x (reference), y (prediction): [n], same unit.
  public mutating func add(_ name: String, x: [Double], y: [Double], color: String? = nil) {
    precondition(x.count == y.count, "series '\(name)': \(x.count) x values but \(y.count) y values")
    series.append((name, x, y, color))
  }

  /// The axes the figure uses (shared range when `parity`).
  public var axes: (x: Axis, y: Axis) {
    let xs = series.flatMap { $0.x }, ys = series.flatMap { $0.y }
    if parity {
      let shared = Axis(covering: xs + ys)
      return (shared, shared)
    }
    return (Axis(covering: xs), Axis(covering: ys))
  }

  /// The figure as a standalone SVG document.
  public func svg() -> String {
    let (xAxis, yAxis) = axes
    var frame = PlotFrame(width: width, height: height, x: xAxis, y: yAxis)
    if parity {
      // A square data area, so that y = x runs at 45°.
      let side = min(frame.plotWidth, frame.plotHeight)
      frame.right = width - frame.left - side
      frame.bottom = height - frame.top - side
    }
    var s = frame.header(title: title, xLabel: xLabel, yLabel: yLabel)
    if parity, let a = frame.px(x: xAxis.lower), let b = frame.px(y: yAxis.lower),
       let c = frame.px(x: xAxis.upper), let d = frame.px(y: yAxis.upper) {
      s += "<line class=\"identity\" x1=\"\(px(a))\" y1=\"\(px(b))\" x2=\"\(px(c))\" y2=\"\(px(d))\" stroke=\"#888\" stroke-width=\"1.2\" stroke-dasharray=\"5 4\"/>\n"
    }
    var legend: [(name: String, color: String, dashed: Bool)] = []
    for (k, serie) in series.enumerated() {
      let color = serie.color ?? seriesColors[k % seriesColors.count]
      legend.append((serie.name, color, false))
      let stride = max(1, (serie.x.count + maxPoints - 1) / max(maxPoints, 1))
      s += "<g class=\"series\" data-name=\"\(escapeXML(serie.name))\" fill=\"\(color)\" fill-opacity=\"0.55\">\n"
      var i = 0
      while i < serie.x.count {
        if let X = frame.px(x: serie.x[i]), let Y = frame.px(y: serie.y[i]) {
          s += "<circle cx=\"\(px(X))\" cy=\"\(px(Y))\" r=\"2.2\"/>"
        }
        i += stride
      }
      s += "\n</g>\n"
    }
    s += frame.annotations(annotations)
    if series.count > 1 { s += frame.legend(legend) }
    return s + "</svg>\n"
  }
}
