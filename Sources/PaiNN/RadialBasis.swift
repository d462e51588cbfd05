/// Radial basis expansion of one distance and its derivative.
///
/// Sine: `φ_n(d) = sin(nπd/r_c)/d`, `φ_n' = (nπ/r_c)·cos(nπd/r_c)/d − sin(nπd/r_c)/d²`.
/// Gaussian: `φ_n(d) = exp(−(d − μ_n)²/(2w²))`, μ_n = (n−1)·r_c/(n_rbf−1), w = r_c/(n_rbf−1)
/// (w = r_c when n_rbf = 1), `φ_n' = −φ_n·(d − μ_n)/w²`.
/// - Parameters:
///   - d: distance, Å (> 0).
///   - kind: which basis.
///   - count: n_rbf.
///   - cutoff: r_c, Å.
///   - values: out, [n_rbf], Å⁻¹ for sine, dimensionless for Gaussian.
///   - derivatives: out (when non-nil), [n_rbf], dφ/dd.
@inline(__always)
func radialBasis<T: PaiNNScalar>(
  _ d: T, kind: RadialBasisKind, count: Int, cutoff: T,
  values: UnsafeMutablePointer<T>, derivatives: UnsafeMutablePointer<T>?
) {
  switch kind {
  case .sine:
    let inv = 1 / d
    let base = T.pi / cutoff
    for n in 0..<count {
      let k = T(n + 1) * base
      let s = T.sine(k * d)
      values[n] = s * inv
      if let derivatives { derivatives[n] = (k * T.cosine(k * d) - s * inv) * inv }
    }
  case .gaussian:
    let w = count > 1 ? cutoff / T(count - 1) : cutoff
    let c = -1 / (2 * w * w)
    for n in 0..<count {
      let diff = d - T(n) * (count > 1 ? cutoff / T(count - 1) : 0)
      let v = T.exponential(c * diff * diff)
      values[n] = v
      if let derivatives { derivatives[n] = 2 * c * diff * v }
    }
  }
}

/// Behler's cosine cutoff `f(d) = ½(cos(πd/r_c) + 1)` for d < r_c, else 0, and its
/// derivative `−(π/2r_c)·sin(πd/r_c)` (0 beyond r_c).
/// - Parameters:
///   - d: distance, Å.
///   - cutoff: r_c, Å.
/// - Returns: (f, df/dd), dimensionless and Å⁻¹.
@inline(__always)
func cosineCutoff<T: PaiNNScalar>(_ d: T, cutoff: T) -> (value: T, derivative: T) {
  guard d < cutoff else { return (0, 0) }
  let a = T.pi * d / cutoff
  return ((T.cosine(a) + 1) / 2, -T.pi / (2 * cutoff) * T.sine(a))
}
