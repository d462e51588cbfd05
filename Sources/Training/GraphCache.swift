import Atomistic
import Basics
import Foundation
import PaiNN
import Potentials

/// The neighbour graphs of the training structures, kept across epochs.
///
/// A structure's graph (neighbour list, image offsets, species) depends only on the structure,
/// the model's elements and the cutoff, none of which change during a run; searching for
/// neighbours again at every step is wasted work. The first step that meets a structure
/// builds its one-structure graph and keeps it while the cache holds fewer than `budgetBytes`;
/// later steps concatenate the kept graphs (`PaiNNGraph(concatenating:)`), which gives the
/// same graph, bit for bit, as building the batch anew. Past the budget, structures are built
/// anew at every step as before, so memory stays bounded however large the data set is.
///
/// Safe to use from the threads that compute the parts of a batch.
final class GraphCache: Sendable {
  /// Most bytes of graphs kept.
  let budgetBytes: Int
  /// The budget of a training run: 512 MiB, the graphs of about 12 million edges (some
  /// 150,000 atoms of condensed matter at 5 Å).
  static let defaultBudgetBytes = 512 << 20
  private let elements: [Int]
  private let cutoff: Double
  private let state = Locked<(graphs: [Int: PaiNNGraph], bytes: Int)>(([:], 0))

  /// - Parameters:
  ///   - elements: the model's atomic numbers.
  ///   - cutoff: the model's cutoff, Å.
  ///   - budgetBytes: most bytes kept (0 keeps nothing).
  init(elements: [Int], cutoff: Double, budgetBytes: Int) {
    self.elements = elements
    self.cutoff = cutoff
    self.budgetBytes = budgetBytes
  }

  /// Number of structures whose graph is kept, and the bytes they hold.
  var usage: (structures: Int, bytes: Int) { state.withLock { ($0.graphs.count, $0.bytes) } }

  /// The graph of the structures at `indices` of `structures`, in that order.
  /// - Throws: `PotentialError` naming the structure (by its position in `structures`) when
  ///   an element is not the model's or its neighbour list cannot be built.
  func graph(_ indices: [Int], of structures: [Structure]) throws -> PaiNNGraph {
    var parts: [PaiNNGraph] = []
    parts.reserveCapacity(indices.count)
    for index in indices {
      if let kept = state.withLock({ $0.graphs[index] }) {
        parts.append(kept)
        continue
      }
      let built: PaiNNGraph
      do {
        built = try PaiNNGraph([structures[index]], elements: elements, cutoff: cutoff)
      } catch PotentialError.unsupportedElements(_, let z, let supported) {
        throw PotentialError.unsupportedElements(index: index, atomicNumbers: z, supported: supported)
      } catch PotentialError.failed(let why) {
        throw PotentialError.failed("data set structure \(index): " + why.replacingOccurrences(of: "structure 0: ", with: ""))
      }
      state.withLock { cache in
        let bytes = built.storedBytes
        if cache.graphs[index] == nil && cache.bytes + bytes <= budgetBytes {
          cache.graphs[index] = built
          cache.bytes += bytes
        }
      }
      parts.append(built)
    }
    return parts.count == 1 ? parts[0] : PaiNNGraph(concatenating: parts)
  }
}
