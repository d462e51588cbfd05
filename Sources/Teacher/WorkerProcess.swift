#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Basics
import Foundation

private let spawnLock = Locked()

/// A child process with pipes on its stdin, stdout and stderr, spawned with `posix_spawn`.
///
/// Every pipe end is close-on-exec, so one worker never holds another's pipe open: when a worker
/// dies its parent sees end of file at once, and when the parent dies every worker sees end of
/// file on stdin. The child runs in its own process group, so a Ctrl-C in the terminal reaches
/// the parent, which then stops its workers itself.
final class WorkerProcess: Sendable {
  let pid: pid_t
  /// Write end of the child's stdin (non-blocking).
  let stdinFD: Int32
  /// Read end of the child's stdout.
  let stdoutFD: Int32
  /// Read end of the child's stderr (read by the tail thread).
  let stderrFD: Int32
  /// The child's wait status once reaped, and whether stdin is closed.
  private let state = Locked<(reaped: Int32?, closedStdin: Bool)>((nil, false))

  /// Starts `arguments[0]` with `arguments` and `environment`.
  /// - Throws: `TeacherError.startupFailed` when the process cannot be spawned.
  init(arguments: [String], environment: [String: String], label: String) throws {
    // Pipes are made and the child spawned under one lock, so no concurrent spawn from this
    // process inherits a pipe end in the moment before it is marked close-on-exec.
    (pid, stdinFD, stdoutFD, stderrFD) = try spawnLock.withLock { _ in
      try Self.spawn(arguments: arguments, environment: environment, label: label)
    }
    _ = fcntl(stdinFD, F_SETFL, fcntl(stdinFD, F_GETFL) | O_NONBLOCK)
  }

  /// Makes the three pipes and spawns the child. - Returns: its pid and the parent's pipe ends.
  private static func spawn(
    arguments: [String], environment: [String: String], label: String
  ) throws -> (pid: pid_t, stdin: Int32, stdout: Int32, stderr: Int32) {
    var inPipe: [Int32] = [0, 0], outPipe: [Int32] = [0, 0], errPipe: [Int32] = [0, 0]
    guard pipe(&inPipe) == 0, pipe(&outPipe) == 0, pipe(&errPipe) == 0 else {
      throw TeacherError.startupFailed(teacher: label, message: "cannot create pipes: \(String(cString: strerror(errno)))", stderrTail: [])
    }
    for fd in inPipe + outPipe + errPipe { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_adddup2(&actions, inPipe[0], 0)
    posix_spawn_file_actions_adddup2(&actions, outPipe[1], 1)
    posix_spawn_file_actions_adddup2(&actions, errPipe[1], 2)

    var attributes = posix_spawnattr_t()
    posix_spawnattr_init(&attributes)
    defer { posix_spawnattr_destroy(&attributes) }
    var defaults = sigset_t()
    sigemptyset(&defaults)
    sigaddset(&defaults, SIGPIPE)
    sigaddset(&defaults, SIGINT)
    sigaddset(&defaults, SIGTERM)
    posix_spawnattr_setsigdefault(&attributes, &defaults)
    var empty = sigset_t()
    sigemptyset(&empty)
    posix_spawnattr_setsigmask(&attributes, &empty)
    posix_spawnattr_setpgroup(&attributes, 0)
    posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))

