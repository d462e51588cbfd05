import Atomistic
import Basics

// Random perturbations of one structure, the building blocks of candidate sampling. Each takes
// the generator explicitly, so a seed reproduces the result. Labels are removed from the
// result (they belonged to the unperturbed structure); `info` and `arrays` are kept.

/// The structure with every Cartesian coordinate displaced by an independent Gaussian:
/// `r'ᵢ = rᵢ + σ·ξᵢ`, ξᵢ ~ N(0, I₃).
/// - Parameters:
///   - sigma: standard deviation of each coordinate's displacement, Å (≥ 0).
///   - generator: the random source.
public func rattled(_ structure: Structure, sigma: Double, using generator: inout Xoshiro256StarStar) -> Structure {
  precondition(sigma >= 0 && sigma.isFinite, "rattle sigma must be a finite non-negative length, got \(sigma)")
  var out = structure.unlabelled
  for k in 0..<out.count {
    out.positions[k] += sigma * SIMD3(generator.nextNormal(), generator.nextNormal(), generator.nextNormal())
  }
  return out
}

/// A random symmetric strain: the six independent components εxx, εyy, εzz, εyz, εxz, εxy each
/// uniform in [−maxStrain, maxStrain].
/// - Returns: [3][3], dimensionless, symmetric.
public func randomStrain(maxStrain: Double, using generator: inout Xoshiro256StarStar) -> [[Double]] {
  precondition(maxStrain >= 0 && maxStrain < 1, "maximum strain must be in [0, 1), got \(maxStrain)")
  func draw() -> Double { maxStrain * (2 * generator.nextUniform() - 1) }
  let xx = draw(), yy = draw(), zz = draw(), yz = draw(), xz = draw(), xy = draw()
  return [[xx, xy, xz], [xy, yy, yz], [xz, yz, zz]]
}

/// The structure with cell and positions deformed by a symmetric strain ε:
/// `a'ₖ = aₖ·(I + ε)` and `r' = r·(I + ε)` (row vectors), so fractional coordinates are unchanged.
/// - Parameter strain: [3][3] symmetric, dimensionless.
public func strained(_ structure: Structure, by strain: [[Double]]) -> Structure {
  var out = structure.unlabelled
  out.cell = structure.cell.deformed(by: strain)
  for k in 0..<out.count {
    let r = structure.positions[k]
    var v = r
    for c in 0..<3 { v[c] += r[0] * strain[0][c] + r[1] * strain[1][c] + r[2] * strain[2][c] }
    out.positions[k] = v
  }
  return out
}

/// The structure under a random strain from `randomStrain(maxStrain:using:)`.
/// - Parameter maxStrain: largest magnitude of each strain component, dimensionless (e.g. 0.02).
public func strained(_ structure: Structure, maxStrain: Double, using generator: inout Xoshiro256StarStar) -> Structure {
  strained(structure, by: randomStrain(maxStrain: maxStrain, using: &generator))
}

/// A rotation matrix uniformly distributed on SO(3) (Haar measure): the matrix of a unit
/// quaternion q = g/|g| with g four independent standard Gaussians (Shoemake's method).
/// - Returns: [3][3] proper orthogonal (det +1); rotates column vectors: v' = R·v.
public func randomRotation(using generator: inout Xoshiro256StarStar) -> [[Double]] {
  var w = 0.0, x = 0.0, y = 0.0, z = 0.0, norm = 0.0
  repeat {
    w = generator.nextNormal()
    x = generator.nextNormal()
    y = generator.nextNormal()
    z = generator.nextNormal()
    norm = (w * w + x * x + y * y + z * z).squareRoot()
  } while norm < 1e-12
  w /= norm
  x /= norm
  y /= norm
  z /= norm
  return [
    [1 - 2 * (y * y + z * z), 2 * (x * y - w * z), 2 * (x * z + w * y)],
    [2 * (x * y + w * z), 1 - 2 * (x * x + z * z), 2 * (y * z - w * x)],
    [2 * (x * z - w * y), 2 * (y * z + w * x), 1 - 2 * (x * x + y * y)],
  ]
}

/// The structure rotated rigidly about its centroid (mean position): `r' = c + R·(r − c)`; the
/// cell vectors, when there is a cell, are rotated too (`a'ₖ = R·aₖ`), so a crystal stays the
/// same crystal.
/// - Parameter rotation: [3][3] proper orthogonal.
public func rotated(_ structure: Structure, by rotation: [[Double]]) -> Structure {
  func apply(_ v: SIMD3<Double>) -> SIMD3<Double> {
    SIMD3(
      rotation[0][0] * v.x + rotation[0][1] * v.y + rotation[0][2] * v.z,
      rotation[1][0] * v.x + rotation[1][1] * v.y + rotation[1][2] * v.z,
      rotation[2][0] * v.x + rotation[2][1] * v.y + rotation[2][2] * v.z)
  }
  var out = structure.unlabelled
  guard structure.count > 0 else { return out }
  let centroid = structure.positions.reduce(SIMD3<Double>.zero, +) / Double(structure.count)
  out.positions = structure.positions.map { centroid + apply($0 - centroid) }
  if !structure.cell.isZero {
    out.cell = Cell(a1: apply(structure.cell.a1), a2: apply(structure.cell.a2), a3: apply(structure.cell.a3))
  }
  return out
}

/// The structure under a uniformly random rotation; see `rotated(_:by:)`.
public func rotated(_ structure: Structure, using generator: inout Xoshiro256StarStar) -> Structure {
  rotated(structure, by: randomRotation(using: &generator))
}
