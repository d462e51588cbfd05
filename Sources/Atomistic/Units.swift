import Foundation

/// Units and physical constants in the project's unit system: energy eV, length Å, mass amu,
/// time fs, temperature K, charge e.
///
/// Everything is derived, with ASE's formulas, from the CODATA 2014 constants that ASE 3.x uses
/// by default (`ase.units.__codata_version__ == "2014"`), so that numbers agree with ASE and with
/// teachers run through ASE to the last bit or so. Convert only at boundaries (file formats,
/// i-PI's atomic units); inside the program every quantity is in the units above.
public enum Units {
  // MARK: CODATA 2014 (SI), as in ase/units.py

  /// Speed of light, m/s (exact).
  public static let speedOfLightSI = 299_792_458.0
  /// Vacuum permeability μ₀ = 4π·10⁻⁷, N/A² (exact before 2019).
  public static let vacuumPermeabilitySI = 4.0e-7 * Double.pi
  /// Planck constant h, J·s (CODATA 2014).
  public static let planckSI = 6.626_070_040e-34
  /// Elementary charge e, C (CODATA 2014).
  public static let elementaryChargeSI = 1.602_176_6208e-19
  /// Electron mass mₑ, kg (CODATA 2014).
  public static let electronMassSI = 9.109_383_56e-31
  /// Avogadro constant N_A, 1/mol (CODATA 2014).
  public static let avogadro = 6.022_140_857e23
  /// Boltzmann constant k, J/K (CODATA 2014).
  public static let boltzmannSI = 1.380_648_52e-23
  /// Atomic mass constant m_u, kg (CODATA 2014).
  public static let atomicMassSI = 1.660_539_040e-27

  /// Reduced Planck constant ħ = h / 2π, J·s.
  public static let hbarSI = planckSI / (2 * Double.pi)
  /// Vacuum permittivity ε₀ = 1 / (μ₀ c²), F/m.
  public static let vacuumPermittivitySI = 1 / vacuumPermeabilitySI / (speedOfLightSI * speedOfLightSI)
  /// Fine-structure constant α = e² / (4π ε₀ ħ c), dimensionless.
  public static let fineStructure =
    elementaryChargeSI * elementaryChargeSI / (4 * Double.pi * vacuumPermittivitySI) / hbarSI / speedOfLightSI

  // MARK: The base units (all 1)

  /// One electronvolt, the unit of energy.
  public static let eV = 1.0
  /// One ångström, the unit of length.
  public static let angstrom = 1.0
  /// One unified atomic mass unit (dalton), the unit of mass.
  public static let amu = 1.0
  /// One femtosecond, the unit of time.
  public static let fs = 1.0

  // MARK: Derived

  /// Boltzmann constant k_B = k / e, eV/K (ASE `units.kB`).
  public static let kB = boltzmannSI / elementaryChargeSI

  /// ASE's internal time unit Å·√(amu/eV) expressed in fs: `1e5 · √(m_u / e)` ≈ 10.1805 fs
  /// (ASE `1 / units.fs`). With forces in eV/Å and masses in amu, F/m is in Å per (ASE time
  /// unit)², so an acceleration in Å/fs² is `F / m / aseTimeUnit²`.
  public static let aseTimeUnit = 1e5 * (atomicMassSI / elementaryChargeSI).squareRoot()

  /// Conversion from eV/(Å·amu) to Å/fs²: `a [Å/fs²] = F [eV/Å] / m [amu] · accelerationFactor`,
  /// equal to `1 / aseTimeUnit²`.
  public static let accelerationFactor = 1 / (aseTimeUnit * aseTimeUnit)

  /// Hartree energy E_h = mₑ e³ / (16 π² ε₀² ħ²) in eV (ASE `units.Hartree`, ≈ 27.2114 eV).
  public static let hartree =
    electronMassSI * elementaryChargeSI * elementaryChargeSI * elementaryChargeSI / 16 / (Double.pi * Double.pi)
    / (vacuumPermittivitySI * vacuumPermittivitySI) / (hbarSI * hbarSI)

  /// Bohr radius a₀ = 4π ε₀ ħ² / (mₑ e²) in Å (ASE `units.Bohr`, ≈ 0.529177 Å).
  public static let bohr =
    4e10 * Double.pi * vacuumPermittivitySI * hbarSI * hbarSI / electronMassSI
    / (elementaryChargeSI * elementaryChargeSI)

  /// Atomic unit of time ħ / E_h = ħ / (α² mₑ c²) in fs (≈ 0.0241888 fs); i-PI's time unit.
  public static let atomicTime =
    1e15 * hbarSI / (fineStructure * fineStructure * electronMassSI * speedOfLightSI * speedOfLightSI)

  /// Electron mass in amu (mₑ / m_u ≈ 5.4858e-4); i-PI's unit of mass.
  public static let electronMass = electronMassSI / atomicMassSI

  /// One pascal in eV/Å³: 1 J/m³ = 1 / (e · 10³⁰) eV/Å³.
  public static let pascal = 1 / elementaryChargeSI / 1e30

  /// One gigapascal in eV/Å³ (ASE `units.GPa`, ≈ 0.00624151 eV/Å³). A stress in eV/Å³ divided
  /// by `gpa` is in GPa.
  public static let gpa = 1e9 * pascal

  /// One bar in eV/Å³ (10⁵ Pa).
  public static let bar = 1e5 * pascal

  /// One kJ/mol in eV (per particle): 1000 / (e · N_A).
  public static let kJPerMol = 1000 / elementaryChargeSI / avogadro

  /// One kcal/mol in eV (thermochemical calorie, 4.184 J).
  public static let kcalPerMol = 4.184 * kJPerMol
}
