import Atomistic
import Basics
import Foundation
@testable import PaiNN
import Potentials
import Testing

/// What the fused execution promises beyond agreeing with the tensor engine: the same numbers
/// on any number of threads, a reused workspace that carries nothing from one call to the next,
/// and a Verlet-skin neighbour list that gives what a new list every call gives.
@Suite struct FusedExecutionTests {
  /// 64 + 8 + 9 atoms: several chunks of atoms, so that threads really split the work.
  var batch: [Structure] { [Fixtures.silicon.supercell(2, 2, 2), Fixtures.silicon, Fixtures.ethanol] }

  func flat(_ results: [Results]) -> [Double] {
    results.flatMap { r in
      [r.energy] + (r.forces ?? []).flatMap { [$0.x, $0.y, $0.z] } + (r.stress ?? []) + (r.atomicEnergies ?? [])
    }
  }

  /// Chunks of a fixed number of atoms make each chunk's arithmetic independent of how many
  /// threads share them: 1, 2 and 3 threads give bit-identical energies, forces, stress and
  /// per-atom energies, in both precisions.
  @Test(arguments: PaiNNPrecision.allCases)
  func threadsGiveBitIdenticalResults(precision: PaiNNPrecision) throws {
    let model = Fixtures.model()
    let one = flat(try PaiNNPotential(model: model, precision: precision, threads: 1).compute(batch, .all))
    for threads in [2, 3] {
      let many = flat(try PaiNNPotential(model: model, precision: precision, threads: threads).compute(batch, .all))
      #expect(many == one, "\(threads) threads differ from 1")
    }
  }

  /// A batch of small structures goes in groups of consecutive structures of about
  /// `defaultGroupAtoms` atoms, each one graph on one thread: a structure larger than a group is
  /// alone in its own.
  @Test func batchesAreCutIntoGroupsOfConsecutiveStructures() {
    #expect(PaiNNPotential.groups([10, 60, 5, 100, 3, 3], atoms: 64) == [0..<1, 1..<2, 2..<3, 3..<4, 4..<6])
    #expect(PaiNNPotential.groups([9, 9, 9, 9, 9, 9, 9, 9], atoms: 32) == [0..<3, 3..<6, 6..<8])
    #expect(PaiNNPotential.groups([200], atoms: 64) == [0..<1])
  }

  /// A batch of many molecules and crystals, evaluated in groups spread over threads, gives
  /// each structure what evaluating its group alone gives (bit for bit), the same for 1, 2
  /// and 3 threads, and agrees with one pass over the whole batch to Float rounding (the
  /// chunks of atoms, and so the roundings, differ).
  @Test func groupedBatchesAgreeWithOnePass() throws {
    let model = Fixtures.model()
    var structures: [Structure] = []
    for k in 0..<14 {
      let base: Structure = k % 5 == 3 ? Fixtures.silicon.supercell(2, 2, 2) : k % 2 == 0 ? Fixtures.ethanol : Fixtures.silicon
      structures.append(Fixtures.rattled(base, amplitude: 0.05, seed: UInt64(k)))
    }
    let groups = PaiNNPotential.groups(structures.map { $0.count }, atoms: PaiNNPotential.defaultGroupAtoms)
    #expect(groups.count > 3)
    let one = PaiNNPotential(model: model, threads: 1)
    let grouped = flat(try one.compute(structures, .all))
    let alone = try groups.flatMap { try one.computeInOnePass(Array(structures[$0]), .all, threads: 1) }
    #expect(grouped == flat(alone))
    for threads in [2, 3] {
      #expect(flat(try PaiNNPotential(model: model, threads: threads).compute(structures, .all)) == grouped, "\(threads) threads")
    }
    let whole = flat(try one.computeInOnePass(structures, .all, threads: 1))
    let worst = zip(whole, grouped).map { abs($0 - $1) / max(1, abs($0)) }.max() ?? 0
    #expect(whole.count == grouped.count && worst < 1e-5, "largest relative difference \(worst)")
  }

  /// Groups evaluated at once each take a workspace; the potential keeps them all, so repeated
  /// batches (MD of many molecules, a server) never make more workspaces than threads run at
  /// once (a pool keeping fewer would make new ones at every call).
  @Test func groupedBatchesReuseTheirWorkspaces() throws {
    let threads = 6
    let potential = PaiNNPotential(model: Fixtures.model(), threads: threads)
    let structures = Array(repeating: Fixtures.ethanol, count: 90)
    #expect(PaiNNPotential.groups(structures.map { $0.count }, atoms: PaiNNPotential.defaultGroupAtoms).count > threads)
    for _ in 0..<6 { _ = try potential.compute(structures, .all) }
    let made = potential.floatWorkspaces.made
    #expect(made >= 1 && made <= threads, "\(made) workspaces made")
  }

  /// An element the model does not know, in a structure of a later group, is reported with
  /// that structure's index in the whole batch.
  @Test func groupedBatchErrorsNameTheStructureOfTheBatch() throws {
    var structures = Array(repeating: Fixtures.ethanol, count: 20)
    structures[13].atomicNumbers[2] = 29
    do {
      _ = try PaiNNPotential(model: Fixtures.model(), threads: 2).compute(structures, .all)
      Issue.record("no error")
    } catch let error as PotentialError {
      guard case .unsupportedElements(let index, let z, _) = error else { Issue.record("\(error)"); return }
      #expect(index == 13 && z == [29])
    }
  }

