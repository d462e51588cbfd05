import Foundation

/// Text made safe for XML/HTML character data and attribute values (& < > " ').
public func escapeXML(_ text: String) -> String {
  var out = ""
  out.reserveCapacity(text.count)
  for c in text {
    switch c {
    case "&": out += "&amp;"
    case "<": out += "&lt;"
    case ">": out += "&gt;"
    case "\"": out += "&quot;"
    case "'": out += "&#39;"
    default: out.append(c)
    }
  }
  return out
}

/// A pixel coordinate written with two decimals ("12.35").
func px(_ value: Double) -> String { String(format: "%.2f", value) }

/// Colours for series, in order (colour-blind-safe palette of Okabe and Ito).
public let seriesColors = [
  "#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442", "#000000",
]

/// Writes a figure's text to `url` atomically (temporary file, then rename).
/// - Throws: the file system's error, naming the path.
public func writeFigure(_ text: String, to url: URL) throws {
  try FileManager.default.createDirectory(
    at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
  try Data(text.utf8).write(to: url, options: .atomic)
}

/// The drawing area of a plot: margins around a rectangle that holds the data, plus the
/// shared pieces every plot draws (frame, grid, ticks, axis labels, title, legend).
struct PlotFrame {
  var width: Double
  var height: Double
  var left = 74.0
  var right = 24.0
  var top = 40.0
  var bottom = 56.0
  var x: Axis
  var y: Axis

  var plotWidth: Double { width - left - right }
  var plotHeight: Double { height - top - bottom }

  /// Pixel x of a data value (nil when it cannot be drawn).
  func px(x value: Double) -> Double? { x.fraction(value).map { left + $0 * plotWidth } }
  /// Pixel y of a data value, growing downwards (nil when it cannot be drawn).
  func px(y value: Double) -> Double? { y.fraction(value).map { top + (1 - $0) * plotHeight } }

  /// The opening of the SVG document, with title, grid, ticks and axis labels.
  func header(title: String, xLabel: String, yLabel: String) -> String {
    var s = """
      <svg xmlns="http://www.w3.org/2000/svg" width="\(Int(width))" height="\(Int(height))" \
      viewBox="0 0 \(Int(width)) \(Int(height))" font-family="Helvetica, Arial, sans-serif" font-size="12">

      """
    s += "<title>\(escapeXML(title))</title>\n"
    s += "<rect x=\"0\" y=\"0\" width=\"\(Int(width))\" height=\"\(Int(height))\" fill=\"white\"/>\n"
    s += "<g class=\"grid\" stroke=\"#e4e4e4\" stroke-width=\"1\">\n"
    for t in x.ticks { if let p = px(x: t) { s += "<line x1=\"\(Reporting.px(p))\" y1=\"\(Reporting.px(top))\" x2=\"\(Reporting.px(p))\" y2=\"\(Reporting.px(top + plotHeight))\"/>\n" } }
    for t in y.ticks { if let p = px(y: t) { s += "<line x1=\"\(Reporting.px(left))\" y1=\"\(Reporting.px(p))\" x2=\"\(Reporting.px(left + plotWidth))\" y2=\"\(Reporting.px(p))\"/>\n" } }
    s += "</g>\n"
    s += "<rect class=\"frame\" x=\"\(Reporting.px(left))\" y=\"\(Reporting.px(top))\" width=\"\(Reporting.px(plotWidth))\" height=\"\(Reporting.px(plotHeight))\" fill=\"none\" stroke=\"#444\"/>\n"
    s += "<g class=\"x-ticks\" text-anchor=\"middle\">\n"
    for t in x.ticks {
      guard let p = px(x: t) else { continue }
      s += "<line x1=\"\(Reporting.px(p))\" y1=\"\(Reporting.px(top + plotHeight))\" x2=\"\(Reporting.px(p))\" y2=\"\(Reporting.px(top + plotHeight + 5))\" stroke=\"#444\"/>"
      s += "<text class=\"tick\" data-value=\"\(t)\" x=\"\(Reporting.px(p))\" y=\"\(Reporting.px(top + plotHeight + 18))\">\(escapeXML(x.label(t)))</text>\n"
    }
    s += "</g>\n<g class=\"y-ticks\" text-anchor=\"end\">\n"
    for t in y.ticks {
      guard let p = px(y: t) else { continue }
      s += "<line x1=\"\(Reporting.px(left - 5))\" y1=\"\(Reporting.px(p))\" x2=\"\(Reporting.px(left))\" y2=\"\(Reporting.px(p))\" stroke=\"#444\"/>"
      s += "<text class=\"tick\" data-value=\"\(t)\" x=\"\(Reporting.px(left - 8))\" y=\"\(Reporting.px(p + 4))\">\(escapeXML(y.label(t)))</text>\n"
    }
    s += "</g>\n"
    s += "<text class=\"title\" x=\"\(Reporting.px(left + plotWidth / 2))\" y=\"24\" text-anchor=\"middle\" font-size=\"15\" font-weight=\"bold\">\(escapeXML(title))</text>\n"
    s += "<text class=\"x-label\" x=\"\(Reporting.px(left + plotWidth / 2))\" y=\"\(Reporting.px(height - 14))\" text-anchor=\"middle\" font-size=\"13\">\(escapeXML(xLabel))</text>\n"
    let cy = top + plotHeight / 2
    s += "<text class=\"y-label\" x=\"18\" y=\"\(Reporting.px(cy))\" text-anchor=\"middle\" font-size=\"13\" transform=\"rotate(-90 18 \(Reporting.px(cy)))\">\(escapeXML(yLabel))</text>\n"
    return s
  }

  /// A legend box in the top-right corner of the data area.
  func legend(_ entries: [(name: String, color: String, dashed: Bool)]) -> String {
    let named = entries.filter { !$0.name.isEmpty }
    guard !named.isEmpty else { return "" }
    let longest = named.map { $0.name.count }.max() ?? 0
    let boxWidth = 36 + 7 * Double(longest)
    let boxHeight = 8 + 18 * Double(named.count)
    let x0 = left + plotWidth - boxWidth - 8
    let y0 = top + 8
    var s = "<g class=\"legend\">\n<rect x=\"\(Reporting.px(x0))\" y=\"\(Reporting.px(y0))\" width=\"\(Reporting.px(boxWidth))\" height=\"\(Reporting.px(boxHeight))\" fill=\"white\" fill-opacity=\"0.85\" stroke=\"#bbb\"/>\n"
    for (k, e) in named.enumerated() {
      let yy = y0 + 16 + 18 * Double(k)
      let dash = e.dashed ? " stroke-dasharray=\"6 4\"" : ""
      s += "<line x1=\"\(Reporting.px(x0 + 6))\" y1=\"\(Reporting.px(yy - 4))\" x2=\"\(Reporting.px(x0 + 26))\" y2=\"\(Reporting.px(yy - 4))\" stroke=\"\(e.color)\" stroke-width=\"2.5\"\(dash)/>"
      s += "<text x=\"\(Reporting.px(x0 + 31))\" y=\"\(Reporting.px(yy))\">\(escapeXML(e.name))</text>\n"
    }
    return s + "</g>\n"
  }

  /// Lines of text in the top-left corner of the data area (e.g. "MAE 12.3 meV/Å").
  func annotations(_ lines: [String]) -> String {
    guard !lines.isEmpty else { return "" }
    var s = "<g class=\"annotations\" font-size=\"12\">\n"
    for (k, line) in lines.enumerated() {
      s += "<text x=\"\(Reporting.px(left + 8))\" y=\"\(Reporting.px(top + 18 + 16 * Double(k)))\">\(escapeXML(line))</text>\n"
    }
    return s + "</g>\n"
  }
}
