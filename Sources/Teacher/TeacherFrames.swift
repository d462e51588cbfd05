import Atomistic
import Foundation
import Potentials

/// Frame kinds of the teacher protocol (docs/teacher-protocol.md).
enum FrameKind: UInt8 {
  case hello = 1
  case startupError = 2
  case request = 3
  case result = 4
  case error = 5
}

/// The protocol's constants and the encoding of requests and decoding of replies.
///
/// A frame is a 16-byte header (magic `MLFT`, kind u8, 3 zero bytes, payload length u64) and a
/// payload; everything little-endian, floats IEEE-754 binary64.
enum TeacherFrames {
  static let magic: [UInt8] = Array("MLFT".utf8)
  static let headerSize = 16
  static let maximumPayload: UInt64 = 1 << 31

  static let energyBit: UInt32 = 1
  static let forcesBit: UInt32 = 2
  static let stressBit: UInt32 = 4
  /// Hessian–vector products for the probes the request carries.
  static let curvatureBit: UInt32 = 8
  /// The finite-difference step (Å) used when a structure with probes records none.
  static let defaultHessianStep = 0.01

  /// A whole request frame (header and payload) for one structure.
  /// - Parameters:
  ///   - structure: atomic numbers, positions (Å), cell rows (Å), pbc.
  ///   - properties: wanted quantities (energy is always computed).
  ///
  /// A structure carrying probe directions (`Structure.hessianProbes`) also asks for their
  /// Hessian–vector products, with its `hessianStep` (Å, default 0.01).
  static func request(_ structure: Structure, _ properties: PropertySet) -> [UInt8] {
    let n = structure.count
    var payload: [UInt8] = []
    payload.reserveCapacity(12 + 72 + 28 * n)
    var wanted = energyBit
    if properties.contains(.forces) { wanted |= forcesBit }
    if properties.contains(.stress) { wanted |= stressBit }
    let probes = structure.hessianProbes
    if probes != nil { wanted |= curvatureBit }
    append(UInt32(n), to: &payload)
    append(wanted, to: &payload)
    for d in 0..<3 { payload.append(structure.pbc[d] ? 1 : 0) }
    payload.append(0)
    for row in [structure.cell.a1, structure.cell.a2, structure.cell.a3] {
      for d in 0..<3 { append(row[d], to: &payload) }
    }
    for z in structure.atomicNumbers { append(UInt32(bitPattern: Int32(z)), to: &payload) }
    for r in structure.positions {
      for d in 0..<3 { append(r[d], to: &payload) }
    }
    if let probes {
      append(UInt32(probes.count), to: &payload)
      append(structure.hessianStep ?? defaultHessianStep, to: &payload)
      for probe in probes {
        for v in probe { for d in 0..<3 { append(v[d], to: &payload) } }
      }
    }
    return header(.request, length: payload.count) + payload
  }

  static func header(_ kind: FrameKind, length: Int) -> [UInt8] {
    var bytes = magic
    bytes.append(kind.rawValue)
    bytes += [0, 0, 0]
    append(UInt64(length), to: &bytes)
    return bytes
  }

  /// Splits a 16-byte header into kind and payload length.
  /// - Throws: a description of what is wrong when it is not a protocol header.
  static func parseHeader(_ bytes: [UInt8]) throws(FrameError) -> (kind: FrameKind, length: Int) {
    guard Array(bytes[0..<4]) == magic else {
      throw FrameError("bad magic; it began with \(preview(bytes))")
    }
    guard let kind = FrameKind(rawValue: bytes[4]) else {
      throw FrameError("unknown frame kind \(bytes[4])")
    }
    let length = readUInt64(bytes, at: 8)
    guard length <= maximumPayload else { throw FrameError("impossible payload length \(length)") }
    return (kind, Int(length))
  }

