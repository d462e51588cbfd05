import Foundation

// Draws built on any 64-bit generator. Each is written out here, instead of using the standard
// library's `random(in:using:)` or `shuffle(using:)`, whose algorithms Swift does not promise to
// keep: a seed gives the same integers, permutations and uniforms on every platform and Swift
// version. Normals also call `log`, `cos` and `sin`, which may differ in the last bit between C
// libraries.

extension RandomNumberGenerator {
  /// A uniform integer in `0..<bound`, without modulo bias, by Lemire's nearly divisionless
  /// method (D. Lemire, "Fast random integer generation in an interval", ACM TOMACS 29, 2019):
  ///
  ///     m = x · n  (128-bit product of a 64-bit draw x and n = bound)
  ///     if low64(m) < n: t = (2⁶⁴ − n) mod n; redraw x while low64(m) < t
  ///     return high64(m)      (= ⌊x · n / 2⁶⁴⌋)
  ///
  /// Every result has probability exactly 1/n; a redraw happens with probability
  /// t/2⁶⁴ < n/2⁶⁴, and the division only then. Plain `x mod n` instead favours the first
  /// 2⁶⁴ mod n values.
  /// - Parameter bound: n > 0.
  /// - Returns: an integer in `0..<bound`.
  @inlinable
  public mutating func next(below bound: Int) -> Int {
    precondition(bound > 0, "next(below:) needs a positive bound, got \(bound)")
    return Int(next(below: UInt64(bound)))
  }

  /// `next(below:)` on 64-bit words, for bounds above `Int.max`. - Parameter bound: n > 0.
  @inlinable
  public mutating func next(below bound: UInt64) -> UInt64 {
    precondition(bound > 0, "next(below:) needs a positive bound")
    var m = (next() as UInt64).multipliedFullWidth(by: bound)
    if m.low < bound {
      let t = (0 &- bound) % bound
      while m.low < t { m = (next() as UInt64).multipliedFullWidth(by: bound) }
    }
    return m.high
  }

  /// A uniform double in [0, 1): the top 53 bits of one draw times 2⁻⁵³, so every multiple of
  /// 2⁻⁵³ in [0, 1) has probability 2⁻⁵³.
  @inlinable
  public mutating func nextUniform() -> Double {
    Double((next() as UInt64) >> 11) * 0x1.0p-53
  }

  /// A uniform double in the closed interval [a, b]: `a + (b − a) · k · 2⁻⁵³` with k uniform in
  /// `0...2⁵³` (`next(below: 2⁵³ + 1)`), and exactly `b` when k = 2⁵³. Both ends are reachable.
  /// This is the mapping of the Swift 5–6 standard library's `Double.random(in:using:)` for a
  /// closed range, written out so that it stays fixed.
  /// - Parameter range: finite bounds with a finite width b − a.
  @inlinable
  public mutating func nextUniform(in range: ClosedRange<Double>) -> Double {
    precondition(range.upperBound.isFinite && (range.upperBound - range.lowerBound).isFinite,
                 "nextUniform(in:) needs a finite range, got \(range)")
    let k = next(below: ((1 as UInt64) << 53) + 1)
    if k == (1 as UInt64) << 53 { return range.upperBound }
    return (range.upperBound - range.lowerBound) * (Double(k) * 0x1.0p-53) + range.lowerBound
  }

  /// A standard normal number (mean 0, variance 1) by Box–Muller (`boxMuller`) from
  /// u₁ = 1 − `nextUniform()` ∈ (0, 1] and then u₂ = `nextUniform()` ∈ [0, 1); the sine partner
  /// is discarded, so each normal costs two draws.
  @inlinable
  public mutating func nextNormal() -> Double {
    let u1 = 1 - nextUniform()
    let u2 = nextUniform()
    return boxMuller(u1, u2)
  }

  /// Two independent standard normal numbers from the same two uniforms as `nextNormal()`:
  /// `(√(−2 ln u₁) cos 2πu₂, √(−2 ln u₁) sin 2πu₂)`. The first equals what `nextNormal()` would
  /// have returned.
  @inlinable
  public mutating func nextNormalPair() -> (Double, Double) {
    let u1 = 1 - nextUniform()
    let u2 = nextUniform()
    let r = (-2 * log(u1)).squareRoot()
    return (r * cos(2 * Double.pi * u2), r * sin(2 * Double.pi * u2))
  }

  /// A uniformly random permutation of `0..<count`: `shuffle` applied to `[0, 1, …, count−1]`.
  /// - Parameter count: ≥ 0.
  public mutating func permutation(of count: Int) -> [Int] {
    precondition(count >= 0, "permutation(of:) needs a count ≥ 0, got \(count)")
    var order = Array(0..<count)
    shuffle(&order)
    return order
  }

  /// Shuffles `elements` uniformly (Fisher–Yates, Durstenfeld's form): for i from n−1 down to
  /// 1, swap positions i and j with j = `next(below: i + 1)`. Each of the n! orders has
  /// probability 1/n!.
  public mutating func shuffle<Element>(_ elements: inout [Element]) {
    var i = elements.count - 1
    while i > 0 {
      elements.swapAt(i, next(below: i + 1))
      i -= 1
    }
  }
}

/// The Box–Muller transform (Box & Muller, Ann. Math. Statist. 29, 1958): for independent
/// u₁ ∈ (0, 1] and u₂ ∈ [0, 1) uniform, `√(−2 ln u₁) · cos(2π u₂)` is standard normal.
/// u₁ = 1 gives 0; u₁ = 2⁻⁵³, the smallest value the draws here produce, gives |z| ≤ 8.57.
/// - Parameters:
///   - u1: in (0, 1] (0 would give an infinite value).
///   - u2: in [0, 1).
@inlinable
public func boxMuller(_ u1: Double, _ u2: Double) -> Double {
  (-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2)
}
