import Foundation
import Testing
@testable import Reporting
#if canImport(FoundationXML)
import FoundationXML
#endif

/// Parses an SVG/HTML string as XML; fails the test when it is not well formed.
func parseXML(_ text: String) throws -> XMLDocument {
  try XMLDocument(xmlString: text, options: [])
}

func elements(_ doc: XMLDocument, _ xpath: String) throws -> [XMLElement] {
  try doc.nodes(forXPath: xpath).compactMap { $0 as? XMLElement }
}

/// The text of an attribute (looked up by name among all attributes: `attribute(forName:)`
/// misses attributes of elements in a default namespace on some platforms).
func attributeText(_ e: XMLElement, _ name: String) -> String? {
  e.attributes?.first { $0.name == name || $0.localName == name }?.stringValue
}

func attribute(_ e: XMLElement, _ name: String) -> Double? {
  attributeText(e, name).flatMap(Double.init)
}

/// Pixel position of the tick whose value is `value` (from the tick label the plot drew).
func tickPosition(_ doc: XMLDocument, axis: String, value: Double) throws -> Double? {
  for t in try elements(doc, "//*[local-name()='g'][@class='\(axis)-ticks']/*[local-name()='text']") {
    if let v = attribute(t, "data-value"), abs(v - value) < 1e-9 * max(1, abs(value)) {
      return attribute(t, axis == "x" ? "x" : "y").map { axis == "x" ? $0 : $0 - 4 }
    }
  }
  return nil
}

@Suite struct SVGStructureTests {
  @Test func linePlotIsWellFormedWithOneGroupPerSeries() throws {
    var plot = LinePlot(title: "Energy <drift> & temperature", xLabel: "time (fs)", yLabel: "E (eV)")
    plot.add("total", x: [0, 1, 2, 3], y: [1, 2, 3, 4])
    plot.add("kinetic", x: [0, 1, 2, 3], y: [0.5, 0.25, .nan, 1], dashed: true)
    let doc = try parseXML(plot.svg())
    let groups = try elements(doc, "//*[local-name()='g'][@class='series']")
    #expect(groups.map { attributeText($0, "data-name") } == ["total", "kinetic"])
    // The NaN breaks the second series into two segments, the second of which has one point
    // (not drawn as a line).
    let lines = try elements(doc, "//*[local-name()='g'][@data-name='kinetic']/*[local-name()='polyline']")
    #expect(lines.count == 1)
    let title = try elements(doc, "//*[local-name()='text'][@class='title']").first?.stringValue
    #expect(title == "Energy <drift> & temperature")
    let legend = try elements(doc, "//*[local-name()='g'][@class='legend']/*[local-name()='text']")
    #expect(legend.map(\.stringValue) == ["total", "kinetic"])
  }

