import Testing
@testable import Training

@Suite struct OptimizerTests {
  @Test func adamWMatchesHandComputedSteps() {
    // Two steps of AdamW on one weight, computed by hand from the update rule
    // (w ← w(1 − ηλ) − η m̂/(√v̂ + ε)) with η = 0.1, λ = 0.01, g = 0.5 then −1.
    var adam = AdamW(sizes: [1], weightDecay: 0.01)
    var w: [[Double]] = [[1.0]]
    adam.update(&w, gradients: [[0.5]], learningRate: 0.1)
    #expect(abs(w[0][0] - 0.899000002) < 1e-12)
    adam.update(&w, gradients: [[-1.0]], learningRate: 0.1)
    #expect(abs(w[0][0] - 0.9347113542385653) < 1e-12)
    #expect(adam.step == 2)
  }

  @Test func weightDecayIsDecoupledAndOptional() {
    // A zero gradient leaves only the decay: w ← w (1 − ηλ).
    var decayed = AdamW(sizes: [2, 1], decays: [true, false], weightDecay: 0.5)
    var w: [[Double]] = [[2, -4], [3]]
    decayed.update(&w, gradients: [[0, 0], [0]], learningRate: 0.1)
    #expect(w[0] == [2 * 0.95, -4 * 0.95])
    #expect(w[1] == [3])
  }

  @Test func adamWMinimisesAQuadratic() {
    // f(w) = Σ (w − c)², gradient 2(w − c).
    let c = [1.5, -2.0, 0.25]
    var adam = AdamW(sizes: [3], weightDecay: 0)
    var w: [[Double]] = [[0, 0, 0]]
    for _ in 0..<2000 {
      let g = zip(w[0], c).map { 2 * ($0 - $1) }
      adam.update(&w, gradients: [g], learningRate: 0.01)
    }
    for (a, b) in zip(w[0], c) { #expect(abs(a - b) < 1e-3) }
  }

  @Test func clippingScalesToTheMaximumNorm() {
    var g: [[Double]] = [[3], [4]]
    let norm = clipByGlobalNorm(&g, maximumNorm: 1)
    #expect(norm == 5)
    #expect(abs(g[0][0] - 0.6) < 1e-15 && abs(g[1][0] - 0.8) < 1e-15)
    var small: [[Double]] = [[0.3, 0.4]]
    clipByGlobalNorm(&small, maximumNorm: 1)
    #expect(small == [[0.3, 0.4]])
  }

  @Test func movingAverageByHand() {
    var ema = ExponentialMovingAverage(initial: [[0, 10]], decay: 0.5)
    ema.update([[4, 2]])
    #expect(ema.average == [[2, 6]])
    ema.update([[4, 2]])
    #expect(ema.average == [[3, 4]])
  }

  @Test func warmupThenCosine() {
    let s = WarmupCosine(peak: 1e-3, warmupSteps: 4, minimumFactor: 0.1)
    #expect(abs(s.rate(step: 0, progress: 0) - 0.25e-3) < 1e-15)
    #expect(abs(s.rate(step: 3, progress: 0) - 1e-3) < 1e-15)
    #expect(abs(s.rate(step: 4, progress: 0) - 1e-3) < 1e-15)
    #expect(abs(s.rate(step: 50, progress: 0.5) - 0.55e-3) < 1e-15)
    #expect(abs(s.rate(step: 99, progress: 1) - 1e-4) < 1e-15)
    #expect(abs(s.rate(step: 99, progress: 7) - 1e-4) < 1e-15)
  }

  @Test func plateauReducesAfterPatience() {
    var p = ReduceOnPlateau(factor: 0.5, patience: 2, threshold: 0.01, minimumFactor: 0.2)
    var reduced: [Bool] = []
    for loss in [1.0, 0.995, 1.2, 1.1] { reduced.append(p.record(loss)) }
    // 0.995 is < 1 % better: not an improvement; the third bad epoch exceeds patience 2.
    #expect(reduced == [false, false, false, true])
    #expect(p.scale == 0.5)
    let improvedAgain = p.record(0.5)
    #expect(!improvedAgain)
    for _ in 0..<3 { p.record(0.6) }
    #expect(p.scale == 0.25)
    for _ in 0..<3 { p.record(0.6) }
    #expect(p.scale == 0.2)  // floor
  }
}
