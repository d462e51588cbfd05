import Atomistic
import Basics

/// How many candidates `sampleCandidates` makes and what it does to each seed structure, in
/// this order: supercell, strain (periodic structures only), rotation (structures without
/// periodicity only), rattle.
public struct SamplingOptions: Sendable, Hashable {
  /// Number of candidates, ≥ 0.
  public var count: Int
  /// Standard deviation of Gaussian displacements, Å; nil or 0 for none.
  public var rattle: Double?
  /// Largest magnitude of each random strain component, dimensionless, in [0, 1); nil or 0 for none.
  public var strain: Double?
  /// Rotate molecules (structures with no periodic direction) uniformly at random.
  public var rotate: Bool
  /// Repeats [n₁, n₂, n₃] of a supercell made before perturbing, for periodic structures; nil for none.
  public var supercell: [Int]?
  /// Random seed: the same seed gives the same candidates.
  public var seed: UInt64

  public init(count: Int, rattle: Double? = nil, strain: Double? = nil, rotate: Bool = false,
              supercell: [Int]? = nil, seed: UInt64 = 0) {
    self.count = count
    self.rattle = rattle
    self.strain = strain
    self.rotate = rotate
    self.supercell = supercell
    self.seed = seed
  }

  /// Checks the options, saying what to give instead.
  public func validate() throws {
    func invalid(_ message: String) -> DatasetError { DatasetError(.invalidArgument, message: message) }
    guard count >= 0 else { throw invalid("the number of candidates must be zero or more, got \(count)") }
    if let rattle, !(rattle >= 0 && rattle.isFinite) { throw invalid("rattle must be a non-negative length in Å (e.g. 0.05), got \(rattle)") }
    if let strain, !(strain >= 0 && strain < 1) { throw invalid("strain must be in [0, 1) (e.g. 0.02 for 2 %), got \(strain)") }
    if let supercell, supercell.count != 3 || supercell.contains(where: { $0 < 1 }) {
      throw invalid("supercell needs three positive repeats (e.g. 2,2,2), got \(supercell)")
    }
  }
}

/// The generator of candidate `index` under `seed`: `Xoshiro256StarStar` seeded with the first
/// SplitMix64 output from `seed ^ (index · 0xD1B54A32D192ED03)`. Candidate k is therefore the
/// same whatever the total number of candidates asked for.
public func candidateGenerator(seed: UInt64, index: Int) -> Xoshiro256StarStar {
  var mixer = SplitMix64(seed: seed ^ (UInt64(index) &* 0xD1B5_4A32_D192_ED03))
  return Xoshiro256StarStar(seed: mixer.next())
}

/// `options.count` candidate structures spread evenly over the seeds (candidate k comes from
/// seed `k mod seeds.count`), each made by `options` with its own generator
/// (`candidateGenerator(seed:index:)`). Labels are removed. Each candidate's `info` gets
/// `mlff_seed_index` (the seed structure's 0-based index), `mlff_candidate_index` (k), and
/// `mlff_operation`, a readable list of what was done ("supercell 2x2x2; strain max 0.02;
/// rattle 0.05 Å"; "copy" when nothing applied).
/// - Throws: `DatasetError` (.invalidArgument) for invalid options or no seeds.
public func sampleCandidates(from seeds: [Structure], options: SamplingOptions) throws -> [Structure] {
  try options.validate()
  guard !seeds.isEmpty || options.count == 0 else {
    throw DatasetError(.invalidArgument, message: "sampling needs at least one seed structure")
  }
  var out: [Structure] = []
  out.reserveCapacity(options.count)
  for k in 0..<options.count {
    let seedIndex = k % seeds.count
    var generator = candidateGenerator(seed: options.seed, index: k)
    var structure = seeds[seedIndex].unlabelled
    var operations: [String] = []
    if let repeats = options.supercell, repeats != [1, 1, 1], structure.isPeriodic {
      structure = structure.supercell(repeats[0], repeats[1], repeats[2])
      operations.append("supercell \(repeats[0])x\(repeats[1])x\(repeats[2])")
    }
    if let maxStrain = options.strain, maxStrain > 0, structure.isPeriodic {
      structure = strained(structure, maxStrain: maxStrain, using: &generator)
      operations.append("strain max \(maxStrain)")
    }
    if options.rotate, !structure.isPeriodic {
      structure = rotated(structure, using: &generator)
      operations.append("rotate")
    }
    if let sigma = options.rattle, sigma > 0 {
      structure = rattled(structure, sigma: sigma, using: &generator)
      operations.append("rattle \(sigma) Å")
    }
    structure.info["mlff_seed_index"] = .int(seedIndex)
    structure.info["mlff_candidate_index"] = .int(k)
    structure.info["mlff_operation"] = .string(operations.isEmpty ? "copy" : operations.joined(separator: "; "))
    out.append(structure)
  }
  return out
}
