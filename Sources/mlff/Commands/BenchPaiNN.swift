import ArgumentParser
import Atomistic
import Autodiff
import Foundation
import PaiNN
import Potentials

extension MLFF.Bench {
  /// `mlff bench painn`: energy + forces time of the PaiNN student next to schnetpack's PaiNN
  /// of the same size on PyTorch CPU, same structures, same weights, same thread count.
  struct PaiNNInference: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "painn",
      abstract: "Time PaiNN energy + forces against schnetpack's PaiNN (PyTorch CPU) on molecules and crystals.",
      usage: "mlff bench painn [<options>]",
      discussion: """
        Structures: ethanol (9 atoms), planar biphenyl (22), diamond Si 2×2×2 and 3×3×3 (64, 216, periodic), fcc Cu 7×7×7 (1372, periodic). For each preset a random model is written and evaluated here in Float (neighbour list included in the time) and by scripts/bench/painn_schnetpack.py with schnetpack's PaiNN + Atomwise + Forces in float32 on the same weights and positions (neighbour list precomputed, not timed). Prints the median of --repeats evaluations after one warm-up, and the ratio schnetpack time / mlff time (above 1: mlff is faster); beside it the roofline: the evaluation's FLOPs counted from the architecture, the rate they are done at, that rate as a share of the sgemm rate measured at the start of the run (raw BLAS 512², --threads threads), µs per atom, and the process's peak resident memory after each structure.

        With --engine tensor the same model also runs through its tensor-engine execution (PaiNNTrainable.forward without a recorded graph, neighbour list included), and the ratio tensor time / fused time is printed: what the hand-derived fused path gains.

          mlff bench painn --presets small,medium --threads 1
          mlff bench painn --engine tensor --no-peer
        """)

    @Option(help: ArgumentHelp("Comma-separated presets.", valueName: "presets"))
    var presets = CommaSeparated<PaiNNPreset>([.small, .medium])
    @Option(help: ArgumentHelp("Systems: comma-separated from \(painnBenchmarkNames.joined(separator: ", ")) (any case).", valueName: "systems"))
    var systems = CommaSeparated<String>(painnBenchmarkNames)
    @Option(help: "Threads for both sides (BLAS here, torch.set_num_threads there).")
    var threads = 1
    @Option(help: "Timed evaluations per structure (the median is reported).")
    var repeats = 5
    @Option(help: "Python interpreter with schnetpack and PyTorch.")
    var python = ".venv-bench/bin/python"
    @Option(help: "The peer timing script.")
    var script = "scripts/bench/painn_schnetpack.py"
    @Flag(help: "Skip the schnetpack side (mlff timings only).")
    var noPeer = false
    @Option(help: "Which executions of the student to time: fused (the inference path) or tensor (also the tensor-engine path, with the ratio).")
    var engine: PaiNNEngine = .fused
    @Option(help: "What the adjoint keeps from the forward pass: automatic (recompute beyond 512 MB of activations), kept or recomputed; the same numbers, another memory and time.")
    var activations: PaiNNActivationStorage = .automatic
    @Option(help: "Also time the molecules in batches of this many copies (what mlff predict --batch-size and mlff_compute_batch do), mlff only: µs per structure alone, in the batch in groups, and in the batch as one graph.")
    var batch: Int?
    @Flag(help: "With --batch, also time the molecules with a model whose arithmetic is negligible (F = 8, one layer, 4 basis functions): what a structure costs beyond its arithmetic (neighbour list, graph, edge geometry, results).")
    var overhead = false
    @Option(name: .customLong("large-cu"), help: "Also time an fcc Cu cell of n×n×n conventional cells (4n³ atoms; 30 gives 108,000), mlff only.")
    var largeCu: Int?

    func validate() throws {
      guard threads >= 1 else { throw ValidationError("--threads must be at least 1") }
      guard repeats >= 1 else { throw ValidationError("--repeats must be at least 1") }
      if let batch, batch < 2 { throw ValidationError("--batch must be at least 2, got \(batch)") }
      if overhead && batch == nil { throw ValidationError("--overhead needs --batch") }
      let known = painnBenchmarkNames.map { $0.lowercased() }
      for s in systems.values where !known.contains(s.lowercased()) {
        throw ValidationError("unknown system '\(s)' in --systems: choose from \(painnBenchmarkNames.joined(separator: ", "))")
      }
    }

    func run() throws {
      let chosen = Set(systems.values.map { $0.lowercased() })
      let cases = painnBenchmarkStructures().filter { chosen.contains($0.name.lowercased()) }
      var mineOnly: [(name: String, structure: Structure)] = []
      if let n = largeCu {
        let cell = Structure(
          atomicNumbers: [29, 29, 29, 29], positions: [[0, 0, 0], [0, 1.805, 1.805], [1.805, 0, 1.805], [1.805, 1.805, 0]],
          cell: .orthorhombic(3.61, 3.61, 3.61), pbc: [true, true, true])
        mineOnly.append(("Cu\(4 * n * n * n)", cell.supercell(n, n, n)))
      }
      let folder = FileManager.default.temporaryDirectory.appendingPathComponent("mlff-bench-painn-\(ProcessInfo.processInfo.processIdentifier)")
      try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
      defer { try? FileManager.default.removeItem(at: folder) }
      let structuresURL = folder.appendingPathComponent("structures.xyz")
      try ExtXYZ.write(cases.map(\.structure), to: structuresURL)
      let peak = measuredSGEMMPeak(threads: threads)
      print("PaiNN energy + forces, median of \(repeats), \(threads) thread(s); mlff Float (neighbour list included) vs schnetpack float32 (neighbour list excluded)")
      print("GFLOP: the arithmetic of one energy + forces evaluation counted from the architecture (PaiNNCost); GFLOP/s: that over mlff's time")
      print("of peak: GFLOP/s over the measured sgemm rate, " + String(format: "%.1f", peak)
        + " GFLOP/s (raw BLAS 512×512·512×512, \(threads) thread(s), best of 20); peak MB: the process's peak resident memory so far")
      print(pad("preset", 8) + pad("structure", 10) + pad("atoms", 6, right: true) + pad("mlff ms", 12, right: true)
        + pad("schnetpack ms", 15, right: true) + pad("ratio", 8, right: true)
        + (engine == .tensor ? pad("tensor ms", 12, right: true) + pad("tensor/fused", 14, right: true) : "")
        + pad("edges", 10, right: true) + pad("GFLOP", 9, right: true) + pad("GFLOP/s", 9, right: true)
        + pad("of peak", 9, right: true) + pad("µs/atom", 9, right: true) + pad("peak MB", 9, right: true))
      for preset in presets.values {
        let name = preset.rawValue
        let model = PaiNNModel.random(preset.configuration, elements: [1, 6, 8, 14, 29], seed: 0)
        let modelURL = folder.appendingPathComponent("\(name).safetensors")
        try model.write(to: modelURL, dtype: .f32)
        let potential = PaiNNPotential(model: model, precision: .float, threads: threads, activations: activations)
        var mine: [Double] = [], tensor: [Double] = []
        let trainable = engine == .tensor ? PaiNNTrainable<Float>(model) : nil
        var edges: [Int] = [], peakMB: [Double] = []
        for (_, structure) in cases + mineOnly {
          edges.append(try PaiNNGraph([structure], elements: model.elements, cutoff: model.configuration.cutoff).edgeCount)
          mine.append(try medianTime { _ = try potential.compute([structure], .energyAndForces) })
          peakMB.append(peakResidentMegabytes())
          if let trainable, mine.count <= cases.count {
            TensorThreads.setBLASThreads(threads)
            defer { TensorThreads.setBLASThreads(1) }
            tensor.append(try medianTime { _ = trainable.forward(try trainable.batch([structure]), .energyAndForces, createGraph: false) })
          }
        }
        var batched: [(name: String, alone: Double, inBatch: Double, onePass: Double)] = []
        if let batch {
          let onePass = potential.with(groupAtoms: 0)
          for (k, c) in cases.enumerated() where !c.structure.isPeriodic {
            let copies = Array(repeating: c.structure, count: batch)
            batched.append((
              c.name, mine[k], try medianTime { _ = try potential.compute(copies, .energyAndForces) } / Double(batch),
              try medianTime { _ = try onePass.compute(copies, .energyAndForces) } / Double(batch)))
          }
        }
        let peer = noPeer ? nil : try runPeer(model: modelURL, structures: structuresURL)
        for (k, c) in (cases + mineOnly).enumerated() {
          let theirs = k < cases.count ? peer?[k] : nil
          func cost(_ k: Int) -> Double { PaiNNCost(model.configuration, atoms: c.structure.count, edges: edges[k]).total }
          let ratio = theirs.map { String(format: "%.2f", $0 / mine[k]) } ?? "-"
          let theirsText = theirs.map { String(format: "%.2f", $0 * 1000) } ?? "-"
          print(pad(name, 8) + pad(c.name, 10) + pad(String(c.structure.count), 6, right: true)
            + pad(String(format: "%.2f", mine[k] * 1000), 12, right: true) + pad(theirsText, 15, right: true)
            + pad(ratio, 8, right: true)
            + (engine == .tensor && k < tensor.count ? pad(String(format: "%.2f", tensor[k] * 1000), 12, right: true)
              + pad(String(format: "%.2f", tensor[k] / mine[k]), 14, right: true) : "")
            + pad(String(edges[k]), 10, right: true) + pad(String(format: "%.3f", cost(k) / 1e9), 9, right: true)
            + pad(String(format: "%.1f", cost(k) / mine[k] / 1e9), 9, right: true)
            + pad(String(format: "%.0f%%", 100 * cost(k) / mine[k] / 1e9 / peak), 9, right: true)
            + pad(String(format: "%.1f", mine[k] * 1e6 / Double(c.structure.count)), 9, right: true)
            + pad(String(format: "%.0f", peakMB[k]), 9, right: true))

        }
        for b in batched {
          print(pad(name, 8) + pad(b.name, 10) + "  µs per structure: alone " + String(format: "%.1f", b.alone * 1e6)
            + ", in a batch of \(batch!) " + String(format: "%.1f", b.inBatch * 1e6)
            + " (groups of \(PaiNNPotential.defaultGroupAtoms) atoms), " + String(format: "%.1f", b.onePass * 1e6)
            + " (the batch as one graph); alone / grouped " + String(format: "%.2f", b.alone / b.inBatch))
        }
      }
      if overhead, let batch { try printOverhead(cases, batch: batch) }
    }

    /// µs per structure of the molecules alone and in batches of `batch` with a model of almost
    /// no arithmetic.
    func printOverhead(_ cases: [(name: String, structure: Structure)], batch: Int) throws {
      let configuration = PaiNNConfiguration(featureCount: 8, layerCount: 1, radialBasisCount: 4)
      let potential = PaiNNPotential(
        model: PaiNNModel.random(configuration, elements: [1, 6, 8, 14, 29], seed: 0), precision: .float, threads: threads)
      for c in cases where !c.structure.isPeriodic {
        // A call alone takes µs: many more of them than --repeats for a steady median.
        let alone = try medianTime(repeats: max(repeats, 4001)) { _ = try potential.compute([c.structure], .energyAndForces) }
        let copies = Array(repeating: c.structure, count: batch)
        let inBatch = try medianTime { _ = try potential.compute(copies, .energyAndForces) } / Double(batch)
        print(pad("F=8 L=1", 8) + pad(c.name, 10) + "  µs per structure beyond the arithmetic: alone "
          + String(format: "%.1f", alone * 1e6) + ", in a batch of \(batch) " + String(format: "%.1f", inBatch * 1e6))
      }
    }

    /// Median seconds of `repeats` runs of `body` after one warm-up run.
    func medianTime(repeats: Int? = nil, _ body: () throws -> Void) throws -> Double {
      try body()
      var times: [Double] = []
      for _ in 0..<(repeats ?? self.repeats) {
        let start = ContinuousClock.now
        try body()
        times.append(seconds(ContinuousClock.now - start))
      }
      return median(times)
    }

    /// Median seconds per structure from the schnetpack script, in the order of the file.
    func runPeer(model: URL, structures: URL) throws -> [Double] {
      let process = Process()
      process.executableURL = URL(fileURLWithPath: python)
      process.arguments = [script, "--model", model.path, "--structures", structures.path,
                           "--threads", String(threads), "--repeats", String(repeats)]
      let output = Pipe()
      process.standardOutput = output
      do { try process.run() } catch {
        throw CommandFailure("cannot run \(python) \(script): \(error.localizedDescription); make the benchmark environment with `make bench-setup` or pass --no-peer")
      }
      let data = output.fileHandleForReading.readDataToEndOfFile()
      process.waitUntilExit()
      guard process.terminationStatus == 0,
            let line = String(decoding: data, as: UTF8.self).split(separator: "\n").last,
            let json = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
            let times = json["median_seconds"] as? [Double]
      else {
        throw CommandFailure("\(script) failed (exit status \(process.terminationStatus)); run it by hand to see why, or pass --no-peer")
      }
      return times
    }
  }
}

