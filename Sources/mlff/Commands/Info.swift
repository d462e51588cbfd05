import ArgumentParser
import Atomistic
import Foundation

/// Running minimum, mean and maximum of a stream of numbers.
struct RunningRange: Encodable {
  private(set) var count = 0
  private(set) var sum = 0.0
  private(set) var min = Double.infinity
  private(set) var max = -Double.infinity

  mutating func add(_ x: Double) {
    count += 1
    sum += x
    min = Swift.min(min, x)
    max = Swift.max(max, x)
  }

  var mean: Double { count > 0 ? sum / Double(count) : 0 }

  enum CodingKeys: String, CodingKey { case min, mean, max }
  func encode(to encoder: any Encoder) throws {
    var c = encoder.container(keyedBy: CodingKeys.self)
    if count > 0 {
      try c.encode(min, forKey: .min)
      try c.encode(mean, forKey: .mean)
      try c.encode(max, forKey: .max)
    }
  }
}

/// Neighbour counts of one frame at a cutoff.
struct FrameNeighbors: Encodable {
  var frame: Int
  /// Unordered pairs i–j (each listed twice in the directed neighbour list), images included.
  var pairs: Int
  /// Mean number of neighbours per atom (directed edges / atoms).
  var mean: Double
  /// Largest number of neighbours of any atom.
  var max: Int
}

/// Everything `mlff info` reports, gathered in one pass over the frames.
struct StructureFileSummary: Encodable {
  var file: String
  var frames = 0
  var atomsTotal = 0
  var atomsPerFrame = RunningRange()
  /// Atom counts by element, keyed by symbol.
  var elements: [String: Int] = [:]
  var periodicFrames = 0
  /// Frame counts by pbc pattern ("T T T").
  var pbc: [String: Int] = [:]
  /// Cell volume (Å³) over frames with a non-zero cell.
  var cellVolume = RunningRange()
  var energyLabels = 0
  var forcesLabels = 0
  var stressLabels = 0
  /// Frames carrying each info key.
  var infoKeys: [String: Int] = [:]
  /// Frames carrying each per-atom array.
  var arrays: [String: Int] = [:]
  var cutoff: Double?
  var neighborPairsTotal: Int?
  /// Mean neighbours per atom over all atoms of all frames.
  var neighborsPerAtomMean: Double?
  var neighborsPerAtomMax: Int?
  var perFrameNeighbors: [FrameNeighbors]?

  private var elementCounts = [Int](repeating: 0, count: Elements.maximumAtomicNumber + 1)

  init(file: String, cutoff: Double?) {
    self.file = file
    self.cutoff = cutoff
    if cutoff != nil {
      neighborPairsTotal = 0
      neighborsPerAtomMax = 0
      perFrameNeighbors = []
    }
  }

  enum CodingKeys: String, CodingKey {
    case file, frames, atomsTotal = "atoms_total", atomsPerFrame = "atoms_per_frame", elements
    case periodicFrames = "periodic_frames", pbc, cellVolume = "cell_volume"
    case energyLabels = "energy_labels", forcesLabels = "forces_labels", stressLabels = "stress_labels"
    case infoKeys = "info_keys", arrays, cutoff, neighborPairsTotal = "neighbor_pairs_total"
    case neighborsPerAtomMean = "neighbors_per_atom_mean", neighborsPerAtomMax = "neighbors_per_atom_max"
    case perFrameNeighbors = "per_frame_neighbors"
  }

  mutating func add(_ s: Structure, frame: Int) throws {
    frames += 1
    atomsTotal += s.count
    atomsPerFrame.add(Double(s.count))
    for z in s.atomicNumbers where Elements.isKnown(z) { elementCounts[z] += 1 }
    if s.isPeriodic { periodicFrames += 1 }
    pbc[s.pbc.map { $0 ? "T" : "F" }.joined(separator: " "), default: 0] += 1
    if !s.cell.isZero { cellVolume.add(s.cell.volume) }
    if s.energy != nil { energyLabels += 1 }
    if s.forces != nil { forcesLabels += 1 }
    if s.stress != nil { stressLabels += 1 }
    for key in s.info.keys { infoKeys[key, default: 0] += 1 }
    for key in s.arrays.keys { arrays[key, default: 0] += 1 }
    if let cutoff {
      let list: NeighborList
      do {
        list = try neighborList(s, cutoff: cutoff)
      } catch {
        throw CommandFailure("\(file): frame \(frame) (counting from 0): \(error)")
      }
      var perAtom = [Int](repeating: 0, count: s.count)
      for i in list.centers { perAtom[Int(i)] += 1 }
      let most = perAtom.max() ?? 0
      perFrameNeighbors?.append(FrameNeighbors(
        frame: frame, pairs: list.count / 2, mean: s.count > 0 ? Double(list.count) / Double(s.count) : 0, max: most))
      neighborPairsTotal? += list.count / 2
      neighborsPerAtomMax = Swift.max(neighborsPerAtomMax ?? 0, most)
      directedEdges += list.count
      neighborsPerAtomMean = atomsTotal > 0 ? Double(directedEdges) / Double(atomsTotal) : 0
    }
  }

