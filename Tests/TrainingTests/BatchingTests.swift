import Foundation
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

  /// 10-atom molecules mixed with 2,000-atom boxes, as in a data set of small molecules and a
  /// few large structures.
  let mixed = (0..<60).map { $0 % 10 == 3 ? 2000 : 10 }

  @Test func atomBudgetCapsEveryBatchOfSeveralStructures() {
    for seed: UInt64 in [1, 2, 3] {
      let batches = balancedBatches(Array(0..<60), atomCounts: mixed, batchSize: 8, maxAtoms: 1000, seed: seed)
      #expect(batches.flatMap { $0 }.sorted() == Array(0..<60), "every structure exactly once per epoch")
      for b in batches {
        let atoms = b.reduce(0) { $0 + mixed[$1] }
        if b.count > 1 {
          #expect(atoms <= 1000, "batch \(b) holds \(atoms) atoms")
        } else {
          #expect(atoms <= 1000 || mixed[b[0]] > 1000)
        }
        // A 2,000-atom box is alone in its batch: it is over the budget by itself.
        if b.contains(where: { mixed[$0] == 2000 }) { #expect(b.count == 1) }
      }
      #expect(batches == balancedBatches(Array(0..<60), atomCounts: mixed, batchSize: 8, maxAtoms: 1000, seed: seed))
    }
    // Different seeds, different orders.
    #expect(balancedBatches(Array(0..<60), atomCounts: mixed, batchSize: 8, maxAtoms: 1000, seed: 1)
      != balancedBatches(Array(0..<60), atomCounts: mixed, batchSize: 8, maxAtoms: 1000, seed: 2))
  }

  @Test func withoutABudgetLargeStructuresShareBatches() {
    // Mean 209 atoms × 16 structures = 3,344 atoms: without a cap a batch may hold a 2,000-atom
    // box and 100 molecules; the cap of 500 atoms splits them (by hand: at most 50 molecules).
    let free = balancedBatches(Array(0..<60), atomCounts: mixed, batchSize: 16, seed: 4)
    #expect(free.map { $0.reduce(0) { $0 + mixed[$1] } }.max()! > 2000)
    let capped = balancedBatches(Array(0..<60), atomCounts: mixed, batchSize: 16, maxAtoms: 500, seed: 4)
    #expect(capped.map { $0.reduce(0) { $0 + mixed[$1] } }.max()! == 2000)
    #expect(capped.filter { $0.count > 1 }.allSatisfy { $0.count <= 50 })
  }

  @Test func aBudgetAboveTheTargetChangesNothing() {
    // Target 4 × 10.8 = 43.2 atoms: a budget of 1,000 atoms does not bind.
    #expect(balancedBatches(Array(0..<40), atomCounts: sizes, batchSize: 4, maxAtoms: 1000, seed: 9)
      == balancedBatches(Array(0..<40), atomCounts: sizes, batchSize: 4, seed: 9))
  }

  @Test func evaluationChunksRespectBothLimits() {
    // By hand: [10, 10, 2000, 10, 10, 10] with 3 structures / 1,000 atoms per call.
    let chunks = evaluationChunks(atomCounts: [10, 10, 2000, 10, 10, 10], batchSize: 3, maxAtoms: 1000)
    #expect(chunks == [0..<2, 2..<3, 3..<6])
    #expect(evaluationChunks(atomCounts: [10, 10, 2000, 10], batchSize: 32, maxAtoms: nil) == [0..<4])
    #expect(evaluationChunks(atomCounts: [5, 5, 5], batchSize: 2, maxAtoms: nil) == [0..<2, 2..<3])
    #expect(evaluationChunks(atomCounts: [], batchSize: 2, maxAtoms: 10).isEmpty)
  }

  @Test func theAtomBudgetIsSavedAndOldConfigurationsReadWithout() throws {
    var c = TrainingConfiguration()
    c.maxBatchAtoms = 4096
    let data = try JSONEncoder().encode(c)
    #expect(try JSONDecoder().decode(TrainingConfiguration.self, from: data).maxBatchAtoms == 4096)
    // A configuration written before the budget existed has no key: no cap.
    var object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    object["maxBatchAtoms"] = nil
    let old = try JSONSerialization.data(withJSONObject: object)
    #expect(try JSONDecoder().decode(TrainingConfiguration.self, from: old).maxBatchAtoms == nil)
    c.maxBatchAtoms = 0
    #expect(c.problem?.contains("--max-batch-atoms") == true)
  }
}