  /// Both versions of the message loops agree with Double: F = 16 takes the AVX2 kernels in
  /// Float (on a processor that has them), F = 12 (not a multiple of 8) the portable loops.
  @Test(arguments: [16, 12])
  func floatMessageLoopsAgreeWithDouble(featureCount: Int) throws {
    var model = Fixtures.model(featureCount: featureCount)
    model.referenceEnergies = model.referenceEnergies.map { _ in 0 }
    let single = flat(try PaiNNPotential(model: model, precision: .float, threads: 2).compute(batch, .all))
    let double = flat(try PaiNNPotential(model: model, precision: .double, threads: 2).compute(batch, .all))
    let worst = zip(single, double).map { abs($0 - $1) }.max() ?? 0
    #expect(worst < 2e-4, "largest difference \(worst)")
    #expect(double.contains { $0 != 0 })
  }

  /// A workspace grown for a large batch and reused for a small one, and the other way round,
  /// gives exactly what a fresh potential gives: nothing of an earlier call leaks into a later.
  @Test func reusedWorkspaceCarriesNothingOver() throws {
    let model = Fixtures.model()
    let reused = PaiNNPotential(model: model, precision: .float, threads: 2)
    let small = [Fixtures.ethanol], large = batch
    for structures in [large, small, large, small] {
      let fresh = try PaiNNPotential(model: model, precision: .float, threads: 2).compute(structures, .all)
      #expect(flat(try reused.compute(structures, .all)) == flat(fresh))
    }
    // Energy only, then forces: the adjoint's buffers do not depend on an earlier call.
    _ = try reused.compute(large, .energy)
    #expect(flat(try reused.compute(small, .all)) == flat(try PaiNNPotential(model: model, threads: 2).compute(small, .all)))
  }

  /// Calls from several threads at once each get their own workspace and the right answer.
  @Test func concurrentCallersGetTheirOwnWorkspace() throws {
    let model = Fixtures.model()
    let potential = PaiNNPotential(model: model, precision: .double, threads: 1)
    let inputs = [[Fixtures.ethanol], batch, [Fixtures.silicon], batch]
    let expected = try inputs.map { flat(try PaiNNPotential(model: model, precision: .double, threads: 1).compute($0, .all)) }
    let got = Locked([Int: [Double]]())
    DispatchQueue.concurrentPerform(iterations: 8) { k in
      let value = try? flat(potential.compute(inputs[k % 4], .all))
      got.withLock { $0[k] = value }
    }
    for k in 0..<8 { #expect(got.withLock { $0[k] } == expected[k % 4], "call \(k)") }
  }

  /// Edges listed beyond the cutoff (here 1.5 Å of skin) contribute exactly nothing: a list
  /// with cutoff + skin gives the energy, forces and stress of a list with the cutoff, up to
  /// the rounding of sums taken in another order (Double: 1e-12).
  @Test func edgesBeyondTheCutoffContributeNothing() throws {
    let model = Fixtures.model()
    let exact = try PaiNNPotential(model: model, precision: .double).compute(batch, .all)
    let skinned = try PaiNNPotential(model: model, precision: .double, skin: 1.5).compute(batch, .all)
    let a = flat(exact), b = flat(skinned)
    #expect(a.count == b.count)
    let worst = zip(a, b).map { abs($0 - $1) / max(1, abs($0)) }.max() ?? 0
    #expect(worst < 1e-12, "largest relative difference \(worst)")
  }

  /// A sequence of ever more displaced structures: with a skin the list is reused while every
  /// atom stays within skin/2 of where it was at the build and rebuilt once one leaves, and
  /// every call gives what a new list gives (Float: 1e-5 eV, eV/Å).
  @Test func verletListIsReusedAndRebuiltWhenAnAtomLeavesHalfTheSkin() throws {
    let model = Fixtures.model()
    let skin = 0.6
    let skinned = PaiNNPotential(model: model, precision: .float, skin: skin)
    let plain = PaiNNPotential(model: model, precision: .float)
    var s = Fixtures.silicon.supercell(2, 1, 1)
    for step in 0..<8 {
      // Atom 0 moves 0.12 Å per call: the build at call 0 holds until it passes 0.3 Å (call 3),
      // the one at call 3 until call 6.
      s.positions[0] += SIMD3(0.12, 0, 0)
      s.positions[5] += SIMD3(0, 0.01, -0.01)
      let a = try skinned.compute([s], .all)[0], b = try plain.compute([s], .all)[0]
      #expect(abs(a.energy - b.energy) < 1e-5, "energy at call \(step)")
      for (fa, fb) in zip(a.forces!, b.forces!) {
        let d = fa - fb
        #expect(max(abs(d.x), abs(d.y), abs(d.z)) < 1e-5, "force at call \(step)")
      }
      for (sa, sb) in zip(a.stress!, b.stress!) { #expect(abs(sa - sb) < 1e-6, "stress at call \(step)") }
    }
    #expect(skinned.neighbourListBuilds == 3, "builds: \(skinned.neighbourListBuilds)")
    // Another cell is another structure: a new list.
    var strained = s
    strained.cell.a1 *= 1.01
    _ = try skinned.compute([strained], .energy)
    #expect(skinned.neighbourListBuilds == 4)
  }
}
