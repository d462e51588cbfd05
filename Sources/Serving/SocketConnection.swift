#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Where an i-PI server listens.
public enum IPIAddress: Sendable, Equatable, CustomStringConvertible {
  /// A UNIX domain socket named `name`: the file `/tmp/ipi_` + name, as i-PI and ASE make it.
  case unix(name: String)
  /// A TCP socket on `host` (a name or a numeric IPv4/IPv6 address) and `port`.
  case inet(host: String, port: Int)

  /// The prefix i-PI and ASE put before a UNIX socket's name.
  public static let unixPrefix = "/tmp/ipi_"

  /// The socket file of a UNIX address; nil for TCP.
  public var socketPath: String? {
    guard case .unix(let name) = self else { return nil }
    return Self.unixPrefix + name
  }

  public var description: String {
    switch self {
    case .unix: return "UNIX socket \(socketPath!)"
    case .inet(let host, let port): return "TCP \(host):\(port)"
    }
  }
}

/// A connected stream socket to an i-PI server (the driver is the client), with TCP_NODELAY
/// set on TCP: the protocol's short messages would otherwise wait for Nagle's algorithm.
public final class SocketConnection: IPIByteStream {
  private let descriptor: Int32
  private let isTCP: Bool

  private init(descriptor: Int32, isTCP: Bool) {
    self.descriptor = descriptor
    self.isTCP = isTCP
  }

  deinit { _ = systemClose(descriptor) }

  /// Connects to `address`, retrying every 0.1 s while nothing listens there yet (the socket
  /// file does not exist or the connection is refused), for up to `waitSeconds`.
  /// - Throws: `IPIError.connection` naming the address and the system's reason.
  public static func connect(to address: IPIAddress, waitSeconds: Double) throws -> SocketConnection {
    let clock = ContinuousClock()
    let deadline = clock.now + .milliseconds(Int64(max(0, waitSeconds) * 1000))
    while true {
      switch attempt(address) {
      case .success(let connection):
        return connection
      case .failure(let failure):
        guard failure.nobodyListening, clock.now < deadline else {
          let waited = failure.nobodyListening && waitSeconds > 0 ? " after waiting \(formatSeconds(waitSeconds)) s" : ""
          let advice = failure.nobodyListening
            ? "; start the server first (i-PI, or ASE's SocketIOCalculator) or check the address" : ""
          throw IPIError.connection("cannot connect to \(address)\(waited): \(failure.reason)\(advice)")
        }
        _ = usleep(100_000)
      }
    }
  }

