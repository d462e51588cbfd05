import ArgumentParser
import Atomistic
import Autodiff
import Dynamics
import Foundation
import PaiNN
import Potentials

extension MLFF.Bench {
  /// `mlff bench md`: NVE steps per second of the student, next to ASE driving schnetpack's PaiNN.
  struct MolecularDynamics: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "md",
      abstract: "MD steps per second of the small and medium student vs ASE + schnetpack PaiNN of the same size.",
      usage: "mlff bench md [<options>]",
      discussion: """
        Systems: ethanol (9 atoms), biphenyl (22 atoms, molecules), diamond Si (64 and 216 atoms), fcc Cu (1,372 atoms). Both sides: randomly initialised PaiNN (3 layers, 20 radial functions, 5 Å cutoff), float32, NVE velocity Verlet at 0.5 fs from 300 K, the same number of threads; the peer rebuilds its neighbour list every step, mlff with --skin 0 too (default: a 1 Å Verlet skin, as mlff md). Besides steps/s it prints µs per atom and step, minor page faults per step (getrusage, over the timed steps) and the peak resident memory of the process so far. The peer is scripts/bench/md_ase_schnetpack.py (ASE VelocityVerlet + schnetpack AtomsConverter/ASENeighborList) run with --python in the same invocation.
        """)

    @Option(help: ArgumentHelp("Student sizes: comma-separated presets (tiny, small, medium, large).", valueName: "presets"))
    var presets = CommaSeparated<PaiNNPreset>([.small, .medium])

    @Option(help: ArgumentHelp("Systems: comma-separated from ethanol, biphenyl, si64, si216, cu1372.", valueName: "systems"))
    var systems = CommaSeparated<String>(["biphenyl", "si64", "si216", "cu1372"])

    @Option(help: "Verlet skin of the student's neighbour list, Å (0: a new list every step).")
    var skin: Double = 1.0

    @Option(help: "Threads for both sides.")
    var threads: Int = 1

    @Option(help: "Timing budget per system and side, seconds.")
    var seconds: Double = 5

    @Option(name: .customLong("max-steps"), help: "At most this many timed steps per system and side.")
    var maxSteps: Int = 200

    @Flag(name: .customLong("no-peer"), help: "Time only this program.")
    var noPeer = false

    @Option(help: "Python interpreter with torch, schnetpack and ASE.")
    var python: String = ".venv-bench/bin/python"

    @Option(help: "The peer timing script.")
    var script: String = "scripts/bench/md_ase_schnetpack.py"

    func validate() throws {
      for s in systems.values where benchSystem(s) == nil {
        throw ValidationError("unknown system '\(s)'; use ethanol, biphenyl, si64, si216 or cu1372")
      }
      guard threads > 0, seconds > 0, maxSteps > 0 else { throw ValidationError("--threads, --seconds and --max-steps must be positive") }
      guard skin >= 0, skin.isFinite else { throw ValidationError("--skin must be ≥ 0 Å") }
    }

    func run() throws {
      TensorThreads.elementwiseThreads = threads
      TensorThreads.setBLASThreads(1)
      let cases = systems.values.map { ($0, benchSystem($0)!) }
      print("MD steps/s, NVE velocity Verlet 0.5 fs, float32, random PaiNN (3 layers, 20 rbf, 5 Å), \(threads) thread(s), skin \(skin) Å")
      print("preset  system      atoms    mlff steps/s   ASE+schnetpack steps/s   ratio   µs/atom/step  faults/step  peak RSS MB")
      for preset in presets.values {
        let presetName = preset.rawValue
        let peer = noPeer ? [:] : try peerTimings(cases.map(\.1), features: preset.configuration.featureCount)
        for (k, (name, structure)) in cases.enumerated() {
          let (ours, faults) = try stepsPerSecond(structure, preset: preset)
          let theirs = peer[k]
          let ratio = theirs.map { String(format: "%.2f×", ours / $0) } ?? "–"
          let peerText = theirs.map { String(format: "%.3f", $0) } ?? "–"
          print(presetName.padding(toLength: 8, withPad: " ", startingAt: 0)
                + name.padding(toLength: 10, withPad: " ", startingAt: 0)
                + String(format: "%7d   %12.3f   ", structure.count, ours)
                + String(repeating: " ", count: max(0, 22 - peerText.count)) + peerText + "   "
                + ratio.padding(toLength: 6, withPad: " ", startingAt: 0)
                + String(format: "  %12.1f  %11.1f  %11.0f", 1e6 / (ours * Double(structure.count)), faults, peakResidentMegabytes()))
        }
      }
    }

    /// Timed NVE steps per second of a random student on one structure, and the minor page
    /// faults per timed step.
    func stepsPerSecond(_ structure: Structure, preset: PaiNNPreset) throws -> (stepsPerSecond: Double, faultsPerStep: Double) {
      let elements = Array(Set(structure.atomicNumbers)).sorted()
      let model = PaiNNModel.random(preset.configuration, elements: elements, seed: 0)
      let potential = PaiNNPotential(model: model, precision: .float, threads: threads, skin: skin)
      var state = MDState(structure: structure)
      initializeMaxwellBoltzmann(&state, temperature: 300, seed: 1)
      let integrator = VelocityVerlet(timestep: 0.5)
      try integrator.prepare(&state, potential: potential)
      // Two warm-up steps, then at most --max-steps timed steps or --seconds of them, through
      // the same MD loop as `mlff md` (a potential error ends the benchmark).
      func steps(until last: Int, observers: [any MDObserver]) throws {
        if case .potentialFailed(let error, let step) = try runMolecularDynamics(
          &state, integrator: integrator, potential: potential, until: last, observers: observers) {
          throw CommandFailure("\(structure.count)-atom system, step \(step): \(error)")
        }
      }
      try steps(until: state.step + 2, observers: [])
      let faults = minorPageFaults()
      let start = Date(), first = state.step
      let budget = MDClosureObserver { [seconds] _, _ in Date().timeIntervalSince(start) < seconds ? .proceed : .finish }
      try steps(until: first + maxSteps, observers: [budget])
      let rate = Double(state.step - first) / Date().timeIntervalSince(start)
      return (rate, Double(minorPageFaults() - faults) / Double(max(1, state.step - first)))
    }

    /// Runs the peer script once for all systems; steps per second by system index.
    func peerTimings(_ structures: [Structure], features: Int) throws -> [Int: Double] {
      let file = FileManager.default.temporaryDirectory.appendingPathComponent("mlff-bench-md-\(ProcessInfo.processInfo.processIdentifier).xyz")
      try ExtXYZ.write(structures, to: file)
      defer { try? FileManager.default.removeItem(at: file) }
      let process = Process()
      process.executableURL = URL(fileURLWithPath: python)
      process.arguments = [script, file.path, "--features", "\(features)", "--threads", "\(threads)",
                           "--seconds", "\(seconds)", "--max-steps", "\(maxSteps)"]
      var environment = ProcessInfo.processInfo.environment
      environment["OMP_NUM_THREADS"] = "\(threads)"
      environment["PYTHONWARNINGS"] = "ignore"
      process.environment = environment
      let output = Pipe()
      process.standardOutput = output
      do { try process.run() } catch {
        throw CommandFailure("cannot run \(python): \(error.localizedDescription); make the peers with `make bench-setup` or pass --no-peer")
      }
      let data = output.fileHandleForReading.readDataToEndOfFile()
      process.waitUntilExit()
      guard process.terminationStatus == 0 else {
        throw CommandFailure("\(script) failed with status \(process.terminationStatus); see its messages above")
      }
      var out: [Int: Double] = [:]
      for line in String(decoding: data, as: UTF8.self).split(separator: "\n") {
        guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
              let index = object["system"] as? Int, let rate = object["steps_per_second"] as? Double else { continue }
        out[index] = rate
      }
      return out
    }
  }
}

