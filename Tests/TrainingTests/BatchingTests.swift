import Testing
@testable import Training

@Suite struct BatchingTests {
  let sizes = (0..<40).map { [4, 8, 4, 32, 6][$0 % 5] }

  @Test func everyStructureOnceAndReproducible() {
    let a = balancedBatches(Array(0..<40), atomCounts: sizes, batchSize: 4, seed: 11)
    let b = balancedBatches(Array(0..<40), atomCounts: sizes, batchSize: 4, seed: 11)
    let c = balancedBatches(Array(0..<40), atomCounts: sizes, batchSize: 4, seed: 12)
    #expect(a == b)
    #expect(a != c)
    #expect(a.flatMap { $0 }.sorted() == Array(0..<40))
  }

  @Test func batchesStayNearTheAtomTarget() {
    let batches = balancedBatches(Array(0..<40), atomCounts: sizes, batchSize: 4, seed: 5)
    let target = Double(sizes.reduce(0, +)) / 40 * 4  // 43.2 atoms
    for b in batches where b.count > 1 {
      #expect(Double(b.reduce(0) { $0 + sizes[$1] }) <= target + 1e-9)
    }
    // Without balancing, 4 structures could hold 4 × 32 = 128 atoms.
    #expect(batches.map { $0.reduce(0) { $0 + sizes[$1] } }.max()! <= 43 || batches.contains { $0.count == 1 })
  }

  @Test func unshuffledKeepsOrder() {
    let batches = balancedBatches([3, 1, 2], atomCounts: [1, 1, 1, 1], batchSize: 2, seed: nil)
    #expect(batches == [[3, 1], [2]])
  }

  @Test func splitByAtomsBalancesLoads() {
    let counts = [10, 3, 7, 5, 5, 2]
    let parts = splitByAtoms([0, 1, 2, 3, 4, 5], atomCounts: counts, parts: 2)
    #expect(parts.count == 2)
    #expect(parts.flatMap { $0 }.sorted() == [0, 1, 2, 3, 4, 5])
    let loads = parts.map { $0.reduce(0) { $0 + counts[$1] } }
    // By hand: 10→A, 7→B, 5→B (12), 5→A (15), 3→B (15), 2→A (tie goes to A): 17 and 15.
    #expect(loads == [17, 15])
    #expect(splitByAtoms([4], atomCounts: counts, parts: 2) == [[4]])
  }
}
