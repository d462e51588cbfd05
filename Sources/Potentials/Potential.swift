import Atomistic

/// Which quantities a caller wants from a `Potential`.
public struct PropertySet: OptionSet, Sendable, Hashable {
  public let rawValue: Int
  public init(rawValue: Int) { self.rawValue = rawValue }

  /// Total energy, eV.
  public static let energy = PropertySet(rawValue: 1 << 0)
  /// Forces −∂E/∂R, eV/Å.
  public static let forces = PropertySet(rawValue: 1 << 1)
  /// Stress (1/V) ∂E/∂ε, eV/Å³, Voigt xx yy zz yz xz xy (periodic structures only).
  public static let stress = PropertySet(rawValue: 1 << 2)
  /// Per-atom energies e_i with Σ_i e_i = E, eV (ASE's `energies`); only potentials that
  /// decompose their energy into atoms give them.
  public static let atomicEnergies = PropertySet(rawValue: 1 << 3)

  public static let energyAndForces: PropertySet = [.energy, .forces]
  public static let all: PropertySet = [.energy, .forces, .stress]
}

/// What a `Potential` returns for one structure.
public struct Results: Sendable, Hashable {
  /// Total energy, eV.
  public var energy: Double
  /// Forces −∂E/∂R, [nAtoms], eV/Å; nil when not requested.
  public var forces: [SIMD3<Double>]?
  /// Stress (1/V) ∂E/∂ε, [6] Voigt xx yy zz yz xz xy, eV/Å³; nil when not requested or not
  /// periodic in all three directions.
  public var stress: [Double]?
  /// Per-atom energies, [nAtoms], eV, summing to `energy`; nil when not requested or when the
  /// potential does not decompose its energy.
  public var atomicEnergies: [Double]?
  /// Hessian–vector products H v_p, [k][nAtoms], eV/Å², for the probe directions the request
  /// carried (`Structure.hessianProbes`); nil when none were asked for. Only teachers give them.
  public var hessianProducts: [[SIMD3<Double>]]? = nil

  public init(
    energy: Double, forces: [SIMD3<Double>]? = nil, stress: [Double]? = nil, atomicEnergies: [Double]? = nil
  ) {
    self.energy = energy
    self.forces = forces
    self.stress = stress
    self.atomicEnergies = atomicEnergies
  }
}

/// Anything that gives energies: the student, a committee, the teacher pool, analytic potentials.
///
/// The batch call is the primary form: a student evaluates many structures in one pass and a
/// teacher pool spreads them over its workers. Sampling, MD, labelling, evaluation and
/// benchmarks are written once against this protocol.
public protocol Potential: AnyObject {
  /// Energy (eV), forces (eV/Å) and, for structures periodic in all three directions, stress
  /// (eV/Å³), for each structure in order.
  /// - Throws: `PotentialError` naming the structure and what to do.
  func compute(_ structures: [Structure], _ properties: PropertySet) throws -> [Results]

  /// Interaction range, Å, or nil when the potential does not say.
  var cutoff: Double? { get }

  /// Atomic numbers the potential can handle, or nil for any element.
  var supportedAtomicNumbers: Set<Int>? { get }
}

extension Potential {
  public var cutoff: Double? { nil }
  public var supportedAtomicNumbers: Set<Int>? { nil }

  /// One structure: `compute([structure], properties)[0]`.
  public func compute(_ structure: Structure, _ properties: PropertySet = .energyAndForces) throws -> Results {
    try compute([structure], properties)[0]
  }
}

/// Why a potential could not give results.
public enum PotentialError: Error, CustomStringConvertible {
  /// The structure at `index` contains elements the potential does not know
  /// (`requireSupport`): `atomicNumbers` are those elements, sorted; `supported` all it knows.
  case unsupportedElements(index: Int, atomicNumbers: [Int], supported: [Int])
  /// Some structures of a batch failed; the others have results.
  /// `results[k]` is nil exactly when `failures[k]` holds the reason.
  case partialFailure(results: [Results?], failures: [Int: String])
  /// Anything else, said in words a user can act on.
  case failed(String)

  public var description: String {
    switch self {
    case .unsupportedElements(let index, let z, let supported):
      return unsupportedElementsMessage(z, supported: supported, structure: "structure \(index)")
    case .partialFailure(_, let failures):
      let first = failures.keys.sorted().prefix(5).map { "structure \($0): \(failures[$0]!)" }
      return "\(failures.count) structure(s) failed: " + first.joined(separator: "; ")
        + (failures.count > 5 ? "; …" : "")
    case .failed(let why):
      return why
    }
  }
}
