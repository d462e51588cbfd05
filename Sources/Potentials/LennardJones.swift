import Atomistic

/// The Lennard-Jones pair potential with a smooth (C²) cutoff.
///
///     φ(r) = 4ε [(σ/r)¹² − (σ/r)⁶] · S(r)
///
/// with `S` the quintic switch of `quinticSwitch(_:onset:cutoff:)` between `onset` and `cutoff`,
/// so energy, force and their derivative go continuously to zero at the cutoff. Energies in eV,
/// forces in eV/Å, stress in eV/Å³ (ASE's sign and Voigt order). Double precision throughout.
///
/// Parameters are per element pair; a potential built with one (ε, σ) applies it to every pair.
/// The defaults are argon: ε = 0.0104 eV, σ = 3.40 Å, cutoff 2.5σ, switch onset 2σ.
public final class LennardJones: Potential {
  /// ε (well depth, eV) and σ (zero crossing, Å) of one element pair.
  public struct Parameters: Sendable, Hashable {
    /// Well depth ε, eV.
    public var epsilon: Double
    /// Distance σ where φ = 0, Å; the minimum is at 2^(1/6) σ.
    public var sigma: Double

    /// - Parameters:
    ///   - epsilon: well depth, eV.
    ///   - sigma: zero-crossing distance, Å.
    public init(epsilon: Double, sigma: Double) {
      self.epsilon = epsilon
      self.sigma = sigma
    }

    /// Argon: ε = 0.0104 eV, σ = 3.40 Å.
    public static let argon = Parameters(epsilon: 0.0104, sigma: 3.40)
  }

  /// Parameters for every pair, or nil when `pairs` decides.
  public let universal: Parameters?
  /// Parameters per element pair (empty when `universal` is set).
  public let pairs: [ElementPair: Parameters]
  /// Switch onset r_on, Å.
  public let onset: Double
  /// Cutoff r_c, Å: φ = 0 for r ≥ r_c.
  public let cutoffRadius: Double

  /// One (ε, σ) for every element pair.
  /// - Parameters:
  ///   - epsilon: well depth, eV (default argon, 0.0104).
  ///   - sigma: zero-crossing distance, Å (default argon, 3.40).
  ///   - cutoff: r_c, Å (default 2.5σ).
  ///   - onset: where the switch starts, Å (default 0.8 r_c); must be below `cutoff`.
  public init(epsilon: Double = 0.0104, sigma: Double = 3.40, cutoff: Double? = nil, onset: Double? = nil) {
    let rc = cutoff ?? 2.5 * sigma
    let ron = onset ?? 0.8 * rc
    precondition(rc > 0 && ron >= 0 && ron < rc, "Lennard-Jones needs 0 ≤ onset < cutoff, got onset \(ron) Å, cutoff \(rc) Å")
    universal = Parameters(epsilon: epsilon, sigma: sigma)
    pairs = [:]
    cutoffRadius = rc
    self.onset = ron
  }

  /// Parameters per element pair; structures containing other elements are refused.
  /// - Parameters:
  ///   - pairs: (ε in eV, σ in Å) for each element pair; every pair of the elements named must be given.
  ///   - cutoff: r_c, Å (default 2.5 × the largest σ).
  ///   - onset: where the switch starts, Å (default 0.8 r_c).
  public init(pairs: [ElementPair: Parameters], cutoff: Double? = nil, onset: Double? = nil) {
    precondition(!pairs.isEmpty, "Lennard-Jones needs at least one element pair")
    let rc = cutoff ?? 2.5 * pairs.values.map(\.sigma).max()!
    let ron = onset ?? 0.8 * rc
    precondition(rc > 0 && ron >= 0 && ron < rc, "Lennard-Jones needs 0 ≤ onset < cutoff, got onset \(ron) Å, cutoff \(rc) Å")
    universal = nil
    self.pairs = pairs
    cutoffRadius = rc
    self.onset = ron
  }

  public var cutoff: Double? { cutoffRadius }

  public var supportedAtomicNumbers: Set<Int>? {
    universal == nil ? elementsWithEveryPair(Set(pairs.keys)) : nil
  }

  /// φ(r) and φ′(r) for one pair, eV and eV/Å (switched).
  /// - Parameters:
  ///   - r: distance, Å.
  ///   - zi: atomic number of one atom.
  ///   - zj: atomic number of the other.
  public func pairEnergy(_ r: Double, _ zi: Int, _ zj: Int) -> (energy: Double, derivative: Double) {
    guard r < cutoffRadius else { return (0, 0) }
    let p = universal ?? pairs[ElementPair(zi, zj)]!
    let s2 = (p.sigma / r) * (p.sigma / r)
    let s6 = s2 * s2 * s2
    let s12 = s6 * s6
    let phi = 4 * p.epsilon * (s12 - s6)
    let dphi = 4 * p.epsilon * (-12 * s12 + 6 * s6) / r
    let (sw, dsw) = quinticSwitch(r, onset: onset, cutoff: cutoffRadius)
    return (phi * sw, dphi * sw + phi * dsw)
  }

  public func compute(_ structures: [Structure], _ properties: PropertySet) throws -> [Results] {
    try requireSupport(structures)
    return try structures.map {
      try pairPotentialResults($0, cutoff: cutoffRadius, properties: properties, pairEnergy: pairEnergy)
    }
  }
}
