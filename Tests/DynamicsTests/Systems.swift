import Atomistic
import Dynamics
import Foundation
import Potentials

/// Test systems and helpers (Å, K, fs).
enum Systems {
  /// Face-centred cubic argon, conventional cell (4 atoms) repeated n×n×n, lattice constant 5.26 Å.
  static func argon(_ n: Int = 1) -> Structure {
    let a = 5.26
    let basis: [SIMD3<Double>] = [SIMD3(0, 0, 0), SIMD3(0.5, 0.5, 0), SIMD3(0.5, 0, 0.5), SIMD3(0, 0.5, 0.5)]
    let cell = Structure(atomicNumbers: [18, 18, 18, 18], positions: basis.map { $0 * a },
                         cell: .orthorhombic(a, a, a), pbc: [true, true, true])
    return cell.supercell(n, n, n)
  }

  /// A bonded copper trimer at the Morse minimum (equilateral, Cu–Cu 2.866 Å < 1.2 × 2 × 1.32 Å), not periodic.
  static var copperTrimer: Structure {
    Structure(atomicNumbers: [29, 29, 29], positions: [SIMD3(0, 0, 0), SIMD3(2.866, 0, 0), SIMD3(1.433, 2.866 * 0.75.squareRoot(), 0)])
  }

  /// A fresh temporary folder.
  static func temporaryFolder() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("mlff-md-tests-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
  }

  /// Runs `steps` steps and returns the state.
  static func run(_ integrator: any Integrator, _ state: MDState, potential: any Potential, steps: Int,
                  every: Int = 1, observe: (MDState) -> Void = { _ in }) throws -> MDState {
    var s = state
    for _ in 0..<steps {
      try integrator.step(&s, potential: potential)
      if s.step % every == 0 { observe(s) }
    }
    return s
  }
}

/// Mean and (population) variance.
func meanAndVariance(_ x: [Double]) -> (mean: Double, variance: Double) {
  let m = x.reduce(0, +) / Double(x.count)
  return (m, x.map { ($0 - m) * ($0 - m) }.reduce(0, +) / Double(x.count))
}
