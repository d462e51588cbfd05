import Atomistic
import Foundation
import Testing
@testable import Teacher

/// The journal hands every frame to the kernel before `record` returns, whatever the flush
/// interval: a process killed right after it (kill -9) loses nothing. Only the fsync waits for
/// the interval.
@Suite struct LabelJournalTests {
  @Test func recordedFramesAreInTheFileBeforeAnyFlush() throws {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("mlff-journal-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: folder) }
    let output = folder.appendingPathComponent("data.h5")
    let writer = LabelJournal(output: output, synchronizeInterval: 3600)
    try writer.open()
    var structures = randomStructures(count: 3)
    for k in structures.indices {
      structures[k].energy = -Double(k) - 0.5
      structures[k].forces = structures[k].positions.map { $0 * 0.1 }
    }
    // The first record flushes (no flush yet); the next two fall inside the interval.
    for (k, s) in structures.enumerated() { try writer.record(s, index: 10 + k, teacher: "emt") }
    // Read by a second journal while the first is still open and has not flushed since.
    let seen = try LabelJournal(output: output).load(teacher: "emt")
    #expect(Set(seen.labelled.keys) == [10, 11, 12] && !seen.droppedPartialFrame)
    for (k, s) in structures.enumerated() {
      let frame = try #require(seen.labelled[10 + k])
      #expect(abs(frame.energy! - s.energy!) < 1e-12 && frame.count == s.count)
      func largest(_ a: [SIMD3<Double>], _ b: [SIMD3<Double>]) -> Double {
        var m = 0.0
        for (u, v) in zip(a, b) { for c in 0..<3 { m = max(m, abs(u[c] - v[c])) } }
        return m
      }
      let moved = largest(frame.positions, s.positions), pushed = largest(frame.forces!, s.forces!)
      #expect(moved < 1e-10 && pushed < 1e-10)
    }
    try writer.close()
  }
}
