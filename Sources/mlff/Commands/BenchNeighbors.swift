import ArgumentParser
import Atomistic
import Basics
import Foundation

extension MLFF.Bench {
  /// `mlff bench neighbors`: cell-list build time on fcc Cu and a random liquid, side by side
  /// with vesin (one thread) and ASE on the same systems.
  struct Neighbors: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "neighbors",
      abstract: "Time the O(N) neighbour list against vesin and ASE on fcc Cu and a random liquid.",
      usage: "mlff bench neighbors [<options>]",
      discussion: """
        Systems: periodic fcc Cu (a = 3.61 Å, supercells of the 4-atom cubic cell) and a random liquid (density 0.0758 atoms/Å³, no two atoms closer than 1.8 Å, periodic cubic box) near each requested size. Prints the best and median of several builds, µs per atom and million directed pairs per second; with --peers, the same for vesin (n_threads=1) and ASE's neighbor_list on the exact same positions, run by scripts/bench/neighbors_peers.py in the benchmark environment, and the ratio peer time / mlff time.
        """)

    @Option(help: ArgumentHelp("Comma-separated system sizes in atoms.", valueName: "n,n,…"))
    var sizes = CommaSeparated<Int>([1000, 10000, 100_000, 1_000_000])

    @Option(help: "Cutoff radius, Å.")
    var cutoff: Double = 5

    @Option(help: "Timed builds per system (the best and the median are reported).")
    var repeats: Int = 5

    @Flag(help: "Also time vesin and ASE in the same run.")
    var peers = false

    @Option(help: "Python interpreter with vesin and ASE.")
    var python: String = ".venv-bench/bin/python"

    @Option(help: "The peer timing script.")
    var peersScript: String = "scripts/bench/neighbors_peers.py"

    @Option(help: "Skip ASE above this many atoms (it is slow and memory-hungry there).")
    var aseMaxAtoms: Int = 100_000

    @Flag(help: "Only time small molecules (clusters of the random liquid without a cell, 8 to 256 atoms): every pair tested directly against the cell list, median µs of 2,001 builds each; what places the size up to which neighborList tests every pair.")
    var molecules = false

    @Option(help: ArgumentHelp("Systems to run: fcc, liquid or both (comma-separated).", valueName: "systems"))
    var systems = CommaSeparated<String>(["fcc", "liquid"])

    func validate() throws {
      guard parsedSizes != nil else {
        throw ValidationError("--sizes must be positive integers separated by commas, e.g. 1000,10000")
      }
      guard cutoff > 0, cutoff.isFinite else { throw ValidationError("--cutoff must be a positive number of Å") }
      guard repeats >= 1 else { throw ValidationError("--repeats must be at least 1") }
      guard !parsedSystems.isEmpty, parsedSystems.allSatisfy({ $0 == "fcc" || $0 == "liquid" }) else {
        throw ValidationError("--systems must list fcc and/or liquid, e.g. --systems fcc,liquid")
      }
    }

    var parsedSizes: [Int]? { sizes.values.allSatisfy({ $0 > 0 }) ? sizes.values : nil }

    var parsedSystems: [String] { systems.values }

    func run() throws {
      if molecules { return try printMolecules() }
      var cases: [(name: String, structure: Structure)] = []
      for size in parsedSizes! {
        for system in parsedSystems {
          let structure = system == "fcc" ? fccCopper(atoms: size) : randomLiquid(atoms: size, seed: UInt64(size))
          cases.append(("\(system)-\(structure.count)", structure))
        }
      }

      print("neighbour list, cutoff \(cutoff) Å, best and median of \(repeats) builds, one thread")
      var rows: [NeighborBenchRow] = []
      for (name, structure) in cases {
        let count = structure.count >= 500_000 ? min(repeats, 3) : repeats
        var seconds: [Double] = [], cpuSeconds: [Double] = []
        var pairs = 0
        for _ in 0..<count {
          let start = ContinuousClock.now
          let cpuStart = threadCPUSeconds()
          let list = try neighborList(structure, cutoff: cutoff)
          cpuSeconds.append(threadCPUSeconds() - cpuStart)
          seconds.append(secondsSince(start))
          pairs = list.count
        }
        let row = NeighborBenchRow(
          name: name, atoms: structure.count, pairs: pairs, seconds: seconds, cpuSeconds: cpuSeconds)
        rows.append(row)
        FileHandle.standardError.write(
          Data("mlff: \(name) \(String(format: "%.2f", row.best * 1e3)) ms\n".utf8))
      }

      var peerResults: [String: NeighborPeerTimings] = [:]
      var versions: [String: String] = [:]
      if peers {
        (peerResults, versions) = try runPeers(cases)
      }
      printTable(rows, peers: peers ? peerResults : nil, versions: versions)
    }

    /// The direct pair list and the cell list on molecules of 8 to 256 atoms (median of 2,001
    /// builds after two warm-ups), and their ratio: above 1, the direct list is faster.
    func printMolecules() throws {
      print("molecule neighbour list, cutoff \(cutoff) Å, median µs of 2,001 builds, one thread; direct = every pair (used up to \(directPairAtoms) atoms)")
      print("atoms   pairs   direct µs   cell list µs   cell list / direct")
      for n in [8, 16, 32, 64, 128, 256] {
        var molecule = randomLiquid(atoms: n, seed: UInt64(n))
        (molecule.cell, molecule.pbc) = (.zero, [false, false, false])
        // Built once outside the timing: a list that cannot be built stops here, with its error.
        let pairs = try moleculePairList(molecule, cutoff: cutoff).count
        let cellPairs = try cellListNeighborList(molecule, cutoff: cutoff).count
        guard pairs == cellPairs else { throw CommandFailure("\(n) atoms: \(pairs) pairs directly, \(cellPairs) from the cell list") }
        let direct = timeIt(repeats: 2001) { _ = try! moleculePairList(molecule, cutoff: cutoff) }.median
        let cells = timeIt(repeats: 2001) { _ = try! cellListNeighborList(molecule, cutoff: cutoff) }.median
        print(String(format: "%5d %7d %11.2f %14.2f %20.2f", n, pairs, direct * 1e6, cells * 1e6, cells / direct))
      }
    }

    /// fcc Cu, a = 3.61 Å: the n×n×n supercell of the 4-atom cubic cell closest to `atoms`.
    func fccCopper(atoms: Int) -> Structure {
      let a = 3.61
      let cubic = Structure(
        atomicNumbers: [29, 29, 29, 29],
        positions: [SIMD3(0, 0, 0), SIMD3(0, a / 2, a / 2), SIMD3(a / 2, 0, a / 2), SIMD3(a / 2, a / 2, 0)],
        cell: .orthorhombic(a, a, a), pbc: [true, true, true])
      let m = max(1, Int(pow(Double(atoms) / 4, 1.0 / 3.0).rounded()))
      return cubic.supercell(m, m, m)
    }

    /// A random liquid-like configuration: `atoms` atoms at 0.0758 atoms/Å³ (liquid copper) in a
    /// periodic cubic box, placed one by one at random points at least 1.8 Å from all others.
    func randomLiquid(atoms: Int, seed: UInt64) -> Structure {
      let density = 0.0758, minimumSeparation = 1.8
      let side = pow(Double(atoms) / density, 1.0 / 3.0)
      // Grid cells small enough to hold at most one atom (diagonal below the separation).
      let g = max(1, Int(side / (minimumSeparation / 3.0.squareRoot())))
      let h = side / Double(g)
      let reach = Int((minimumSeparation / h).rounded(.up))
      var occupant = [Int32](repeating: -1, count: g * g * g)
      var positions: [SIMD3<Double>] = []
      positions.reserveCapacity(atoms)
      var rng = SplitMix64(seed: seed)  // the same random liquid in every run
      let separation2 = minimumSeparation * minimumSeparation
      while positions.count < atoms {
        let r = SIMD3(
          Double.random(in: 0..<side, using: &rng), Double.random(in: 0..<side, using: &rng),
          Double.random(in: 0..<side, using: &rng))
        let c = SIMD3<Int>(min(g - 1, Int(r.x / h)), min(g - 1, Int(r.y / h)), min(g - 1, Int(r.z / h)))
        var free = true
        search: for dx in -reach...reach {
          for dy in -reach...reach {
            for dz in -reach...reach {
              let x = (c.x + dx + g) % g, y = (c.y + dy + g) % g, z = (c.z + dz + g) % g
              let other = occupant[(x * g + y) * g + z]
              if other < 0 { continue }
              var d = positions[Int(other)] - r
              d -= side * (d / side).rounded(.toNearestOrAwayFromZero)
              if dot(d, d) < separation2 {
                free = false
                break search
              }
            }
          }
        }
        if free {
          occupant[(c.x * g + c.y) * g + c.z] = Int32(positions.count)
          positions.append(r)
        }
      }
      return Structure(
        atomicNumbers: [Int](repeating: 29, count: atoms), positions: positions,
        cell: .orthorhombic(side, side, side), pbc: [true, true, true])
    }

    /// Writes the systems for the peer script, runs it and decodes its timings.
    func runPeers(_ cases: [(name: String, structure: Structure)]) throws
      -> ([String: NeighborPeerTimings], [String: String])
    {
      let directory = FileManager.default.temporaryDirectory
        .appendingPathComponent("mlff-bench-neighbors-\(ProcessInfo.processInfo.processIdentifier)")
      try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
      defer { try? FileManager.default.removeItem(at: directory) }
      var systems: [[String: Any]] = []
      for (name, structure) in cases {
        var flat: [Double] = []
        flat.reserveCapacity(3 * structure.count)
        for r in structure.positions { flat += [r.x, r.y, r.z] }
        let file = directory.appendingPathComponent("\(name).f64")
        try flat.withUnsafeBytes { try Data($0).write(to: file) }
        systems.append([
          "name": name, "atoms": structure.count, "positions": file.path,
          "cell": structure.cell.rows, "pbc": structure.pbc,
        ])
      }
      let manifest: [String: Any] = [
        "cutoff": cutoff, "repeats": repeats, "ase_max_atoms": aseMaxAtoms, "systems": systems,
      ]
      let manifestURL = directory.appendingPathComponent("manifest.json")
      try JSONSerialization.data(withJSONObject: manifest, options: [.withoutEscapingSlashes]).write(to: manifestURL)

      guard FileManager.default.isExecutableFile(atPath: python) else {
        throw CommandFailure(
          "no Python interpreter at \(python); make the benchmark environment with `make bench-setup` or pass --python")
      }
      let process = Process()
      process.executableURL = URL(fileURLWithPath: python)
      process.arguments = [peersScript, manifestURL.path]
      var environment = ProcessInfo.processInfo.environment
      environment["OMP_NUM_THREADS"] = "1"
      process.environment = environment
      let output = Pipe()
      process.standardOutput = output
      try process.run()
      let data = output.fileHandleForReading.readDataToEndOfFile()
      process.waitUntilExit()
      guard process.terminationStatus == 0 else {
        throw CommandFailure("\(peersScript) failed with status \(process.terminationStatus); see its messages above")
      }
      let decoded = try JSONDecoder().decode(NeighborPeerOutput.self, from: data)
      return (decoded.systems, decoded.versions)
    }

    func printTable(_ rows: [NeighborBenchRow], peers: [String: NeighborPeerTimings]?, versions: [String: String]) {
      if !versions.isEmpty {
        print("peers: " + versions.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))
      }
      var columns = ["system", "atoms", "pairs", "best ms", "median ms", "µs/atom", "Mpair/s", "cpu ms"]
      if peers != nil { columns += ["vesin ms", "×vesin", "vesin cpu", "×cpu", "ASE ms", "×ASE"] }
      let widths = [16, 9, 11, 10, 10, 8, 8, 9, 11, 7, 9, 7, 11, 7]
      let header = zip(columns, widths).enumerated().map { k, column in
        let padding = String(repeating: " ", count: max(0, column.1 - column.0.count))
        return k == 0 ? column.0 + padding : padding + column.0
      }.joined(separator: " ")
      print(header)
      for row in rows {
        var line = String(
          format: "%@ %9d %11d %10.2f %10.2f %8.3f %8.1f",
          row.name.padding(toLength: 16, withPad: " ", startingAt: 0) as NSString, row.atoms, row.pairs,
          row.best * 1e3, row.median * 1e3, row.best * 1e6 / Double(row.atoms),
          Double(row.pairs) / row.best / 1e6) + String(format: " %9.2f", row.bestCPU * 1e3)
        if let peers {
          let peer = peers[row.name]
          line += " " + peerColumns(peer?.vesin, row: row)
          if let cpu = peer?.vesin?.cpuSeconds?.min() {
            line += String(format: " %9.2f %7.2f", cpu * 1e3, cpu / row.bestCPU)
          } else {
            line += "         -       -"
          }
          line += " " + peerColumns(peer?.ase, row: row)
        }
        print(line)
      }
      if peers != nil {
        print("×peer = peer best time / mlff best time (above 1: mlff is faster); ×cpu the same on CPU time")
        print("(thread CPU time for mlff, process CPU time for vesin); * = pair count differs from mlff")
      }
    }

    func peerColumns(_ timing: NeighborPeerTiming?, row: NeighborBenchRow) -> String {
      guard let timing, let seconds = timing.seconds, let best = seconds.min() else {
        return "    skipped       -"
      }
      let mark = timing.pairs == row.pairs ? " " : "*"
      return String(format: "%10.2f", best * 1e3) + mark + String(format: " %7.2f", best / row.best)
    }
  }
}

