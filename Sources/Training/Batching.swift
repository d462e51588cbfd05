import Basics

// Training shuffles with SplitMix64 (Basics): the whole state is one integer, so equal seeds
// give equal streams on every machine.

/// The seed of epoch `epoch`'s shuffle, derived from the run's seed so that any epoch's batch
/// order can be recomputed on resume without storing a random state.
func epochSeed(_ seed: UInt64, epoch: Int) -> UInt64 {
  var r = SplitMix64(seed: seed ^ (0xD1B5_4A32_D192_ED03 &* UInt64(epoch + 1)))
  return r.next()
}

/// Groups structures into batches of about `batchSize` structures with balanced atom counts.
///
/// The structures are shuffled (Fisher–Yates with a seeded SplitMix64), then cut into
/// consecutive batches whenever adding the next structure would exceed the atom target
///
///     target = min(batchSize × mean atoms per structure, maxAtoms)
///
/// (a batch always holds at least one structure). Batches of a dataset with mixed sizes
/// therefore cost about the same, instead of a few batches of large cells dominating an epoch,
/// and with `maxAtoms` no batch holds more than `maxAtoms` atoms unless it is a single
/// structure larger than that: the memory of a step (which grows with the atoms and edges of
/// the batch) stays bounded however the sizes mix, e.g. 10-atom molecules next to
/// 2,000-atom boxes.
///
/// - Parameters:
///   - indices: the structures to batch (dataset positions).
///   - atomCounts: number of atoms of each structure, indexed like the dataset.
///   - batchSize: target structures per batch (≥ 1).
///   - maxAtoms: most atoms in a batch of more than one structure (≥ 1; nil: no cap).
///   - seed: the shuffle seed (nil: keep the given order, for evaluation).
/// - Returns: batches of dataset positions; every index appears exactly once.
public func balancedBatches(_ indices: [Int], atomCounts: [Int], batchSize: Int, maxAtoms: Int? = nil,
                            seed: UInt64?) -> [[Int]] {
  precondition(batchSize >= 1, "batch size must be at least 1")
  precondition((maxAtoms ?? 1) >= 1, "the atom budget of a batch must be at least 1")
  var order = indices
  if let seed {
    var rng = SplitMix64(seed: seed)
    rng.shuffle(&order)
  }
  guard !order.isEmpty else { return [] }
  let totalAtoms = order.reduce(0) { $0 + atomCounts[$1] }
  var target = Double(totalAtoms) / Double(order.count) * Double(batchSize) * 1.0000001
  if let maxAtoms { target = min(target, Double(maxAtoms)) }
  var batches: [[Int]] = []
  var current: [Int] = []
  var atoms = 0
  for i in order {
    let n = atomCounts[i]
    if !current.isEmpty && Double(atoms + n) > target {
      batches.append(current)
      current = []
      atoms = 0
    }
    current.append(i)
    atoms += n
  }
  if !current.isEmpty { batches.append(current) }
  return batches
}

/// Consecutive chunks of `count` structures (in order) of at most `batchSize` structures and,
/// when a chunk holds more than one structure, at most `maxAtoms` atoms: the calls an
/// evaluation makes to a potential, so that a set of large structures is not computed 32 at a
/// time.
/// - Parameters:
///   - atomCounts: atoms of each structure, in order.
///   - batchSize: most structures per chunk (values below 1 count as 1).
///   - maxAtoms: most atoms per chunk of more than one structure (nil: no cap).
/// - Returns: half-open ranges covering `0..<atomCounts.count` in order.
public func evaluationChunks(atomCounts: [Int], batchSize: Int, maxAtoms: Int?) -> [Range<Int>] {
  var chunks: [Range<Int>] = []
  var start = 0
  var atoms = 0
  for (i, n) in atomCounts.enumerated() {
    if i > start && (i - start >= max(batchSize, 1) || maxAtoms.map { atoms + n > $0 } == true) {
      chunks.append(start..<i)
      start = i
      atoms = 0
    }
    atoms += n
  }
  if start < atomCounts.count { chunks.append(start..<atomCounts.count) }
  return chunks
}

/// Splits a batch into `parts` groups with nearly equal atom counts, for computing their
/// gradients on separate threads. Greedy longest-processing-time: structures by decreasing
/// size (ties by position in the batch) go to the group with fewest atoms so far (ties to the
/// lowest group). Deterministic; each group keeps the batch's order. Empty groups are dropped.
/// - Parameters:
///   - batch: dataset positions.
///   - atomCounts: atoms per structure, indexed like the dataset.
///   - parts: number of groups (threads).
public func splitByAtoms(_ batch: [Int], atomCounts: [Int], parts: Int) -> [[Int]] {
  precondition(parts >= 1)
  guard parts > 1, batch.count > 1 else { return [batch] }
  let sorted = batch.indices.sorted {
    atomCounts[batch[$0]] != atomCounts[batch[$1]] ? atomCounts[batch[$0]] > atomCounts[batch[$1]] : $0 < $1
  }
  var load = [Int](repeating: 0, count: parts)
  var owner = [Int](repeating: 0, count: batch.count)
  for p in sorted {
    var best = 0
    for g in 1..<parts where load[g] < load[best] { best = g }
    owner[p] = best
    load[best] += atomCounts[batch[p]]
  }
  return (0..<parts).map { g in batch.indices.filter { owner[$0] == g }.map { batch[$0] } }.filter { !$0.isEmpty }
}
