import Atomistic
import Basics
import Foundation
import Potentials
import Testing
@testable import Teacher

/// The pool against real worker processes (.venv/bin/python, made by scripts/bootstrap).
@Suite(.serialized) struct TeacherPoolTests {
  @Test func emtThroughTheBridgeEqualsASEBitForBit() throws {
    let structures = randomStructures(count: 12)
    let pool = try TeacherPool(configuration: testConfiguration("emt"))
    defer { pool.close() }
    #expect(pool.identity.teacher == "emt" && pool.identity.package == "ase")
    #expect(pool.supportedAtomicNumbers?.isSuperset(of: [28, 29, 79]) == true)
    let results = try pool.compute(structures, .all)
    let reference = try emtReference(structures)
    for (k, (got, want)) in zip(results, reference).enumerated() {
      #expect(got.energy.bitPattern == want.energy.bitPattern, "structure \(k) energy")
      #expect(got.forces == want.forces, "structure \(k) forces")
      #expect(got.stress == want.stress, "structure \(k) stress")
      #expect((got.stress != nil) == structures[k].isFullyPeriodic)
    }
  }

  @Test func unsupportedElementsFailWithoutAskingTheWorker() throws {
    let pool = try TeacherPool(configuration: testConfiguration("emt", workers: 1))
    defer { pool.close() }
    let uranium = Structure(atomicNumbers: [92, 29], positions: [.zero, SIMD3(2.5, 0, 0)])
    let copper = randomStructures(count: 1)[0]
    do {
      _ = try pool.compute([copper, uranium], .energyAndForces)
      Issue.record("expected a partial failure")
    } catch PotentialError.partialFailure(let results, let failures) {
      #expect(results[0] != nil && results[1] == nil)
      #expect(failures[1]?.contains("[92]") == true)
    }
  }

  /// Labels a batch where every 3-atom structure triggers the fault, and checks that those fail
  /// with `expected` in the reason while all others equal EMT exactly.
  func checkFaultyTeacher(_ model: String, timeout: Double = 30, expected: [String]) throws {
    let structures = randomStructures(count: 10, seed: 11, atomCounts: 2...4)
    let triggers = Set(structures.indices.filter { structures[$0].count == 3 })
    try #require(triggers.count >= 2 && triggers.count < structures.count - 2)
    let pool = try TeacherPool(configuration: testConfiguration(model, workers: 2, timeout: timeout))
    defer { pool.close() }
    let reference = try emtReference(structures)
    do {
      _ = try pool.compute(structures, .all)
      Issue.record("\(model): expected failures for structures \(triggers.sorted())")
    } catch PotentialError.partialFailure(let results, let failures) {
      #expect(Set(failures.keys) == triggers, "\(model)")
      for k in structures.indices where !triggers.contains(k) {
        #expect(results[k]?.energy == reference[k].energy, "\(model): structure \(k) lost or wrong")
        #expect(results[k]?.forces == reference[k].forces)
      }
      for (k, reason) in failures {
        for fragment in expected { #expect(reason.contains(fragment), "\(model): structure \(k): \(reason)") }
      }
    }
    // The pool is still usable afterwards.
    let healthy = structures.indices.filter { !triggers.contains($0) }.prefix(3).map { structures[$0] }
    #expect(try pool.compute(Array(healthy), .energyAndForces).count == healthy.count)
  }

  @Test func aTeacherThatRaisesFailsOnlyThatStructure() throws {
    try checkFaultyTeacher("faulty_teachers:raising",
                           expected: ["RuntimeError", "deliberate failure for a 3-atom structure"])
  }

  @Test func aTeacherThatCrashesIsRestartedAndRetriedOnce() throws {
    try checkFaultyTeacher("faulty_teachers:crashing",
                           expected: ["died", "exit status 7", "each of 2 attempts", "about to crash"])
  }

  @Test func aTeacherThatHangsTimesOut() throws {
    let start = Date()
    try checkFaultyTeacher("faulty_teachers:hanging", timeout: 1.5, expected: ["timed out after 1.5 s"])
    #expect(Date().timeIntervalSince(start) < 60)
  }

  @Test func garbageOnTheProtocolStreamIsDetected() throws {
    try checkFaultyTeacher("faulty_teachers:corrupting",
                           expected: ["not a protocol frame", "bad magic", "this is not a pr"])
  }

  @Test func printsOnStdoutCannotCorruptTheProtocol() throws {
    let structures = randomStructures(count: 6, seed: 3)
    let pool = try TeacherPool(configuration: testConfiguration("faulty_teachers:noisy"))
    defer { pool.close() }
    let results = try pool.compute(structures, .all)
    let reference = try emtReference(structures)
    #expect(results.map(\.energy) == reference.map(\.energy))
    #expect(results.map(\.forces) == reference.map(\.forces))
  }

  @Test func startUpFailuresSayWhatToDo() throws {
    #expect {
      try TeacherPool(configuration: testConfiguration("no-such-teacher", workers: 1))
    } throws: { error in
      "\(error)".contains("unknown teacher 'no-such-teacher'") && "\(error)".contains("module:function")
    }
    #expect {
      try TeacherPool(configuration: testConfiguration("faulty_teachers:missing_package", workers: 2))
    } throws: { error in
      "\(error)".contains("a_package_that_is_not_installed")
    }
    var noPython = testConfiguration("emt")
    noPython.python = "/nonexistent/bin/python"
    #expect {
      try TeacherPool(configuration: noPython)
    } throws: { error in
      "\(error)".contains("scripts/bootstrap") && "\(error)".contains("/nonexistent/bin/python")
    }
  }

  @Test func streamingLabelReportsEveryIndexOnce() throws {
    let structures = randomStructures(count: 9, seed: 5, atomCounts: 2...4)
    let pool = try TeacherPool(configuration: testConfiguration("faulty_teachers:raising", workers: 3))
    defer { pool.close() }
    let seen = Locked<[Int: Bool]>([:])
    pool.label(structures, properties: .energyAndForces) { index, outcome in
      seen.withLock { map in
        #expect(map[index] == nil, "index \(index) reported twice")
        if case .success = outcome { map[index] = true } else { map[index] = false }
      }
    }
    let map = seen.withLock { $0 }
    #expect(map.count == structures.count)
    for (k, s) in structures.enumerated() { #expect(map[k] == (s.count != 3)) }
  }
}