    let argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
    let envp: [UnsafeMutablePointer<CChar>?] = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
    defer {
      for p in argv { free(p) }
      for p in envp { free(p) }
    }
    var child: pid_t = 0
    let status = posix_spawn(&child, arguments[0], &actions, &attributes, argv, envp)
    close(inPipe[0]); close(outPipe[1]); close(errPipe[1])
    guard status == 0 else {
      close(inPipe[1]); close(outPipe[0]); close(errPipe[0])
      throw TeacherError.startupFailed(
        teacher: label, message: "cannot start \(arguments[0]): \(String(cString: strerror(status)))", stderrTail: [])
    }
    return (child, inPipe[1], outPipe[0], errPipe[0])
  }

  deinit {
    kill()
    close(stdoutFD)
    // stderrFD is closed by the tail thread when it reaches end of file.
  }

  /// Outcome of a read or write with a deadline.
  enum IOFailure: Error {
    case timedOut
    case endOfFile
    case failed(String)
  }

  /// Writes all of `bytes` to the child's stdin before `deadline`.
  func write(_ bytes: [UInt8], before deadline: Date) throws(IOFailure) {
    var offset = 0
    while offset < bytes.count {
      let n = bytes.withUnsafeBytes { systemWrite(stdinFD, $0.baseAddress! + offset, $0.count - offset) }
      if n > 0 { offset += n; continue }
      if n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) {
        try wait(fd: stdinFD, events: Int16(POLLOUT), before: deadline)
        continue
      }
      if n < 0 && errno == EINTR { continue }
      if n < 0 && errno == EPIPE { throw .endOfFile }
      throw .failed(String(cString: strerror(errno)))
    }
  }

  /// Reads exactly `count` bytes from the child's stdout before `deadline`.
  func read(_ count: Int, before deadline: Date) throws(IOFailure) -> [UInt8] {
    var bytes = [UInt8](repeating: 0, count: count)
    var offset = 0
    while offset < count {
      try wait(fd: stdoutFD, events: Int16(POLLIN), before: deadline)
      let n = bytes.withUnsafeMutableBytes { systemRead(stdoutFD, $0.baseAddress! + offset, count - offset) }
      if n > 0 { offset += n; continue }
      if n == 0 { throw .endOfFile }
      if errno == EINTR || errno == EAGAIN { continue }
      throw .failed(String(cString: strerror(errno)))
    }
    return bytes
  }

  private func wait(fd: Int32, events: Int16, before deadline: Date) throws(IOFailure) {
    while true {
      let remaining = deadline.timeIntervalSinceNow
      if remaining <= 0 { throw .timedOut }
      var entry = pollfd(fd: fd, events: events, revents: 0)
      let milliseconds = Int32(min(remaining * 1000, 60_000).rounded(.up))
      let ready = poll(&entry, 1, milliseconds)
      if ready > 0 { return }  // readable, writable, or hung up (the read/write says which)
      if ready < 0 && errno != EINTR { throw .failed(String(cString: strerror(errno))) }
    }
  }

  /// Closes the child's stdin: a healthy worker exits on end of file.
  func closeStdin() {
    state.withLock { state in
      if !state.closedStdin { close(stdinFD); state.closedStdin = true }
    }
  }

  /// Kills the child (SIGKILL) and reaps it.
  func kill() {
    closeStdin()
    if exitStatus(waitingUpTo: 0) == nil {
      systemKill(pid, SIGKILL)
      _ = exitStatus(waitingUpTo: 5)
    }
  }

  /// The child's raw wait status once it has exited, waiting at most `seconds`; nil if still running.
  func exitStatus(waitingUpTo seconds: Double) -> Int32? {
    let deadline = Date().addingTimeInterval(seconds)
    while true {
      let result: pid_t = state.withLock { state in
        if state.reaped != nil { return pid }
        var status: Int32 = 0
        let result = waitpid(pid, &status, WNOHANG)
        if result == pid { state.reaped = status }
        return result
      }
      if result == pid { return state.withLock { $0.reaped } }
      if result < 0 { return -1 }
      if Date() >= deadline { return nil }
      usleep(10_000)
    }
  }

  /// "exit status 3" or "killed by signal 9 (SIGKILL)" for a raw wait status.
  static func describe(_ status: Int32?) -> String {
    guard let status else { return "still running" }
    if status == -1 { return "exit status unknown" }
    let signal = status & 0x7f
    if signal == 0 { return "exit status \((status >> 8) & 0xff)" }
    let names: [Int32: String] = [SIGKILL: "SIGKILL", SIGSEGV: "SIGSEGV", SIGABRT: "SIGABRT", SIGTERM: "SIGTERM",
                                  SIGINT: "SIGINT", SIGBUS: "SIGBUS", SIGFPE: "SIGFPE", SIGILL: "SIGILL"]
    return "killed by signal \(signal)" + (names[signal].map { " (\($0))" } ?? "")
  }
}

/// The last lines a worker wrote to stderr, read on a background thread.
final class StderrTail: Sendable {
  /// The complete lines kept (the last `capacity`) and the line being read.
  private let buffer = Locked<(lines: [String], partial: [UInt8])>(([], []))
  private let capacity: Int
  private let echoPrefix: String?
  private let finished = DispatchSemaphore(value: 0)

  /// Starts reading `fd` until end of file, keeping the last `capacity` lines; closes `fd` at the end.
  /// - Parameter echoPrefix: when set, each line is also written to this process's stderr after it.
  init(fd: Int32, capacity: Int = 20, echoPrefix: String?) {
    self.capacity = capacity
    self.echoPrefix = echoPrefix
    let thread = Thread { [self] in
      var buffer = [UInt8](repeating: 0, count: 4096)
      while true {
        let n = buffer.withUnsafeMutableBytes { systemRead(fd, $0.baseAddress!, 4096) }
        if n < 0 && errno == EINTR { continue }
        if n <= 0 { break }
        self.consume(buffer[0..<n])
      }
      self.consume([10])
      close(fd)
      self.finished.signal()
    }
    thread.name = "teacher-stderr"
    thread.start()
  }

  private func consume<C: Collection<UInt8>>(_ bytes: C) {
    buffer.withLock { buffer in
      for byte in bytes {
        if byte == 10 {
          if !buffer.partial.isEmpty {
            let line = String(decoding: buffer.partial, as: UTF8.self)
            buffer.lines.append(line)
            if buffer.lines.count > capacity { buffer.lines.removeFirst(buffer.lines.count - capacity) }
            if let echoPrefix { FileHandle.standardError.write(Data((echoPrefix + line + "\n").utf8)) }
          }
          buffer.partial.removeAll(keepingCapacity: true)
        } else if buffer.partial.count < 4000 {
          buffer.partial.append(byte)
        }
      }
    }
  }

  /// Waits up to `seconds` for the worker's stderr to close (after it exited), then returns the tail.
  func tail(waitingUpTo seconds: Double = 0) -> [String] {
    if seconds > 0, finished.wait(timeout: .now() + seconds) == .success { finished.signal() }
    return buffer.withLock { $0.lines }
  }
}
