import Atomistic
import Basics
import Foundation
import Testing
@testable import Datasets

private func determinant(_ m: [[Double]]) -> Double {
  m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1]) - m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0])
    + m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0])
}

private func bigCrystal() -> Structure {
  // 4×4×4 diamond-like lattice of 512 Si atoms in a slightly skewed cell.
  let base = Structure(
    atomicNumbers: [14, 14, 14, 14, 14, 14, 14, 14],
    positions: [SIMD3(0, 0, 0), SIMD3(0, 2.7, 2.7), SIMD3(2.7, 0, 2.7), SIMD3(2.7, 2.7, 0),
                SIMD3(1.35, 1.35, 1.35), SIMD3(1.35, 4.05, 4.05), SIMD3(4.05, 1.35, 4.05), SIMD3(4.05, 4.05, 1.35)],
    cell: Cell(a1: SIMD3(5.4, 0, 0), a2: SIMD3(0.2, 5.4, 0), a3: SIMD3(0.1, -0.3, 5.4)), pbc: [true, true, true],
    energy: -40, forces: Array(repeating: .zero, count: 8), stress: [0, 0, 0, 0, 0, 0])
  return base.supercell(4, 4, 4)
}

private func molecule() -> Structure {
  Structure(atomicNumbers: [8, 1, 1, 6, 1],
            positions: [SIMD3(0, 0, 0.1), SIMD3(0.76, 0, -0.47), SIMD3(-0.76, 0, -0.47), SIMD3(0.3, 1.4, 0.2), SIMD3(1.1, 1.9, -0.4)])
}

@Suite("Structure sampling")
struct SamplingTests {
  @Test("rattle: displacements have mean 0 and standard deviation σ over many atoms; labels removed")
  func rattleStatistics() {
    let crystal = bigCrystal()
    var g = Xoshiro256StarStar(seed: 1)
    let sigma = 0.05
    let out = rattled(crystal, sigma: sigma, using: &g)
    let d = zip(out.positions, crystal.positions).flatMap { a, b -> [Double] in let v = a - b; return [v.x, v.y, v.z] }
    let n = Double(d.count)  // 1536 coordinates
    let mean = d.reduce(0, +) / n
    let std = (d.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / (n - 1)).squareRoot()
    #expect(abs(mean) < 4 * sigma / n.squareRoot())
    #expect(abs(std / sigma - 1) < 0.06)  // relative error of a std estimate ≈ 1/sqrt(2n) = 1.8 %
    // Gaussian, not uniform: 68.3 % of coordinates within one σ (uniform of the same σ: 57.7 %).
    let inside = Double(d.filter { abs($0) < sigma }.count) / n
    #expect(abs(inside - 0.6827) < 0.04)
    #expect(out.energy == nil && out.forces == nil && out.stress == nil)
    #expect(out.cell == crystal.cell && out.atomicNumbers == crystal.atomicNumbers)
  }

