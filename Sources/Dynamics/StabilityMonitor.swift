import Atomistic

/// A covalent bond of the reference structure: atoms i and j in the image shifted by S, with
/// bond vector `R[j] − R[i] + S·cell` (unwrapped positions) of length `referenceLength` Å.
public struct Bond: Sendable, Hashable, Codable {
  /// First atom.
  public var i: Int
  /// Second atom.
  public var j: Int
  /// Cell shift of j, integers multiplying the lattice vectors.
  public var shift: SIMD3<Int32>
  /// Length in the reference structure, Å.
  public var referenceLength: Double
}

/// When a run counts as unstable (Fu et al. 2022, "Forces are not enough").
public struct StabilityCriteria: Sendable, Hashable {
  /// Largest allowed |r − r_ref| of any bond, Å (Fu et al. use 0.5 Å); nil disables the check.
  public var maxBondDeviation: Double?
  /// Atoms i, j are bonded when `r_ij < bondFactor · (r_cov,i + r_cov,j)` in the reference
  /// structure (covalent radii from `Elements.covalentRadius`); 1.2 by default.
  public var bondFactor: Double
  /// Allowed instantaneous temperature, K; nil disables the check.
  public var temperatureBounds: ClosedRange<Double>?

  /// - Parameters:
  ///   - maxBondDeviation: Å, or nil for no bond check (e.g. liquids and melts, where bonds
  ///     legitimately change partners).
  ///   - bondFactor: multiplier of the summed covalent radii that defines a bond.
  ///   - temperatureBounds: K, or nil.
  public init(maxBondDeviation: Double? = 0.5, bondFactor: Double = 1.2, temperatureBounds: ClosedRange<Double>? = nil) {
    self.maxBondDeviation = maxBondDeviation
    self.bondFactor = bondFactor
    self.temperatureBounds = temperatureBounds
  }
}

/// Why a run was judged unstable.
public enum StabilityViolation: Sendable, Hashable, CustomStringConvertible {
  /// A bond stretched or compressed beyond the allowed deviation.
  case bond(Bond, length: Double, maxDeviation: Double)
  /// The temperature left its bounds.
  case temperature(Double, bounds: ClosedRange<Double>)
  /// Energy, a position, velocity or force became NaN or infinite.
  case nonFinite

  // Its machine-readable kind is `MDFailureKind(violation)`.

  public var description: String {
    switch self {
    case .bond(let b, let r, let max):
      return String(format: "bond %d–%d is %.3f Å long, %.3f Å from its reference %.3f Å (allowed %.3f Å)",
                    b.i, b.j, r, abs(r - b.referenceLength), b.referenceLength, max)
    case .temperature(let t, let bounds):
      return String(format: "temperature %.1f K left the bounds %.1f–%.1f K", t, bounds.lowerBound, bounds.upperBound)
    case .nonFinite:
      return "the energy, a position, a velocity or a force became NaN or infinite"
    }
  }
}

/// Watches a run for broken bonds, runaway temperature and non-finite numbers.
public struct StabilityMonitor: Sendable {
  /// The criteria applied.
  public let criteria: StabilityCriteria
  /// Bonds of the reference structure (empty when the bond check is off).
  public let bonds: [Bond]

  /// Finds the bonds of `reference` (each pair once).
  /// - Parameters:
  ///   - reference: the initial structure, positions Å.
  ///   - criteria: what counts as unstable.
  ///   - covalentRadius: r_cov(Z), Å (default `Elements.covalentRadius`).
  public init(reference: Structure, criteria: StabilityCriteria,
              covalentRadius: (Int) -> Double = Elements.covalentRadius) throws {
    self.criteria = criteria
    guard criteria.maxBondDeviation != nil else {
      bonds = []
      return
    }
    bonds = try findBonds(reference, bondFactor: criteria.bondFactor, covalentRadius: covalentRadius)
  }

  /// Watches given bonds, e.g. those of the reference structure with their reference lengths
  /// replaced by equilibrium lengths (Fu et al. 2022 take b_ij as the mean bond length over
  /// the reference trajectory; see `BondGeometry.withMeanLengths(over:)`).
  /// - Parameters:
  ///   - bonds: the bonds and their reference lengths, Å.
  ///   - criteria: what counts as unstable (`bondFactor` is not used).
  public init(bonds: [Bond], criteria: StabilityCriteria) {
    self.criteria = criteria
    self.bonds = criteria.maxBondDeviation == nil ? [] : bonds
  }

  /// Current length of a bond, Å.
  public func length(of bond: Bond, in structure: Structure) -> Double {
    let s = SIMD3<Double>(bond.shift)
    let c = structure.cell
    return Atomistic.length(structure.positions[bond.j] - structure.positions[bond.i]
                            + s.x * c.a1 + s.y * c.a2 + s.z * c.a3)
  }

  /// The first violation in `state`, or nil when it is stable.
  /// - Parameters:
  ///   - state: the MD state (positions unwrapped as the integrators keep them).
  ///   - temperature: its instantaneous temperature, K.
  public func check(_ state: MDState, temperature: Double) -> StabilityViolation? {
    if !state.isFinite || !temperature.isFinite { return .nonFinite }
    if let bounds = criteria.temperatureBounds, !bounds.contains(temperature) {
      return .temperature(temperature, bounds: bounds)
    }
    if let maxDeviation = criteria.maxBondDeviation {
      var worst: (Bond, Double)? = nil
      for bond in bonds {
        let r = length(of: bond, in: state.structure)
        let d = abs(r - bond.referenceLength)
        if d > maxDeviation && d > abs((worst?.1 ?? bond.referenceLength) - bond.referenceLength) {
          worst = (bond, r)
        }
      }
      if let (bond, r) = worst { return .bond(bond, length: r, maxDeviation: maxDeviation) }
    }
    return nil
  }
}

/// The bonds of a structure, each pair once: atoms i, j (or an atom and its own periodic image)
/// closer than `bondFactor · (r_cov(Z_i) + r_cov(Z_j))`, with that distance as the reference
/// length.
/// - Parameters:
///   - reference: the structure, positions Å.
///   - bondFactor: multiplier of the summed covalent radii that defines a bond.
///   - covalentRadius: r_cov(Z), Å.
public func findBonds(_ reference: Structure, bondFactor: Double,
                      covalentRadius: (Int) -> Double = Elements.covalentRadius) throws -> [Bond] {
  guard reference.count > 1 else { return [] }
  let radii = reference.atomicNumbers.map(covalentRadius)
  let reach = bondFactor * 2 * (radii.max() ?? 0)
  guard reach > 0 else { return [] }
  let list = try neighborList(reference, cutoff: reach)
  var found: [Bond] = []
  for e in 0..<list.count {
    let i = Int(list.centers[e]), j = Int(list.neighbors[e]), s = list.shifts[e]
    // Keep one direction of each pair: i < j, or for an atom and its own image the positive shift.
    if i > j { continue }
    if i == j && !(s.x > 0 || (s.x == 0 && (s.y > 0 || (s.y == 0 && s.z > 0)))) { continue }
    let r = Atomistic.length(list.vector(e, in: reference))
    if r < bondFactor * (radii[i] + radii[j]) {
      found.append(Bond(i: i, j: j, shift: s, referenceLength: r))
    }
  }
  return found
}
