import Atomistic
import Foundation

/// The Morse pair potential with a smooth (C²) cutoff.
///
///     φ(r) = D [e^{−2α(r − r₀)} − 2 e^{−α(r − r₀)}] · S(r)
///
/// with `S` the quintic switch of `quinticSwitch(_:onset:cutoff:)` between `onset` and `cutoff`.
/// The minimum is φ(r₀) = −D. Energies in eV, forces in eV/Å, stress in eV/Å³ (ASE's sign and
/// Voigt order). Double precision throughout.
///
/// The defaults are copper (Girifalco & Weizer 1959): D = 0.3429 eV, α = 1.3588 Å⁻¹,
/// r₀ = 2.866 Å, cutoff 7 Å, switch onset 6 Å.
public final class Morse: Potential {
  /// D (well depth, eV), α (stiffness, Å⁻¹) and r₀ (equilibrium distance, Å) of one element pair.
  public struct Parameters: Sendable, Hashable {
    /// Well depth D, eV.
    public var depth: Double
    /// Stiffness α, Å⁻¹.
    public var alpha: Double
    /// Equilibrium distance r₀, Å.
    public var equilibriumDistance: Double

    /// - Parameters:
    ///   - depth: D, eV.
    ///   - alpha: α, Å⁻¹.
    ///   - equilibriumDistance: r₀, Å.
    public init(depth: Double, alpha: Double, equilibriumDistance: Double) {
      self.depth = depth
      self.alpha = alpha
      self.equilibriumDistance = equilibriumDistance
    }

    /// Copper (Girifalco & Weizer 1959): D = 0.3429 eV, α = 1.3588 Å⁻¹, r₀ = 2.866 Å.
    public static let copper = Parameters(depth: 0.3429, alpha: 1.3588, equilibriumDistance: 2.866)
  }

  /// Parameters for every pair, or nil when `pairs` decides.
  public let universal: Parameters?
  /// Parameters per element pair (empty when `universal` is set).
  public let pairs: [ElementPair: Parameters]
  /// Switch onset r_on, Å.
  public let onset: Double
  /// Cutoff r_c, Å: φ = 0 for r ≥ r_c.
  public let cutoffRadius: Double

  /// One (D, α, r₀) for every element pair.
  /// - Parameters:
  ///   - depth: D, eV (default copper, 0.3429).
  ///   - alpha: α, Å⁻¹ (default copper, 1.3588).
  ///   - equilibriumDistance: r₀, Å (default copper, 2.866).
  ///   - cutoff: r_c, Å (default r₀ + 3/α + 2, 7.07 Å for copper).
  ///   - onset: where the switch starts, Å (default r_c − 1); must be below `cutoff`.
  public init(depth: Double = 0.3429, alpha: Double = 1.3588, equilibriumDistance: Double = 2.866,
              cutoff: Double? = nil, onset: Double? = nil) {
    let rc = cutoff ?? (equilibriumDistance + 3 / alpha + 2)
    let ron = onset ?? max(0, rc - 1)
    precondition(rc > 0 && ron >= 0 && ron < rc, "Morse needs 0 ≤ onset < cutoff, got onset \(ron) Å, cutoff \(rc) Å")
    universal = Parameters(depth: depth, alpha: alpha, equilibriumDistance: equilibriumDistance)
    pairs = [:]
    cutoffRadius = rc
    self.onset = ron
  }

  /// Parameters per element pair; structures containing other elements are refused.
  /// - Parameters:
  ///   - pairs: (D, α, r₀) for each element pair; every pair of the elements named must be given.
  ///   - cutoff: r_c, Å (default max over pairs of r₀ + 3/α + 2).
  ///   - onset: where the switch starts, Å (default r_c − 1).
  public init(pairs: [ElementPair: Parameters], cutoff: Double? = nil, onset: Double? = nil) {
    precondition(!pairs.isEmpty, "Morse needs at least one element pair")
    let rc = cutoff ?? pairs.values.map { $0.equilibriumDistance + 3 / $0.alpha + 2 }.max()!
    let ron = onset ?? max(0, rc - 1)
    precondition(rc > 0 && ron >= 0 && ron < rc, "Morse needs 0 ≤ onset < cutoff, got onset \(ron) Å, cutoff \(rc) Å")
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
    let x = exp(-p.alpha * (r - p.equilibriumDistance))
    let phi = p.depth * (x * x - 2 * x)
    let dphi = p.depth * (-2 * p.alpha * x * x + 2 * p.alpha * x)
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
