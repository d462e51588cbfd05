import Atomistic
import Foundation

/// A bond angle of the reference structure: the angle at atom `vertex` between two of its
/// bonds (indices into `BondGeometry.bonds`).
public struct BondAngle: Sendable, Hashable, Codable {
  /// The atom at the apex.
  public var vertex: Int
  /// The two bonds, each with `vertex` as one of its atoms.
  public var first: Int
  public var second: Int
}

/// The covalent bonds and bond angles of a reference structure (bonds as the stability monitor
/// finds them: r_ij < bondFactor · (r_cov,i + r_cov,j)), measured in other frames of the same
/// atoms: the bond-length and angle distributions of a molecular trajectory, per element pair
/// (`C–H`) and element triple (`H–C–O`, the apex in the middle).
public struct BondGeometry: Sendable {
  /// Atomic numbers of the reference structure.
  public let atomicNumbers: [Int]
  /// Bonds (each pair once) with their reference lengths, Å.
  public let bonds: [Bond]
  /// Every pair of bonds that shares an atom.
  public let angles: [BondAngle]
  /// The element-pair label of each bond, heavier element first (`C–H`, `C–C`).
  public let bondLabels: [String]
  /// The element-triple label of each angle, apex in the middle and the heavier end first
  /// (`O–C–H`).
  public let angleLabels: [String]

  /// - Parameters:
  ///   - reference: the structure whose bonds are kept, positions Å.
  ///   - bondFactor: multiplier of the summed covalent radii that defines a bond.
  ///   - covalentRadius: r_cov(Z), Å.
  public init(reference: Structure, bondFactor: Double = 1.2,
              covalentRadius: (Int) -> Double = Elements.covalentRadius) throws {
    self.init(atomicNumbers: reference.atomicNumbers,
              bonds: try findBonds(reference, bondFactor: bondFactor, covalentRadius: covalentRadius))
  }

  /// The geometry of given bonds (the angles are every pair of them sharing an atom).
  public init(atomicNumbers: [Int], bonds: [Bond]) {
    self.atomicNumbers = atomicNumbers
    self.bonds = bonds
    var byAtom: [Int: [Int]] = [:]
    for (b, bond) in bonds.enumerated() {
      byAtom[bond.i, default: []].append(b)
      if bond.j != bond.i { byAtom[bond.j, default: []].append(b) }
    }
    var angles: [BondAngle] = []
    for vertex in byAtom.keys.sorted() {
      let list = byAtom[vertex]!
      for a in 0..<list.count {
        for b in (a + 1)..<list.count { angles.append(BondAngle(vertex: vertex, first: list[a], second: list[b])) }
      }
    }
    self.angles = angles
    bondLabels = bonds.map { b in
      let z = [atomicNumbers[b.i], atomicNumbers[b.j]].sorted(by: >)
      return "\(Elements.symbol(z[0]))–\(Elements.symbol(z[1]))"
    }
    angleLabels = angles.map { a in
      func other(_ b: Int) -> Int { bonds[b].i == a.vertex ? bonds[b].j : bonds[b].i }
      let ends = [atomicNumbers[other(a.first)], atomicNumbers[other(a.second)]].sorted(by: >)
      return "\(Elements.symbol(ends[0]))–\(Elements.symbol(atomicNumbers[a.vertex]))–\(Elements.symbol(ends[1]))"
    }
  }

  /// The vector from `vertex` along bond `b` to its other atom, Å (unwrapped positions).
  func vector(_ b: Int, from vertex: Int, in structure: Structure) -> SIMD3<Double> {
    let bond = bonds[b]
    let s = SIMD3<Double>(bond.shift)
    let c = structure.cell
    let ij = structure.positions[bond.j] - structure.positions[bond.i] + s.x * c.a1 + s.y * c.a2 + s.z * c.a3
    return bond.i == vertex ? ij : -ij
  }

  /// Bond lengths in `structure` (same atoms as the reference), [bonds], Å.
  public func bondLengths(in structure: Structure) -> [Double] {
    bonds.indices.map { length(vector($0, from: bonds[$0].i, in: structure)) }
  }

  /// The same bonds with each reference length replaced by its mean over `frames`, Å: the
  /// equilibrium bond lengths b_ij of Fu et al. 2022 ("Forces are not enough", §4: unstable
  /// when max_(i,j) |r_ij(t) − b_ij| > 0.5 Å, b_ij from the reference simulation). With no
  /// frames the bonds are returned unchanged.
  /// - Parameter frames: structures with the reference's atoms (e.g. a teacher trajectory).
  public func withMeanLengths(over frames: [Structure]) -> [Bond] {
    guard !frames.isEmpty else { return bonds }
    var sums = Array(repeating: 0.0, count: bonds.count)
    for frame in frames {
      for (b, r) in bondLengths(in: frame).enumerated() { sums[b] += r }
    }
    return bonds.enumerated().map { b, bond in
      var mean = bond
      mean.referenceLength = sums[b] / Double(frames.count)
      return mean
    }
  }

  /// Bond angles in `structure`, [angles], degrees (0…180).
  public func angleValues(in structure: Structure) -> [Double] {
    angles.map { a in
      let u = vector(a.first, from: a.vertex, in: structure), v = vector(a.second, from: a.vertex, in: structure)
      let cosine = max(-1, min(1, dot(u, v) / (length(u) * length(v))))
      return acos(cosine) * 180 / Double.pi
    }
  }
}

/// Bond lengths and angles of many frames, grouped by element pair and triple.
public struct GeometryDistributions: Sendable, Hashable, Codable {
  /// Bond lengths by element pair (`C–H`), Å, every bond of every frame.
  public var bondLengths: [String: [Double]] = [:]
  /// Bond angles by element triple (`H–C–H`), degrees.
  public var angles: [String: [Double]] = [:]
  /// Frames added.
  public var frames = 0

  enum CodingKeys: String, CodingKey {
    case bondLengths = "bond_lengths_A", angles = "angles_deg", frames
  }

  public init() {}

  /// Adds one frame measured with `geometry`.
  public mutating func add(_ structure: Structure, geometry: BondGeometry) {
    for (label, r) in zip(geometry.bondLabels, geometry.bondLengths(in: structure)) { bondLengths[label, default: []].append(r) }
    for (label, theta) in zip(geometry.angleLabels, geometry.angleValues(in: structure)) { angles[label, default: []].append(theta) }
    frames += 1
  }
}
