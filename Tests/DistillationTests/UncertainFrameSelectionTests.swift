import Distillation
import Testing

/// The query-by-committee rule: only frames inside the trust window [low, high) are chosen.
@Suite struct UncertainFrameSelectionTests {
  let deviations = [0.01, 0.05, 0.08, 0.149, 0.15, 0.4, 0.12, 0.049]

  @Test func choosesExactlyTheFramesInsideTheTrustWindow() {
    let chosen = selectUncertainFrames(deviations: deviations, low: 0.05, high: 0.15, limit: 100, seed: 0)
    // 0.05 is inside (the lower edge is closed), 0.15 is outside (the upper edge is open).
    #expect(chosen == [1, 2, 3, 6])
  }

  @Test func aLimitPicksAReproducibleSubsetOfTheWindow() {
    let window: Set<Int> = [1, 2, 3, 6]
    let a = selectUncertainFrames(deviations: deviations, low: 0.05, high: 0.15, limit: 2, seed: 7)
    let b = selectUncertainFrames(deviations: deviations, low: 0.05, high: 0.15, limit: 2, seed: 7)
    #expect(a == b)
    #expect(a.count == 2)
    #expect(Set(a).isSubset(of: window))
    #expect(a == a.sorted())
    // Over many seeds every frame of the window is picked sometimes.
    var seen: Set<Int> = []
    for seed in 0..<64 as Range<UInt64> {
      seen.formUnion(selectUncertainFrames(deviations: deviations, low: 0.05, high: 0.15, limit: 2, seed: seed))
    }
    #expect(seen == window)
  }

  @Test func nothingInsideTheWindowChoosesNothing() {
    #expect(selectUncertainFrames(deviations: [0.0, 0.2, 0.3], low: 0.05, high: 0.15, limit: 10, seed: 1).isEmpty)
  }
}
