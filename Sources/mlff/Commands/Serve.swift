import ArgumentParser
import Atomistic
import Foundation
import Potentials
import Serving

extension MLFF {
  struct Serve: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "serve", abstract: "Answer force requests from an i-PI server (i-PI, ASE's SocketIOCalculator) over a socket.",
      usage: "mlff serve --model <file> --structure <xyz> (--unix <name> | --port <p>)",
      discussion: """
        mlff serve is an i-PI driver: it connects to a server that is already listening (waiting up to --wait seconds for it to appear), answers every POSDATA/GETFORCE request with energy, forces and, for a template periodic in all three directions, the virial, and exits with status 0 when the server sends EXIT or closes the connection between messages. The protocol sends only positions and the cell, in atomic units; the template structure (first frame of --structure, or --frame) supplies the species, their order and the periodicity, and every request must have its number of atoms. A connection closed inside a message, a wrong atom count, non-finite positions or a failing model end the run with a message on standard error and status 1. See docs/deploy.md.

        Examples:
          mlff serve --model student.safetensors --structure ethanol.xyz --unix ethanol
          mlff serve --model student.safetensors --structure cu.xyz --port 31415
        """)

    @OptionGroup(title: "What gives the energies (one of)")
    var energyModel: EnergyModelOptions

    @Option(help: ArgumentHelp("Template structure (extxyz): the species, in the server's atom order, and the periodicity.", valueName: "file"))
    var structure: String

    @Option(help: "Which frame of the template file (0-based; -1 = last).")
    var frame: Int = 0

    @Option(help: ArgumentHelp("Connect to the UNIX socket /tmp/ipi_<name> (i-PI's <address> in unix mode, ASE's unixsocket=).", valueName: "name"))
    var unix: String?

    @Option(help: "Host of a TCP server (with --port).")
    var host: String = "localhost"

    @Option(help: "Port of a TCP server.")
    var port: Int?

    @Option(help: "Seconds to keep trying while no server listens at the address yet.")
    var wait: Double = 60

    func validate() throws {
      try energyModel.requireChoice()
      if !energyModel.committeeFiles.isEmpty && energyModel.committeeFiles.count < 2 {
        throw ValidationError("--committee needs at least two model files: --committee a.safetensors,b.safetensors")
      }
      switch (unix, port) {
      case (nil, nil):
        throw ValidationError("say where the server listens: --unix NAME (the socket /tmp/ipi_NAME) or --port PORT (TCP, with --host)")
      case (.some, .some):
        throw ValidationError("choose one of --unix NAME and --port PORT, not both")
      case (.some(let name), nil):
        guard !name.isEmpty, !name.contains("/") else {
          throw ValidationError("--unix takes the socket's name without a folder (the socket is /tmp/ipi_NAME), got '\(name)'")
        }
      case (nil, .some(let p)):
        guard (1...65535).contains(p) else { throw ValidationError("--port must be between 1 and 65535, got \(p)") }
      }
      guard wait >= 0, wait.isFinite else { throw ValidationError("--wait must be a number of seconds ≥ 0, got \(wait)") }
    }

    var address: IPIAddress {
      if let unix { return .unix(name: unix) }
      return .inet(host: host, port: port!)
    }

    func run() throws {
      let (template, index) = try readTemplate()
      let (potential, pool) = try energyModel.make()
      defer { pool?.close() }
      try checkElements([template], supportedBy: potential, file: structure, firstFrame: index,
                        named: modelName, advice: "Give a template with the model's elements, or a model trained on these")
      let driver = try IPIDriver(potential: potential, template: template)
      let periodicity = template.isFullyPeriodic ? "periodic" : template.isPeriodic ? "partly periodic" : "molecule"
      let precision = energyModel.model != nil || !energyModel.committeeFiles.isEmpty ? " (\(energyModel.arithmetic.precision.rawValue) precision)" : ""
      report("mlff serve: \(modelName)\(precision); \(template.count) atoms (\(formula(template)), \(periodicity)) from \(structure); connecting to \(address)")

      let connection: SocketConnection
      do { connection = try SocketConnection.connect(to: address, waitSeconds: wait) } catch let error as IPIError {
        throw CommandFailure(error.description)
      }
      let start = ContinuousClock.now
      let ending: IPIDriver.Ending
      do { ending = try driver.serve(connection) } catch let error as IPIError {
        report("mlff serve: " + summary(driver, since: start))
        throw CommandFailure("\(error) (\(address))")
      }
      let why = ending == .exitMessage ? "the server sent EXIT" : "the server closed the connection"
      report("mlff serve: \(why); " + summary(driver, since: start))
    }

    /// The template frame, with the frame and file named in errors.
    private func readTemplate() throws -> (Structure, index: Int) {
      let frames = try ExtXYZ.read(URL(fileURLWithPath: structure))
      try requireFrames(frames.count, in: structure)
      let index = frame < 0 ? frames.count + frame : frame
      guard frames.indices.contains(index) else {
        throw CommandFailure("\(structure) has \(frames.count) frame\(frames.count == 1 ? "" : "s"); --frame \(frame) is out of range (use 0…\(frames.count - 1), or -1 for the last)")
      }
      let t = frames[index]
      guard t.count > 0 else { throw CommandFailure("\(structure), frame \(index) has no atoms; the template needs the server's atoms") }
      return (t, index)
    }

    private var modelName: String {
      if let model = energyModel.model { return "the model \(model)" }
      if !energyModel.committeeFiles.isEmpty { return "the committee \(energyModel.committeeFiles.joined(separator: ","))" }
      if let teacher = energyModel.teacherOptions.teacher { return "the teacher '\(teacher)'" }
      return "the potential \(energyModel.potential?.rawValue ?? "")"
    }

    private func summary(_ driver: IPIDriver, since start: ContinuousClock.Instant) -> String {
      let n = driver.requestsServed
      let compute = Double(driver.computeTime.components.seconds) + Double(driver.computeTime.components.attoseconds) * 1e-18
      let elapsed = ContinuousClock.now - start
      let wall = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
      let mean = n > 0 ? String(format: ", mean %.3g ms per request computing", 1000 * compute / Double(n)) : ""
      return String(format: "served %d request%@ in %.3g s%@", n, n == 1 ? "" : "s", wall, mean)
    }

    private func report(_ line: String) {
      FileHandle.standardError.write(Data((line + "\n").utf8))
    }

    /// The chemical formula in order of first appearance, e.g. C2H6O.
    private func formula(_ s: Structure) -> String {
      var counts: [Int: Int] = [:]
      var order: [Int] = []
      for z in s.atomicNumbers {
        if counts[z] == nil { order.append(z) }
        counts[z, default: 0] += 1
      }
      return order.map { z in
        let symbol = Elements.isKnown(z) ? Elements.symbol(z) : "Z\(z)"
        return counts[z]! == 1 ? symbol : "\(symbol)\(counts[z]!)"
      }.joined()
    }
  }
}
