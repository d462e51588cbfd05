import Foundation

/// One of N slices of a labelling input, written `K/N` with K in 0..<N (0-based, as a Slurm
/// job array's `SLURM_ARRAY_TASK_ID` counts with `--array=0-(N-1)`).
public struct LabelShard: Sendable, Hashable, CustomStringConvertible {
  /// Which slice, 0..<count.
  public let index: Int
  /// How many slices the input is dealt into, ≥ 1.
  public let count: Int

  /// - Precondition: 0 ≤ index < count.
  public init(index: Int, count: Int) {
    precondition(count >= 1 && index >= 0 && index < count, "shard \(index)/\(count) is not in 0..<\(count)")
    self.index = index
    self.count = count
  }

  /// Parses `K/N` (e.g. `3/8`); nil with a reason when the text is not a shard.
  public static func parse(_ text: String) -> Result<LabelShard, LabelShardError> {
    let parts = text.split(separator: "/", omittingEmptySubsequences: false)
    guard parts.count == 2, let k = Int(parts[0].trimmingCharacters(in: .whitespaces)),
          let n = Int(parts[1].trimmingCharacters(in: .whitespaces)) else {
      return .failure(LabelShardError("'\(text)' is not a shard: write K/N, e.g. 0/8 for the first of 8 shards"))
    }
    guard n >= 1 else { return .failure(LabelShardError("'\(text)': the number of shards N must be at least 1")) }
    guard k >= 0 && k < n else {
      return .failure(LabelShardError("'\(text)': K counts from 0, so it must be in 0…\(n - 1) for \(n) shards (a Slurm array --array=0-\(n - 1))"))
    }
    return .success(LabelShard(index: k, count: n))
  }

  /// `K/N`.
  public var description: String { "\(index)/\(count)" }

  /// The name of the rule `frames(atomCounts:)` follows, stored with every shard so that a
  /// merge can refuse shards dealt by another rule.
  public static let rule = "atoms-greedy-v1"

  /// The input frames of this shard, ascending. See `LabelShard.deal(atomCounts:shards:)`.
  public func frames(atomCounts: [Int]) -> [Int] {
    Self.deal(atomCounts: atomCounts, shards: count)[index]
  }

  /// Deals the input frames into `shards` slices balanced by atom count; a function of the
  /// atom counts alone, so every job computes the same slices from the same input.
  ///
  /// The rule (`atoms-greedy-v1`): order the frames by atom count, largest first, ties by
  /// input index; give each in turn to the slice with the fewest atoms so far (ties: the
  /// lowest slice number). Each slice's frames are then listed in input order.
  ///
  /// Balance: after every step the heaviest and lightest slice differ by at most the largest
  /// structure's atom count (adding `a` atoms to the lightest slice cannot put it more than
  /// `a` above the new lightest one), so the slices differ by at most one structure's atoms.
  /// With equal atom counts this is round robin: slice K gets frames K, K+N, K+2N, …
  /// - Parameters:
  ///   - atomCounts: atoms of each input frame, in input order.
  ///   - shards: N ≥ 1.
  /// - Returns: N arrays of input frame indices that partition `0..<atomCounts.count`.
  public static func deal(atomCounts: [Int], shards: Int) -> [[Int]] {
    precondition(shards >= 1, "at least one shard")
    let order = atomCounts.indices.sorted { a, b in
      atomCounts[a] != atomCounts[b] ? atomCounts[a] > atomCounts[b] : a < b
    }
    var slices = [[Int]](repeating: [], count: shards)
    // The slices ordered by (atoms, slice number); a min-heap would do the same in log N.
    var loads = [Int](repeating: 0, count: shards)
    for frame in order {
      var lightest = 0
      for k in 1..<shards where loads[k] < loads[lightest] { lightest = k }
      slices[lightest].append(frame)
      loads[lightest] += atomCounts[frame]
    }
    return slices.map { $0.sorted() }
  }
}

/// A shard written wrongly on the command line; the message says what to write.
public struct LabelShardError: Error, CustomStringConvertible, Sendable {
  public let description: String
  public init(_ description: String) { self.description = description }
}

/// A fingerprint of a file's bytes: FNV-1a (64 bit) and the byte count, as
/// `fnv1a64:<16 hex digits>:<bytes>`. It tells two inputs apart (not an adversary's forgery):
/// shards of one input carry the same fingerprint, shards of an edited input do not.
///
///     h₀ = 0xcbf29ce484222325;  hₖ₊₁ = (hₖ xor byteₖ) · 0x100000001b3  (mod 2⁶⁴)
/// - Throws: when the file cannot be read.
public func fileFingerprint(_ url: URL) throws -> String {
  let handle = try FileHandle(forReadingFrom: url)
  defer { try? handle.close() }
  var hash: UInt64 = 0xcbf2_9ce4_8422_2325
  var bytes = 0
  while let chunk = try handle.read(upToCount: 1 << 20), !chunk.isEmpty {
    bytes += chunk.count
    chunk.withUnsafeBytes { raw in
      for byte in raw { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01b3 }
    }
  }
  return "fnv1a64:" + String(format: "%016llx", hash) + ":\(bytes)"
}
