import Atomistic
import Dynamics
import Foundation
import Potentials
import Testing

/// Harmonic frequencies from finite-difference Hessians, against closed forms.
@Suite struct HarmonicFrequencyTests {
  /// A Morse dimer at r₀: one vibration, ω = α sqrt(2D/μ) with μ the reduced mass; the
  /// 5 rigid-body modes (3 translations, 2 rotations of a linear molecule) are removed.
  @Test func morseDimerHasTheAnalyticFrequency() throws {
    let morse = Morse()  // Cu: D = 0.3429 eV, α = 1.3588 Å⁻¹, r₀ = 2.866 Å
    let dimer = Structure(atomicNumbers: [29, 29], positions: [SIMD3(0.1, -0.2, 0.3), SIMD3(0.1, -0.2, 0.3) + SIMD3(1, 2, 2) / 3 * 2.866])
    let result = try HarmonicFrequencies(potential: morse, structure: dimer, step: 0.005)
    #expect(result.removedModes == 5)
    #expect(result.wavenumbers.count == 1)
    let mu = Elements.mass(29) / 2
    // ω in sqrt(eV/(Å² amu)), converted with SI constants here on their own.
    let omega = 1.3588 * (2 * 0.3429 / mu).squareRoot() * (1.602_176_6208e-19 / 1.660_539_040e-27).squareRoot() * 1e10
    let expected = omega / (2 * Double.pi * 2.997_924_58e10)
    #expect(abs(result.wavenumbers[0] - expected) < 1e-4 * expected, "\(result.wavenumbers[0]) vs \(expected) cm⁻¹")
  }

  /// A bent triatomic keeps 3 vibrations (6 modes removed); an isotope swap scales them as
  /// 1/sqrt(m) when every mass is scaled.
  @Test func triatomicKeepsThreeModesAndScalesWithMass() throws {
    let morse = Morse()
    let trimer = Structure(atomicNumbers: [29, 29, 29], positions: [SIMD3(0, 0, 0), SIMD3(2.9, 0.1, 0), SIMD3(1.3, 2.4, 0.2)])
    let light = try HarmonicFrequencies(potential: morse, structure: trimer)
    let heavy = try HarmonicFrequencies(potential: morse, structure: trimer, masses: Array(repeating: 4 * Elements.mass(29), count: 3))
    #expect(light.removedModes == 6 && light.wavenumbers.count == 3)
    for (a, b) in zip(light.wavenumbers, heavy.wavenumbers) { #expect(abs(a - 2 * b) < 1e-9 * abs(a)) }
  }

  /// A periodic cell keeps 3N − 3 Γ-point modes (the uniform translations are removed); for the
  /// 4-atom conventional fcc cell they are the X-point modes of the primitive lattice, 6
  /// transverse and 3 longitudinal, all real at the Morse equilibrium.
  @Test func crystalGammaPointModes() throws {
    let a = 3.61
    let cell = Structure(atomicNumbers: [29, 29, 29, 29],
                         positions: [SIMD3(0, 0, 0), SIMD3(0, a / 2, a / 2), SIMD3(a / 2, 0, a / 2), SIMD3(a / 2, a / 2, 0)],
                         cell: .orthorhombic(a, a, a), pbc: [true, true, true])
    let modes = try HarmonicFrequencies(potential: Morse(), structure: cell)
    #expect(modes.removedModes == 3 && modes.wavenumbers.count == 9)
    #expect(modes.wavenumbers.allSatisfy { $0 > 0 })
    // Cubic symmetry: the 9 optical modes of the conventional cell come in degenerate triples.
    for k in stride(from: 0, to: 9, by: 3) {
      #expect(abs(modes.wavenumbers[k] - modes.wavenumbers[k + 2]) < 1e-3 * modes.wavenumbers[k + 2])
    }
  }

  @Test func jacobiEigenvaluesOfAKnownMatrix() {
    // [[2, 1, 0], [1, 2, 1], [0, 1, 2]] has eigenvalues 2 − √2, 2, 2 + √2.
    let values = symmetricEigenvalues([[2, 1, 0], [1, 2, 1], [0, 1, 2]])
    let expected = [2 - 2.0.squareRoot(), 2, 2 + 2.0.squareRoot()]
    for (v, e) in zip(values, expected) { #expect(abs(v - e) < 1e-12) }
  }
}
