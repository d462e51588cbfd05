import Atomistic
import Basics
import Foundation
@testable import Datasets

/// A fresh empty folder under the system temporary directory.
func temporaryFolder(_ name: String = #function) -> URL {
  let safe = name.filter { $0.isLetter || $0.isNumber }
  let url = FileManager.default.temporaryDirectory.appendingPathComponent("mlff-datasets-\(safe)-\(UUID().uuidString)")
  try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
  return url
}

/// Random structures covering the layout's cases: periodic crystals with all labels, a
/// partially periodic slab, a molecule without a box, unlabelled and partially labelled ones,
/// and a structure with no atoms.
func sampleStructures(count: Int, seed: UInt64) -> [Structure] {
  var g = Xoshiro256StarStar(seed: seed)
  func uniform(_ a: Double, _ b: Double) -> Double { a + (b - a) * g.nextUniform() }
  var out: [Structure] = []
  for s in 0..<count {
    let n = s % 7 == 6 ? 0 : 1 + g.next(below: 9)
    let z = (0..<n).map { _ in [1, 6, 8, 14, 29, 79][g.next(below: 6)] }
    let r = (0..<n).map { _ in SIMD3(uniform(-3, 3), uniform(-3, 3), uniform(-3, 3)) }
    var structure = Structure(atomicNumbers: z, positions: r)
    switch s % 4 {
    case 0, 1:
      structure.cell = Cell(a1: SIMD3(uniform(4, 6), uniform(-0.5, 0.5), 0), a2: SIMD3(uniform(-0.5, 0.5), uniform(4, 6), 0),
                            a3: SIMD3(uniform(-0.3, 0.3), uniform(-0.3, 0.3), uniform(4, 6)))
      structure.pbc = [true, true, true]
    case 2:
      structure.cell = .orthorhombic(5, 6, 20)
      structure.pbc = [true, true, false]
    default:
      break
    }
    let labels = s % 5  // 0: all, 1: energy + forces, 2: none, 3: energy only, 4: forces only
    if labels != 2 && labels != 4 { structure.energy = uniform(-100, 10) }
    if labels == 0 || labels == 1 || labels == 4 { structure.forces = (0..<n).map { _ in SIMD3(uniform(-2, 2), uniform(-2, 2), uniform(-2, 2)) } }
    if labels == 0 && structure.isFullyPeriodic { structure.stress = (0..<6).map { _ in uniform(-0.01, 0.01) } }
    out.append(structure)
  }
  return out
}

/// Writes an HDF5 file by hand in (or deliberately out of) the dataset layout, for error tests.
func writeRawFile(_ url: URL, _ body: (HDF5File) throws -> Void) throws {
  try HDF5Library.withLock {
    let file = try HDF5File.create(at: url)
    try body(file)
    try file.close()
  }
}
