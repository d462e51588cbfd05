import Atomistic

/// The radial distribution function of a trajectory, accumulated frame by frame.
///
/// Directed pairs (both i→j and j→i, all periodic images) closer than `maxDistance` are
/// histogrammed into `binCount` bins of width Δr. For a periodic structure with N atoms in
/// volume V (ρ = N/V), averaged over frames,
///
///     g(r_k) = h_k / (F · N · ρ · (4π/3)(r_{k+1}³ − r_k³))
///
/// which tends to 1 in a liquid at large r. Molecules and clusters (no periodic direction) have
/// no density; there the pair-distance distribution per atom `n(r_k) = h_k / (F · N · Δr)`
/// (pairs per atom per Å; its integral is the mean number of neighbours) is reported instead,
/// and `isNormalizedByDensity` is false.
public struct RadialDistribution: Sendable {
  /// Largest distance histogrammed, Å.
  public let maxDistance: Double
  /// Number of bins.
  public let binCount: Int
  /// Pair counts per bin, summed over frames.
  public private(set) var counts: [Double]
  /// Frames accumulated.
  public private(set) var frames = 0
  /// Σ over frames of N·ρ (periodic) or N (molecules).
  private var normalization = 0.0
  /// True when frames were periodic (g(r) normalised by density).
  public private(set) var isNormalizedByDensity = true

  /// - Parameters:
  ///   - maxDistance: r_max, Å.
  ///   - binCount: number of bins of width r_max / binCount.
  public init(maxDistance: Double = 6, binCount: Int = 120) {
    precondition(maxDistance > 0 && binCount > 0, "an RDF needs a positive range and bin count")
    self.maxDistance = maxDistance
    self.binCount = binCount
    counts = Array(repeating: 0, count: binCount)
  }

  /// Bin width Δr, Å.
  public var binWidth: Double { maxDistance / Double(binCount) }

  /// Bin centres, [binCount], Å.
  public var radii: [Double] { (0..<binCount).map { (Double($0) + 0.5) * binWidth } }

  /// Adds one frame.
  /// - Parameter structure: positions Å, cell, pbc.
  public mutating func add(_ structure: Structure) throws {
    let list = try neighborList(structure, cutoff: maxDistance)
    for e in 0..<list.count {
      let r = length(list.vector(e, in: structure))
      let k = Int(r / binWidth)
      if k < binCount { counts[k] += 1 }
    }
    let n = Double(structure.count)
    if structure.isFullyPeriodic && structure.cell.volume > 0 {
      normalization += n * n / structure.cell.volume
    } else {
      isNormalizedByDensity = false
      normalization += n
    }
    frames += 1
  }

  /// g(r) (periodic) or n(r) (molecules), [binCount]; see the type's documentation.
  public var values: [Double] {
    guard frames > 0, normalization > 0 else { return Array(repeating: 0, count: binCount) }
    let dr = binWidth
    return (0..<binCount).map { k in
      if isNormalizedByDensity {
        let r0 = Double(k) * dr, r1 = r0 + dr
        let shell = 4.0 / 3.0 * Double.pi * (r1 * r1 * r1 - r0 * r0 * r0)
        return counts[k] / (normalization * shell)
      }
      return counts[k] / (normalization * dr)
    }
  }

  /// How far two distributions on the same bins differ.
  public struct Difference: Sendable, Hashable, Codable {
    /// √(mean_k Δg_k²) (dimensionless for g(r); Å⁻¹ for n(r)).
    public var rms: Double
    /// ∫ |Δg| dr ≈ Σ_k |Δg_k| Δr, Å (or dimensionless for n(r)).
    public var integratedAbsolute: Double
    /// max_k |Δg_k|.
    public var maximum: Double

    enum CodingKeys: String, CodingKey {
      case rms
      case integratedAbsolute = "integrated_absolute"
      case maximum
    }
  }

  /// The difference to `reference`, which must use the same range and bins.
  public func difference(to reference: RadialDistribution) -> Difference {
    precondition(reference.binCount == binCount && reference.maxDistance == maxDistance, "RDFs must share their bins")
    let a = values, b = reference.values
    var sum2 = 0.0, sumAbs = 0.0, maxAbs = 0.0
    for k in 0..<binCount {
      let d = a[k] - b[k]
      sum2 += d * d
      sumAbs += abs(d)
      maxAbs = max(maxAbs, abs(d))
    }
    return Difference(rms: (sum2 / Double(binCount)).squareRoot(), integratedAbsolute: sumAbs * binWidth, maximum: maxAbs)
  }
}
