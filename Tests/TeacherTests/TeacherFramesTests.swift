import Atomistic
import Foundation
import Potentials
import Testing
@testable import Teacher

@Suite struct TeacherFramesTests {
  @Test func requestLayoutMatchesTheDocumentedBytes() {
    let s = Structure(
      atomicNumbers: [29, 1], positions: [SIMD3(1.5, 0, -2), SIMD3(0, 0.25, 0)],
      cell: Cell(a1: SIMD3(4, 0, 0), a2: SIMD3(0, 5, 0), a3: SIMD3(0, 0, 6)), pbc: [true, false, true])
    let frame = TeacherFrames.request(s, [.energy, .forces])
    // header: "MLFT", kind 3, 3 zero bytes, length 12 + 72 + 2*4 + 2*24 = 140 as u64
    #expect(Array(frame[0..<8]) == [77, 76, 70, 84, 3, 0, 0, 0])
    #expect(Array(frame[8..<16]) == [140, 0, 0, 0, 0, 0, 0, 0])
    #expect(frame.count == 16 + 140)
    let p = Array(frame[16...])
    #expect(Array(p[0..<8]) == [2, 0, 0, 0, 3, 0, 0, 0])  // 2 atoms; energy|forces
    #expect(Array(p[8..<12]) == [1, 0, 1, 0])             // pbc T F T, pad
    // cell[0][0] = 4.0 = 0x4010000000000000, little-endian
    #expect(Array(p[12..<20]) == [0, 0, 0, 0, 0, 0, 0x10, 0x40])
    #expect(Array(p[84..<92]) == [29, 0, 0, 0, 1, 0, 0, 0])
    // positions[0].x = 1.5 = 0x3FF8000000000000
    #expect(Array(p[92..<100]) == [0, 0, 0, 0, 0, 0, 0xF8, 0x3F])
  }

  @Test func resultDecodesEnergyForcesAndStress() throws {
    func le(_ x: Double) -> [UInt8] { withUnsafeBytes(of: x.bitPattern.littleEndian) { Array($0) } }
    var payload: [UInt8] = [1, 0, 0, 0, 7, 0, 0, 0] + le(-3.25)
    payload += le(0.5) + le(-1) + le(2)
    payload += [1.0, 2, 3, 4, 5, 6].flatMap(le)
    let results = try TeacherFrames.decodeResult(payload, nAtoms: 1)
    #expect(results.energy == -3.25)
    #expect(results.forces == [SIMD3(0.5, -1, 2)])
    #expect(results.stress == [1, 2, 3, 4, 5, 6])
    #expect(throws: FrameError.self) { try TeacherFrames.decodeResult(payload, nAtoms: 2) }
    #expect(throws: FrameError.self) { try TeacherFrames.decodeResult(Array(payload.dropLast()), nAtoms: 1) }
  }

  @Test func headerRejectsBadMagicKindAndLength() throws {
    let good = TeacherFrames.header(.result, length: 24)
    let parsed = try TeacherFrames.parseHeader(good)
    #expect(parsed.kind == .result && parsed.length == 24)
    var badMagic = good; badMagic[0] = UInt8(ascii: "X")
    #expect(throws: FrameError.self) { try TeacherFrames.parseHeader(badMagic) }
    var badKind = good; badKind[4] = 99
    #expect(throws: FrameError.self) { try TeacherFrames.parseHeader(badKind) }
    var huge = good; huge[15] = 1
    #expect(throws: FrameError.self) { try TeacherFrames.parseHeader(huge) }
  }
}