  /// Decodes a result payload for a structure of `nAtoms` atoms.
  /// - Parameter probeCount: k, the probes of the request (0: none), whose products the
  ///   result must then carry.
  /// - Returns: energy (eV), forces ([nAtoms], eV/Å), stress ([6] Voigt, eV/Å³) and
  ///   Hessian–vector products ([k][nAtoms], eV/Å²) when present.
  static func decodeResult(_ payload: [UInt8], nAtoms: Int, probeCount: Int = 0) throws(FrameError) -> Results {
    guard payload.count >= 16 else { throw FrameError("a result of \(payload.count) bytes is too short") }
    let n = Int(readUInt32(payload, at: 0))
    guard n == nAtoms else { throw FrameError("a result for \(n) atoms answered a request for \(nAtoms)") }
    let present = readUInt32(payload, at: 4)
    var expected = 16
    if present & forcesBit != 0 { expected += 24 * n }
    if present & stressBit != 0 { expected += 48 }
    if present & curvatureBit != 0 { expected += 24 * n * probeCount }
    if probeCount > 0 && present & curvatureBit == 0 {
      throw FrameError("the request carried \(probeCount) probe directions but the result has no Hessian–vector products (an older mlff_teacher?)")
    }
    guard payload.count == expected else {
      throw FrameError("a result of \(payload.count) bytes where \(expected) were expected")
    }
    var offset = 8
    let energy = readDouble(payload, at: offset)
    offset += 8
    var forces: [SIMD3<Double>]? = nil
    if present & forcesBit != 0 {
      var f = [SIMD3<Double>](repeating: .zero, count: n)
      for i in 0..<n {
        f[i] = SIMD3(readDouble(payload, at: offset), readDouble(payload, at: offset + 8), readDouble(payload, at: offset + 16))
        offset += 24
      }
      forces = f
    }
    var stress: [Double]? = nil
    if present & stressBit != 0 {
      stress = (0..<6).map { readDouble(payload, at: offset + 8 * $0) }
      offset += 48
    }
    var results = Results(energy: energy, forces: forces, stress: stress)
    if present & curvatureBit != 0 {
      results.hessianProducts = (0..<probeCount).map { _ in
        (0..<n).map { _ in
          defer { offset += 24 }
          return SIMD3(readDouble(payload, at: offset), readDouble(payload, at: offset + 8), readDouble(payload, at: offset + 16))
        }
      }
    }
    return results
  }

  /// Decodes the hello frame's JSON.
  static func decodeHello(_ payload: [UInt8]) throws(FrameError) -> TeacherIdentity {
    do {
      return try JSONDecoder().decode(TeacherIdentity.self, from: Data(payload))
    } catch {
      throw FrameError("the hello frame is not the expected JSON (\(preview(payload)))")
    }
  }

  /// Up to 40 bytes shown as text with unprintable bytes escaped.
  static func preview(_ bytes: [UInt8]) -> String {
    let shown = bytes.prefix(40).map { b -> String in
      (32..<127).contains(b) ? String(UnicodeScalar(b)) : String(format: "\\x%02x", b)
    }.joined()
    return "\"" + shown + (bytes.count > 40 ? "…" : "") + "\""
  }

  private static func append<T: FixedWidthInteger>(_ value: T, to bytes: inout [UInt8]) {
    withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
  }

  private static func append(_ value: Double, to bytes: inout [UInt8]) {
    append(value.bitPattern, to: &bytes)
  }

  private static func readUInt32(_ bytes: [UInt8], at offset: Int) -> UInt32 {
    var value: UInt32 = 0
    for k in 0..<4 { value |= UInt32(bytes[offset + k]) << (8 * k) }
    return value
  }

  private static func readUInt64(_ bytes: [UInt8], at offset: Int) -> UInt64 {
    var value: UInt64 = 0
    for k in 0..<8 { value |= UInt64(bytes[offset + k]) << (8 * k) }
    return value
  }

  private static func readDouble(_ bytes: [UInt8], at offset: Int) -> Double {
    Double(bitPattern: readUInt64(bytes, at: offset))
  }
}

/// A byte stream that does not follow the protocol; `detail` says how.
struct FrameError: Error {
  let detail: String
  init(_ detail: String) { self.detail = detail }
}
