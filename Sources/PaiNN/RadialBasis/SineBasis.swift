import Autodiff
import Foundation

/// PaiNN's default basis (schnetpack's `BesselRBF`):
///
///     φ_n(d) = sin(k_n d)/d,   k_n = nπ/r_c,   n = 1 … n_rbf
///     dφ_n/dd = (k_n cos(k_n d) − sin(k_n d)/d)/d
///
/// φ_n is in Å⁻¹; it stays finite as d → 0 (φ_n → k_n), but d = 0 is never evaluated since
/// edges join distinct positions.
public struct SineBasis: RadialBasis {
  public let count: Int
  public let cutoff: Double

  /// - Parameters:
  ///   - count: n_rbf ≥ 1.
  ///   - cutoff: r_c, Å.
  public init(count: Int, cutoff: Double) {
    self.count = count
    self.cutoff = cutoff
  }

  /// Wave numbers k_n = nπ/r_c, [count], Å⁻¹.
  public var waveNumbers: [Double] { (1...count).map { Double($0) * .pi / cutoff } }

  /// One sine and one cosine per distance: the rest follow from the Chebyshev recurrences
  /// `sin((n+1)x) = 2cos x·sin(nx) − sin((n−1)x)` and the same for cos, with x = πd/r_c
  /// (exact in exact arithmetic; in Double the error grows by about one ulp per step).
  public func values(at d: Double, into values: UnsafeMutablePointer<Double>, derivatives: UnsafeMutablePointer<Double>?) {
    let x = Double.pi / cutoff * d
    fill(d, sine: sin(x), cosine: cos(x), into: values, derivatives: derivatives)
  }

  /// The cosine cutoff's angle πd/r_c is this basis's x: one sine and one cosine serve both,
  /// with the cutoff's formulas as `cosineCutoff` evaluates them.
  public func valuesAndCutoff(
    at d: Double, into values: UnsafeMutablePointer<Double>, derivatives: UnsafeMutablePointer<Double>?
  ) -> (value: Double, derivative: Double) {
    let x = Double.pi / cutoff * d
    let s1 = sin(x), c1 = cos(x)
    fill(d, sine: s1, cosine: c1, into: values, derivatives: derivatives)
    return cosineCutoff(d, cutoff: cutoff, sine: s1, cosine: c1)
  }

  /// φ and φ' from sin x and cos x, x = πd/r_c.
  @inline(__always)
  private func fill(
    _ d: Double, sine s1: Double, cosine c1: Double, into values: UnsafeMutablePointer<Double>,
    derivatives: UnsafeMutablePointer<Double>?
  ) {
    let inverse = 1 / d
    let step = Double.pi / cutoff
    let twoCos = 2 * c1
    var sPrevious = 0.0, cPrevious = 1.0, s = s1, c = c1
    for n in 0..<count {
      let k = Double(n + 1) * step
      values[n] = s * inverse
      if let derivatives { derivatives[n] = (k * c - s * inverse) * inverse }
      let sNext = twoCos * s - sPrevious, cNext = twoCos * c - cPrevious
      sPrevious = s
      cPrevious = c
      s = sNext
      c = cNext
    }
  }

  public func expand<S: TensorScalar>(_ d: Tensor<S>) -> Tensor<S> {
    let rc = S(cutoff)
    let k = Tensor<S>(shape: [count], scalars: (1...count).map { S($0) * S.pi / rc })
    return sin(d * k) / d
  }
}