  @Test("strain keeps fractional coordinates, is symmetric and bounded, and deforms the cell as a·(I + ε)")
  func strainKeepsFractions() throws {
    let crystal = bigCrystal()
    var g = Xoshiro256StarStar(seed: 2)
    let eps = randomStrain(maxStrain: 0.02, using: &g)
    for i in 0..<3 {
      for j in 0..<3 {
        #expect(eps[i][j] == eps[j][i])
        #expect(abs(eps[i][j]) <= 0.02)
      }
    }
    #expect(eps.flatMap { $0 }.contains { $0 != 0 })
    let out = strained(crystal, by: eps)
    for k in stride(from: 0, to: crystal.count, by: 17) {
      let before = try #require(crystal.cell.fractional(crystal.positions[k]))
      let after = try #require(out.cell.fractional(out.positions[k]))
      #expect(length(after - before) < 1e-12)
    }
    // Hand-computed: a₁' = a₁ + a₁·ε.
    let a1 = crystal.cell.a1
    let expected = SIMD3(a1.x * (1 + eps[0][0]) + a1.y * eps[1][0] + a1.z * eps[2][0],
                         a1.x * eps[0][1] + a1.y * (1 + eps[1][1]) + a1.z * eps[2][1],
                         a1.x * eps[0][2] + a1.y * eps[1][2] + a1.z * (1 + eps[2][2]))
    #expect(length(out.cell.a1 - expected) < 1e-12)
    #expect(abs(out.cell.volume / crystal.cell.volume - determinant([[1 + eps[0][0], eps[0][1], eps[0][2]],
                                                                      [eps[1][0], 1 + eps[1][1], eps[1][2]],
                                                                      [eps[2][0], eps[2][1], 1 + eps[2][2]]])) < 1e-12)
  }

  @Test("rotation: proper orthogonal, keeps every interatomic distance and the centroid")
  func rotationIsRigid() {
    let m = molecule()
    var g = Xoshiro256StarStar(seed: 3)
    for _ in 0..<20 {
      let r = randomRotation(using: &g)
      #expect(abs(determinant(r) - 1) < 1e-12)
      for i in 0..<3 {
        for j in 0..<3 {
          let dot = r[i][0] * r[j][0] + r[i][1] * r[j][1] + r[i][2] * r[j][2]
          #expect(abs(dot - (i == j ? 1 : 0)) < 1e-12)
        }
      }
      let out = rotated(m, by: r)
      for a in 0..<m.count {
        for b in (a + 1)..<m.count {
          #expect(abs(length(out.positions[a] - out.positions[b]) - length(m.positions[a] - m.positions[b])) < 1e-12)
        }
      }
      let c0 = m.positions.reduce(.zero, +) / 5, c1 = out.positions.reduce(.zero, +) / 5
      #expect(length(c0 - c1) < 1e-12)
      #expect(out.positions != m.positions)
    }
  }

  @Test("rotations are uniform on SO(3): E[R] = 0 and E[(R·z)_z²] = 1/3")
  func rotationUniform() {
    var g = Xoshiro256StarStar(seed: 4)
    let n = 20_000
    var sum = [[Double]](repeating: [0, 0, 0], count: 3)
    var zz2 = 0.0, traceSum = 0.0
    for _ in 0..<n {
      let r = randomRotation(using: &g)
      for i in 0..<3 { for j in 0..<3 { sum[i][j] += r[i][j] } }
      zz2 += r[2][2] * r[2][2]
      traceSum += r[0][0] + r[1][1] + r[2][2]
    }
    // Each entry has variance 1/3: the mean's standard error is sqrt(1/3/n) ≈ 0.004.
    for i in 0..<3 { for j in 0..<3 { #expect(abs(sum[i][j] / Double(n)) < 0.02) } }
    #expect(abs(zz2 / Double(n) - 1.0 / 3.0) < 0.01)
    // For Haar measure E[trace] = 0 (a rotation by angle θ has trace 1 + 2cos θ, density ∝ 1 − cos θ).
    #expect(abs(traceSum / Double(n)) < 0.03)
  }

  @Test("candidates: spread over seeds, reproducible, recorded in info; strain only for crystals, rotation only for molecules")
  func candidates() throws {
    let seeds = [bigCrystal().supercell(1, 1, 1), molecule()]
    func options(count: Int = 7, seed: UInt64) -> SamplingOptions {
      SamplingOptions(count: count, rattle: 0.05, strain: 0.02, rotate: true, seed: seed)
    }
    let a = try sampleCandidates(from: seeds, options: options(seed: 1))
    let b = try sampleCandidates(from: seeds, options: options(seed: 1))
    let c = try sampleCandidates(from: seeds, options: options(seed: 2))
    #expect(a == b)
    #expect(a != c)
    // Candidate k does not depend on how many are asked for.
    #expect(try sampleCandidates(from: seeds, options: options(count: 3, seed: 1)) == Array(a[0..<3]))
    #expect(a.map { $0.info["mlff_seed_index"] } == [0, 1, 0, 1, 0, 1, 0].map { InfoValue.int($0) })
    #expect(a[0].info["mlff_operation"] == .string("strain max 0.02; rattle 0.05 Å"))
    #expect(a[1].info["mlff_operation"] == .string("rotate; rattle 0.05 Å"))
    #expect(a[0].cell != seeds[0].cell && a[1].cell == .zero)
    #expect(a.allSatisfy { $0.energy == nil && $0.forces == nil })
    #expect(a[0].positions != a[2].positions)
  }

  @Test("supercell candidates have n₁n₂n₃ times the atoms and cell vectors scaled")
  func supercells() throws {
    let seed = Structure(atomicNumbers: [29], positions: [.zero], cell: .orthorhombic(2.5, 2.5, 2.5), pbc: [true, true, true])
    let out = try sampleCandidates(from: [seed, molecule()], options: SamplingOptions(count: 2, supercell: [2, 3, 1]))
    #expect(out[0].count == 6 && out[0].cell == .orthorhombic(5, 7.5, 2.5))
    #expect(out[0].info["mlff_operation"] == .string("supercell 2x3x1"))
    #expect(out[1].count == 5 && out[1].info["mlff_operation"] == .string("copy"))
  }

  @Test("invalid options and missing seeds are errors, not crashes")
  func invalidOptions() {
    let seeds = [molecule()]
    for bad in [SamplingOptions(count: -1), SamplingOptions(count: 2, rattle: -0.1), SamplingOptions(count: 2, strain: 1.5),
                SamplingOptions(count: 2, supercell: [2, 0, 1]), SamplingOptions(count: 2, supercell: [2, 2])] {
      #expect(throws: DatasetError.self, "\(bad)") { try sampleCandidates(from: seeds, options: bad) }
    }
    #expect(throws: DatasetError.self) { try sampleCandidates(from: [], options: SamplingOptions(count: 3, rattle: 0.1)) }
  }
}
