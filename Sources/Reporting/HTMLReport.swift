import Foundation

/// A small, self-contained HTML page: headings, paragraphs, tables, inline SVG figures and
/// images embedded as data URIs. No scripts, fonts or style sheets are fetched, so the page
/// opens offline and can be mailed as one file.
///
///     var page = HTMLReport(title: "Evaluation of student.safetensors")
///     page.heading("Errors")
///     page.table(header: ["quantity", "MAE", "RMSE"], rows: [["forces (meV/Å)", "31.2", "44.0"]])
///     page.figures([parity.svg(), histogram.svg()])
///     try page.write(to: folder.appendingPathComponent("report.html"))
public struct HTMLReport: Sendable {
  /// Page title (also the first heading).
  public var title: String
  /// The body's HTML fragments, in order.
  public private(set) var blocks: [String] = []

  public init(title: String) { self.title = title }

  /// A section heading. - Parameter level: 2 (section) to 4.
  public mutating func heading(_ text: String, level: Int = 2) {
    let l = min(max(level, 2), 6)
    blocks.append("<h\(l)>\(escapeXML(text))</h\(l)>")
  }

  /// A paragraph of plain text (escaped).
  public mutating func paragraph(_ text: String) {
    blocks.append("<p>\(escapeXML(text))</p>")
  }

  /// Preformatted text in a monospaced block (commands, configuration).
  public mutating func preformatted(_ text: String) {
    blocks.append("<pre>\(escapeXML(text))</pre>")
  }

  /// A table. - Parameters: header: column titles (empty: no header row); rows: cells as
  /// text, [rows][columns].
  public mutating func table(header: [String], rows: [[String]], caption: String? = nil) {
    var s = "<table>"
    if let caption { s += "<caption>\(escapeXML(caption))</caption>" }
    if !header.isEmpty {
      s += "<thead><tr>" + header.map { "<th>\(escapeXML($0))</th>" }.joined() + "</tr></thead>"
    }
    s += "<tbody>"
    for row in rows {
      s += "<tr>" + row.map { "<td>\(escapeXML($0))</td>" }.joined() + "</tr>"
    }
    blocks.append(s + "</tbody></table>")
  }

  /// A key–value table (e.g. a configuration).
  public mutating func keyValueTable(_ pairs: [(String, String)], caption: String? = nil) {
    table(header: [], rows: pairs.map { [$0.0, $0.1] }, caption: caption)
  }

  /// One SVG figure inline (the `<?xml …?>` prolog, if any, is dropped).
  public mutating func svg(_ svg: String, caption: String? = nil) {
    figures([svg], captions: caption.map { [$0] } ?? [])
  }

  /// Several SVG figures side by side, wrapping on narrow screens.
  public mutating func figures(_ svgs: [String], captions: [String] = []) {
    var s = "<div class=\"figures\">"
    for (k, svg) in svgs.enumerated() {
      s += "<figure>" + stripProlog(svg)
      if k < captions.count { s += "<figcaption>\(escapeXML(captions[k]))</figcaption>" }
      s += "</figure>"
    }
    blocks.append(s + "</div>")
  }

  /// A raster image embedded as a data URI.
  /// - Parameters: data: the encoded image; mimeType: "image/png", "image/jpeg".
  public mutating func image(_ data: Data, mimeType: String = "image/png", alt: String, caption: String? = nil) {
    var s = "<figure><img alt=\"\(escapeXML(alt))\" src=\"data:\(mimeType);base64,\(data.base64EncodedString())\"/>"
    if let caption { s += "<figcaption>\(escapeXML(caption))</figcaption>" }
    blocks.append(s + "</figure>")
  }

  /// Raw HTML, inserted as is (the caller is responsible for escaping).
  public mutating func raw(_ html: String) { blocks.append(html) }

  /// The whole page.
  public func html() -> String {
    """
    <!DOCTYPE html>
    <html lang="en">
    <head>
    <meta charset="utf-8"/>
    <meta name="viewport" content="width=device-width, initial-scale=1"/>
    <title>\(escapeXML(title))</title>
    <style>
    body { font-family: Helvetica, Arial, sans-serif; max-width: 1100px; margin: 2em auto; padding: 0 1em; color: #222; }
    h1 { font-size: 1.6em; } h2 { margin-top: 1.6em; border-bottom: 1px solid #ddd; }
    table { border-collapse: collapse; margin: 1em 0; }
    th, td { border: 1px solid #ccc; padding: 4px 10px; text-align: right; }
    th:first-child, td:first-child { text-align: left; }
    caption { font-weight: bold; text-align: left; padding-bottom: 4px; }
    pre { background: #f6f6f6; padding: 0.8em; overflow-x: auto; }
    .figures { display: flex; flex-wrap: wrap; gap: 1em; }
    figure { margin: 0; } figcaption { color: #555; font-size: 0.9em; }
    svg, img { max-width: 100%; height: auto; }
    </style>
    </head>
    <body>
    <h1>\(escapeXML(title))</h1>
    \(blocks.joined(separator: "\n"))
    </body>
    </html>

    """
  }

  /// Writes the page atomically. - Throws: the file system's error, naming the path.
  public func write(to url: URL) throws { try writeFigure(html(), to: url) }
}

/// An SVG document without its `<?xml …?>` declaration, ready to inline in HTML.
func stripProlog(_ svg: String) -> String {
  guard svg.hasPrefix("<?xml"), let end = svg.range(of: "?>") else { return svg }
  return String(svg[end.upperBound...]).trimmingCharacters(in: .whitespacesAndNewlines)
}
