#if canImport(Glibc)
import Glibc
#endif
import Atomistic
import Basics
import Foundation
import Potentials

/// A pool of teacher worker processes behind the `Potential` protocol.
///
/// Each worker is a long-lived `python -m mlff_teacher serve --model NAME` that loaded its model
/// once. A batch is spread over the workers through a shared queue (each worker takes the next
/// structure), and results are collected by index. Failures stay local to their structure:
///
/// - the calculator raises → that structure fails with the Python message; the worker goes on;
/// - no reply within `timeout` → the worker is killed (SIGKILL) and restarted, the structure fails;
/// - the worker dies, or writes bytes that are not a frame → it is restarted and the structure is
///   tried again, up to `attemptsPerStructure` times, then fails with the worker's stderr tail;
/// - a worker that cannot be restarted three times in a row stops the pool: the remaining
///   structures fail with the start-up message (never an endless restart loop).
///
/// Workers exit when the pool is closed or deinitialised, and on their own when this process dies.
public final class TeacherPool: Potential, Sendable {
  /// The configuration the pool was started with.
  public let configuration: TeacherConfiguration
  /// The teacher's name, package and version, and the elements it supports (from its hello).
  public let identity: TeacherIdentity
  /// The interpreter running the workers.
  public let python: String

  /// The workers by slot (nil: retired, restarted on next use) and the pool's life cycle.
  private let state: Locked<PoolState>
  /// Serialises the `onResult` callbacks of `label`.
  private let callbackLock = Locked()

  private struct PoolState {
    var workers: [TeacherWorker?]
    var closed = false
    var consecutiveStartFailures = 0
    var fatalStartError: TeacherError? = nil
  }

  /// Starts `configuration.workers` workers side by side and waits until each has loaded its model.
  /// - Throws: `TeacherError.interpreterNotFound` or `.startupFailed` (missing package or weights,
  ///   unknown model), with what to install or download.
  public init(configuration: TeacherConfiguration) throws {
    precondition(configuration.workers >= 1, "a teacher pool needs at least one worker")
    precondition(configuration.timeout > 0, "the timeout must be positive")
    signal(SIGPIPE, SIG_IGN)  // a dead worker's pipe gives EPIPE, not a signal that ends this process
    self.configuration = configuration
    let python = try PythonInterpreter.resolve(configuration.python)
    self.python = python

    let started = Locked<[Result<TeacherWorker, TeacherError>?]>(Array(repeating: nil, count: configuration.workers))
    let group = DispatchGroup()
    for slot in 0..<configuration.workers {
      group.enter()
      let thread = Thread {
        let outcome: Result<TeacherWorker, TeacherError>
        do { outcome = .success(try TeacherWorker(configuration: configuration, python: python, slot: slot)) }
        catch let error as TeacherError { outcome = .failure(error) }
        catch { outcome = .failure(.startupFailed(teacher: configuration.model, message: "\(error)", stderrTail: [])) }
        started.withLock { $0[slot] = outcome }
        group.leave()
      }
      thread.start()
    }
    group.wait()
    let outcomes = started.withLock { $0 }
    var workers: [TeacherWorker?] = []
    var firstError: TeacherError? = nil
    for outcome in outcomes {
      switch outcome! {
      case .success(let worker): workers.append(worker)
      case .failure(let error): workers.append(nil); if firstError == nil { firstError = error }
      }
    }
    if let firstError {
      for worker in workers { worker?.kill() }
      throw firstError
    }
    self.state = Locked(PoolState(workers: workers))
    self.identity = workers[0]!.identity
  }

  deinit { close() }

  /// Stops every worker (end of file on stdin, then SIGKILL after a short grace). Idempotent.
  public func close() {
    let running = state.withLock { state in
      state.closed = true
      defer { state.workers = state.workers.map { _ in nil } }
      return state.workers
    }
    for worker in running { worker?.stop(grace: 1) }
  }

  /// Kills every worker at once (SIGKILL), for an interrupt handler.
  public func terminateNow() {
    let running = state.withLock { state in
      state.closed = true
      return state.workers
    }
    for worker in running { _ = worker.map { systemKill($0.process.pid, SIGKILL) } }
  }

  public var supportedAtomicNumbers: Set<Int>? { identity.elements.map(Set.init) }

  // MARK: Labelling

