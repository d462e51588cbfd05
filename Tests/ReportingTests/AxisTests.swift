import Testing
@testable import Reporting

@Suite struct AxisTests {
  @Test func niceNumbersFollowOneTwoFive() {
    #expect(niceNumber(0.37, round: true) == 0.5)
    #expect(niceNumber(13, round: false) == 20)
    #expect(niceNumber(13, round: true) == 10)
    #expect(niceNumber(2.9, round: true) == 2)
    #expect(niceNumber(3.1, round: false) == 5)
    #expect(niceNumber(700, round: true) == 1000)
  }

  @Test func ticksCoverTheRangeWithANiceStep() {
    let t = niceTicks(lower: 0.13, upper: 0.92)
    let expected = [0.0, 0.2, 0.4, 0.6, 0.8, 1.0]
    #expect(t.count == expected.count)
    for (a, b) in zip(t, expected) { #expect(abs(a - b) < 1e-12) }
    // Range 249 → nice range 500 → step niceNumber(100) = 100.
    let u = niceTicks(lower: -37, upper: 212)
    #expect(u == [-100, 0, 100, 200, 300])
  }

  @Test func degenerateRangeStillGivesTicks() {
    let t = niceTicks(lower: 5, upper: 5)
    #expect(t.count >= 2 && t.first! < 5 && t.last! > 5)
  }

  @Test func logTicksAreDecades() {
    let t = logTicks(lower: 0.003, upper: 42)
    #expect(t == [0.001, 0.01, 0.1, 1, 10, 100].map { $0 })
  }

  @Test func fractionMapsEndsToZeroAndOne() {
    let a = Axis(lower: -2, upper: 6)
    #expect(a.fraction(-2) == 0)
    #expect(a.fraction(6) == 1)
    #expect(a.fraction(0) == 0.25)
    #expect(a.fraction(.nan) == nil)
    let l = Axis(lower: 0.01, upper: 100, scale: .log)
    #expect(abs(l.fraction(1)! - 0.5) < 1e-12)
    #expect(l.fraction(0) == nil)
    #expect(l.fraction(-1) == nil)
  }

  @Test func tickLabelsUseTheDecimalsTheStepNeeds() {
    let a = Axis(lower: 0, upper: 1, ticks: [0, 0.25, 0.5, 0.75, 1])
    #expect(a.label(0.25) == "0.25")
    #expect(a.label(1) == "1.00")
    let b = Axis(lower: 0, upper: 400, ticks: [0, 100, 200, 300, 400])
    #expect(b.label(300) == "300")
    let l = Axis(lower: 1e-6, upper: 1, scale: .log)
    #expect(l.label(1e-6) == "1e-6")
    #expect(l.label(0.01) == "0.01")
  }

  @Test func binningCountsByHand() {
    let b = Binning([0, 0.1, 0.5, 0.99, 1, 2, 3, 4, .nan, 7], bins: 4, range: 0...4)
    // bins [0,1) [1,2) [2,3) [3,4]; 7 and NaN are outside.
    #expect(b.counts == [4, 1, 1, 2])
    #expect(b.edges == [0, 1, 2, 3, 4])
  }
}
