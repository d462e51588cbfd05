import Autodiff
import Foundation

/// Gaussians on an even grid (schnetpack's `GaussianRBF`):
///
///     φ_n(d) = exp(−(d − μ_n)²/(2w²)),   μ_n = (n − 1)·w,   w = r_c/(n_rbf − 1)
///     dφ_n/dd = −φ_n·(d − μ_n)/w²
///
/// with w = r_c and the single centre at 0 when n_rbf = 1. Dimensionless.
public struct GaussianBasis: RadialBasis {
  public let count: Int
  public let cutoff: Double

  /// - Parameters:
  ///   - count: n_rbf ≥ 1.
  ///   - cutoff: r_c, Å.
  public init(count: Int, cutoff: Double) {
    self.count = count
    self.cutoff = cutoff
  }

  /// Width w, which is also the spacing of the centres, Å.
  public var width: Double { count > 1 ? cutoff / Double(count - 1) : cutoff }

  /// Centres μ_n, [count], Å.
  public var centres: [Double] { (0..<count).map { count > 1 ? Double($0) * width : 0 } }

  public func values(at d: Double, into values: UnsafeMutablePointer<Double>, derivatives: UnsafeMutablePointer<Double>?) {
    let w = width
    let c = -1 / (2 * w * w)
    let spacing = count > 1 ? w : 0
    for n in 0..<count {
      let offset = d - Double(n) * spacing
      let v = exp(c * offset * offset)
      values[n] = v
      if let derivatives { derivatives[n] = 2 * c * offset * v }
    }
  }

  public func expand<S: TensorScalar>(_ d: Tensor<S>) -> Tensor<S> {
    let w = S(width)
    let mu = Tensor<S>(shape: [count], scalars: centres.map { S($0) })
    return exp(square(d - mu) * (-1 / (2 * w * w)))
  }
}
