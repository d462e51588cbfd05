import Atomistic
import Basics
import Potentials

/// A physics check that did not hold: which check, on what, and by how much.
public struct PhysicsCheckFailure: Error, CustomStringConvertible {
  /// The check's name, e.g. "forces equal −∂E/∂R (finite differences)".
  public var check: String
  /// What differed, with both values and the tolerance.
  public var message: String

  public var description: String { "\(check) failed: \(message)" }
}

/// The outcome of a passed check: its name and the largest deviation seen (in the unit of the
/// quantity compared: eV, eV/Å or eV/Å³).
public struct PhysicsCheckResult: Sendable, CustomStringConvertible {
  /// The check's name.
  public var check: String
  /// Largest |a − b| over everything compared.
  public var maxDeviation: Double

  public var description: String { "\(check): max deviation \(maxDeviation)" }
}

/// Collects comparisons for one check and throws on the first one outside tolerance.
struct Comparator {
  let check: String
  let tolerances: Tolerances
  var maxDeviation = 0.0

  init(_ check: String, _ tolerances: Tolerances) {
    self.check = check
    self.tolerances = tolerances
  }

  mutating func fail(_ message: String) -> PhysicsCheckFailure {
    PhysicsCheckFailure(check: check, message: message)
  }

  /// Compares two numbers with an absolute tolerance (plus the relative part of `tolerances`).
  mutating func expect(_ a: Double, _ b: Double, absolute: Double, _ what: @autoclosure () -> String) throws {
    let d = abs(a - b)
    if d.isNaN || !tolerances.agree(a, b, absolute: absolute) {
      throw fail("\(what()): \(a) vs \(b), difference \(d) exceeds \(absolute) + \(tolerances.relative)·max(|a|,|b|)")
    }
    maxDeviation = max(maxDeviation, d)
  }

  /// Compares two energies of `atoms` atoms: `|a − b| ≤ absolute + energyRelative·max(|a|,|b|)/atoms`
  /// (`absolute` defaults to `tolerances.energy`).
  mutating func expectEnergy(_ a: Double, _ b: Double, atoms: Int, absolute: Double? = nil,
                             _ what: @autoclosure () -> String) throws {
    let d = abs(a - b)
    let allowed = tolerances.energyTolerance(a, b, atoms: atoms, absolute: absolute ?? tolerances.energy)
    if d.isNaN || !(d <= allowed) {
      throw fail("\(what()) energy (eV): \(a) vs \(b), difference \(d) exceeds \(allowed) "
        + "(\(absolute ?? tolerances.energy) + \(tolerances.energyRelative)·max(|a|,|b|)/\(atoms) atoms)")
    }
    maxDeviation = max(maxDeviation, d)
  }

  mutating func expectForces(_ a: [SIMD3<Double>]?, _ b: [SIMD3<Double>]?, _ what: @autoclosure () -> String) throws {
    guard let a, let b else { throw fail("\(what()): the potential returned no forces") }
    guard a.count == b.count else { throw fail("\(what()): \(a.count) vs \(b.count) force vectors") }
    for k in 0..<a.count {
      for c in 0..<3 {
        try expect(a[k][c], b[k][c], absolute: tolerances.force, "\(what()) force on atom \(k), component \(c) (eV/Å)")
      }
    }
  }

  mutating func expectStress(_ a: [Double]?, _ b: [Double]?, _ what: @autoclosure () -> String) throws {
    guard let a, let b else { throw fail("\(what()): the potential returned no stress for a periodic structure") }
    guard a.count == 6, b.count == 6 else { throw fail("\(what()): stress must have 6 Voigt components") }
    for c in 0..<6 {
      try expect(a[c], b[c], absolute: tolerances.stress, "\(what()) stress Voigt component \(c) (eV/Å³)")
    }
  }

  func result() -> PhysicsCheckResult { PhysicsCheckResult(check: check, maxDeviation: maxDeviation) }
}

/// The generator behind a check's random rotations, translations and displacements, so every
/// check is reproducible: SplitMix64 started at `seed + γ` (γ = `SplitMix64.increment`; the
/// battery has always offset its seeds so, and keeping it keeps the structures it tests).
func checkGenerator(seed: UInt64) -> SplitMix64 { SplitMix64(seed: seed &+ SplitMix64.increment) }

/// A 3×3 rotation matrix as rows, applied as `R·v`.
struct Rotation {
  var rows: (SIMD3<Double>, SIMD3<Double>, SIMD3<Double>)

  /// A uniformly random proper rotation (from a random unit quaternion).
  /// q is drawn uniformly in the unit ball of R⁴ by rejection from [−1, 1]⁴ (each component
  /// `nextUniform(in: -1...1)`), then normalised.
  static func random(using g: inout SplitMix64) -> Rotation {
    var q = SIMD4<Double>(0, 0, 0, 0)
    repeat {
      q = SIMD4(g.nextUniform(in: -1...1), g.nextUniform(in: -1...1),
                g.nextUniform(in: -1...1), g.nextUniform(in: -1...1))
    } while (q * q).sum() > 1 || (q * q).sum() < 1e-3
    q /= (q * q).sum().squareRoot()
    let (w, x, y, z) = (q[0], q[1], q[2], q[3])
    return Rotation(rows: (
      SIMD3(1 - 2 * (y * y + z * z), 2 * (x * y - z * w), 2 * (x * z + y * w)),
      SIMD3(2 * (x * y + z * w), 1 - 2 * (x * x + z * z), 2 * (y * z - x * w)),
      SIMD3(2 * (x * z - y * w), 2 * (y * z + x * w), 1 - 2 * (x * x + y * y))))
  }

  func apply(_ v: SIMD3<Double>) -> SIMD3<Double> {
    SIMD3(dot(rows.0, v), dot(rows.1, v), dot(rows.2, v))
  }

  /// R σ Rᵀ for a Voigt stress (xx yy zz yz xz xy).
  func applyToStress(_ s: [Double]) -> [Double] {
    let m = symmetricTensor(voigt: s)
    let r = [rows.0, rows.1, rows.2].map { [$0.x, $0.y, $0.z] }
    var out = [[Double]](repeating: [0, 0, 0], count: 3)
    for a in 0..<3 { for b in 0..<3 {
      var v = 0.0
      for c in 0..<3 { for d in 0..<3 { v += r[a][c] * m[c][d] * r[b][d] } }
      out[a][b] = v
    } }
    return voigtComponents.map { out[$0.row][$0.column] }
  }
}

/// The structure with positions and cell rows rotated by R.
func rotated(_ s: Structure, by rotation: Rotation) -> Structure {
  var r = s.unlabelled
  r.positions = s.positions.map(rotation.apply)
  r.cell = Cell(a1: rotation.apply(s.cell.a1), a2: rotation.apply(s.cell.a2), a3: rotation.apply(s.cell.a3))
  return r
}

/// Evaluates one structure, turning any error into a failure of `check`.
func evaluate(_ potential: any Potential, _ structure: Structure, _ properties: PropertySet, check: String) throws -> Results {
  do {
    let results = try potential.compute([structure], properties)
    guard results.count == 1 else {
      throw PhysicsCheckFailure(check: check, message: "the potential returned \(results.count) results for 1 structure")
    }
    return results[0]
  } catch let failure as PhysicsCheckFailure {
    throw failure
  } catch {
    throw PhysicsCheckFailure(check: check, message: "the potential threw: \(error)")
  }
}

/// The properties to ask for: stress only for structures periodic in all three directions.
func allProperties(_ s: Structure) -> PropertySet { s.isFullyPeriodic ? .all : .energyAndForces }
