import Autodiff
import Foundation
@testable import PaiNN
import Testing

/// Every radial basis, through the protocol: the scalar form against the tensor form, the
/// derivative against a central finite difference, and the closed formulas.
@Suite struct RadialBasisTests {
  static let distances: [Double] = [0.31, 0.9, 1.7, 2.45, 3.3, 4.2, 4.999]

  @Test(arguments: RadialBasisKind.allCases, [1, 8, 20])
  func scalarFormEqualsTensorForm(kind: RadialBasisKind, count: Int) {
    let basis = kind.basis(count: count, cutoff: 5.0)
    #expect(basis.count == count)
    let expanded = basis.expand(Tensor<Double>(shape: [Self.distances.count, 1], scalars: Self.distances)).scalars
    var values = [Double](repeating: .nan, count: count)
    for (e, d) in Self.distances.enumerated() {
      values.withUnsafeMutableBufferPointer { basis.values(at: d, into: $0.baseAddress!, derivatives: nil) }
      for n in 0..<count {
        #expect(abs(values[n] - expanded[e * count + n]) <= 1e-13 * max(1, abs(values[n])), "\(kind) φ_\(n + 1)(\(d))")
      }
    }
  }

  @Test(arguments: RadialBasisKind.allCases)
  func derivativeIsTheFiniteDifference(kind: RadialBasisKind) {
    let basis = kind.basis(count: 20, cutoff: 5.0)
    let h = 1e-6
    var v = [Double](repeating: 0, count: 20), dv = v, plus = v, minus = v
    for d in Self.distances {
      v.withUnsafeMutableBufferPointer { p in
        dv.withUnsafeMutableBufferPointer { basis.values(at: d, into: p.baseAddress!, derivatives: $0.baseAddress!) }
      }
      plus.withUnsafeMutableBufferPointer { basis.values(at: d + h, into: $0.baseAddress!, derivatives: nil) }
      minus.withUnsafeMutableBufferPointer { basis.values(at: d - h, into: $0.baseAddress!, derivatives: nil) }
      for n in 0..<20 {
        let numeric = (plus[n] - minus[n]) / (2 * h)
        #expect(abs(dv[n] - numeric) <= 1e-7 * max(1, abs(numeric)), "\(kind) φ'_\(n + 1)(\(d)): \(dv[n]) vs \(numeric)")
      }
    }
  }

  /// The sine basis's recurrence reproduces sin(nπd/r_c)/d evaluated directly, up to n = 64.
  @Test func sineRecurrenceMatchesTheClosedForm() {
    let basis = SineBasis(count: 64, cutoff: 6.0)
    var v = [Double](repeating: 0, count: 64)
    for d in Self.distances {
      v.withUnsafeMutableBufferPointer { basis.values(at: d, into: $0.baseAddress!, derivatives: nil) }
      for n in 1...64 {
        let exact = sin(Double(n) * .pi * d / 6.0) / d
        #expect(abs(v[n - 1] - exact) < 1e-12, "φ_\(n)(\(d)): \(v[n - 1]) vs \(exact)")
      }
    }
  }

  /// The Gaussian basis: centres on an even grid over [0, r_c], width the spacing.
  /// The basis and the cosine cutoff evaluated together (the sine basis sharing its sine and
  /// cosine with the cutoff) give exactly what the two give apart, inside the cutoff and
  /// beyond it; and the cutoff is ½(cos(πd/r_c) + 1) with derivative −(π/2r_c) sin(πd/r_c).
  @Test(arguments: RadialBasisKind.allCases)
  func basisAndCutoffTogetherEqualApart(kind: RadialBasisKind) {
    let rc = 5.0, n = 20
    let basis = kind.basis(count: n, cutoff: rc)
    var phi = [Double](repeating: 0, count: n), dphi = phi, phi2 = phi, dphi2 = phi
    for d in stride(from: 0.3, through: 6.0, by: 0.0137) {
      let together = basis.valuesAndCutoff(at: d, into: &phi, derivatives: &dphi)
      basis.values(at: d, into: &phi2, derivatives: &dphi2)
      let apart = cosineCutoff(d, cutoff: rc)
      #expect(phi == phi2 && dphi == dphi2, "d = \(d)")
      #expect(together.value == apart.value && together.derivative == apart.derivative, "d = \(d)")
      let expected = d < rc ? ((cos(Double.pi * d / rc) + 1) / 2, -Double.pi / (2 * rc) * sin(Double.pi * d / rc)) : (0, 0)
      #expect(abs(together.value - expected.0) < 1e-15 && abs(together.derivative - expected.1) < 1e-15, "d = \(d)")
    }
  }

  @Test func gaussianCentresAndWidth() {
    let basis = GaussianBasis(count: 5, cutoff: 4.0)
    #expect(basis.centres == [0, 1, 2, 3, 4])
    #expect(basis.width == 1)
    var v = [Double](repeating: 0, count: 5)
    v.withUnsafeMutableBufferPointer { basis.values(at: 2.0, into: $0.baseAddress!, derivatives: nil) }
    #expect(abs(v[2] - 1) < 1e-15)
    #expect(abs(v[1] - exp(-0.5)) < 1e-15)
    #expect(GaussianBasis(count: 1, cutoff: 4).centres == [0])
    #expect(GaussianBasis(count: 1, cutoff: 4).width == 4)
  }
}
