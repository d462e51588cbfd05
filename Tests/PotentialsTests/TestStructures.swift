import Atomistic
import PotentialTesting

/// Small test systems built in code (Å).
enum TestStructures {
  /// Face-centred cubic conventional cell (4 atoms) of lattice constant `a`.
  static func fcc(_ z: Int, a: Double) -> Structure {
    let basis: [SIMD3<Double>] = [SIMD3(0, 0, 0), SIMD3(0.5, 0.5, 0), SIMD3(0.5, 0, 0.5), SIMD3(0, 0.5, 0.5)]
    return Structure(atomicNumbers: Array(repeating: z, count: 4), positions: basis.map { $0 * a },
                     cell: .orthorhombic(a, a, a), pbc: [true, true, true])
  }

  /// A triclinic, rattled argon crystal (8 atoms): a generic periodic test case.
  static var argonCrystal: Structure {
    var s = fcc(18, a: 5.26).supercell(2, 1, 1)
    s.cell = Cell(a1: SIMD3(10.52, 0, 0), a2: SIMD3(0.4, 5.26, 0), a3: SIMD3(-0.3, 0.2, 5.3))
    return PhysicsChecks.rattled(s, amplitude: 0.15, seed: 11)
  }

  /// A rattled copper crystal (4 atoms, sheared cell).
  static var copperCrystal: Structure {
    var s = fcc(29, a: 3.61)
    s.cell = Cell(a1: SIMD3(3.61, 0, 0), a2: SIMD3(0.2, 3.61, 0), a3: SIMD3(0.1, -0.15, 3.65))
    return PhysicsChecks.rattled(s, amplitude: 0.1, seed: 12)
  }

  /// A compact cluster of `count` atoms of element `z`, nearest neighbours about `spacing` Å apart.
  static func cluster(_ z: Int, count: Int, spacing: Double) -> Structure {
    let sites = fcc(z, a: spacing * 2.squareRoot()).supercell(2, 2, 2).positions.prefix(count)
    let s = Structure(atomicNumbers: Array(repeating: z, count: count), positions: Array(sites))
    return PhysicsChecks.rattled(s, amplitude: 0.12, seed: 13)
  }
}

extension Int {
  func squareRoot() -> Double { Double(self).squareRoot() }
}
