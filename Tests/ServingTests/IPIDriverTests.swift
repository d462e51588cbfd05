import Atomistic
import PaiNN
import Potentials
import Serving
import Testing

/// A server's side of a session, scripted: the bytes the server sends are read back in chunks of
/// `chunk` bytes (to exercise partial reads), and what the driver writes is collected.
final class ScriptedStream: IPIByteStream {
  private let input: [UInt8]
  private var offset = 0
  private let chunk: Int
  private(set) var output: [UInt8] = []

  init(_ input: [UInt8], chunk: Int = 7) {
    self.input = input
    self.chunk = chunk
  }

  func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
    let n = min(chunk, buffer.count, input.count - offset)
    for k in 0..<n { buffer[k] = input[offset + k] }
    offset += n
    return n
  }

  func write(_ bytes: [UInt8]) throws { output += bytes }
}

/// Splits a driver's output into its messages: headers, and FORCEREADY payloads decoded.
struct DriverReplies {
  var headers: [IPIHeader] = []
  var forces: [IPIForceData] = []

  init(_ bytes: [UInt8]) throws {
    var offset = 0
    func take(_ n: Int) throws -> [UInt8] {
      guard offset + n <= bytes.count else { throw IPIError.malformed("a reply cut short") }
      defer { offset += n }
      return Array(bytes[offset..<offset + n])
    }
    while offset < bytes.count {
      let header = try #require(IPIHeader(bytes: try take(12)))
      headers.append(header)
      guard header == .forceReady else { continue }
      var p = IPIMessageParser(try take(12))
      let energy = p.float64()
      let n = Int(p.int32())
      var q = IPIMessageParser(try take(24 * n + 72 + 4))
      let f = q.float64s(3 * n), virial = q.float64s(9)
      let extraCount = Int(q.int32())
      forces.append(IPIForceData(energy: energy, forces: f, virial: virial, extra: try take(extraCount)))
    }
  }
}

func message(_ header: IPIHeader) -> [UInt8] { header.bytes }

/// Structures for the tests, in Å.
enum ServingSystems {
  /// A rattled argon crystal in a triclinic cell (a₁ along x, a₂ in the xy plane, as i-PI keeps it).
  static var argon: Structure {
    let a = 5.26
    let cell = Cell(a1: SIMD3(a, 0, 0), a2: SIMD3(0.4, a, 0), a3: SIMD3(-0.3, 0.2, a * 1.02))
    let fractional: [SIMD3<Double>] = [SIMD3(0, 0, 0), SIMD3(0.5, 0.5, 0), SIMD3(0.5, 0, 0.5), SIMD3(0, 0.5, 0.5)]
    let shifts: [SIMD3<Double>] = [SIMD3(0.03, -0.02, 0.01), SIMD3(-0.04, 0.01, 0.02), SIMD3(0.02, 0.05, -0.03), SIMD3(-0.01, -0.03, 0.04)]
    let positions = zip(fractional, shifts).map { cell.cartesian($0) + $1 * 4 }
    return Structure(atomicNumbers: [18, 18, 18, 18], positions: positions, cell: cell, pbc: [true, true, true])
  }

  /// The argon crystal compressed by 6 %, so that the pressure is positive.
  static var compressedArgon: Structure {
    var s = argon
    s.positions = s.positions.map { $0 * 0.94 }
    s.cell = Cell(a1: s.cell.a1 * 0.94, a2: s.cell.a2 * 0.94, a3: s.cell.a3 * 0.94)
    return s
  }

  /// A small argon cluster (no cell).
  static var cluster: Structure {
    Structure(atomicNumbers: [18, 18, 18],
              positions: [SIMD3(0, 0, 0), SIMD3(3.7, 0.2, -0.1), SIMD3(1.6, 3.3, 0.4)])
  }
}

@Suite struct IPIMessageTests {
  @Test func headersArePaddedWithSpacesToTwelveBytes() {
    #expect(IPIHeader.status.bytes == Array("STATUS      ".utf8))
    #expect(IPIHeader.forceReady.bytes == Array("FORCEREADY  ".utf8))
    for header in IPIHeader.allCases {
      #expect(header.bytes.count == 12)
      #expect(IPIHeader(bytes: header.bytes) == header)
    }
    // Some C drivers pad with NULs.
    #expect(IPIHeader(bytes: Array("EXIT".utf8) + [UInt8](repeating: 0, count: 8)) == .exit)
    #expect(IPIHeader(bytes: Array("HELLO       ".utf8)) == nil)
  }