  public func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
    guard let base = buffer.baseAddress, buffer.count > 0 else { return 0 }
    #if os(Linux)
    // Acknowledge at once instead of up to 40 ms later: a server that sends a message in several
    // small writes without TCP_NODELAY (ASE does) waits for that acknowledgement before its next
    // write. Linux clears the flag after use, so it is set before every read.
    if isTCP {
      var one: Int32 = 1
      _ = setsockopt(descriptor, Int32(IPPROTO_TCP), Int32(TCP_QUICKACK), &one, socklen_t(MemoryLayout<Int32>.size))
    }
    #endif
    while true {
      let n = systemReceive(descriptor, base, buffer.count)
      if n >= 0 { return n }
      let code = errno
      if code == EINTR { continue }
      // A reset is the server going away; the reader tells a clean end from a truncated message.
      if code == ECONNRESET { return 0 }
      throw IPIError.connection("reading from the server failed: \(systemMessage(code))")
    }
  }

  public func write(_ bytes: [UInt8]) throws {
    try bytes.withUnsafeBytes { buffer in
      var sent = 0
      while sent < buffer.count {
        let n = systemSend(descriptor, buffer.baseAddress! + sent, buffer.count - sent)
        if n >= 0 { sent += n; continue }
        let code = errno
        if code == EINTR { continue }
        if code == EPIPE || code == ECONNRESET {
          throw IPIError.connection("the server closed the connection while the driver was answering it")
        }
        throw IPIError.connection("writing to the server failed: \(systemMessage(code))")
      }
    }
  }

  // MARK: Connecting

  private struct Failure: Error {
    var reason: String
    /// Nothing listens at the address yet (worth retrying).
    var nobodyListening: Bool
  }

  private static func attempt(_ address: IPIAddress) -> Result<SocketConnection, Failure> {
    switch address {
    case .unix:
      return connectUnix(path: address.socketPath!)
    case .inet(let host, let port):
      return connectInet(host: host, port: port)
    }
  }

  private static func connectUnix(path: String) -> Result<SocketConnection, Failure> {
    var address = sockaddr_un()
    let capacity = MemoryLayout.size(ofValue: address.sun_path)
    let bytes = Array(path.utf8)
    guard bytes.count < capacity else {
      return .failure(Failure(reason: "the path \(path) is longer than the \(capacity - 1) bytes a UNIX socket allows; use a shorter name",
                              nobodyListening: false))
    }
    address.sun_family = sa_family_t(AF_UNIX)
    withUnsafeMutableBytes(of: &address.sun_path) { raw in
      raw.copyBytes(from: bytes)
      raw[bytes.count] = 0
    }
    let fd = socket(AF_UNIX, streamSocketType, 0)
    guard fd >= 0 else { return .failure(Failure(reason: systemMessage(errno), nobodyListening: false)) }
    let status = withUnsafePointer(to: &address) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
        systemConnect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
      }
    }
    guard status == 0 else {
      let code = errno
      _ = systemClose(fd)
      return .failure(Failure(reason: systemMessage(code), nobodyListening: code == ENOENT || code == ECONNREFUSED))
    }
    return .success(configured(fd, tcp: false))
  }

  private static func connectInet(host: String, port: Int) -> Result<SocketConnection, Failure> {
    var hints = addrinfo()
    hints.ai_family = AF_UNSPEC
    hints.ai_socktype = streamSocketType
    var list: UnsafeMutablePointer<addrinfo>?
    let lookup = getaddrinfo(host, String(port), &hints, &list)
    guard lookup == 0, let first = list else {
      return .failure(Failure(reason: "cannot resolve host '\(host)': \(String(cString: gai_strerror(lookup)))", nobodyListening: false))
    }
    defer { freeaddrinfo(first) }
    var lastError = ECONNREFUSED
    var entry: UnsafeMutablePointer<addrinfo>? = first
    while let info = entry {
      entry = info.pointee.ai_next
      let fd = socket(info.pointee.ai_family, info.pointee.ai_socktype, info.pointee.ai_protocol)
      guard fd >= 0 else { lastError = errno; continue }
      if systemConnect(fd, info.pointee.ai_addr, info.pointee.ai_addrlen) == 0 {
        return .success(configured(fd, tcp: true))
      }
      lastError = errno
      _ = systemClose(fd)
    }
    return .failure(Failure(reason: systemMessage(lastError), nobodyListening: lastError == ECONNREFUSED))
  }

  /// The connection over `fd` with its options set: TCP_NODELAY on TCP; on Darwin, no SIGPIPE
  /// when the server goes away (Linux asks for that on every send).
  private static func configured(_ fd: Int32, tcp: Bool) -> SocketConnection {
    var one: Int32 = 1
    if tcp { _ = setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size)) }
    #if canImport(Darwin)
    _ = setsockopt(fd, SOL_SOCKET, SO_NOSIGPIPE, &one, socklen_t(MemoryLayout<Int32>.size))
    #endif
    return SocketConnection(descriptor: fd, isTCP: tcp)
  }
}

// MARK: POSIX calls under names that do not clash with the methods above

#if canImport(Glibc)
private let streamSocketType = Int32(SOCK_STREAM.rawValue)
#else
private let streamSocketType = SOCK_STREAM
#endif

private func systemConnect(_ fd: Int32, _ address: UnsafePointer<sockaddr>, _ length: socklen_t) -> Int32 {
  #if canImport(Glibc)
  Glibc.connect(fd, address, length)
  #else
  Darwin.connect(fd, address, length)
  #endif
}

private func systemReceive(_ fd: Int32, _ buffer: UnsafeMutableRawPointer, _ count: Int) -> Int {
  #if canImport(Glibc)
  Glibc.recv(fd, buffer, count, 0)
  #else
  Darwin.recv(fd, buffer, count, 0)
  #endif
}

private func systemSend(_ fd: Int32, _ buffer: UnsafeRawPointer, _ count: Int) -> Int {
  #if canImport(Glibc)
  Glibc.send(fd, buffer, count, Int32(MSG_NOSIGNAL))
  #else
  Darwin.send(fd, buffer, count, 0)
  #endif
}

private func systemClose(_ fd: Int32) -> Int32 {
  #if canImport(Glibc)
  Glibc.close(fd)
  #else
  Darwin.close(fd)
  #endif
}

private func systemMessage(_ code: Int32) -> String {
  String(cString: strerror(code))
}

private func formatSeconds(_ s: Double) -> String {
  s == s.rounded() ? String(Int(s)) : String(s)
}