/// One system's mlff timings.
struct NeighborBenchRow {
  var name: String
  var atoms: Int
  var pairs: Int
  /// Wall-clock seconds per build.
  var seconds: [Double]
  /// CPU seconds of the building thread per build.
  var cpuSeconds: [Double]
  var best: Double { seconds.min()! }
  var bestCPU: Double { cpuSeconds.min()! }
  var median: Double {
    let s = seconds.sorted()
    return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
  }
}

/// A peer's timings of one system, as printed by scripts/bench/neighbors_peers.py.
struct NeighborPeerTiming: Decodable {
  var seconds: [Double]?
  var cpuSeconds: [Double]?
  var pairs: Int?
  var skipped: String?
}

struct NeighborPeerTimings: Decodable {
  var vesin: NeighborPeerTiming?
  var ase: NeighborPeerTiming?
}

struct NeighborPeerOutput: Decodable {
  var versions: [String: String]
  var systems: [String: NeighborPeerTimings]
}

/// Seconds elapsed since `start`.
fileprivate func secondsSince(_ start: ContinuousClock.Instant) -> Double {
  let d = ContinuousClock.now - start
  return Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
}

/// CPU time consumed by the calling thread, s.
fileprivate func threadCPUSeconds() -> Double {
  var t = timespec()
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t)
  return Double(t.tv_sec) + Double(t.tv_nsec) * 1e-9
}
