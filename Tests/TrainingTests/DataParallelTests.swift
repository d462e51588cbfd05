import Atomistic
import Foundation
import Testing
@testable import Training

/// R ranks as R threads of one process: `sum` waits for every rank's contribution and returns
/// their sum in rank order (what a one-process sum over parts does), so data-parallel
/// training is tested without MPI.
private final class ThreadGroup: @unchecked Sendable {
  let size: Int
  private let condition = NSCondition()
  private var contributions: [[Double]?]
  private var result: [Double] = []
  private var arrived = 0
  private var generation = 0
  private(set) var rounds = 0

  init(size: Int) {
    self.size = size
    contributions = Array(repeating: nil, count: size)
  }

  func sum(rank: Int, _ values: [Double]) -> [Double] {
    condition.lock()
    defer { condition.unlock() }
    let round = generation
    contributions[rank] = values
    arrived += 1
    if arrived == size {
      var total = contributions[0]!
      for r in 1..<size { for i in total.indices { total[i] += contributions[r]![i] } }
      result = total
      contributions = Array(repeating: nil, count: size)
      arrived = 0
      rounds += 1
      generation += 1
      condition.broadcast()
    } else {
      while generation == round { condition.wait() }
    }
    return result
  }
}

private final class ThreadRank: GradientReducer {
  let group: ThreadGroup
  let rank: Int
  var size: Int { group.size }
  init(_ group: ThreadGroup, rank: Int) {
    self.group = group
    self.rank = rank
  }
  func sum(_ values: inout [Double]) throws { values = group.sum(rank: rank, values) }
  func barrier() throws { _ = group.sum(rank: rank, []) }
}

/// A value shared by the ranks' threads.
private final class Shared<T>: @unchecked Sendable {
  private let lock = NSLock()
  private var value: T
  init(_ value: T) { self.value = value }
  func withLock<R>(_ body: (inout T) -> R) -> R {
    lock.lock()
    defer { lock.unlock() }
    return body(&value)
  }
}

/// Runs `body(r)` for r in 0..<count, each on its own thread (all at once, however many cores
/// there are: the ranks wait for one another), and waits for all.
private func onThreads(_ count: Int, _ body: @escaping @Sendable (Int) -> Void) {
  let done = DispatchSemaphore(value: 0)
  for r in 0..<count {
    let thread = Thread {
      body(r)
      done.signal()
    }
    thread.stackSize = 8 << 20
    thread.start()
  }
  for _ in 0..<count { done.wait() }
}

@Suite struct DataParallelTests {
  @Test func theLauncherIsFoundFromItsVariables() {
    #expect(MPIEnvironment.detect([:]) == nil)
    #expect(MPIEnvironment.detect(["OMPI_COMM_WORLD_SIZE": "1", "OMPI_COMM_WORLD_RANK": "0"]) == nil)
    #expect(MPIEnvironment.detect(["OMPI_COMM_WORLD_SIZE": "4", "OMPI_COMM_WORLD_RANK": "2"]) == MPIEnvironment(size: 4, rank: 2))
    #expect(MPIEnvironment.detect(["PMI_SIZE": "8", "PMI_RANK": "7"]) == MPIEnvironment(size: 8, rank: 7))
    #expect(MPIEnvironment.detect(["PMIX_RANK": "3"]) == MPIEnvironment(size: nil, rank: 3))
    #expect(MPIEnvironment.detect(["OMPI_COMM_WORLD_SIZE": "1", "PMIX_RANK": "0"]) == nil)
  }

  @Test func aLibraryThatIsNotThereIsNamedWithWhatToDo() {
    do {
      _ = try MPIReducer.start(library: "/nonexistent/libmpi.so.40")
      Issue.record("a missing MPI library was loaded")
    } catch {
      #expect("\(error)".contains("/nonexistent/libmpi.so.40") && "\(error)".contains("MLFF_MPI_LIBRARY"), "\(error)")
    }
  }

