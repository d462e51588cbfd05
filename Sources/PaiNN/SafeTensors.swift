import Foundation

/// Element types a safetensors tensor can be stored in (those this project reads and writes).
public enum SafeTensorsDType: String, Sendable, Hashable {
  /// IEEE 754 binary32, little-endian.
  case f32 = "F32"
  /// IEEE 754 binary64, little-endian.
  case f64 = "F64"

  /// Bytes per element.
  public var byteCount: Int { self == .f32 ? 4 : 8 }
}

/// One tensor of a safetensors file, held as Double whatever its stored type.
public struct SafeTensor: Sendable, Hashable {
  /// Row-major shape; [] for a scalar.
  public var shape: [Int]
  /// Values in row-major order, `shape.product` of them.
  public var values: [Double]
  /// Type on disk.
  public var dtype: SafeTensorsDType

  public init(shape: [Int], values: [Double], dtype: SafeTensorsDType = .f64) {
    precondition(shape.reduce(1, *) == values.count, "shape \(shape) needs \(shape.reduce(1, *)) values, got \(values.count)")
    self.shape = shape
    self.values = values
    self.dtype = dtype
  }
}

/// Why a safetensors file could not be read.
public struct SafeTensorsError: Error, CustomStringConvertible, Equatable {
  /// What was wrong and what to do, naming the file.
  public var description: String
  public init(_ description: String) { self.description = description }
}

/// The safetensors container (https://github.com/huggingface/safetensors): an 8-byte
/// little-endian header length N, N bytes of JSON header, then the raw little-endian tensor bytes.
///
/// The header maps each tensor name to `{"dtype", "shape", "data_offsets": [begin, end]}`
/// (offsets relative to the end of the header) and may hold `"__metadata__"`, a map of strings to
/// strings. Tensors are written in the given order, back to back, with no gaps.
public enum SafeTensors {
  /// Largest header this reader accepts, bytes (the reference implementation's limit).
  public static let maximumHeaderLength = 100_000_000

  /// Encodes tensors and metadata as a safetensors byte buffer.
  /// - Parameters:
  ///   - tensors: (name, tensor) in the order they are laid out.
  ///   - metadata: free-form string pairs stored under `__metadata__`.
  public static func encode(_ tensors: [(String, SafeTensor)], metadata: [String: String]) -> Data {
    var header = "{"
    var entries: [String] = []
    if !metadata.isEmpty {
      let pairs = metadata.keys.sorted().map { "\(jsonString($0)):\(jsonString(metadata[$0]!))" }
      entries.append("\"__metadata__\":{" + pairs.joined(separator: ",") + "}")
    }
    var offset = 0
    for (name, tensor) in tensors {
      let size = tensor.values.count * tensor.dtype.byteCount
      entries.append(
        "\(jsonString(name)):{\"dtype\":\"\(tensor.dtype.rawValue)\",\"shape\":[\(tensor.shape.map(String.init).joined(separator: ","))],\"data_offsets\":[\(offset),\(offset + size)]}")
      offset += size
    }
    header += entries.joined(separator: ",") + "}"
    var headerBytes = Array(header.utf8)
    while (8 + headerBytes.count) % 8 != 0 { headerBytes.append(0x20) }  // pad with spaces
    var data = Data(capacity: 8 + headerBytes.count + offset)
    var length = UInt64(headerBytes.count).littleEndian
    withUnsafeBytes(of: &length) { data.append(contentsOf: $0) }
    data.append(contentsOf: headerBytes)
    for (_, tensor) in tensors {
      switch tensor.dtype {
      case .f32:
        var bits = tensor.values.map { Float($0).bitPattern.littleEndian }
        bits.withUnsafeMutableBytes { data.append(contentsOf: $0) }
      case .f64:
        var bits = tensor.values.map { $0.bitPattern.littleEndian }
        bits.withUnsafeMutableBytes { data.append(contentsOf: $0) }
      }
    }
    return data
  }

