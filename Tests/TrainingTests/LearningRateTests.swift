import Foundation
import Testing
@testable import Training

/// The learning rate the trainer uses (`Trainer.learningRate`), at known steps and times;
/// every expected value is worked out by hand from the formula in its doc comment.
@Suite struct TrainerLearningRateTests {
  /// η₀ = 1e-3, η_min = 0.01 η₀ = 1e-5, w = 10 warm-up steps, 110 planned steps.
  func setup(_ schedule: ScheduleKind = .cosine, maxTime: Double? = nil) -> (TrainingConfiguration, TrainingState) {
    var c = TrainingConfiguration()
    c.learningRate = 1e-3
    c.minimumLearningRateFactor = 0.01
    c.schedule = schedule
    c.maxTime = maxTime
    let state = TrainingState(plateau: ReduceOnPlateau(factor: 0.5, patience: 0), plannedSteps: 110, warmupSteps: 10)
    return (c, state)
  }

  func rate(_ c: TrainingConfiguration, _ state: TrainingState, step: Int, elapsed: Double = 0) -> Double {
    var s = state
    s.step = step
    return Trainer.learningRate(configuration: c, state: s, elapsed: elapsed)
  }

  @Test func warmUpIsLinearInStepsThenCosineOverTheRemainingSteps() {
    let (c, s) = setup()
    #expect(abs(rate(c, s, step: 0) - 1e-4) < 1e-18)  // (0 + 1) / 10 · η₀
    #expect(abs(rate(c, s, step: 4) - 5e-4) < 1e-18)  // 5 / 10 · η₀
    #expect(abs(rate(c, s, step: 9) - 1e-3) < 1e-18)  // the last warm-up step reaches η₀
    #expect(abs(rate(c, s, step: 10) - 1e-3) < 1e-18)  // p = 0
    #expect(abs(rate(c, s, step: 60) - 0.505e-3) < 1e-15)  // p = ½: 1e-5 + 0.99e-3 · ½
    #expect(abs(rate(c, s, step: 110) - 1e-5) < 1e-18)  // p = 1: η_min
    #expect(abs(rate(c, s, step: 500) - 1e-5) < 1e-18)  // past the plan: stays at η_min
  }

  @Test func aTimeBudgetShortensWarmUpAndDrivesTheDecayWhenItIsFurtherAlong() {
    let (c, s) = setup(maxTime: 100)  // warm-up by time ends at 5 s
    // Step 0 after 2.5 s: max(1/10, 2.5 / 5) = ½.
    #expect(abs(rate(c, s, step: 0, elapsed: 2.5) - 0.5e-3) < 1e-18)
    // Step 0 after 1 s: max(1/10, 1 / 5) = 1/5.
    #expect(abs(rate(c, s, step: 0, elapsed: 1) - 0.2e-3) < 1e-18)
    // Step 1 after 10 s: warm-up over by time; p = max((1 − 10)/100, (10 − 5)/95) = 1/19,
    // η = 1e-5 + 0.99e-3 · ½ (1 + cos(π/19)) = 9.932488451843476e-4.
    #expect(abs(rate(c, s, step: 1, elapsed: 10) - 9.932488451843476e-4) < 1e-15)
    // Step 20 (p by steps 0.1) after 52.5 s (p by time (52.5 − 5)/95 = ½): time wins.
    #expect(abs(rate(c, s, step: 20, elapsed: 52.5) - 0.505e-3) < 1e-15)
    // Step 60 (p by steps ½) after 6 s (p by time 1/95): steps win.
    #expect(abs(rate(c, s, step: 60, elapsed: 6) - 0.505e-3) < 1e-15)
  }

  @Test func plateauScheduleScalesTheWarmedUpRate() {
    var (c, s) = setup(.plateau)
    #expect(abs(rate(c, s, step: 2) - 3e-4) < 1e-18)  // 3 / 10 · η₀ · 1
    #expect(abs(rate(c, s, step: 20) - 1e-3) < 1e-18)
    s.plateau.record(1.0)
    s.plateau.record(1.0)  // no improvement, patience 0: the scale halves
    #expect(s.plateau.scale == 0.5)
    #expect(abs(rate(c, s, step: 2) - 1.5e-4) < 1e-18)  // 3 / 10 · η₀ · ½
    #expect(abs(rate(c, s, step: 20) - 0.5e-3) < 1e-18)
    c.maxTime = 100
    #expect(abs(rate(c, s, step: 0, elapsed: 2.5) - 0.25e-3) < 1e-18)  // ½ (time) · η₀ · ½
  }
}
