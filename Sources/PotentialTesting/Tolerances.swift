/// How close two numbers must be for a physics check to pass: `|a − b| ≤ absolute + relative·max(|a|, |b|)`
/// for forces and stress, and for energies of N atoms
/// `|E_a − E_b| ≤ absolute + energyRelative·max(|E_a|, |E_b|)/N` (relative to the energy per atom).
///
/// One set per precision: a Double model agrees with itself to ~1e-10, a Float model to ~1e-5
/// relative. Finite-difference checks also carry the truncation error of the step (∝ h²).
///
/// Energies are compared per atom because a total energy is dominated by per-element
/// reference energies (μ_Z of −10 … −2,000 eV per atom in a student), which are exact: a
/// relative tolerance on the total (1e-4 of −4,000 eV = 0.4 eV in Float) would let a
/// rotation-dependent error of tenths of an eV pass. Per atom, Float allows
/// 1e-4 eV + 1e-5·|E|/N (≈ 5 meV for ethanol at −465 eV/atom), Double 1e-9 eV + 1e-9·|E|/N.
public struct Tolerances: Sendable, Hashable {
  /// Energy, absolute, eV.
  public var energy: Double
  /// Forces, absolute, eV/Å.
  public var force: Double
  /// Stress, absolute, eV/Å³.
  public var stress: Double
  /// Relative part of force and stress comparisons (dimensionless).
  public var relative: Double
  /// Relative part of energy comparisons, applied to the energy per atom (dimensionless).
  public var energyRelative: Double
  /// Displacement used for central finite differences of the energy, Å.
  public var displacementStep: Double
  /// Strain used for central finite differences of the energy (dimensionless).
  public var strainStep: Double
  /// Forces against −∂E/∂R by finite differences, absolute, eV/Å.
  public var finiteDifferenceForce: Double
  /// Stress against (1/V) ∂E/∂ε by finite differences, absolute, eV/Å³.
  public var finiteDifferenceStress: Double
  /// Distance inside the cutoff at which energy and force must already be (nearly) zero, Å.
  public var cutoffProbe: Double
  /// |E(r_c − probe) − E(∞)| allowed for a dimer, eV.
  public var cutoffEnergy: Double
  /// |F(r_c − probe)| allowed for a dimer, eV/Å.
  public var cutoffForce: Double

  /// - Parameters: see the properties; units eV, Å, eV/Å, eV/Å³.
  public init(energy: Double, force: Double, stress: Double, relative: Double, energyRelative: Double,
              displacementStep: Double, strainStep: Double,
              finiteDifferenceForce: Double, finiteDifferenceStress: Double,
              cutoffProbe: Double, cutoffEnergy: Double, cutoffForce: Double) {
    self.energy = energy
    self.force = force
    self.stress = stress
    self.relative = relative
    self.energyRelative = energyRelative
    self.displacementStep = displacementStep
    self.strainStep = strainStep
    self.finiteDifferenceForce = finiteDifferenceForce
    self.finiteDifferenceStress = finiteDifferenceStress
    self.cutoffProbe = cutoffProbe
    self.cutoffEnergy = cutoffEnergy
    self.cutoffForce = cutoffForce
  }

  /// For models computed in Double: agreement to ~1e-9, finite differences with h = 1e-4 Å.
  public static let double = Tolerances(
    energy: 1e-9, force: 1e-9, stress: 1e-10, relative: 1e-9, energyRelative: 1e-9,
    displacementStep: 1e-4, strainStep: 1e-5,
    finiteDifferenceForce: 1e-6, finiteDifferenceStress: 1e-7,
    cutoffProbe: 1e-3, cutoffEnergy: 1e-6, cutoffForce: 1e-3)

  /// For models computed in Float: agreement to ~1e-5 relative, finite differences with h = 1e-2 Å
  /// (a smaller step drowns in Float round-off of the energy); energies to 1e-5 of the energy
  /// per atom (Float round-off of an O(1) eV network energy per atom is ~1e-7 eV).
  public static let float = Tolerances(
    energy: 1e-4, force: 1e-4, stress: 1e-5, relative: 1e-4, energyRelative: 1e-5,
    displacementStep: 1e-2, strainStep: 1e-3,
    finiteDifferenceForce: 5e-3, finiteDifferenceStress: 5e-4,
    cutoffProbe: 1e-3, cutoffEnergy: 1e-4, cutoffForce: 5e-3)

  /// True when `|a − b| ≤ absolute + relative·max(|a|, |b|)`.
  public func agree(_ a: Double, _ b: Double, absolute: Double) -> Bool {
    abs(a - b) <= absolute + relative * max(abs(a), abs(b))
  }

  /// The largest allowed difference of two energies (eV) of `atoms` atoms:
  /// `absolute + energyRelative·max(|a|, |b|)/atoms`.
  public func energyTolerance(_ a: Double, _ b: Double, atoms: Int, absolute: Double) -> Double {
    absolute + energyRelative * max(abs(a), abs(b)) / Double(max(atoms, 1))
  }
}