  /// Labels every structure that `next` hands out and reports each outcome through `onResult`.
  ///
  /// Never throws for a single structure: every index handed out gets exactly one `onResult` call,
  /// with results or the reason it failed. Calls to `onResult` come one at a time (serialised),
  /// from the workers' threads, in completion order. Returns when `next` is exhausted and every
  /// structure has been reported.
  /// - Parameters:
  ///   - next: hands out (index, structure) pairs; nil when there are no more. Called under a lock.
  ///   - properties: wanted quantities; stress only for structures periodic in all directions.
  ///   - onResult: receives the index from `next` and the outcome.
  public func label(
    next: @escaping @Sendable () -> (index: Int, structure: Structure)?,
    properties: PropertySet,
    onResult: @escaping @Sendable (Int, Result<Results, TeacherError>) -> Void
  ) {
    let sourceLock = Locked()
    let group = DispatchGroup()
    for slot in 0..<configuration.workers {
      group.enter()
      let thread = Thread { [self] in
        self.labelPipelined(slot: slot, next: { sourceLock.withLock { _ in next() } }, properties: properties) { index, outcome in
          self.callbackLock.withLock { _ in onResult(index, outcome) }
        }
        group.leave()
      }
      thread.name = "teacher-\(slot)"
      thread.start()
    }
    group.wait()
  }

  /// Labels `structures`, reporting each by its position in the array; see `label(next:properties:onResult:)`.
  public func label(
    _ structures: [Structure], properties: PropertySet,
    onResult: @escaping @Sendable (Int, Result<Results, TeacherError>) -> Void
  ) {
    let cursor = Locked(0)
    label(next: {
      cursor.withLock { position in
        guard position < structures.count else { return nil }
        defer { position += 1 }
        return (position, structures[position])
      }
    }, properties: properties, onResult: onResult)
  }

  /// Energy, forces and stress for each structure, in order.
  /// - Throws: `PotentialError.partialFailure` holding every result that succeeded and the reason
  ///   for each structure that failed.
  public func compute(_ structures: [Structure], _ properties: PropertySet) throws -> [Results] {
    let collected = Locked<([Results?], [Int: String])>((Array(repeating: nil, count: structures.count), [:]))
    label(structures, properties: properties) { index, outcome in
      collected.withLock { state in
        switch outcome {
        case .success(let results): state.0[index] = results
        case .failure(let error): state.1[index] = error.description
        }
      }
    }
    let (results, failures) = collected.withLock { $0 }
    if !failures.isEmpty { throw PotentialError.partialFailure(results: results, failures: failures) }
    return results.map { $0! }
  }

  // MARK: One worker slot

  /// The loop of one worker slot: while the teacher computes a structure, the next one is
  /// already in its input pipe, so the worker never waits for this process between two
  /// structures (decoding the reply, the journal write and the next request overlap the
  /// teacher's work). Only a healthy worker gets a queued request, and only one that fits in
  /// the pipe (`TeacherWorker.largestQueuedRequest`); everything else, and every structure
  /// whose worker died, timed out or broke the stream, goes through `evaluate` (restarts and
  /// retries as documented on the type), with the attempts already used counted.
  private func labelPipelined(
    slot: Int, next: () -> (index: Int, structure: Structure)?, properties: PropertySet,
    report: (Int, Result<Results, TeacherError>) -> Void
  ) {
    var backlog: [(index: Int, structure: Structure)] = []
    func take() -> (index: Int, structure: Structure)? { backlog.isEmpty ? next() : backlog.removeFirst() }
    func supported(_ structure: Structure) -> Bool {
      supportedAtomicNumbers.map { unsupportedElements(in: structure, supported: $0).isEmpty } ?? true
    }
    /// The slot's worker when it is running (no restart here: `evaluate` restarts).
    func running() -> TeacherWorker? {
      state.withLock { $0.closed || $0.fatalStartError != nil ? nil : $0.workers[slot] }
    }
    while let first = take() {
      guard supported(first.structure), let worker = running() else {
        report(first.index, evaluate(first.structure, index: first.index, properties, slot: slot))
        continue
      }
      let sent = worker.send(first.structure, properties)
      guard sent.sent else {
        if !sent.tooLarge { retire(worker, slot: slot) }
        report(first.index, evaluate(first.structure, index: first.index, properties, slot: slot))
        continue
      }
      var inFlight = first
      while true {
        var queued: (index: Int, structure: Structure)? = nil
        var unfinishedWrite = false  // a failed write may leave part of a request in the pipe
        if let following = take() {
          let sent = supported(following.structure) ? worker.send(following.structure, properties) : (sent: false, tooLarge: true)
          if sent.sent { queued = following } else { backlog.append(following); unfinishedWrite = !sent.tooLarge }
        }
        let outcome = worker.receive(atomCount: inFlight.structure.count, timeout: configuration.timeout)
        var healthy = true
        switch outcome {
        case .results(let results): report(inFlight.index, .success(results))
        case .teacherRaised(let message): report(inFlight.index, .failure(.teacherRaised(message: message)))
        case .timedOut:
          retire(worker, slot: slot)
          report(inFlight.index, .failure(.timedOut(seconds: configuration.timeout)))
          healthy = false
        case .died(let status):
          let tail = worker.stderr.tail(waitingUpTo: 2)
          retire(worker, slot: slot)
          let failure = TeacherError.workerDied(status: status, attempts: 1, stderrTail: tail)
          report(inFlight.index, evaluate(inFlight.structure, index: inFlight.index, properties, slot: slot, after: failure))
          healthy = false
        case .brokenStream(let detail):
          retire(worker, slot: slot)
          let failure = TeacherError.brokenStream(detail: detail, attempts: 1, stderrTail: worker.stderr.tail(waitingUpTo: 2))
          report(inFlight.index, evaluate(inFlight.structure, index: inFlight.index, properties, slot: slot, after: failure))
          healthy = false
        }
        if healthy && unfinishedWrite { retire(worker, slot: slot); healthy = false }
        guard let queued else { break }
        // A queued request to a worker that was retired was never answered: it starts afresh.
        guard healthy else { backlog.insert(queued, at: 0); break }
        inFlight = queued
      }
    }
  }

