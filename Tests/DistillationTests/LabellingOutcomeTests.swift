import Atomistic
import Foundation
import Potentials
import Teacher
import Testing
@testable import Distillation

/// A labelling journal whose writes fail for chosen input frames (a full disk, a folder that
/// became read-only), passing everything else to a real `LabelJournal`.
private struct FailingJournal: LabelRecording {
  struct WriteFailed: Error, CustomStringConvertible { var description: String }
  let journal: LabelJournal
  var failRecordsOf: Set<Int> = []
  var failFailuresOf: Set<Int> = []

  func record(_ structure: Structure, index: Int, teacher: String) throws {
    if failRecordsOf.contains(index) { throw WriteFailed(description: "No space left on device") }
    try journal.record(structure, index: index, teacher: teacher)
  }

  func recordFailure(index: Int, atoms: Int, reason: String) throws {
    if failFailuresOf.contains(index) { throw WriteFailed(description: "Read-only file system") }
    try journal.recordFailure(index: index, atoms: atoms, reason: reason)
  }
}

private struct TeacherRaised: Error, CustomStringConvertible { var description: String }

/// Three argon dimers; the teacher's results are made up (only their bookkeeping is tested).
private func dimers() -> [Structure] {
  (0..<3).map { k in
    Structure(atomicNumbers: [18, 18], positions: [.zero, SIMD3(3.5 + 0.1 * Double(k), 0, 0)],
              cell: .zero, pbc: [false, false, false])
  }
}

private func results(_ k: Int) -> Results {
  Results(energy: -0.01 * Double(k + 1), forces: [SIMD3(0.1, 0, 0), SIMD3(-0.1, 0, 0)], stress: nil)
}

@Suite struct LabellingOutcomeTests {
  @Test func aJournalWriteThatFailsCountsTheStructureOnceAsFailedAndNotAsLabelled() throws {
    let folder = try distillTemporaryFolder()
    defer { try? FileManager.default.removeItem(at: folder) }
    let real = LabelJournal(output: folder.appendingPathComponent("data.h5"))
    try real.open()
    let journal = FailingJournal(journal: real, failRecordsOf: [1])
    let state = LabelState(labelled: [:])
    for (k, s) in dimers().enumerated() {
      LabellingJob.settle(index: k, structure: s, outcome: .success(results(k)), teacher: "emt",
                          journal: journal, state: state)
    }
    try real.close()

    #expect(state.doneCount == 3)
    #expect(state.failedCount == 1)
    let (labelled, failed) = state.snapshot()
    #expect(Set(labelled.keys) == [0, 2])
    #expect(Set(failed.keys) == [1])
    #expect(failed[1]?.contains("journal could not be written") == true)
    #expect(failed[1]?.contains("No space left on device") == true)
    #expect(labelled[2]?.energy == -0.03)
    #expect(state.warnings.isEmpty)
    // The journal holds the two labelled frames; the failures file lists the third.
    let frames = try ExtXYZ.read(real.journalURL)
    #expect(frames.map { $0.info[LabelJournal.indexKey] } == [.int(0), .int(2)])
    let lines = try String(contentsOf: real.failuresURL, encoding: .utf8).split(separator: "\n")
    #expect(lines.count == 1)
    let entry = try JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as? [String: Any]
    #expect(entry?["index"] as? Int == 1 && entry?["atoms"] as? Int == 2)
  }

  @Test func aFailuresFileThatCannotBeWrittenIsReportedAndTheFailureStillCounts() throws {
    let folder = try distillTemporaryFolder()
    defer { try? FileManager.default.removeItem(at: folder) }
    let real = LabelJournal(output: folder.appendingPathComponent("data.h5"))
    try real.open()
    let journal = FailingJournal(journal: real, failFailuresOf: [0])
    let state = LabelState(labelled: [:])
    let s = dimers()
    LabellingJob.settle(index: 0, structure: s[0],
                        outcome: .failure(TeacherRaised(description: "worker 1 raised: RuntimeError")),
                        teacher: "emt", journal: journal, state: state)
    LabellingJob.settle(index: 1, structure: s[1], outcome: .success(results(1)), teacher: "emt",
                        journal: journal, state: state)
    try real.close()

    #expect(state.doneCount == 2 && state.failedCount == 1)
    let (labelled, failed) = state.snapshot()
    #expect(Set(labelled.keys) == [1])
    #expect(failed == [0: "worker 1 raised: RuntimeError"])
    #expect(state.warnings.count == 1)
    #expect(state.warnings.first?.contains("input frame 0") == true)
    #expect(state.warnings.first?.contains("Read-only file system") == true)
  }
}