/// The benchmark systems (Å): biphenyl C₁₂H₁₀ (planar, 22 atoms), diamond Si (a = 5.43 Å) 2³ and
/// 3³ conventional cells, fcc Cu (a = 3.61 Å) 7³ conventional cells.
func benchSystem(_ name: String) -> Structure? {
  func crystal(_ z: Int, a: Double, basis: [SIMD3<Double>], repeats n: Int) -> Structure {
    Structure(atomicNumbers: Array(repeating: z, count: basis.count), positions: basis.map { $0 * a },
              cell: .orthorhombic(a, a, a), pbc: [true, true, true]).supercell(n, n, n)
  }
  let fcc: [SIMD3<Double>] = [SIMD3(0, 0, 0), SIMD3(0.5, 0.5, 0), SIMD3(0.5, 0, 0.5), SIMD3(0, 0.5, 0.5)]
  switch name {
  case "ethanol": return painnBenchmarkStructures()[0].structure
  case "si64": return crystal(14, a: 5.43, basis: fcc + fcc.map { $0 + SIMD3(0.25, 0.25, 0.25) }, repeats: 2)
  case "si216": return crystal(14, a: 5.43, basis: fcc + fcc.map { $0 + SIMD3(0.25, 0.25, 0.25) }, repeats: 3)
  case "cu1372": return crystal(29, a: 3.61, basis: fcc, repeats: 7)
  case "biphenyl":
    // Two benzene rings (C–C 1.39 Å, C–H 1.08 Å) joined by a 1.48 Å C–C bond along x.
    var z: [Int] = [], r: [SIMD3<Double>] = []
    for side in [-1.0, 1.0] {
      let center = SIMD3(side * (0.74 + 1.39), 0, 0)
      for k in 0..<6 {
        let angle = Double(k) * Double.pi / 3 + (side < 0 ? 0 : Double.pi)
        let u = SIMD3(cos(angle), sin(angle), 0)
        z.append(6); r.append(center + 1.39 * u)
        if k != 0 { z.append(1); r.append(center + (1.39 + 1.08) * u) }
      }
    }
    return Structure(atomicNumbers: z, positions: r)
  default: return nil
  }
}

/// This process's resource usage so far.
private func selfUsage() -> rusage {
  var usage = rusage()
  #if os(Linux)
  getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
  #else
  getrusage(RUSAGE_SELF, &usage)
  #endif
  return usage
}

/// Minor page faults of this process so far (getrusage).
func minorPageFaults() -> Int { selfUsage().ru_minflt }

/// Peak resident memory of this process so far, MB (getrusage's maximum RSS, kB on Linux).
func peakResidentMegabytes() -> Double {
  let usage = selfUsage()
  #if os(Linux)
  return Double(usage.ru_maxrss) / 1024
  #else
  return Double(usage.ru_maxrss) / (1024 * 1024)
  #endif
}