  private var directedEdges = 0

  mutating func finish() {
    for z in 0...Elements.maximumAtomicNumber where elementCounts[z] > 0 {
      elements[Elements.symbol(z)] = elementCounts[z]
    }
  }

  /// Elements in order of atomic number, with counts: "Si 64, O 128".
  var elementList: String {
    (0...Elements.maximumAtomicNumber).filter { elementCounts[$0] > 0 }
      .map { "\(Elements.symbol($0)) \(elementCounts[$0])" }.joined(separator: ", ")
  }
}

extension MLFF {
  struct Info: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "info", abstract: "Frames, atoms, elements, cells, labels and neighbour counts of a structure file.",
      usage: "mlff info <file> [<options>]",
      discussion: """
        Reads the file frame by frame, so it works on files larger than memory. With --cutoff it builds each frame's neighbour list and reports neighbour pairs and neighbours per atom. An empty file is reported as 0 frames.

        Example:
          mlff info train.extxyz --cutoff 5 --json
        """)

    @Argument(help: "Structure file (.extxyz, .xyz).")
    var file: String
    @Option(help: "Also count neighbours within this distance (Å).")
    var cutoff: Double?
    @Flag(help: "Print one JSON object instead of text.")
    var json = false
    @Flag(help: "List neighbour counts for every frame (text output; always in JSON).")
    var perFrame = false
    @Option(help: "Input format (default: from the extension).")
    var inputFormat: StructureFileFormat?
    @OptionGroup var keys: LabelKeyOptions
    @OptionGroup var progress: ProgressOptions

    func validate() throws {
      if let cutoff, !(cutoff > 0 && cutoff.isFinite) {
        throw ValidationError("--cutoff must be a positive distance in Å, e.g. --cutoff 5")
      }
      _ = try StructureFileFormat.resolve(inputFormat, path: file, role: "the file", option: "--input-format")
    }

    func run() throws {
      let format = try StructureFileFormat.resolve(inputFormat, path: file, role: "the file", option: "--input-format")
      let source = try openStructureSource(file, format: format, options: keys.extxyz)
      let progressLine = LargeFileProgress(label: "info", source: source, shown: progress.showsProgress)
      var summary = StructureFileSummary(file: file, cutoff: cutoff)
      var frame = 0
      while let s = try source.next() {
        try summary.add(s, frame: frame)
        frame += 1
        progressLine.update()
      }
      progressLine.finish()
      summary.finish()
      if json {
        print(try jsonText(summary))
      } else {
        print(text(summary))
      }
    }

    private func text(_ s: StructureFileSummary) -> String {
      func g(_ x: Double) -> String { String(format: "%.6g", x) }
      var lines = ["file      \(s.file)", "frames    \(s.frames)"]
      guard s.frames > 0 else { return lines.joined(separator: "\n") }
      let a = s.atomsPerFrame
      lines.append("atoms     \(s.atomsTotal) total; per frame min \(Int(a.min)), mean \(g(a.mean)), max \(Int(a.max))")
      lines.append("elements  \(s.elementList)")
      let patterns = s.pbc.sorted { $0.value > $1.value }.map { "\"\($0.key)\" \($0.value)" }.joined(separator: ", ")
      lines.append("pbc       \(patterns)  (\(s.periodicFrames) periodic, \(s.frames - s.periodicFrames) not)")
      if s.cellVolume.count > 0 {
        let v = s.cellVolume
        lines.append("cells     \(v.count) with a cell; volume min \(g(v.min)), mean \(g(v.mean)), max \(g(v.max)) Å³")
      } else {
        lines.append("cells     none")
      }
      lines.append("labels    energy \(s.energyLabels), forces \(s.forcesLabels), stress \(s.stressLabels) of \(s.frames) frames")
      if !s.infoKeys.isEmpty {
        lines.append("info      " + s.infoKeys.sorted { $0.key < $1.key }.map { "\($0.key) (\($0.value))" }.joined(separator: ", "))
      }
      if !s.arrays.isEmpty {
        lines.append("arrays    " + s.arrays.sorted { $0.key < $1.key }.map { "\($0.key) (\($0.value))" }.joined(separator: ", "))
      }
      if let cutoff = s.cutoff, let perFrame = s.perFrameNeighbors {
        let pairs = RunningRange.of(perFrame.map { Double($0.pairs) })
        lines.append("neighbors cutoff \(g(cutoff)) Å: \(s.neighborPairsTotal ?? 0) pairs; per frame min \(Int(pairs.min)), mean \(g(pairs.mean)), max \(Int(pairs.max)); per atom mean \(g(s.neighborsPerAtomMean ?? 0)), max \(s.neighborsPerAtomMax ?? 0)")
        if self.perFrame {
          lines.append("  frame      pairs  mean/atom  max/atom")
          for f in perFrame {
            lines.append(String(format: "  %5d %10d %10.3f %9d", f.frame, f.pairs, f.mean, f.max))
          }
        }
      }
      return lines.joined(separator: "\n")
    }
  }
}

extension RunningRange {
  static func of(_ values: [Double]) -> RunningRange {
    var r = RunningRange()
    for v in values { r.add(v) }
    return r
  }
}