private func seconds(_ d: Duration) -> Double {
  Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
}

/// `text` padded with spaces to `width` characters (on the left when `right`).
private func pad(_ text: String, _ width: Int, right: Bool = false) -> String {
  let fill = String(repeating: " ", count: max(0, width - text.count))
  return right ? fill + text : text + fill
}

private func median(_ xs: [Double]) -> Double {
  let s = xs.sorted()
  return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
}

/// The names of `painnBenchmarkStructures()`, in order.
let painnBenchmarkNames = ["ethanol", "biphenyl", "Si64", "Si216", "Cu1372"]

/// The benchmark structures: ethanol, biphenyl, Si 64 and 216, Cu 1372 (`painnBenchmarkNames`).
func painnBenchmarkStructures() -> [(name: String, structure: Structure)] {
  let ethanol = Structure(
    atomicNumbers: [6, 6, 8, 1, 1, 1, 1, 1, 1],
    positions: [
      [1.168181, -0.400382, 0.0], [0.0, 0.559462, 0.0], [-1.190083, -0.227669, 0.0],
      [-1.946623, 0.381525, 0.0], [0.042557, 1.207508, 0.886933], [0.042557, 1.207508, -0.886933],
      [2.115891, 0.1448, 0.0], [1.128599, -1.037234, 0.885881], [1.128599, -1.037234, -0.885881],
    ])
  let si = Structure(
    atomicNumbers: Array(repeating: 14, count: 8),
    positions: [[0, 0, 0], [0.25, 0.25, 0.25], [0, 0.5, 0.5], [0.25, 0.75, 0.75],
                [0.5, 0, 0.5], [0.75, 0.25, 0.75], [0.5, 0.5, 0], [0.75, 0.75, 0.25]].map { $0 * 5.43 },
    cell: .orthorhombic(5.43, 5.43, 5.43), pbc: [true, true, true])
  let cu = Structure(
    atomicNumbers: Array(repeating: 29, count: 4),
    positions: [[0, 0, 0], [0, 0.5, 0.5], [0.5, 0, 0.5], [0.5, 0.5, 0]].map { $0 * 3.61 },
    cell: .orthorhombic(3.61, 3.61, 3.61), pbc: [true, true, true])
  let structures = [ethanol, planarBiphenyl(), si.supercell(2, 2, 2), si.supercell(3, 3, 3), cu.supercell(7, 7, 7)]
  return Array(zip(painnBenchmarkNames, structures)).map { (name: $0.0, structure: $0.1) }
}

/// Planar biphenyl C₁₂H₁₀: two benzene rings (C–C 1.39 Å, C–H 1.09 Å) joined by a 1.49 Å bond.
func planarBiphenyl() -> Structure {
  let cc = 1.39, ch = 1.09, bridge = 1.49
  var z: [Int] = []
  var r: [SIMD3<Double>] = []
  for side in [-1.0, 1.0] {
    let centre = SIMD3(side * (bridge / 2 + cc), 0, 0)
    for k in 0..<6 {
      // Atom 0 of each ring points at the other ring.
      let angle = Double.pi * Double(k) / 3
      let direction = SIMD3(-side * Foundation.cos(angle), Foundation.sin(angle), 0)
      z.append(6)
      r.append(centre + cc * direction)
      if k != 0 {
        z.append(1)
        r.append(centre + (cc + ch) * direction)
      }
    }
  }
  return Structure(atomicNumbers: z, positions: r)
}

/// The two executions of the student that `mlff bench painn` can time.
enum PaiNNEngine: String, CaseIterable, ExpressibleByArgument {
  /// The fused hand-derived forward and adjoint (`PaiNNPotential`).
  case fused
  /// The fused path and the tensor-engine forward (`PaiNNTrainable`), side by side.
  case tensor
}