  @Test func numbersAreLittleEndian() {
    var w = IPIMessageWriter()
    w.append(int32: 1)
    w.append(float64: 1.0)
    #expect(w.bytes == [1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xF0, 0x3F])
    var p = IPIMessageParser(w.bytes)
    #expect(p.int32() == 1 && p.float64() == 1.0 && p.remaining == 0)
  }

  /// i-PI keeps the cell as an upper-triangular h whose columns are the lattice vectors; the
  /// rows of the structure's cell must be those columns, in Å.
  @Test func cellArrivesAsColumnsAndBecomesRows() throws {
    let b = Units.bohr
    let h: [Double] = [10, 0.8, -0.6, 0, 9.5, 0.4, 0, 0, 11]  // upper triangular, Bohr
    let data = IPIPositionData(cellMatrix: h, inverseCellMatrix: [Double](repeating: 7, count: 9),
                               positions: [1, 2, 3, -1, 0.5, 4])
    let template = Structure(atomicNumbers: [18, 18], positions: [.zero, .zero], cell: .zero, pbc: [true, true, true])
    let s = try data.structure(template: template, request: 1)
    #expect(s.cell.a1 == SIMD3(10, 0, 0) * b)
    #expect(s.cell.a2 == SIMD3(0.8, 9.5, 0) * b)
    #expect(s.cell.a3 == SIMD3(-0.6, 0.4, 11) * b)
    #expect(s.positions == [SIMD3(1, 2, 3) * b, SIMD3(-1, 0.5, 4) * b])
    #expect(s.atomicNumbers == [18, 18] && s.pbc == [true, true, true])
  }

