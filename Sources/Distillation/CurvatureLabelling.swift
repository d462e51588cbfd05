import Atomistic
import Basics

/// How a labelling job asks the teacher for curvature: k random probe directions per structure
/// and their Hessian–vector products by central differences of the teacher's forces,
///
///     H v ≈ −(F(R + h v) − F(R − h v)) / (2h),
///
/// 2k extra force calls per structure, computed inside the teacher worker's request (so any
/// ASE teacher gives them, and the journal and pool are those of plain labelling).
///
/// The step h = 0.01 Å balances the two errors of a central difference: the truncation error
/// h²/6 · ∂³E/∂v³ (≈ 2·10⁻⁴ eV/Å² for ∂³E ≈ 10 eV/Å³) and the noise error δF/h of a teacher
/// whose forces carry noise δF (~10⁻⁶ eV/Å for a float32 network, ~10⁻⁵ eV/Å for an SCF
/// teacher), smallest near h = (3 δF / ∂³E)^(1/3) ≈ 0.01 Å.
public struct CurvatureLabelling: Sendable, Hashable {
  /// k, the probe directions per structure (≥ 1).
  public var probes: Int
  /// The finite-difference step h, Å (> 0).
  public var step: Double
  /// Seed of the probe directions; structure i's probes depend only on (seed, i), so a resumed
  /// job asks the same questions.
  public var seed: UInt64

  public init(probes: Int = 2, step: Double = 0.01, seed: UInt64 = 0) {
    self.probes = probes
    self.step = step
    self.seed = seed
  }

  /// What is wrong with the settings, or nil.
  public var problem: String? {
    if probes < 1 { return "the number of Hessian probes must be at least 1 (got \(probes))" }
    if !(step > 0 && step <= 0.1) { return "the Hessian step must be in (0, 0.1] Å (got \(step))" }
    return nil
  }

  /// Structure `index` with its probe directions and step attached (products removed).
  public func prepare(_ structure: Structure, index: Int) -> Structure {
    var s = structure
    s.hessianProducts = nil
    s.hessianProbes = hessianProbeDirections(atomCount: structure.count, count: probes,
                                             seed: SplitMix64.mix(seed ^ SplitMix64.mix(UInt64(index))))
    s.hessianStep = step
    return s
  }
}

/// `count` random directions over all 3N coordinates of `atomCount` atoms, [count][atomCount],
/// each Gaussian and normalised to Σ_iα v_iα² = 1 (uniform on the unit sphere of ℝ^{3N}).
public func hessianProbeDirections(atomCount: Int, count: Int, seed: UInt64) -> [[SIMD3<Double>]] {
  var rng = SplitMix64(seed: seed)
  return (0..<count).map { _ in
    var v = (0..<atomCount).map { _ in SIMD3(rng.nextNormal(), rng.nextNormal(), rng.nextNormal()) }
    let norm = v.reduce(0) { $0 + ($1 * $1).sum() }.squareRoot()
    if norm > 0 { v = v.map { $0 / norm } }
    return v
  }
}
