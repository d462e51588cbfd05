#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import Potentials
import Serving
import Testing

/// A one-shot server on a real socket, run on its own thread: accepts one driver, sends
/// `script`, and collects what the driver answers until it closes the connection. Every socket
/// call has a timeout, so a broken driver fails the test instead of hanging it.
final class OneShotServer: @unchecked Sendable {
  let listener: Int32
  let address: IPIAddress
  private let done = DispatchSemaphore(value: 0)
  private var received: [UInt8] = []

  /// A UNIX listener at /tmp/ipi_<name>, or a TCP one on 127.0.0.1 with a free port.
  init(unixName: String?) throws {
    if let unixName {
      let path = IPIAddress.unixPrefix + unixName
      unlink(path)
      var a = sockaddr_un()
      a.sun_family = sa_family_t(AF_UNIX)
      withUnsafeMutableBytes(of: &a.sun_path) { raw in
        raw.copyBytes(from: Array(path.utf8))
        raw[path.utf8.count] = 0
      }
      let fd = socket(AF_UNIX, socketStream, 0)
      let ok = withUnsafePointer(to: &a) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
      }
      try #require(ok == 0)
      listener = fd
      address = .unix(name: unixName)
    } else {
      var a = sockaddr_in()
      a.sin_family = sa_family_t(AF_INET)
      a.sin_addr.s_addr = inet_addr("127.0.0.1")
      a.sin_port = 0
      let fd = socket(AF_INET, socketStream, 0)
      var length = socklen_t(MemoryLayout<sockaddr_in>.size)
      let ok = withUnsafeMutablePointer(to: &a) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
          bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0
        }
      }
      try #require(ok)
      listener = fd
      address = .inet(host: "127.0.0.1", port: Int(UInt16(bigEndian: a.sin_port)))
    }
    try #require(listen(listener, 1) == 0)
  }

  deinit {
    close(listener)
    if let path = address.socketPath { unlink(path) }
  }

  /// Starts the server's side: accept, send `script`, read until the driver closes.
  func run(sending script: [UInt8]) {
    let fd = listener
    Thread.detachNewThread { [self] in
      var timeout = timeval(tv_sec: 20, tv_usec: 0)
      setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
      let connection = accept(fd, nil, nil)
      if connection >= 0 {
        setsockopt(connection, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        _ = script.withUnsafeBytes { send(connection, $0.baseAddress, $0.count, 0) }
        shutdown(connection, Int32(SHUT_WR))  // the script is all the server has to say
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
          let n = buffer.withUnsafeMutableBytes { recv(connection, $0.baseAddress, $0.count, 0) }
          if n <= 0 { break }
          received += buffer[0..<n]
        }
        close(connection)
      }
      done.signal()
    }
  }

  /// What the driver sent, once it closed the connection.
  func replies() -> [UInt8] {
    _ = done.wait(timeout: .now() + 30)
    return received
  }
}

#if canImport(Glibc)
let socketStream = Int32(SOCK_STREAM.rawValue)
#else
let socketStream = SOCK_STREAM
#endif

@Suite(.serialized) struct SocketConnectionTests {
  let lj = LennardJones()

  @Test(arguments: [true, false]) func aSessionOverARealSocket(unix: Bool) throws {
    let s = ServingSystems.argon
    let server = try OneShotServer(unixName: unix ? "mlff-serving-test-\(getpid())" : nil)
    // i-PI's order: STATUS, then POSDATA and GETFORCE back to back, STATUS, EXIT.
    server.run(sending: message(.status) + IPIPositionData(structure: s).encoded + message(.getForce)
               + message(.status) + message(.exit))
    let driver = try IPIDriver(potential: lj, template: s)
    do {
      let connection = try SocketConnection.connect(to: server.address, waitSeconds: 5)
      #expect(try driver.serve(connection) == .exitMessage)
    }  // the connection closes here, which ends the server's reading
    let replies = try DriverReplies(server.replies())
    #expect(replies.headers == [.ready, .forceReady, .ready])
    let direct = try lj.compute(s, .all)
    let back = try #require(replies.forces.first).results(volume: s.cell.volume)
    #expect(abs(back.energy - direct.energy) < 1e-12 * abs(direct.energy))
    for (a, b) in zip(back.stress!, direct.stress!) { #expect(abs(a - b) < 1e-14) }
  }

  @Test func aServerThatStopsMidMessage() throws {
    let s = ServingSystems.argon
    let server = try OneShotServer(unixName: "mlff-serving-cut-\(getpid())")
    server.run(sending: Array(IPIPositionData(structure: s).encoded.prefix(200)))
    let driver = try IPIDriver(potential: lj, template: s)
    let connection = try SocketConnection.connect(to: server.address, waitSeconds: 5)
    #expect(throws: IPIError.closedMidMessage(message: "POSDATA message 1", received: 200, expected: 160 + 24 * 4)) {
      try driver.serve(connection)
    }
  }

  @Test func nobodyListening() throws {
    let name = "mlff-serving-nobody-\(getpid())"
    let start = ContinuousClock.now
    #expect {
      try SocketConnection.connect(to: .unix(name: name), waitSeconds: 0.3)
    } throws: { error in
      "\(error)".contains("cannot connect to UNIX socket /tmp/ipi_\(name) after waiting 0.3 s")
        && "\(error)".contains("start the server first")
    }
    #expect(ContinuousClock.now - start >= .milliseconds(300))
  }

  @Test func aNameTooLongForASocketFile() throws {
    #expect {
      try SocketConnection.connect(to: .unix(name: String(repeating: "x", count: 200)), waitSeconds: 5)
    } throws: { error in
      "\(error)".contains("longer than")
    }
  }
}
