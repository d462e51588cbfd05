// The i-PI socket protocol's framing (https://docs.ipi-code.org, "Communication protocol"):
// every message starts with a 12-byte ASCII header, padded with spaces; numbers follow in the
// machine's native order, which for every machine i-PI, ASE and LAMMPS run on is
// little-endian: int32 counts and float64 values, all in atomic units (Bohr, Hartree).

/// A message header of the i-PI protocol.
public enum IPIHeader: String, CaseIterable, Sendable {
  /// Server → driver: "what is your state?" The driver answers `ready`, `needInit` or `haveData`.
  case status = "STATUS"
  /// Driver → server: waiting for positions.
  case ready = "READY"
  /// Driver → server: waiting for an `INIT` message first.
  case needInit = "NEEDINIT"
  /// Driver → server: forces are computed and can be fetched with `getForce`.
  case haveData = "HAVEDATA"
  /// Server → driver: int32 bead index, int32 length, that many bytes of parameters.
  case initialise = "INIT"
  /// Server → driver: cell, inverse cell, int32 atom count, positions.
  case positionData = "POSDATA"
  /// Server → driver: "send the forces".
  case getForce = "GETFORCE"
  /// Driver → server: energy, atom count, forces, virial, extra string.
  case forceReady = "FORCEREADY"
  /// Server → driver: the run is over; the driver exits.
  case exit = "EXIT"

  /// Length of every header, bytes.
  public static let length = 12

  /// The header as sent: the ASCII name padded with spaces to 12 bytes.
  public var bytes: [UInt8] {
    Array(rawValue.utf8) + Array(repeating: UInt8(ascii: " "), count: Self.length - rawValue.utf8.count)
  }

  /// The header of 12 received bytes, ignoring trailing spaces (and NULs, which some C drivers
  /// pad with); nil when the bytes name no header of the protocol.
  public init?(bytes: some Collection<UInt8>) {
    guard bytes.count == Self.length else { return nil }
    var name = Array(bytes)
    while let last = name.last, last == UInt8(ascii: " ") || last == 0 { name.removeLast() }
    guard let header = IPIHeader(rawValue: String(decoding: name, as: UTF8.self)) else { return nil }
    self = header
  }

  /// The received bytes as a reader should see them in an error message: printable ASCII with
  /// trailing padding removed, other bytes as `\xNN`.
  public static func printable(_ bytes: some Collection<UInt8>) -> String {
    var text = Array(bytes)
    while let last = text.last, last == UInt8(ascii: " ") || last == 0 { text.removeLast() }
    return text.map { b in
      (0x20..<0x7F).contains(b) ? String(UnicodeScalar(b)) : "\\x" + String(b, radix: 16, uppercase: true).leftPadded(to: 2)
    }.joined()
  }
}

extension String {
  fileprivate func leftPadded(to width: Int) -> String {
    count >= width ? self : String(repeating: "0", count: width - count) + self
  }
}

// MARK: Little-endian numbers

/// Appends little-endian int32 and float64 values to a message being built.
public struct IPIMessageWriter: Sendable {
  /// The message so far.
  public private(set) var bytes: [UInt8] = []

  public init() {}

  public mutating func append(_ header: IPIHeader) { bytes += header.bytes }

  public mutating func append(int32 value: Int32) {
    withUnsafeBytes(of: value.littleEndian) { bytes += $0 }
  }

  public mutating func append(float64 value: Double) {
    withUnsafeBytes(of: value.bitPattern.littleEndian) { bytes += $0 }
  }

  public mutating func append(float64 values: some Sequence<Double>) {
    for v in values { append(float64: v) }
  }

  public mutating func append(raw: some Sequence<UInt8>) { bytes += raw }
}

/// Reads little-endian int32 and float64 values from a received block of bytes, in order.
public struct IPIMessageParser {
  private let bytes: [UInt8]
  private var offset = 0

  public init(_ bytes: [UInt8]) { self.bytes = bytes }

  /// Bytes not yet read.
  public var remaining: Int { bytes.count - offset }

  public mutating func int32() -> Int32 {
    precondition(remaining >= 4, "IPIMessageParser: int32 read past the end of the block")
    var raw: UInt32 = 0
    for k in 0..<4 { raw |= UInt32(bytes[offset + k]) << (8 * k) }
    offset += 4
    return Int32(bitPattern: raw)
  }

  public mutating func float64() -> Double {
    precondition(remaining >= 8, "IPIMessageParser: float64 read past the end of the block")
    var raw: UInt64 = 0
    for k in 0..<8 { raw |= UInt64(bytes[offset + k]) << (8 * k) }
    offset += 8
    return Double(bitPattern: raw)
  }

  public mutating func float64s(_ count: Int) -> [Double] {
    (0..<count).map { _ in float64() }
  }
}