  // MARK: One structure on one worker slot

  /// - Parameter earlier: the failure of a first attempt already made (by `labelPipelined`),
  ///   counted against `attemptsPerStructure`.
  private func evaluate(
    _ structure: Structure, index: Int, _ properties: PropertySet, slot: Int, after earlier: TeacherError? = nil
  ) -> Result<Results, TeacherError> {
    if let supported = supportedAtomicNumbers {
      let unknown = unsupportedElements(in: structure, supported: supported)
      if !unknown.isEmpty {
        return .failure(.unsupportedElements(index: index, atomicNumbers: unknown, supported: supported.sorted()))
      }
    }
    let attempts = max(1, configuration.attemptsPerStructure)
    var lastFailure: TeacherError = earlier ?? .closed
    let firstAttempt = earlier == nil ? 1 : 2
    if earlier != nil && isClosed { return .failure(.closed) }
    guard firstAttempt <= attempts else { return .failure(lastFailure) }
    for attempt in firstAttempt...attempts {
      let worker: TeacherWorker
      switch workerFor(slot: slot) {
      case .success(let w): worker = w
      case .failure(let error): return .failure(error)
      }
      // A curvature request makes 2k more force calls than a plain one.
      let calls = 1 + 2 * (structure.hessianProbes?.count ?? 0)
      switch worker.evaluate(structure, properties, timeout: configuration.timeout * Double(calls)) {
      case .results(let results):
        return .success(results)
      case .teacherRaised(let message):
        return .failure(.teacherRaised(message: message))
      case .timedOut:
        retire(worker, slot: slot)
        return .failure(.timedOut(seconds: configuration.timeout))
      case .died(let status):
        let tail = worker.stderr.tail(waitingUpTo: 2)
        retire(worker, slot: slot)
        lastFailure = .workerDied(status: status, attempts: attempt, stderrTail: tail)
      case .brokenStream(let detail):
        retire(worker, slot: slot)
        lastFailure = .brokenStream(detail: detail, attempts: attempt, stderrTail: worker.stderr.tail(waitingUpTo: 2))
      }
      if isClosed { return .failure(.closed) }
    }
    return .failure(lastFailure)
  }

  private var isClosed: Bool { state.withLock { $0.closed } }

  /// The slot's worker, restarting it when it was retired.
  private func workerFor(slot: Int) -> Result<TeacherWorker, TeacherError> {
    while true {
      let current: Result<TeacherWorker, TeacherError>? = state.withLock { state in
        if state.closed { return .failure(.closed) }
        if let fatalStartError = state.fatalStartError { return .failure(fatalStartError) }
        return state.workers[slot].map { .success($0) }
      }
      if let current { return current }
      do {
        let worker = try TeacherWorker(configuration: configuration, python: python, slot: slot)
        let installed = state.withLock { state in
          state.consecutiveStartFailures = 0
          if state.closed { return false }
          state.workers[slot] = worker
          return true
        }
        if !installed { worker.kill(); return .failure(.closed) }
        return .success(worker)
      } catch {
        let failure = (error as? TeacherError)
          ?? .startupFailed(teacher: configuration.model, message: "\(error)", stderrTail: [])
        state.withLock { state in
          state.consecutiveStartFailures += 1
          if state.consecutiveStartFailures >= 3 { state.fatalStartError = failure }
        }
      }
    }
  }

  private func retire(_ worker: TeacherWorker, slot: Int) {
    worker.kill()
    state.withLock { state in
      if state.workers[slot] === worker { state.workers[slot] = nil }
    }
  }
}
