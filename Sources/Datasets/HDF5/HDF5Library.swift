import CHDF5
import Foundation

/// Process-wide access to libhdf5.
///
/// Whether libhdf5 is thread-safe is a build option of the library, so every HDF5 call in
/// the process goes through `withLock`, which holds one recursive lock. It also switches off
/// HDF5's automatic printing of error stacks to standard error: failures are turned into
/// `DatasetError`s that carry the stack's messages instead.
enum HDF5Library {
  private static let lock = NSRecursiveLock()
  nonisolated(unsafe) private static var isInitialised = false

  /// Runs `body` while holding the HDF5 lock.
  static func withLock<T>(_ body: () throws -> T) rethrows -> T {
    lock.lock()
    defer { lock.unlock() }
    if !isInitialised {
      _ = H5open()
      isInitialised = true
    }
    // The automatic printing setting is per thread when libhdf5 is built thread-safe: set it on
    // every entry (it is a cheap assignment).
    _ = H5Eset_auto2(mlff_h5e_default(), nil, nil)
    return try body()
  }

  /// The messages on HDF5's current error stack, outermost first, joined with "; "; clears the stack.
  /// Call with the lock held, right after a failed HDF5 call.
  static func takeErrorStack() -> String {
    var messages: [String] = []
    withUnsafeMutablePointer(to: &messages) { pointer in
      _ = H5Ewalk2(mlff_h5e_default(), H5E_WALK_DOWNWARD, collectErrorMessage, UnsafeMutableRawPointer(pointer))
    }
    _ = H5Eclear2(mlff_h5e_default())
    var unique: [String] = []
    for message in messages where !message.isEmpty && !unique.contains(message) { unique.append(message) }
    return unique.isEmpty ? "no detail from HDF5" : unique.joined(separator: "; ")
  }
}

/// H5Ewalk2 callback: appends "description (minor message)" of one stack entry to a `[String]`.
private let collectErrorMessage: H5E_walk2_t = { _, entry, clientData in
  guard let entry, let clientData else { return 0 }
  let messages = clientData.assumingMemoryBound(to: [String].self)
  var text = entry.pointee.desc.map { String(cString: $0) } ?? ""
  var buffer = [CChar](repeating: 0, count: 256)
  var messageType = H5E_MAJOR
  if H5Eget_msg(entry.pointee.min_num, &messageType, &buffer, buffer.count) > 0 {
    let bytes = buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
    let minor = String(decoding: bytes, as: UTF8.self)
    if !minor.isEmpty && minor != text { text += text.isEmpty ? minor : " (\(minor))" }
  }
  messages.pointee.append(text)
  return 0
}