  @Test func pointsLandOnTheirTicks() throws {
    var plot = LinePlot(title: "t", xLabel: "x", yLabel: "y")
    plot.add("a", x: [0, 2, 4, 10], y: [-1, 0, 3, 6])  // y ticks −2, 0, 2, 4, 6
    let doc = try parseXML(plot.svg())
    let line = try #require(elements(doc, "//*[local-name()='polyline']").first)
    let points = attributeText(line, "points")!.split(separator: " ").map {
      $0.split(separator: ",").map { Double($0)! }
    }
    #expect(points.count == 4)
    // Data values that are also tick values must sit exactly on their tick marks.
    for (k, xv) in [0.0, 2, 4, 10].enumerated() {
      if let tx = try tickPosition(doc, axis: "x", value: xv) { #expect(abs(points[k][0] - tx) < 0.02) }
    }
    let x0 = try #require(try tickPosition(doc, axis: "x", value: 0))
    let x10 = try #require(try tickPosition(doc, axis: "x", value: 10))
    #expect(abs(points[0][0] - x0) < 0.02 && abs(points[3][0] - x10) < 0.02)
    let y0 = try #require(try tickPosition(doc, axis: "y", value: 0))
    let y6 = try #require(try tickPosition(doc, axis: "y", value: 6))
    #expect(abs(points[1][1] - y0) < 0.02)
    #expect(abs(points[3][1] - y6) < 0.02)
    // y grows downwards in SVG.
    #expect(y6 < y0)
    // Linear: y = 3 sits half way from 0 to 6.
    #expect(abs(points[2][1] - (y0 + 0.5 * (y6 - y0))) < 0.02)
  }

  @Test func logAxisPlacesDecadesEvenly() throws {
    var plot = LinePlot(title: "loss", xLabel: "epoch", yLabel: "loss", yScale: .log)
    plot.add("train", x: [1, 2, 3], y: [100, 1, 0.01])
    plot.add("bad", x: [1, 2], y: [0, -1])  // not drawable on a log axis
    let doc = try parseXML(plot.svg())
    let line = try #require(elements(doc, "//*[local-name()='g'][@data-name='train']/*[local-name()='polyline']").first)
    let ys = attributeText(line, "points")!.split(separator: " ").map {
      Double($0.split(separator: ",")[1])!
    }
    #expect(abs((ys[1] - ys[0]) - (ys[2] - ys[1])) < 0.02)
    let y1 = try #require(try tickPosition(doc, axis: "y", value: 1))
    #expect(abs(ys[1] - y1) < 0.02)
    #expect(try elements(doc, "//*[local-name()='g'][@data-name='bad']/*[local-name()='polyline']").isEmpty)
  }

  @Test func parityPlotHasTheIdentityLineAndEqualAxes() throws {
    var p = ScatterPlot(title: "Forces", xLabel: "teacher (eV/Å)", yLabel: "student (eV/Å)")
    p.add("Cu", x: [-1, 0, 2], y: [-0.8, 0.1, 2.5])
    p.annotations = ["MAE 0.2 eV/Å"]
    let doc = try parseXML(p.svg())
    let circles = try elements(doc, "//*[local-name()='circle']")
    #expect(circles.count == 3)
    let line = try #require(elements(doc, "//*[local-name()='line'][@class='identity']").first)
    let x1 = attribute(line, "x1")!, y1 = attribute(line, "y1")!
    let x2 = attribute(line, "x2")!, y2 = attribute(line, "y2")!
    // A point with x == y lies on the identity line: check the line's slope through the
    // plotted axes (equal ranges ⇒ the line joins opposite corners of a square frame).
    #expect(abs(abs(x2 - x1) - abs(y2 - y1)) < 0.02)
    // The point (2, 2.5) lies above the diagonal (smaller pixel y than the line at x).
    let c = circles[2]
    let cx = attribute(c, "cx")!, cy = attribute(c, "cy")!
    let lineY = y1 + (cx - x1) / (x2 - x1) * (y2 - y1)
    #expect(cy < lineY)
    // (0, 0.1) is close to the line, within 0.1 eV/Å.
    let text = try elements(doc, "//*[local-name()='g'][@class='annotations']/*[local-name()='text']")
    #expect(text.first?.stringValue == "MAE 0.2 eV/Å")
  }

  @Test func scatterSubsamplesBeyondMaxPoints() throws {
    var p = ScatterPlot(title: "many", xLabel: "x", yLabel: "y", maxPoints: 100)
    let x = (0..<1000).map(Double.init)
    p.add("s", x: x, y: x)
    let doc = try parseXML(p.svg())
    #expect(try elements(doc, "//*[local-name()='circle']").count == 100)
  }

  @Test func histogramBarHeightsAreProportionalToCounts() throws {
    var h = Histogram(title: "errors", xLabel: "meV/Å", bins: 4, range: 0...4)
    h.add("v", values: [0.5, 1.5, 1.6, 2.5, 2.6, 2.7, 2.8, 3.5])
    let doc = try parseXML(h.svg())
    let bars = try elements(doc, "//*[local-name()='g'][@class='series']/*[local-name()='rect']")
    #expect(bars.compactMap { attribute($0, "data-count") } == [1, 2, 4, 1])
    let heights = bars.map { attribute($0, "height")! }
    #expect(abs(heights[1] / heights[0] - 2) < 1e-3)
    #expect(abs(heights[2] / heights[0] - 4) < 1e-3)
    let widths = bars.map { attribute($0, "width")! }
    #expect(widths.allSatisfy { abs($0 - widths[0]) < 0.02 })
    // Bars stand on the zero line.
    let zero = try #require(try tickPosition(doc, axis: "y", value: 0))
    for b in bars { #expect(abs(attribute(b, "y")! + attribute(b, "height")! - zero) < 0.02) }
  }

  @Test func htmlPageIsSelfContainedAndWellFormed() throws {
    var page = HTMLReport(title: "Evaluation <test>")
    page.heading("Errors")
    page.paragraph("Forces & energies")
    page.table(header: ["quantity", "MAE"], rows: [["forces (meV/Å)", "31.2"]], caption: "summary")
    var plot = LinePlot(title: "a", xLabel: "x", yLabel: "y")
    plot.add("s", x: [0, 1], y: [0, 1])
    page.figures([plot.svg(), plot.svg()], captions: ["one", "two"])
    page.image(Data([0x89, 0x50, 0x4E, 0x47]), alt: "png")
    let html = page.html()
    let doc = try parseXML(html.replacingOccurrences(of: "<!DOCTYPE html>", with: ""))
    #expect(try elements(doc, "//*[local-name()='svg']").count == 2)
    #expect(try elements(doc, "//td").map(\.stringValue) == ["forces (meV/Å)", "31.2"])
    #expect(try elements(doc, "//h1").first?.stringValue == "Evaluation <test>")
    let img = try #require(elements(doc, "//img").first)
    #expect(attributeText(img, "src") == "data:image/png;base64,iVBORw==")
    // Nothing fetched from elsewhere: no src/href pointing at a URL.
    #expect(!html.contains("src=\"http"))
    #expect(!html.contains("href="))
  }

  @Test func writeFigureWritesTheFile() throws {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("reporting-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: dir) }
    let url = dir.appendingPathComponent("sub/plot.svg")
    try writeFigure("<svg xmlns=\"http://www.w3.org/2000/svg\"/>", to: url)
    #expect(try String(contentsOf: url, encoding: .utf8).hasPrefix("<svg"))
  }
}
