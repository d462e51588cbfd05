import Atomistic
import Foundation
import PaiNN
import Testing
@testable import Training

/// The neighbour graphs kept across epochs give the same graph, loss and gradients, bit for
/// bit, as building each batch's graph anew.
@Suite struct GraphCacheTests {
  func expectSameGraph(_ a: PaiNNGraph, _ b: PaiNNGraph) {
    #expect(a.structureCount == b.structureCount && a.atomCount == b.atomCount && a.atomStart == b.atomStart)
    #expect(a.species == b.species && a.structureIndex == b.structureIndex && a.positions == b.positions)
    #expect(a.centers == b.centers && a.neighbors == b.neighbors && a.edgeStructure == b.edgeStructure)
    #expect(a.cellOffsets == b.cellOffsets && a.volumes == b.volumes && a.fullyPeriodic == b.fullyPeriodic)
  }

  @Test func concatenatedGraphsEqualTheBatchGraph() throws {
    let structures = Array(try emtCopper().prefix(7))
    let batch = [5, 0, 3, 6]
    let fresh = try PaiNNGraph(batch.map { structures[$0] }, elements: [29], cutoff: 4.0)
    let cache = GraphCache(elements: [29], cutoff: 4.0, budgetBytes: 1 << 30)
    let first = try cache.graph(batch, of: structures)  // builds and keeps
    #expect(cache.usage.structures == 4)
    let second = try cache.graph(batch, of: structures)  // from the cache only
    expectSameGraph(first, fresh)
    expectSameGraph(second, fresh)
    #expect(fresh.edgeCount > 0)
  }

  @Test func budgetBoundsWhatIsKept() throws {
    let structures = Array(try emtCopper().prefix(6))
    let one = try PaiNNGraph([structures[0]], elements: [29], cutoff: 4.0)
    let cache = GraphCache(elements: [29], cutoff: 4.0, budgetBytes: one.storedBytes)
    let graph = try cache.graph([0, 1, 2], of: structures)
    #expect(cache.usage.structures == 1 && cache.usage.bytes <= one.storedBytes)
    expectSameGraph(graph, try PaiNNGraph([0, 1, 2].map { structures[$0] }, elements: [29], cutoff: 4.0))
    let none = GraphCache(elements: [29], cutoff: 4.0, budgetBytes: 0)
    _ = try none.graph([0, 1], of: structures)
    #expect(none.usage.structures == 0)
  }

  @Test func cachedGraphGivesIdenticalLossAndGradients() throws {
    let structures = Array(try emtCopper().prefix(8))
    let data = try TrainingData(structures: structures, splits: nil, source: "emt", trainFraction: 0.75, validationFraction: 0.25, seed: 1)
    for precision in [PaiNNPrecision.float, .double] {
      var c = quickConfiguration(epochs: 1)
      c.precision = precision
      let trainer = try Trainer(configuration: c, data: data, folder: temporaryFolder("graph-cache"))
      let batch = Array(data.train.prefix(4))
      let part = batch.map { structures[$0] }
      let normalization = LossNormalization(part)
      for _ in 0..<2 {  // the second pass reads the cache
        let fresh: ([[Double]], Double), cached: ([[Double]], Double)
        switch precision {
        case .float:
          fresh = try trainer.partGradients(Float.self, part, normalization)
          cached = try trainer.partGradients(Float.self, part, normalization, indices: batch)
        case .double:
          fresh = try trainer.partGradients(Double.self, part, normalization)
          cached = try trainer.partGradients(Double.self, part, normalization, indices: batch)
        }
        #expect(fresh.1 == cached.1 && fresh.0 == cached.0, "\(precision)")
        #expect(fresh.1 > 0)
      }
      #expect(trainer.graphs.usage.structures == batch.count)
    }
  }
}