  /// The ranks' slices, each normalised over the whole batch, sum to the batch gradient: to
  /// the bit against one process computing the same parts on R threads (same parts, same
  /// order of addition). 3 ranks and a batch of 2 structures leave one rank with nothing.
  @Test(arguments: [2, 3])
  func ranksSumToTheBatchGradient(ranks: Int) throws {
    let structures = Array(try emtCopper().prefix(8))
    var c = quickConfiguration(epochs: 1)
    c.precision = .double
    let data = try TrainingData(structures: structures, splits: nil, source: "emt", trainFraction: 0.75, validationFraction: 0.25, seed: 1)
    c.threads = ranks
    let single = try Trainer(configuration: c, data: data, folder: temporaryFolder("single"))
    c.threads = 1
    let group = ThreadGroup(size: ranks)
    let trainers = try (0..<ranks).map { r in
      let t = try Trainer(configuration: c, data: data, folder: temporaryFolder("rank"))
      t.reducer = ThreadRank(group, rank: r)
      return t
    }
    for batch in [data.train, Array(data.train.prefix(2))] {
      let (g, loss) = try single.batchGradients(batch)
      let results = Shared([([[Double]], Double)?](repeating: nil, count: ranks))
      let ranksTrainers = Shared(trainers)  // each thread touches only its own trainer
      onThreads(ranks) { r in
        let trainer = ranksTrainers.withLock { $0[r] }
        let result = try? trainer.reducedBatchGradients(batch)
        results.withLock { $0[r] = result }
      }
      for (r, result) in results.withLock({ $0 }).enumerated() {
        #expect(result?.0 == g, "rank \(r) of \(ranks), batch of \(batch.count)")
        #expect(result?.1 == loss)
      }
    }
  }

  /// A whole run of 3 ranks (one epoch of batches, validation, checkpoint by rank 0 only)
  /// ends with every rank holding the weights of one process on 3 threads.
  @Test func threeRanksTrainTheWeightsOfOneProcess() throws {
    let structures = Array(try emtCopper().prefix(12))
    var c = quickConfiguration(epochs: 2)
    c.precision = .double
    let data = try TrainingData(structures: structures, splits: nil, source: "emt", trainFraction: 0.75, validationFraction: 0.25, seed: 1)
    c.threads = 3
    let singleFolder = temporaryFolder("single"), sharedFolder = temporaryFolder("ranks")
    defer {
      try? FileManager.default.removeItem(at: singleFolder)
      try? FileManager.default.removeItem(at: sharedFolder)
    }
    let single = try Trainer(configuration: c, data: data, folder: singleFolder)
    single.showsProgress = false
    try single.run()
    c.threads = 1
    let group = ThreadGroup(size: 3)
    let trainers = try (0..<3).map { r in
      let t = try Trainer(configuration: c, data: data, folder: sharedFolder)
      t.reducer = ThreadRank(group, rank: r)
      t.showsProgress = false
      return t
    }
    let failures = Shared([String]())
    let ranksTrainers = Shared(trainers)  // each thread touches only its own trainer
    onThreads(3) { r in
      let trainer = ranksTrainers.withLock { $0[r] }
      do { try trainer.run() } catch { failures.withLock { $0.append("rank \(r): \(error)") } }
    }
    #expect(failures.withLock { $0 }.isEmpty, "\(failures.withLock { $0 })")
    for (r, t) in trainers.enumerated() {
      #expect(t.weights == single.weights, "rank \(r)")
      #expect(t.optimizer == single.optimizer, "rank \(r)")
      #expect(t.state.step == single.state.step)
    }
    let saved = try Checkpoint(contentsOf: RunFolder(sharedFolder).lastCheckpoint)
    #expect(saved.model.weights.flattened == single.weights)
    // One allreduce per step, one per epoch for the validation loss and one for the clock,
    // one barrier at the end.
    #expect(group.rounds == single.state.step + 2 * single.state.epoch + 1, "\(group.rounds) collective calls")
  }
}
