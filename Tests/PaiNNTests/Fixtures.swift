import Atomistic
import Basics
import PaiNN

/// Small models and structures shared by the PaiNN tests.
enum Fixtures {
  /// H, C, O, Si.
  static let elements = [1, 6, 8, 14]

  /// A small random model (F = 16, 2 layers, 8 basis functions, 4 Å) with non-trivial
  /// reference energies and scale, so every term of E = Σ σ e_i + μ_Z is exercised.
  static func model(
    radialBasis: RadialBasisKind = .sine, featureCount: Int = 16, layerCount: Int = 2, seed: UInt64 = 1
  ) -> PaiNNModel {
    let configuration = PaiNNConfiguration(
      featureCount: featureCount, layerCount: layerCount, radialBasisCount: 8, cutoff: 4.0,
      radialBasis: radialBasis)
    var m = PaiNNModel.random(configuration, elements: elements, seed: seed)
    m.referenceEnergies = [-13.6, -1030.5, -2040.8, -7.9]
    m.energyScale = 0.7
    return m
  }

  /// Ethanol (ASE's `molecule('CH3CH2OH')`), slightly distorted.
  static var ethanol: Structure {
    let z = [6, 6, 8, 1, 1, 1, 1, 1, 1]
    let r: [SIMD3<Double>] = [
      [1.168181, -0.400382, 0.0], [0.0, 0.559462, 0.0], [-1.190083, -0.227669, 0.0],
      [-1.946623, 0.381525, 0.0], [0.042557, 1.207508, 0.886933], [0.042557, 1.207508, -0.886933],
      [2.115891, 0.1448, 0.0], [1.128599, -1.037234, 0.885881], [1.128599, -1.037234, -0.885881],
    ]
    return rattled(Structure(atomicNumbers: z, positions: r), amplitude: 0.08, seed: 3)
  }

  /// Diamond Si (8 atoms, a = 5.43 Å) with one C, in a slightly sheared cell, rattled.
  static var silicon: Structure {
    let a = 5.43
    let fractional: [SIMD3<Double>] = [
      [0, 0, 0], [0.25, 0.25, 0.25], [0, 0.5, 0.5], [0.25, 0.75, 0.75],
      [0.5, 0, 0.5], [0.75, 0.25, 0.75], [0.5, 0.5, 0], [0.75, 0.75, 0.25],
    ]
    let cell = Cell(a1: [a, 0.05, 0], a2: [0.1, a * 1.01, 0], a3: [0, -0.08, a * 0.99])
    let s = Structure(
      atomicNumbers: [14, 14, 14, 6, 14, 14, 14, 14], positions: fractional.map { cell.cartesian($0) },
      cell: cell, pbc: [true, true, true])
    return rattled(s, amplitude: 0.1, seed: 5)
  }

  /// Every position moved by up to `amplitude` Å per component (seeded).
  static func rattled(_ s: Structure, amplitude: Double, seed: UInt64) -> Structure {
    var g = Xoshiro256StarStar(seed: seed)
    var out = s
    out.positions = s.positions.map { p in
      p + SIMD3((2 * g.nextUniform() - 1) * amplitude, (2 * g.nextUniform() - 1) * amplitude,
                (2 * g.nextUniform() - 1) * amplitude)
    }
    return out
  }
}

/// Largest absolute component of a vector.
func maxAbs(_ v: SIMD3<Double>) -> Double { max(abs(v.x), abs(v.y), abs(v.z)) }

extension Fixtures {
  /// Two atoms (Si, C) in a small skewed cell, 2.7–3.0 Å on a side, so that with a 4 Å cutoff
  /// every atom sees several periodic images of itself.
  static var selfImageCell: Structure {
    let cell = Cell(a1: [2.7, 0, 0], a2: [0.3, 2.8, 0], a3: [-0.2, 0.1, 3.0])
    let s = Structure(
      atomicNumbers: [14, 6], positions: [cell.cartesian([0.1, 0.05, 0]), cell.cartesian([0.55, 0.45, 0.5])],
      cell: cell, pbc: [true, true, true])
    return rattled(s, amplitude: 0.05, seed: 11)
  }
}