  /// Decodes a safetensors buffer, checking the header length, the JSON, every dtype, shape
  /// and offset, and that the tensors exactly cover the data section.
  /// - Parameters:
  ///   - data: the whole file.
  ///   - source: the file name used in error messages.
  /// - Returns: tensors in offset order, and the metadata.
  public static func decode(_ data: Data, source: String) throws -> (tensors: [(String, SafeTensor)], metadata: [String: String]) {
    func fail(_ why: String) -> SafeTensorsError {
      SafeTensorsError("\(source) is not a valid safetensors model file: \(why)")
    }
    guard data.count >= 8 else {
      throw fail("it is \(data.count) bytes long, shorter than the 8-byte header length (truncated or empty file?)")
    }
    let bytes = [UInt8](data)
    var n: UInt64 = 0
    for k in 0..<8 { n |= UInt64(bytes[k]) << (8 * UInt64(k)) }
    guard n >= 2, n <= UInt64(maximumHeaderLength) else {
      throw fail("its header length field says \(n) bytes, which is not plausible (corrupt file, or not safetensors)")
    }
    let headerLength = Int(n)
    guard 8 + headerLength <= bytes.count else {
      throw fail("its header needs \(headerLength) bytes but only \(bytes.count - 8) follow (truncated file)")
    }
    let headerData = Data(bytes[8..<(8 + headerLength)])
    guard let object = try? JSONSerialization.jsonObject(with: headerData), let header = object as? [String: Any] else {
      throw fail("its header is not a JSON object (corrupt file)")
    }
    let dataStart = 8 + headerLength
    let dataLength = bytes.count - dataStart
    var metadata: [String: String] = [:]
    var found: [(name: String, begin: Int, end: Int, tensor: SafeTensor)] = []
    for (name, value) in header {
      if name == "__metadata__" {
        guard let map = value as? [String: Any] else { throw fail("__metadata__ is not a map of strings") }
        for (k, v) in map {
          guard let s = v as? String else { throw fail("__metadata__ entry '\(k)' is not a string") }
          metadata[k] = s
        }
        continue
      }
      guard let entry = value as? [String: Any],
            let dtypeName = entry["dtype"] as? String,
            let shapeAny = entry["shape"] as? [Any],
            let offsetsAny = entry["data_offsets"] as? [Any], offsetsAny.count == 2
      else { throw fail("tensor '\(name)' lacks a dtype, shape or data_offsets entry") }
      guard let dtype = SafeTensorsDType(rawValue: dtypeName) else {
        throw fail("tensor '\(name)' has dtype \(dtypeName); this reader supports F32 and F64")
      }
      let shape = shapeAny.compactMap { ($0 as? NSNumber)?.intValue }
      let offsets = offsetsAny.compactMap { ($0 as? NSNumber)?.intValue }
      guard shape.count == shapeAny.count, shape.allSatisfy({ $0 >= 0 }), offsets.count == 2 else {
        throw fail("tensor '\(name)' has a malformed shape or data_offsets")
      }
      let count = shape.reduce(1, *)
      let (begin, end) = (offsets[0], offsets[1])
      guard begin >= 0, end >= begin, end <= dataLength else {
        throw fail("tensor '\(name)' claims bytes \(begin)..<\(end) but the data section has \(dataLength) bytes (truncated file?)")
      }
      guard end - begin == count * dtype.byteCount else {
        throw fail("tensor '\(name)' has shape \(shape) (\(count * dtype.byteCount) bytes of \(dtypeName)) but spans \(end - begin) bytes")
      }
      var values = [Double](repeating: 0, count: count)
      let base = dataStart + begin
      switch dtype {
      case .f32:
        for k in 0..<count {
          var bits: UInt32 = 0
          for b in 0..<4 { bits |= UInt32(bytes[base + 4 * k + b]) << (8 * UInt32(b)) }
          values[k] = Double(Float(bitPattern: bits))
        }
      case .f64:
        for k in 0..<count {
          var bits: UInt64 = 0
          for b in 0..<8 { bits |= UInt64(bytes[base + 8 * k + b]) << (8 * UInt64(b)) }
          values[k] = Double(bitPattern: bits)
        }
      }
      found.append((name, begin, end, SafeTensor(shape: shape, values: values, dtype: dtype)))
    }
    found.sort { $0.begin != $1.begin ? $0.begin < $1.begin : $0.end < $1.end }
    var covered = 0
    for t in found where t.end > t.begin {
      guard t.begin == covered else {
        throw fail("tensor '\(t.name)' starts at byte \(t.begin) but the previous tensor ends at \(covered) (overlapping or gapped data)")
      }
      covered = t.end
    }
    guard covered == dataLength else {
      throw fail("the tensors cover \(covered) bytes but the data section has \(dataLength) (extra or missing bytes)")
    }
    return (found.map { ($0.name, $0.tensor) }, metadata)
  }

  /// A JSON string literal for `s`, with quotes, backslashes and control characters escaped.
  static func jsonString(_ s: String) -> String {
    var out = "\""
    for u in s.unicodeScalars {
      switch u {
      case "\"": out += "\\\""
      case "\\": out += "\\\\"
      case "\n": out += "\\n"
      case "\r": out += "\\r"
      case "\t": out += "\\t"
      default:
        if u.value < 0x20 { out += String(format: "\\u%04x", u.value) } else { out.unicodeScalars.append(u) }
      }
    }
    return out + "\""
  }
}
