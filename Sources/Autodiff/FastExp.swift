// A vectorised exponential for Float (Cephes' expf polynomial, relative error ≈ 2 ulp),
// used by exp, sigmoid and SiLU. Double keeps the C library's exp.

/// Writes `y[i] = exp(x[i])` with SIMD when `S` is Float and returns true; returns false
/// (leaving `y` untouched) for other scalar types. `x` and `y` may be the same buffer.
@inline(__always)
func fastExp<S: TensorScalar>(_ x: UnsafePointer<S>, _ y: UnsafeMutablePointer<S>, _ n: Int) -> Bool {
  guard S.self == Float.self else { return false }
  let xf = UnsafeRawPointer(x).assumingMemoryBound(to: Float.self)
  let yf = UnsafeMutableRawPointer(y).assumingMemoryBound(to: Float.self)
  var i = 0
  while i + 8 <= n {
    let v = UnsafeRawPointer(xf + i).loadUnaligned(as: SIMD8<Float>.self)
    UnsafeMutableRawPointer(yf + i).storeBytes(of: expSIMD8(v), as: SIMD8<Float>.self)
    i += 8
  }
  while i < n {
    yf[i] = Float.exp(xf[i])
    i += 1
  }
  return true
}

/// exp(x) for eight Floats: x = n·ln2 + r with |r| ≤ ln2/2, exp(r) by a degree-6 polynomial,
/// 2^n by building the exponent bits. Saturates to 0 below −87.3 and to +∞ above 88.7; NaN
/// stays NaN.
@inline(__always)
func expSIMD8(_ x: SIMD8<Float>) -> SIMD8<Float> {
  let hi = SIMD8<Float>(repeating: 88.72283)
  let lo = SIMD8<Float>(repeating: -87.33654)
  var v = x.replacing(with: hi, where: x .> hi)
  v = v.replacing(with: lo, where: v .< lo)
  // Round v/ln2 to the nearest integer with the 1.5·2²³ trick (no trapping conversion).
  let magic = SIMD8<Float>(repeating: 12582912)
  let t = v * 1.442695040888963 + magic
  let nf = t - magic
  var r = v - nf * 0.693359375
  r = r + nf * 2.12194440e-4
  // Cephes expf coefficients
  var p = SIMD8<Float>(repeating: 1.9875691500e-4)
  p = p * r + 1.3981999507e-3
  p = p * r + 8.3334519073e-3
  p = p * r + 4.1665795894e-2
  p = p * r + 1.6666665459e-1
  p = p * r + 5.0000001201e-1
  p = p * r * r + r + 1
  // 2^n: n in [-126, 128]; split as 2^(n/2)·2^(n − n/2) so that n = 128 does not overflow early.
  let n = unsafeBitCast(t, to: SIMD8<Int32>.self) &- 0x4B40_0000
  let n1 = n &>> 1
  let n2 = n &- n1
  let s1 = unsafeBitCast((n1 &+ 127) &<< 23, to: SIMD8<Float>.self)
  let s2 = unsafeBitCast((n2 &+ 127) &<< 23, to: SIMD8<Float>.self)
  var result = p * s1 * s2
  result = result.replacing(with: SIMD8<Float>(repeating: 0), where: x .< lo)
  result = result.replacing(with: SIMD8<Float>(repeating: .infinity), where: x .> hi)
  result = result.replacing(with: x, where: x .!= x)
  return result
}
