import Atomistic
import Foundation
import Potentials
import Testing
@testable import Dynamics

/// A 64-bit linear congruential generator for reproducible test data, uniform in [−1, 1].
struct TestDraws {
  var state: UInt64
  mutating func next() -> Double {
    state = state &* 6364136223846793005 &+ 1442695040888963407
    return Double(state >> 11) / Double(1 << 53) * 2 - 1
  }
}

@Suite struct VibrationalSpectrumTests {
  @Test func fftEqualsTheDirectSumAndInvertsIt() {
    var draws = TestDraws(state: 5)
    let n = 16
    let re = (0..<n).map { _ in draws.next() }, im = (0..<n).map { _ in draws.next() }
    var fr = re, fi = im
    fourierTransform(real: &fr, imaginary: &fi)
    for k in 0..<n {
      var sr = 0.0, si = 0.0
      for t in 0..<n {
        let angle = -2 * Double.pi * Double(k * t) / Double(n)
        sr += re[t] * cos(angle) - im[t] * sin(angle)
        si += re[t] * sin(angle) + im[t] * cos(angle)
      }
      #expect(abs(fr[k] - sr) < 1e-12 && abs(fi[k] - si) < 1e-12)
    }
    fourierTransform(real: &fr, imaginary: &fi, inverse: true)
    for t in 0..<n { #expect(abs(fr[t] / Double(n) - re[t]) < 1e-13 && abs(fi[t] / Double(n) - im[t]) < 1e-13) }
  }

  @Test func wienerKhinchinEqualsTheBruteForceAutocorrelation() {
    var draws = TestDraws(state: 9)
    for length in [1, 2, 37, 64] {
      let x = (0..<length).map { _ in draws.next() }
      let fast = autocorrelationSums(x, maxLag: 20)
      #expect(fast.count == min(20, length - 1) + 1)
      for tau in fast.indices {
        var brute = 0.0
        for t in 0..<(length - tau) { brute += x[t] * x[t + tau] }
        #expect(abs(fast[tau] - brute) < 1e-11)
      }
    }
  }

  @Test func massWeightedVACFEqualsTheBruteForceAverage() {
    var draws = TestDraws(state: 17)
    let masses = [1.008, 12.011, 15.999]
    let frames = (0..<30).map { _ in (0..<3).map { _ in SIMD3(draws.next(), draws.next(), draws.next()) } }
    let c = velocityAutocorrelation(frames, masses: masses, maxLag: 10)
    func brute(_ tau: Int) -> Double {
      var sum = 0.0
      for t in 0..<(30 - tau) {
        for i in 0..<3 { sum += masses[i] * (frames[t][i] * frames[t + tau][i]).sum() }
      }
      return sum / Double(30 - tau)
    }
    #expect(c.count == 11 && c[0] == 1)
    for tau in 0...10 { #expect(abs(c[tau] - brute(tau) / brute(0)) < 1e-12) }
  }

  @Test func aHarmonicVelocityPeaksAtItsWavenumber() throws {
    // v(t) = cos(ω t + φ_i) with ν̃ = 1500 cm⁻¹, sampled every 2 fs for 2 ps.
    let wavenumber = 1500.0, dt = 2.0
    let omega = 2 * Double.pi * VibrationalSpectrum.speedOfLight * wavenumber
    let frames = (0..<1000).map { k in
      (0..<2).map { i in SIMD3(cos(omega * Double(k) * dt + Double(i)), 0.5 * sin(omega * Double(k) * dt), 0) }
    }
    let spectrum = try #require(VibrationalSpectrum(velocities: frames, masses: [1, 16], interval: dt))
    #expect(abs(spectrum.peakWavenumber - wavenumber) <= 10)
    #expect(spectrum.peakWavenumber(above: 1000) == spectrum.peakWavenumber)
    #expect(spectrum.peaks(above: 1000, count: 1) == [spectrum.peakWavenumber])
    // Unit area, and identical spectra overlap fully.
    #expect(abs(trapezoid(spectrum.density, spectrum.wavenumbers) - 1) < 1e-12)
    #expect(abs(spectrum.overlap(with: spectrum) - 1) < 1e-12)
    // Little weight far from the peak.
    let far = zip(spectrum.wavenumbers, spectrum.density).filter { abs($0.0 - wavenumber) > 300 }.map(\.1)
    #expect(far.max()! < 0.02 * spectrum.density.max()!)
  }

  @Test func aMorseDiatomicVibratesAtItsHarmonicFrequency() throws {
    // A CO-like Morse bond: k = 2Dα², ω = √(k/μ); stretched by 0.01 Å and let go (NVE).
    let depth = 4.0, alpha = 2.0, r0 = 1.13
    let molecule = Structure(atomicNumbers: [6, 8], positions: [.zero, SIMD3(r0 + 0.01, 0, 0)])
    let masses = molecule.atomicNumbers.map(Elements.mass)
    let mu = masses[0] * masses[1] / (masses[0] + masses[1])
    let omega = (2 * depth * alpha * alpha * Units.accelerationFactor / mu).squareRoot()  // rad/fs
    let expected = omega / (2 * Double.pi * VibrationalSpectrum.speedOfLight)
    let potential = Morse(depth: depth, alpha: alpha, equilibriumDistance: r0)
    let integrator = VelocityVerlet(timestep: 0.25)
    var state = MDState(structure: molecule)
    try integrator.prepare(&state, potential: potential)
    var frames: [[SIMD3<Double>]] = [state.velocities]
    _ = try Systems.run(integrator, state, potential: potential, steps: 8000, every: 4) { frames.append($0.velocities) }
    let spectrum = try #require(VibrationalSpectrum(velocities: frames, masses: masses, interval: 1))
    #expect(abs(spectrum.peakWavenumber - expected) <= 10, "peak \(spectrum.peakWavenumber) cm⁻¹, expected \(expected)")
  }
}

@Suite struct BondGeometryTests {
  /// Water at its experimental geometry: O–H 0.9572 Å, H–O–H 104.52°.
  let water: Structure = {
    let r = 0.9572, theta = 104.52 * Double.pi / 180
    return Structure(atomicNumbers: [8, 1, 1], positions: [.zero, SIMD3(r, 0, 0), SIMD3(r * cos(theta), r * sin(theta), 0)])
  }()

  @Test func waterHasTwoBondsAndOneAngle() throws {
    let g = try BondGeometry(reference: water)
    #expect(g.bonds.count == 2 && g.bondLabels == ["O–H", "O–H"])
    #expect(g.angles.count == 1 && g.angleLabels == ["H–O–H"] && g.angles[0].vertex == 0)
    for r in g.bondLengths(in: water) { #expect(abs(r - 0.9572) < 1e-12) }
    #expect(abs(g.angleValues(in: water)[0] - 104.52) < 1e-9)
    var d = GeometryDistributions()
    d.add(water, geometry: g)
    d.add(water, geometry: g)
    #expect(d.frames == 2 && d.bondLengths["O–H"]?.count == 4 && d.angles["H–O–H"]?.count == 2)
  }

  @Test func anglesAreMeasuredAcrossPeriodicImages() throws {
    // A linear chain along x through the cell boundary: each atom bonded to both neighbours.
    let chain = Structure(atomicNumbers: [6, 6], positions: [.zero, SIMD3(1.5, 0, 0)],
                          cell: .orthorhombic(3, 10, 10), pbc: [true, false, false])
    let g = try BondGeometry(reference: chain)
    #expect(g.bonds.count == 2)
    #expect(g.angles.count == 2)
    for theta in g.angleValues(in: chain) { #expect(abs(theta - 180) < 1e-6) }
  }

  @Test func stabilityJudgesBondsAgainstTheirMeanLengths() throws {
    // Fu et al.: |r − b| > 0.5 Å with b the mean over the reference run. Frames with the O–H
    // bonds at 1.0 and 1.2 Å give b = 1.1 Å.
    let g = try BondGeometry(reference: water)
    func stretched(_ r: Double) -> Structure {
      var s = water
      s.positions[1] = SIMD3(r, 0, 0)
      return s
    }
    let bonds = g.withMeanLengths(over: [stretched(1.0), stretched(1.2)])
    #expect(abs(bonds[0].referenceLength - 1.1) < 1e-12)
    #expect(abs(bonds[1].referenceLength - (0.9572 + 0.9572) / 2) < 1e-12)
    let monitor = StabilityMonitor(bonds: bonds, criteria: StabilityCriteria())
    // 1.55 Å: 0.45 Å from the mean (stable), though 0.59 Å from the start's 0.9572 Å.
    #expect(monitor.check(MDState(structure: stretched(1.55)), temperature: 300) == nil)
    let fromStart = try StabilityMonitor(reference: water, criteria: StabilityCriteria())
    #expect(fromStart.check(MDState(structure: stretched(1.55)), temperature: 300) != nil)
    // 1.65 Å: 0.55 Å from the mean: unstable, naming the bond.
    guard case .bond(let bond, let length, _)? = monitor.check(MDState(structure: stretched(1.65)), temperature: 300) else {
      Issue.record("a 0.55 Å deviation from the mean length must be unstable")
      return
    }
    #expect(bond.i == 0 && bond.j == 1 && abs(length - 1.65) < 1e-12)
  }
}
