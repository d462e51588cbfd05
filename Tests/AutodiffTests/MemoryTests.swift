import Foundation
import Testing
@testable import Autodiff

/// Resident memory of this process in bytes (Linux), nil elsewhere.
func residentBytes() -> Int? {
  guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return nil }
  let fields = text.split(separator: " ")
  guard fields.count > 1, let pages = Int(fields[1]) else { return nil }
  return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
}

@Suite("Memory is released when a graph is dropped")
struct MemoryTests {
  /// A training-like loop: forward, force loss with a double backward, parameter update.
  /// Each step's graph must be freed (checked through weak references to its nodes) and the
  /// resident memory must not grow with the number of steps.
  @Test func trainingLoopDoesNotGrow() {
    let x = Tensor<Float>(randomNormal: [64, 3], seed: 1)
    let fRef = Tensor<Float>(randomNormal: [64, 3], seed: 2)
    var w1 = Tensor<Float>(randomNormal: [3, 64], standardDeviation: 0.5, seed: 3)
    var w2 = Tensor<Float>(randomNormal: [64, 64], standardDeviation: 0.1, seed: 4)
    var w3 = Tensor<Float>(randomNormal: [64, 1], standardDeviation: 0.1, seed: 5)
    final class WeakNode { weak var node: GraphNode<Float>? }
    var watched: [WeakNode] = []
    var rssAfterWarmUp = 0
    var firstLoss: Float = 0, lastLoss: Float = 0
    let steps = 3000
    for step in 0..<steps {
      let p = [w1, w2, w3].map { $0.requiringGradient() }
      let xr = x.requiringGradient()
      let energy = matmul(silu(matmul(silu(matmul(xr, p[0])), p[1])), p[2]).sum()
      let forces = -gradients(of: energy, wrt: [xr], createGraph: true)[0]
      let loss = square(forces - fRef).mean()
      let g = gradients(of: loss, wrt: p)
      w1 = w1 - 0.01 * g[0]
      w2 = w2 - 0.01 * g[1]
      w3 = w3 - 0.01 * g[2]
      if step % 500 == 0 {
        for t in [loss, forces, energy, xr, p[1]] {
          let ref = WeakNode()
          ref.node = t.node
          watched.append(ref)
        }
      }
      if step == 0 { firstLoss = loss.scalar }
      if step == steps - 1 { lastLoss = loss.scalar }
      if step == 200 { rssAfterWarmUp = residentBytes() ?? 0 }
    }
    #expect(!w1.requiresGradient && !w2.requiresGradient)
    #expect(watched.allSatisfy { $0.node == nil }, "graph nodes outlived their step")
    #expect(lastLoss < firstLoss, "the loop should train: loss \(firstLoss) → \(lastLoss)")
    if let rss = residentBytes(), rssAfterWarmUp > 0 {
      // One leaked step graph is ~1 MB here, so a leak would add gigabytes; allow noise from
      // other tests running in the same process.
      let growth = Double(rss - rssAfterWarmUp) / 1e6
      #expect(growth < 200, "resident memory grew by \(growth) MB over \(steps) steps")
    }
  }
}
