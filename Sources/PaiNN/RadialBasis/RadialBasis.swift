import Autodiff

/// A radial basis: the expansion of an interatomic distance d into `count` smooth features
/// φ_1(d) … φ_n(d), the input of PaiNN's filter network.
///
/// A basis is written once and serves both executions of the network: `values` gives φ and
/// dφ/dd at one distance for the fused hand-derived pass (`PaiNNNetwork`), and `expand` gives
/// the same φ as a differentiable tensor for training (`PaiNNTrainable`). The two are checked
/// against each other, and the derivative against finite differences, for every case of
/// `RadialBasisKind` (Tests/PaiNNTests/RadialBasisTests.swift).
///
/// To add a basis: write one file with a type conforming to this protocol, and add one case
/// to `RadialBasisKind` (the compiler then asks for its line in `RadialBasisKind.basis`). See
/// docs/architecture.md.
public protocol RadialBasis: Sendable {
  /// Number of functions n_rbf.
  var count: Int { get }
  /// The cutoff r_c the basis is laid out on, Å.
  var cutoff: Double { get }

  /// φ_n(d) and, when `derivatives` is non-nil, dφ_n/dd, for n = 1 … `count`.
  /// - Parameters:
  ///   - d: distance, Å (> 0).
  ///   - values: out, [count].
  ///   - derivatives: out, [count], per Å; nil when not needed.
  func values(at d: Double, into values: UnsafeMutablePointer<Double>, derivatives: UnsafeMutablePointer<Double>?)

  /// `values(at:into:derivatives:)` and Behler's cosine cutoff at `d` with r_c = `cutoff`
  /// (`cosineCutoff`), together: a basis built on the same angle πd/r_c shares its sine and
  /// cosine with the cutoff instead of evaluating them twice.
  /// - Returns: f_cut(d) and df_cut/dd, dimensionless and Å⁻¹.
  func valuesAndCutoff(
    at d: Double, into values: UnsafeMutablePointer<Double>, derivatives: UnsafeMutablePointer<Double>?
  ) -> (value: Double, derivative: Double)

  /// φ(d) as a tensor whose graph reaches `d`.
  /// - Parameter d: distances, [nEdges, 1], Å.
  /// - Returns: [nEdges, count].
  func expand<S: TensorScalar>(_ d: Tensor<S>) -> Tensor<S>
}

extension RadialBasis {
  public func valuesAndCutoff(
    at d: Double, into values: UnsafeMutablePointer<Double>, derivatives: UnsafeMutablePointer<Double>?
  ) -> (value: Double, derivative: Double) {
    self.values(at: d, into: values, derivatives: derivatives)
    return cosineCutoff(d, cutoff: cutoff)
  }
}

extension RadialBasisKind {
  /// The basis of this kind with `count` functions laid out on [0, `cutoff`] Å. The one
  /// place where a kind becomes a basis.
  public func basis(count: Int, cutoff: Double) -> any RadialBasis {
    switch self {
    case .sine: SineBasis(count: count, cutoff: cutoff)
    case .gaussian: GaussianBasis(count: count, cutoff: cutoff)
    }
  }
}

extension PaiNNConfiguration {
  /// The radial basis of this architecture.
  public var basis: any RadialBasis { radialBasis.basis(count: radialBasisCount, cutoff: cutoff) }
}
