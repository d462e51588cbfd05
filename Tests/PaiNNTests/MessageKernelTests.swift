import Basics
import Foundation
@testable import PaiNN
import Testing

/// The vector message kernels (painn_kernels.h, 8 and 16 lanes) against the portable Swift
/// loops on the same random edges, in Float: the same products in a different order of the
/// lane sums (and with fused multiply-adds), so they agree to Float rounding.
@Suite struct MessageKernelTests {
  let f = 32, atoms = 7, edgeCount = 41

  func random(_ count: Int, _ g: inout Xoshiro256StarStar) -> [Float] {
    (0..<count).map { _ in Float(2 * g.nextUniform() - 1) }
  }

  func buffer(_ values: [Float]) -> ScratchBuffer<Float> { ScratchBuffer(values) }

  /// One interaction block of F = 32 whose message loops are `kernel`.
  func block(_ kernel: MessageKernel) -> InteractionBlock<Float> {
    let model = Fixtures.model(featureCount: f, layerCount: 1, seed: 3)
    var block = PaiNNNetwork<Float>(model).interactions[0]
    block.kernel = kernel
    return block
  }

  /// Every output of the forward messages and of their adjoints, for one kernel.
  func outputs(_ kernel: MessageKernel) -> (before: [Float], after: [Float]) {
    var g = Xoshiro256StarStar(seed: 11)
    let f3 = 3 * f
    // CSR order: centers ascending; neighbours anywhere.
    let centers = ScratchBuffer<Int32>((0..<edgeCount).map { Int32($0 * atoms / edgeCount) })
    let neighbors = ScratchBuffer<Int32>((0..<edgeCount).map { Int32(($0 * 5 + 3) % atoms) })
    let raw = buffer(random(edgeCount * f3, &g)), cutoffs = buffer(random(edgeCount, &g).map { abs($0) })
    let cutoffDerivatives = buffer(random(edgeCount, &g))
    let units = buffer(random(3 * edgeCount, &g)), x = buffer(random(atoms * f3, &g)), muIn = buffer(random(atoms * f3, &g))
    let q = buffer(random(atoms * f, &g)), mu = buffer(random(atoms * f3, &g))
    let gq = buffer(random(atoms * f, &g)), gmu = buffer(random(atoms * f3, &g))
    let gx = buffer(random(atoms * f3, &g)), gmuNext = buffer(random(atoms * f3, &g))
    let gw = ScratchBuffer<Float>(edgeCount * f3)
    let gunit = buffer(random(3 * edgeCount, &g)), gd = buffer(random(edgeCount, &g))
    let before = q.array + mu.array + gx.array + gmuNext.array
    let b = block(kernel)
    b.addMessages(
      0..<edgeCount, raw: raw.pointer, centers: centers.pointer, neighbors: neighbors.pointer, units: units.pointer,
      cutoffs: cutoffs.pointer, x: x.pointer, muIn: muIn.pointer, q: q.pointer, mu: mu.pointer)
    b.addMessageAdjoints(
      0..<edgeCount, raw: raw.pointer, centers: centers.pointer, neighbors: neighbors.pointer, units: units.pointer,
      cutoffs: cutoffs.pointer, cutoffDerivatives: cutoffDerivatives.pointer, x: x.pointer, muIn: muIn.pointer,
      gq: gq.pointer, gmu: gmu.pointer, gx: gx.pointer, gmuNext: gmuNext.pointer, gw: gw.pointer,
      gunit: gunit.pointer, gd: gd.pointer)
    return (before, q.array + mu.array + gx.array + gmuNext.array + gw.array + gunit.array + gd.array)
  }

  @Test(arguments: [MessageKernel.avx2, .avx512])
  func vectorKernelsAgreeWithThePortableLoops(kernel: MessageKernel) {
    let available = kernel == .avx2 ? processorHasAVX2 : processorHasAVX512
    guard available else { return }  // this processor lacks the instructions
    let (before, reference) = outputs(.portable)
    let vector = outputs(kernel).after
    #expect(reference.count == vector.count)
    var worst: Float = 0
    for (r, v) in zip(reference, vector) { worst = max(worst, abs(r - v) / max(1, abs(r))) }
    #expect(worst < 2e-6, "\(kernel): largest relative difference \(worst)")
    // The messages and adjoints changed every accumulated row (a kernel that did nothing fails).
    let changed = zip(before, vector).filter { $0 != $1 }.count
    #expect(changed > before.count * 9 / 10, "\(kernel) changed \(changed) of \(before.count) accumulated values")
  }

  @Test func theFastestKernelFollowsTheFeatureWidth() {
    #expect(MessageKernel.fastest(featureCount: 12) == .portable)
    if processorHasAVX2 { #expect(MessageKernel.fastest(featureCount: 24) == .avx2) }
    if processorHasAVX512 { #expect(MessageKernel.fastest(featureCount: 32) == .avx512) }
  }
}
