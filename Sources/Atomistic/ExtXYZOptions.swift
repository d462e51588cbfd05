/// How extxyz files map onto `Structure` labels, and which flavour a writer produces.
///
/// Reference labels are found under configurable names so that files written for other codes
/// read directly: `ExtXYZOptions(energyKey: "REF_energy", forcesKey: "REF_forces",
/// stressKey: "REF_stress")`. Everything else in a file is kept in `Structure.info` and
/// `Structure.arrays`, in file order, and written back unchanged.
public struct ExtXYZOptions: Sendable, Hashable {
  /// Flavour of the file written.
  public enum Format: String, Sendable, Hashable, CaseIterable {
    /// Extended XYZ (ASE's default for `.xyz` and `.extxyz`): `Lattice`, `Properties`, info,
    /// labels and `pbc` on the comment line; extra per-atom columns.
    case extended
    /// Plain XYZ: atom count, a free-text comment (`info["comment"]`), then species x y z.
    /// Cell, pbc, labels, info and extra arrays are not written.
    case plain
  }

  /// Comment-line key of the reference energy, eV (a number). Default `energy`.
  public var energyKey: String
  /// `Properties` column group of the reference forces, `R:3`, eV/Å. Default `forces`.
  public var forcesKey: String
  /// Comment-line key of the reference stress, eV/Å³: 6 Voigt values (xx yy zz yz xz xy) or 9
  /// values of the 3×3 matrix (row-major, as ASE writes). Default `stress`.
  public var stressKey: String
  /// Comment-line key of a virial W = −σ·V (eV, 9 or 6 values) used for the stress when the
  /// stress key is absent; nil to never read a virial. Default `virial`.
  public var virialKey: String?
  /// Flavour used by writers. Readers detect the flavour of every frame from its content.
  public var format: Format

  public init(
    energyKey: String = "energy", forcesKey: String = "forces", stressKey: String = "stress",
    virialKey: String? = "virial", format: Format = .extended
  ) {
    self.energyKey = energyKey
    self.forcesKey = forcesKey
    self.stressKey = stressKey
    self.virialKey = virialKey
    self.format = format
  }
}
