import Atomistic
import Potentials

/// An i-PI driver: answers a server's force requests with any `Potential`.
///
/// The driver's side of the protocol is a two-state machine:
///
///     state      server sends   driver does
///     READY      STATUS         answers READY
///     READY      INIT           reads bead index and parameters, ignores them
///     any        POSDATA        reads cell and positions, computes → HAVEDATA
///     HAVEDATA   STATUS         answers HAVEDATA
///     HAVEDATA   GETFORCE       sends FORCEREADY with energy, forces, virial → READY
///     any        EXIT           the session ends
///     between messages: end of stream   the session ends (ASE closes without EXIT)
///
/// i-PI 3 sends POSDATA and GETFORCE back to back with no STATUS between, which this machine
/// accepts like any other order the table allows. The protocol never names species or
/// periodicity, so a template structure supplies both; its atom count must match every request.
public final class IPIDriver {
  /// What gives the energies.
  public let potential: any Potential
  /// Species and periodicity of the server's atoms, in the server's order.
  public let template: Structure

  /// Requests answered so far (POSDATA messages computed).
  public private(set) var requestsServed = 0
  /// Time spent inside `potential.compute`, summed over requests.
  public private(set) var computeTime: Duration = .zero

  /// The forces computed for the last POSDATA, not yet fetched by GETFORCE.
  private var pending: IPIForceData?
  private let properties: PropertySet
  private let clock = ContinuousClock()

  /// How a session ended when nothing was wrong.
  public enum Ending: Sendable, Equatable {
    /// The server sent EXIT.
    case exitMessage
    /// The server closed the connection between two messages.
    case endOfStream
  }

  /// - Parameters:
  ///   - potential: answers the requests; stress is asked for when `template` is periodic in
  ///     all three directions.
  ///   - template: species and `pbc` of the server's system; its positions and cell are not used.
  /// - Throws: `PotentialError.unsupportedElements` when the potential does not know an element
  ///   of the template.
  public init(potential: any Potential, template: Structure) throws(PotentialError) {
    try potential.requireSupport([template])
    self.potential = potential
    self.template = template.unlabelled
    properties = template.isFullyPeriodic ? .all : .energyAndForces
  }

  /// Answers the server on `stream` until it sends EXIT or closes the connection.
  /// - Returns: how the session ended.
  /// - Throws: `IPIError` for a connection closed inside a message, bytes that are not the
  ///   protocol, a request the template does not fit, or a potential that fails.
  @discardableResult
  public func serve(_ stream: any IPIByteStream) throws -> Ending {
    let reader = IPIStreamReader(stream: stream)
    while let header = try reader.header() {
      switch header {
      case .status:
        try stream.write((pending == nil ? IPIHeader.ready : .haveData).bytes)
      case .initialise:
        try readInitialisation(reader)
      case .positionData:
        let data = try readPositions(reader)
        pending = try answer(data)
      case .getForce:
        guard let forces = pending else {
          throw IPIError.unexpected(.getForce, why: "before any POSDATA, so there are no forces to send")
        }
        try stream.write(forces.encoded)
        pending = nil
      case .exit:
        return .exitMessage
      case .ready, .needInit, .haveData, .forceReady:
        throw IPIError.unexpected(
          header, why: "which only a driver sends; the address belongs to another driver, not to a server")
      }
    }
    return .endOfStream
  }

  /// INIT: int32 bead index, int32 length, that many bytes of parameters; read and ignored.
  private func readInitialisation(_ reader: IPIStreamReader) throws {
    var p = IPIMessageParser(try reader.body(8, of: "an INIT message", alreadyReceived: IPIHeader.length))
    _ = p.int32()
    let length = Int(p.int32())
    guard (0...(1 << 24)).contains(length) else {
      throw IPIError.malformed("an INIT message announcing \(length) bytes of parameters, which cannot be right")
    }
    _ = try reader.body(length, of: "an INIT message", alreadyReceived: IPIHeader.length + 8,
                        expectedTotal: IPIHeader.length + 8 + length)
  }

  /// POSDATA: h (9 float64), h⁻¹ (9 float64), int32 atom count, 3N float64 positions.
  private func readPositions(_ reader: IPIStreamReader) throws -> IPIPositionData {
    let request = requestsServed + 1
    let fixedPart = 18 * 8 + 4
    let message = "POSDATA message \(request)"
    var p = IPIMessageParser(try reader.body(
      fixedPart, of: "the cell and atom count of \(message)", alreadyReceived: IPIHeader.length))
    let h = p.float64s(9), hInverse = p.float64s(9)
    let count = Int(p.int32())
    guard count >= 0 else { throw IPIError.malformed("a POSDATA message with \(count) atoms") }
    guard count == template.count else {
      throw IPIError.atomCountMismatch(received: count, template: template.count, request: request)
    }
    let total = IPIHeader.length + fixedPart + 24 * count
    var q = IPIMessageParser(try reader.body(
      24 * count, of: message, alreadyReceived: IPIHeader.length + fixedPart, expectedTotal: total))
    return IPIPositionData(cellMatrix: h, inverseCellMatrix: hInverse, positions: q.float64s(3 * count))
  }

  /// The FORCEREADY answer to one POSDATA message.
  private func answer(_ data: IPIPositionData) throws -> IPIForceData {
    let request = requestsServed + 1
    let structure = try data.structure(template: template, request: request)
    let start = clock.now
    let results: Results
    do {
      results = try potential.compute([structure], properties)[0]
    } catch {
      throw IPIError.computeFailed("the potential failed: \(error)", request: request)
    }
    computeTime += clock.now - start
    try requireFinite(results, atoms: structure.count, request: request)
    requestsServed += 1
    return IPIForceData(results: results, structure: structure)
  }

  /// Refuses results that would send non-finite or missing numbers to the server.
  private func requireFinite(_ r: Results, atoms: Int, request: Int) throws {
    guard r.energy.isFinite else {
      throw IPIError.computeFailed("the potential gave a non-finite energy (\(r.energy))", request: request)
    }
    guard let forces = r.forces, forces.count == atoms else {
      throw IPIError.computeFailed("the potential gave no forces for the \(atoms) atoms", request: request)
    }
    if let k = forces.firstIndex(where: { !($0.x.isFinite && $0.y.isFinite && $0.z.isFinite) }) {
      throw IPIError.computeFailed("the potential gave a non-finite force on atom \(k) (0-based)", request: request)
    }
    if properties.contains(.stress) {
      guard let stress = r.stress, stress.count == 6, stress.allSatisfy(\.isFinite) else {
        throw IPIError.computeFailed("the potential gave no finite stress for the periodic structure", request: request)
      }
    }
  }
}
