import Atomistic
import PaiNN

/// The model and structures the C program is run on.
enum TestModels {
  /// A small random student for H, C, O, Si with non-trivial reference energies and scale.
  static func model() -> PaiNNModel {
    let configuration = PaiNNConfiguration(featureCount: 16, layerCount: 2, radialBasisCount: 8, cutoff: 4.0)
    var m = PaiNNModel.random(configuration, elements: [1, 6, 8, 14], seed: 5)
    m.referenceEnergies = [-13.6, -1030.5, -2040.8, -7.9]
    m.energyScale = 0.7
    return m
  }

  /// Ethanol (molecule, first: the bad-input checks edit it), diamond Si with a C in a skewed
  /// cell (periodic), a two-atom cell with self-image edges, and a Si slab periodic in two
  /// directions (stress undefined).
  static var structures: [Structure] {
    let ethanol = Structure(
      atomicNumbers: [6, 6, 8, 1, 1, 1, 1, 1, 1],
      positions: [
        [1.168181, -0.400382, 0.01], [0.0, 0.559462, 0.0], [-1.190083, -0.227669, 0.02],
        [-1.946623, 0.381525, 0.0], [0.042557, 1.207508, 0.886933], [0.042557, 1.207508, -0.886933],
        [2.115891, 0.1448, 0.0], [1.128599, -1.037234, 0.885881], [1.138599, -1.037234, -0.875881],
      ])
    let a = 5.43
    let cell = Cell(a1: [a, 0.05, 0], a2: [0.1, a * 1.01, 0], a3: [0, -0.08, a * 0.99])
    let fractional: [SIMD3<Double>] = [
      [0, 0, 0], [0.25, 0.26, 0.25], [0, 0.5, 0.5], [0.25, 0.75, 0.74],
      [0.5, 0, 0.5], [0.75, 0.25, 0.75], [0.51, 0.5, 0], [0.75, 0.75, 0.25],
    ]
    let silicon = Structure(
      atomicNumbers: [14, 14, 14, 6, 14, 14, 14, 14], positions: fractional.map { cell.cartesian($0) },
      cell: cell, pbc: [true, true, true])
    let small = Cell(a1: [2.7, 0, 0], a2: [0.3, 2.8, 0], a3: [-0.2, 0.1, 3.0])
    let selfImage = Structure(
      atomicNumbers: [14, 6], positions: [small.cartesian([0.1, 0.05, 0]), small.cartesian([0.55, 0.45, 0.5])],
      cell: small, pbc: [true, true, true])
    var slab = silicon
    slab.cell = Cell(a1: cell.a1, a2: cell.a2, a3: [0, 0, 20])
    slab.pbc = [true, true, false]
    return [ethanol, silicon, selfImage, slab]
  }

  /// The structures in mlff_check's input format, with 17 significant digits.
  static func text(_ structures: [Structure]) -> String {
    func g(_ x: Double) -> String { "\(x)" }
    var lines = ["\(structures.count)"]
    for s in structures {
      lines.append("\(s.count) " + s.pbc.map { $0 ? "1" : "0" }.joined(separator: " "))
      lines.append(s.cell.rows.flatMap { $0 }.map(g).joined(separator: " "))
      for (z, r) in zip(s.atomicNumbers, s.positions) { lines.append("\(z) \(g(r.x)) \(g(r.y)) \(g(r.z))") }
    }
    return lines.joined(separator: "\n") + "\n"
  }
}