  @Test func positionDataRoundTripsATriclinicCell() throws {
    let s = ServingSystems.argon
    let data = IPIPositionData(structure: s)
    // h is Cᵀ: upper triangular for a cell with a₁ along x and a₂ in the xy plane.
    #expect(data.cellMatrix[3] == 0 && data.cellMatrix[6] == 0 && data.cellMatrix[7] == 0)
    // h · h⁻¹ = 1.
    for r in 0..<3 {
      for c in 0..<3 {
        let product = (0..<3).reduce(0.0) { $0 + data.cellMatrix[3 * r + $1] * data.inverseCellMatrix[3 * $1 + c] }
        #expect(abs(product - (r == c ? 1 : 0)) < 1e-12)
      }
    }
    let back = try data.structure(template: s, request: 1)
    for k in 0..<3 { #expect(maxDifference(back.cell[k], s.cell[k]) < 1e-13) }
    for (p, q) in zip(back.positions, s.positions) { #expect(maxDifference(p, q) < 1e-13) }
  }

  @Test func aMoleculeIgnoresTheBoxTheServerSends() throws {
    let s = ServingSystems.cluster
    var data = IPIPositionData(structure: s)
    data.cellMatrix = [40, 0, 0, 0, 40, 0, 0, 0, 40]
    let back = try data.structure(template: s, request: 1)
    #expect(back.cell == .zero && back.pbc == [false, false, false])
  }
}

@Suite struct IPIDriverTests {
  let lj = LennardJones()

  /// The FORCEREADY of one request, decoded back to eV, Å.
  func serveOnce(_ s: Structure, potential: any Potential, chunk: Int = 7) throws -> (IPIForceData, DriverReplies) {
    let driver = try IPIDriver(potential: potential, template: s)
    let script = message(.status) + IPIPositionData(structure: s).encoded + message(.status) + message(.getForce)
      + message(.status) + message(.exit)
    let stream = ScriptedStream(script, chunk: chunk)
    #expect(try driver.serve(stream) == .exitMessage)
    #expect(driver.requestsServed == 1)
    let replies = try DriverReplies(stream.output)
    #expect(replies.headers == [.ready, .haveData, .forceReady, .ready])
    return (try #require(replies.forces.first), replies)
  }

  @Test func answersInAtomicUnits() throws {
    let s = ServingSystems.argon
    let (reply, _) = try serveOnce(s, potential: lj)
    let direct = try lj.compute(s, .all)
    #expect(abs(reply.energy * Units.hartree - direct.energy) <= 1e-12 * abs(direct.energy))
    #expect(abs(reply.energy - direct.energy / 27.211386024367243) <= 1e-12 * abs(reply.energy))
    let fromSocket = reply.results(volume: s.cell.volume)
    for (f, g) in zip(fromSocket.forces!, direct.forces!) { #expect(maxDifference(f, g) < 1e-12) }
    // Hartree/Bohr: 1 eV/Å is 0.5291772/27.211386 ≈ 0.0194469 atomic units.
    #expect(abs(reply.forces[0] - direct.forces![0].x * 0.5291772105638411 / 27.211386024367243) < 1e-14)
    for (a, b) in zip(fromSocket.stress!, direct.stress!) { #expect(abs(a - b) < 1e-14) }
    #expect(reply.extra == Array(" ".utf8))
  }

  /// W = −∂E/∂ε, in Hartree, not divided by the volume: compared with a central finite
  /// difference of the energy under a symmetric strain, with no stress code involved.
  @Test func virialIsMinusTheStrainDerivativeInHartree() throws {
    let s = ServingSystems.compressedArgon
    let (reply, _) = try serveOnce(s, potential: lj)
    let h = 1e-5
    for (a, b) in [(0, 0), (1, 1), (2, 2), (1, 2), (0, 2), (0, 1)] {
      func energy(_ e: Double) throws -> Double {
        var strain = [[Double]](repeating: [0, 0, 0], count: 3)
        strain[a][b] += e / (a == b ? 1 : 2)
        if a != b { strain[b][a] += e / 2 }
        var t = s
        t.cell = s.cell.deformed(by: strain)
        t.positions = s.positions.map { r in
          SIMD3((0..<3).map { c in r[c] + (0..<3).reduce(0.0) { $0 + r[$1] * strain[$1][c] } })
        }
        return try lj.compute(t, .energyAndForces).energy
      }
      let dEdEps = (try energy(h) - energy(-h)) / (2 * h)  // ∂E/∂ε_ab (ε_ab = ε_ba), eV
      let expected = -dEdEps / Units.hartree
      #expect(abs(reply.virial[3 * a + b] - expected) < 1e-7 * max(1, abs(expected) * 1e3), "W[\(a)\(b)]")
      #expect(reply.virial[3 * a + b] == reply.virial[3 * b + a])
    }
    // Compressed: the pressure is positive, so the virial's trace is positive (σ is negative).
    #expect(reply.virial[0] + reply.virial[4] + reply.virial[8] > 0)
  }

  @Test func aMoleculeGetsAZeroVirial() throws {
    let (reply, _) = try serveOnce(ServingSystems.cluster, potential: lj)
    #expect(reply.virial == [Double](repeating: 0, count: 9))
    #expect(reply.atomCount == 3)
  }

  /// i-PI 3 sends POSDATA and GETFORCE back to back, without a STATUS between; later STATUS
  /// messages find the driver ready again, and an end of stream between messages is clean.
  @Test func positionsAndGetForceBackToBack() throws {
    let s = ServingSystems.argon
    var moved = s
    moved.positions[1] += SIMD3(0.05, -0.02, 0.03)
    let driver = try IPIDriver(potential: lj, template: s)
    let script = message(.status) + IPIPositionData(structure: s).encoded + message(.getForce) + message(.status)
      + IPIPositionData(structure: moved).encoded + message(.getForce) + message(.status)
    let stream = ScriptedStream(script, chunk: 1000)
    #expect(try driver.serve(stream) == .endOfStream)
    let replies = try DriverReplies(stream.output)
    #expect(replies.headers == [.ready, .forceReady, .ready, .forceReady, .ready])
    #expect(driver.requestsServed == 2)
    let expected = try lj.compute([s, moved], .all)
    for (reply, direct) in zip(replies.forces, expected) {
      #expect(abs(reply.energy * Units.hartree - direct.energy) < 1e-12 * abs(direct.energy))
    }
    #expect(replies.forces[0].energy != replies.forces[1].energy)
  }

  @Test func initIsReadAndIgnored() throws {
    let s = ServingSystems.cluster
    var initMessage = IPIMessageWriter()
    initMessage.append(.initialise)
    initMessage.append(int32: 0)
    initMessage.append(int32: 5)
    initMessage.append(raw: Array("hello".utf8))
    let driver = try IPIDriver(potential: lj, template: s)
    let stream = ScriptedStream(initMessage.bytes + message(.status) + IPIPositionData(structure: s).encoded
                                + message(.getForce) + message(.exit))
    #expect(try driver.serve(stream) == .exitMessage)
    #expect(try DriverReplies(stream.output).headers == [.ready, .forceReady])
  }

  /// The student is served like any other potential.
  @Test func servesAPaiNNStudentInATriclinicCell() throws {
    let configuration = PaiNNConfiguration(featureCount: 8, layerCount: 2, radialBasisCount: 6, cutoff: 4.0)
    let student = PaiNNPotential(model: PaiNNModel.random(configuration, elements: [14], seed: 4), precision: .double)
    var s = ServingSystems.argon
    s.atomicNumbers = [14, 14, 14, 14]
    let (reply, _) = try serveOnce(s, potential: student, chunk: 13)
    let direct = try student.compute(s, .all)
    let back = reply.results(volume: s.cell.volume)
    #expect(abs(back.energy - direct.energy) <= 1e-12 * abs(direct.energy))
    for (f, g) in zip(back.forces!, direct.forces!) { #expect(maxDifference(f, g) < 1e-12) }
    for (a, b) in zip(back.stress!, direct.stress!) { #expect(abs(a - b) < 1e-13) }
  }
}

@Suite struct IPIDriverBadInputTests {
  let lj = LennardJones()

  func failure(_ script: [UInt8], template: Structure = ServingSystems.argon) throws -> IPIError {
    let driver = try IPIDriver(potential: lj, template: template)
    do {
      try driver.serve(ScriptedStream(script))
    } catch let error as IPIError {
      return error
    }
    Issue.record("the session did not fail")
    return .malformed("no failure")
  }

  @Test func connectionClosedInsideAHeader() throws {
    let error = try failure(message(.status) + Array("POSD".utf8))
    #expect(error == .closedMidMessage(message: "a message header", received: 4, expected: 12))
    #expect(error.description.contains("in the middle of a message header (4 of 12 bytes arrived)"))
  }

  @Test func connectionClosedInsidePositions() throws {
    let full = IPIPositionData(structure: ServingSystems.argon).encoded
    let error = try failure(Array(full.prefix(200)))
    #expect(error == .closedMidMessage(message: "POSDATA message 1", received: 200, expected: full.count))
    #expect(error.description.contains("POSDATA message 1 (200 of \(full.count) bytes arrived)"))
  }

  @Test func connectionClosedInsideTheCell() throws {
    let full = IPIPositionData(structure: ServingSystems.argon).encoded
    let error = try failure(Array(full.prefix(50)))
    #expect(error == .closedMidMessage(message: "the cell and atom count of POSDATA message 1", received: 50, expected: 12 + 148))
  }

  @Test func wrongAtomCount() throws {
    let error = try failure(IPIPositionData(structure: ServingSystems.cluster).encoded + message(.getForce))
    #expect(error == .atomCountMismatch(received: 3, template: 4, request: 1))
    #expect(error.description.contains("the server sent 3 atoms but the template structure has 4"))
  }

  @Test func nonFinitePositions() throws {
    var data = IPIPositionData(structure: ServingSystems.argon)
    data.positions[7] = .nan
    let error = try failure(data.encoded + message(.getForce))
    #expect(error == .nonFinitePositions(atom: 2, request: 1))
  }

  @Test func aCellWithoutVolume() throws {
    var data = IPIPositionData(structure: ServingSystems.argon)
    data.cellMatrix = [Double](repeating: 0, count: 9)
    let error = try failure(data.encoded)
    #expect(error.description.contains("has no volume"))
  }

  @Test func getForceBeforePositions() throws {
    let error = try failure(message(.status) + message(.getForce))
    #expect(error.description.contains("GETFORCE before any POSDATA"))
  }

  @Test func bytesThatAreNotTheProtocol() throws {
    let error = try failure(Array("GET / HTTP/1.1\r\n".utf8))
    #expect(error == .unknownHeader("GET / HTTP/1"))
    #expect(error.description.contains("not a message of the i-PI protocol"))
  }

  @Test func anotherDriversReply() throws {
    let error = try failure(message(.ready))
    #expect(error.description.contains("READY which only a driver sends"))
  }

  @Test func unknownElementsAreRefusedBeforeServing() {
    var template = ServingSystems.cluster
    template.atomicNumbers = [18, 92, 18]
    let argonOnly = LennardJones(pairs: [ElementPair(18, 18): LennardJones.Parameters(epsilon: 0.0104, sigma: 3.4)])
    #expect(throws: PotentialError.self) { try IPIDriver(potential: argonOnly, template: template) }
  }

  @Test func emptyStreamIsACleanEnd() throws {
    let driver = try IPIDriver(potential: lj, template: ServingSystems.argon)
    #expect(try driver.serve(ScriptedStream([])) == .endOfStream)
    #expect(driver.requestsServed == 0)
  }
}

func maxDifference(_ a: SIMD3<Double>, _ b: SIMD3<Double>) -> Double {
  let d = a - b
  return max(abs(d.x), abs(d.y), abs(d.z))
}
