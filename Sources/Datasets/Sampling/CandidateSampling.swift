import Atomistic

/// What `sampleCandidates` does to each seed structure, in this order: supercell, strain
/// (periodic structures only), rotation (structures without periodicity only), rattle.
public struct SamplingOptions: Sendable, Hashable {
  /// Standard deviation of Gaussian displacements, Å; nil for none.
  public var rattle: Double?
  /// Largest magnitude of each random strain component, dimensionless; nil for none.
  public var strain: Double?
  /// Rotate molecules (structures with no periodic direction) uniformly at random.
  public var rotate: Bool
  /// Repeats (n₁, n₂, n₃) of a supercell made before perturbing, for periodic structures; nil for none.
  public var supercell: [Int]?

  public init(rattle: Double? = nil, strain: Double? = nil, rotate: Bool = false, supercell: [Int]? = nil) {
    self.rattle = rattle
    self.strain = strain
    self.rotate = rotate
    self.supercell = supercell
  }
}

/// The generator of candidate `index` under `seed`: `SeededGenerator` seeded with the first
/// SplitMix64 output from `seed ^ (index · 0xD1B54A32D192ED03)`. Candidate k is therefore the
/// same whatever the total number of candidates asked for.
public func candidateGenerator(seed: UInt64, index: Int) -> SeededGenerator {
  var mixer = SplitMix64(seed: seed ^ (UInt64(index) &* 0xD1B5_4A32_D192_ED03))
  return SeededGenerator(seed: mixer.next())
}

/// `count` candidate structures spread evenly over the seeds (candidate k comes from seed
/// `k mod seeds.count`), each made by `options` with its own generator
/// (`candidateGenerator(seed:index:)`). Labels are removed. Each candidate's `info` gets
/// `mlff_seed_index` (the seed structure's 0-based index), `mlff_candidate_index` (k), and
/// `mlff_operation`, a readable list of what was done ("supercell 2x2x2; strain max 0.02;
/// rattle 0.05 Å").
/// - Parameters:
///   - seeds: at least one structure.
///   - count: number of candidates, ≥ 0.
///   - seed: random seed; the same seed gives the same candidates.
public func sampleCandidates(from seeds: [Structure], count: Int, options: SamplingOptions, seed: UInt64) -> [Structure] {
  precondition(!seeds.isEmpty, "sampling needs at least one seed structure")
  precondition(count >= 0, "candidate count must be non-negative")
  var out: [Structure] = []
  out.reserveCapacity(count)
  for k in 0..<count {
    let seedIndex = k % seeds.count
    var generator = candidateGenerator(seed: seed, index: k)
    var structure = seeds[seedIndex].unlabelled
    var operations: [String] = []
    if let repeats = options.supercell, repeats.count == 3, repeats != [1, 1, 1], structure.isPeriodic {
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
