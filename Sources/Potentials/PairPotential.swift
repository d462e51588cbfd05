import Atomistic

/// An unordered pair of elements, the key of per-pair parameters: `ElementPair(29, 1) == ElementPair(1, 29)`.
public struct ElementPair: Sendable, Hashable, CustomStringConvertible {
  /// The smaller atomic number.
  public let first: Int
  /// The larger atomic number.
  public let second: Int

  /// - Parameters:
  ///   - a: atomic number Z of one element.
  ///   - b: atomic number Z of the other element.
  public init(_ a: Int, _ b: Int) {
    first = min(a, b)
    second = max(a, b)
  }

  public var description: String { "(\(first), \(second))" }
}

/// The quintic switching function that takes a pair energy smoothly to zero at the cutoff.
///
///     S(r) = 1                              for r ≤ r_on
///     S(r) = 1 − 10x³ + 15x⁴ − 6x⁵          for r_on < r < r_c,  x = (r − r_on)/(r_c − r_on)
///     S(r) = 0                              for r ≥ r_c
///
/// S, S′ and S″ are continuous everywhere, so a switched energy φ(r)·S(r) and its force go
/// to zero at r_c with a continuous second derivative (good for energy conservation in MD).
/// - Parameters:
///   - r: pair distance, Å.
///   - onset: r_on, Å; where switching starts.
///   - cutoff: r_c, Å; must be greater than `onset`.
/// - Returns: (S, dS/dr in Å⁻¹).
@inlinable
public func quinticSwitch(_ r: Double, onset: Double, cutoff: Double) -> (value: Double, derivative: Double) {
  if r <= onset { return (1, 0) }
  if r >= cutoff { return (0, 0) }
  let width = cutoff - onset
  let x = (r - onset) / width
  let x2 = x * x, x3 = x2 * x
  let value = 1 - x3 * (10 - 15 * x + 6 * x2)
  let derivative = -30 * x2 * (1 - 2 * x + x2) / width
  return (value, derivative)
}

/// A pair energy φ(r) with its derivative, for one element pair.
///
/// - Parameters: distance r in Å, atomic numbers of the two atoms.
/// - Returns: (φ in eV, dφ/dr in eV/Å), already including any switching function; zero at and
///   beyond the cutoff.
public typealias PairEnergyFunction = (_ r: Double, _ zi: Int, _ zj: Int) -> (energy: Double, derivative: Double)

/// Energy, forces and stress of a pair potential `E = Σ_{pairs i<j} φ(r_ij)`, over the
/// neighbour list of `structure` (periodic images included).
///
/// Every pair appears twice in the neighbour list (i→j and j→i), so each directed edge counts
/// half: `E = ½ Σ_edges φ(r_e)`. With `r_ij = R[j] − R[i] + S·cell`:
///
///     F_i = −∂E/∂R_i = Σ_edges(i→j) φ′(r) r_ij/r                       (eV/Å)
///     σ_ab = (1/V) ∂E/∂ε_ab = (1/2V) Σ_edges φ′(r) r_a r_b / r          (eV/Å³)
///
/// i.e. σ = −(1/2V) Σ_edges r_ij ⊗ f_ij with f_ij = −φ′ r_ij/r the force on j from i (the virial
/// with ASE's sign). Stress is returned only for structures periodic in all three directions.
/// - Parameters:
///   - structure: atoms, cell (Å) and pbc.
///   - cutoff: largest interaction range over all element pairs, Å.
///   - properties: what to compute; energy is always computed.
///   - pairEnergy: φ(r) and φ′(r) for a pair of atomic numbers.
/// - Throws: `PotentialError.failed` when the neighbour list cannot be built (degenerate cell).
public func pairPotentialResults(
  _ structure: Structure, cutoff: Double, properties: PropertySet, pairEnergy: PairEnergyFunction
) throws -> Results {
  let list: NeighborList
  do {
    list = try neighborList(structure, cutoff: cutoff)
  } catch {
    throw PotentialError.failed("\(error)")
  }
  let wantForces = properties.contains(.forces)
  let wantStress = properties.contains(.stress) && structure.isFullyPeriodic
  var energy = 0.0
  var forces = [SIMD3<Double>](repeating: .zero, count: wantForces ? structure.count : 0)
  var virial = [SIMD3<Double>](repeating: .zero, count: 3)  // rows of Σ φ′ r_a r_b / r
  let z = structure.atomicNumbers
  for e in 0..<list.count {
    let i = Int(list.centers[e]), j = Int(list.neighbors[e])
    let d = list.vector(e, in: structure)
    let r = length(d)
    let (phi, dphi) = pairEnergy(r, z[i], z[j])
    energy += 0.5 * phi
    guard wantForces || wantStress, r > 0 else { continue }
    let g = (0.5 * dphi / r) * d  // ∂(½φ)/∂r_ij, eV/Å
    if wantForces {
      forces[i] += g
      forces[j] -= g
    }
    if wantStress {
      virial[0] += d.x * g
      virial[1] += d.y * g
      virial[2] += d.z * g
    }
  }
  var stress: [Double]? = nil
  if wantStress {
    let w = [virial[0].x, virial[0].y, virial[0].z, virial[1].x, virial[1].y, virial[1].z,
             virial[2].x, virial[2].y, virial[2].z]
    stress = voigtStress(strainDerivative: w, volume: structure.cell.volume)
  }
  return Results(energy: energy, forces: wantForces ? forces : nil, stress: stress)
}

/// The elements a pair potential can handle: those named in `pairs` whose pairing with every
/// other named element (and with themselves) has parameters.
func elementsWithEveryPair(_ pairs: Set<ElementPair>) -> Set<Int> {
  let elements = Set(pairs.flatMap { [$0.first, $0.second] })
  return elements.filter { a in elements.allSatisfy { b in pairs.contains(ElementPair(a, b)) } }
}
