import Foundation
import Testing
@testable import Datasets

@Suite("Random splits")
struct DatasetSplitsTests {
  @Test("splits equal those of an independent implementation of the documented algorithm")
  func knownSplits() {
    let a = DatasetSplits.random(count: 20, fractions: (0.7, 0.15, 0.15), seed: 7)
    #expect(a.train == [0, 1, 2, 3, 4, 6, 7, 8, 9, 10, 11, 12, 18, 19])
    #expect(a.validation == [13, 16, 17])
    #expect(a.test == [5, 14, 15])
    // Fractions summing to less than 1 leave structures out.
    let b = DatasetSplits.random(count: 10, fractions: (0.5, 0.2, 0.1), seed: 123)
    #expect(b.train == [4, 5, 6, 7, 9] && b.validation == [0, 2] && b.test == [3])
  }

  @Test("the same seed gives the same splits; another seed other splits; all disjoint and complete",
        arguments: [0, 1, 2, 7, 100, 1001])
  func reproducible(count: Int) throws {
    let first = DatasetSplits.random(count: count, fractions: .standard, seed: 11)
    let again = DatasetSplits.random(count: count, fractions: .standard, seed: 11)
    #expect(first == again)
    try first.validate(count: count)
    #expect((first.train + first.validation + first.test).sorted() == Array(0..<count))
    #expect(first.validation.count == Int((Double(count) * 0.1).rounded()))
    #expect(first.test.count == Int((Double(count) * 0.1).rounded()))
    if count >= 100 {
      #expect(DatasetSplits.random(count: count, fractions: .standard, seed: 12) != first)
    }
  }

  @Test("fractions are parsed and checked")
  func parsing() throws {
    #expect(try SplitFractions(parsing: "0.8, 0.1,0.1") == .standard)
    for bad in ["0.8,0.1", "a,b,c", "0.9,0.2,0.1", "-0.1,0.5,0.5", "0.8,0.1,0.1,0"] {
      #expect(throws: DatasetError.self, "\(bad)") { try SplitFractions(parsing: bad) }
    }
  }
}
