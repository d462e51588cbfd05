import Atomistic
import Basics
import Foundation
import Potentials
@testable import Teacher

/// The repository root, found from this file's path.
let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
  .deletingLastPathComponent().deletingLastPathComponent()

/// The test interpreter made by scripts/bootstrap.
let testPython = repositoryRoot.appendingPathComponent(".venv/bin/python").path

/// Folder of the misbehaving teachers (`faulty_teachers:raising` and friends).
let faultyTeachersFolder = repositoryRoot.appendingPathComponent("python/tests/teachers").path

/// A pool configuration for tests: the test interpreter, the faulty teachers importable.
func testConfiguration(_ model: String, workers: Int = 2, timeout: Double = 30) -> TeacherConfiguration {
  TeacherConfiguration(
    model: model, workers: workers, timeout: timeout, python: testPython, startupTimeout: 60,
    threadsPerWorker: 1, environment: ["PYTHONPATH": faultyTeachersFolder])
}

/// Random Cu/Ni/Au structures: periodic boxes of 2–6 atoms and clusters, rattled so forces and
/// stress are not zero. Deterministic for a given seed.
func randomStructures(count: Int, seed: UInt64 = 7, atomCounts: ClosedRange<Int> = 2...6) -> [Structure] {
  var generator = SplitMix64(seed: seed)
  func uniform() -> Double { generator.nextUniform() }
  let elements = [29, 28, 79]
  var structures: [Structure] = []
  for k in 0..<count {
    let n = atomCounts.lowerBound + Int(uniform() * Double(atomCounts.count))
    let periodic = k % 3 != 2
    let edge = 2.6 * pow(Double(n), 1.0 / 3.0) + 1.0
    var positions: [SIMD3<Double>] = []
    for _ in 0..<n {
      while true {
        let r = SIMD3(uniform(), uniform(), uniform()) * edge
        if positions.allSatisfy({ length($0 - r) > 2.1 }) || positions.count > 40 { positions.append(r); break }
      }
    }
    let cell = periodic
      ? Cell(a1: SIMD3(edge + 0.1 * uniform(), 0.2 * uniform(), 0), a2: SIMD3(0, edge, 0.1 * uniform()),
             a3: SIMD3(0.1 * uniform(), 0, edge))
      : Cell.zero
    let z = (0..<n).map { _ in elements[Int(uniform() * 3) % 3] }
    structures.append(Structure(atomicNumbers: z, positions: positions, cell: cell, pbc: [periodic, periodic, periodic]))
  }
  return structures
}

/// Energy, forces and stress from ASE's EMT called directly in Python, one fresh calculator per
/// structure; every Double travels as its bit pattern, so the comparison can be exact.
func emtReference(_ structures: [Structure]) throws -> [Results] {
  func hex(_ x: Double) -> String { String(x.bitPattern, radix: 16) }
  var lines: [String] = []
  for s in structures {
    let cell = [s.cell.a1, s.cell.a2, s.cell.a3].flatMap { [$0.x, $0.y, $0.z] }.map(hex)
    let positions = s.positions.flatMap { [$0.x, $0.y, $0.z] }.map(hex)
    lines.append("\(s.atomicNumbers.map(String.init).joined(separator: ",")) \(cell.joined(separator: ",")) "
      + "\(positions.joined(separator: ",")) \(s.pbc.map { $0 ? "1" : "0" }.joined())")
  }
  let script = """
    import struct, sys
    import numpy as np
    from ase import Atoms
    from ase.calculators.emt import EMT
    def d(h): return struct.unpack('<d', struct.pack('<Q', int(h, 16)))[0]
    def h(x): return format(struct.unpack('<Q', struct.pack('<d', float(x)))[0], 'x')
    for line in sys.stdin:
        z, cell, pos, pbc = line.split()
        z = [int(v) for v in z.split(',')]
        cell = np.array([d(v) for v in cell.split(',')]).reshape(3, 3)
        pos = np.array([d(v) for v in pos.split(',')]).reshape(-1, 3)
        atoms = Atoms(numbers=z, positions=pos, cell=cell, pbc=[c == '1' for c in pbc])
        atoms.calc = EMT()
        out = [h(atoms.get_potential_energy())] + [h(v) for v in atoms.get_forces().ravel()]
        if all(atoms.pbc):
            out += [h(v) for v in atoms.get_stress(voigt=True)]
        print(' '.join(out))
    """
  let process = Process()
  process.executableURL = URL(fileURLWithPath: testPython)
  process.arguments = ["-c", script]
  let input = Pipe(), output = Pipe()
  process.standardInput = input
  process.standardOutput = output
  try process.run()
  input.fileHandleForWriting.write(Data(lines.joined(separator: "\n").utf8 + [10]))
  try input.fileHandleForWriting.close()
  let data = output.fileHandleForReading.readDataToEndOfFile()
  process.waitUntilExit()
  let replies = String(decoding: data, as: UTF8.self).split(separator: "\n")
  precondition(replies.count == structures.count, "the reference script answered \(replies.count) of \(structures.count)")
  return zip(structures, replies).map { s, reply in
    let v = reply.split(separator: " ").map { Double(bitPattern: UInt64($0, radix: 16)!) }
    let forces = (0..<s.count).map { SIMD3(v[1 + 3 * $0], v[2 + 3 * $0], v[3 + 3 * $0]) }
    let stress = v.count > 1 + 3 * s.count ? Array(v[(1 + 3 * s.count)...]) : nil
    return Results(energy: v[0], forces: forces, stress: stress)
  }
}
