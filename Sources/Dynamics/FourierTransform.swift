import Foundation

/// In-place discrete Fourier transform of a complex sequence whose length is a power of two
/// (iterative radix-2 Cooley–Tukey):
///
///     X_k = Σ_{n=0}^{N−1} x_n e^{∓2πi kn/N}
///
/// with the minus sign forward and the plus sign for `inverse` (no 1/N factor either way).
/// - Parameters:
///   - real: Re x, [N]; replaced by Re X.
///   - imaginary: Im x, [N]; replaced by Im X.
///   - inverse: transform with e^{+2πi kn/N}.
/// - Precondition: N is a power of two (N = 1 is the identity), and both arrays have length N.
public func fourierTransform(real: inout [Double], imaginary: inout [Double], inverse: Bool = false) {
  let n = real.count
  precondition(imaginary.count == n, "real and imaginary parts must have the same length")
  precondition(n > 0 && n & (n - 1) == 0, "the FFT length must be a power of two, got \(n)")
  // Bit-reversal permutation.
  var j = 0
  for i in 1..<max(n, 1) {
    var bit = n >> 1
    while j & bit != 0 {
      j ^= bit
      bit >>= 1
    }
    j |= bit
    if i < j {
      real.swapAt(i, j)
      imaginary.swapAt(i, j)
    }
  }
  var length = 2
  let sign = inverse ? 1.0 : -1.0
  while length <= n {
    let angle = sign * 2 * Double.pi / Double(length)
    let wr = cos(angle), wi = sin(angle)
    var start = 0
    while start < n {
      var cr = 1.0, ci = 0.0
      for k in 0..<(length / 2) {
        let a = start + k, b = a + length / 2
        let tr = real[b] * cr - imaginary[b] * ci
        let ti = real[b] * ci + imaginary[b] * cr
        real[b] = real[a] - tr
        imaginary[b] = imaginary[a] - ti
        real[a] += tr
        imaginary[a] += ti
        let next = cr * wr - ci * wi
        ci = cr * wi + ci * wr
        cr = next
      }
      start += length
    }
    length <<= 1
  }
}

/// The autocorrelation sums `A(τ) = Σ_{t=0}^{T−1−τ} x_t x_{t+τ}` for τ = 0…maxLag, by the
/// Wiener–Khinchin theorem: zero-pad x to M ≥ 2T (a power of two, so the circular correlation
/// equals the linear one), A = IFFT(|FFT(x)|²) / M. O(M log M) instead of O(T · maxLag).
/// - Parameters:
///   - x: the series, [T].
///   - maxLag: largest τ (clamped to T − 1).
/// - Returns: A(τ), [min(maxLag, T − 1) + 1]; empty for an empty series.
public func autocorrelationSums(_ x: [Double], maxLag: Int) -> [Double] {
  let t = x.count
  guard t > 0 else { return [] }
  let lags = min(max(maxLag, 0), t - 1)
  var m = 1
  while m < 2 * t { m <<= 1 }
  var re = x + Array(repeating: 0, count: m - t)
  var im = Array(repeating: 0.0, count: m)
  fourierTransform(real: &re, imaginary: &im)
  for k in 0..<m {
    re[k] = re[k] * re[k] + im[k] * im[k]
    im[k] = 0
  }
  fourierTransform(real: &re, imaginary: &im, inverse: true)
  return (0...lags).map { re[$0] / Double(m) }
}
