import Foundation
import OrderedCollections
import Testing

@testable import Atomistic

/// Frames written by ASE, read here, compared with what ASE itself reads back from the same file
/// (Fixtures/extxyz/ase-written.{extxyz,json}, made by scripts/make_extxyz_fixtures.py).
@Suite struct ExtXYZASEFixtureTests {
  /// One info value as the fixture tags it: {"int": 3}, {"doubles": [...]}, …
  struct TaggedValue: Decodable {
    var value: InfoValue
    init(from decoder: any Decoder) throws {
      let c = try decoder.container(keyedBy: Key.self)
      if let v = try c.decodeIfPresent(Bool.self, forKey: .bool) { value = .bool(v) }
      else if let v = try c.decodeIfPresent(Int.self, forKey: .int) { value = .int(v) }
      else if let v = try c.decodeIfPresent(Double.self, forKey: .double) { value = .double(v) }
      else if let v = try c.decodeIfPresent(String.self, forKey: .string) { value = .string(v) }
      else if let v = try c.decodeIfPresent([Bool].self, forKey: .bools) { value = .bools(v) }
      else if let v = try c.decodeIfPresent([Int].self, forKey: .ints) { value = .ints(v) }
      else if let v = try c.decodeIfPresent([Double].self, forKey: .doubles) { value = .doubles(v) }
      else { value = .strings(try c.decode([String].self, forKey: .strings)) }
    }
    enum Key: String, CodingKey { case bool, int, double, string, bools, ints, doubles, strings }
  }

  /// A (name, value) pair stored as a two-element JSON array.
  struct Named<Value: Decodable>: Decodable {
    var name: String
    var value: Value
    init(from decoder: any Decoder) throws {
      var c = try decoder.unkeyedContainer()
      name = try c.decode(String.self)
      value = try c.decode(Value.self)
    }
  }

  struct ArrayValue: Decodable {
    var columns: Int
    var doubles: [Double]?
    var ints: [Int]?
    var bools: [Bool]?
    var strings: [String]?
    var array: PerAtomArray {
      if let doubles { return .doubles(columns: columns, values: doubles) }
      if let ints { return .ints(columns: columns, values: ints) }
      if let bools { return .bools(columns: columns, values: bools) }
      return .strings(columns: columns, values: strings ?? [])
    }
  }

  struct Frame: Decodable {
    var numbers: [Int]
    var positions: [Double]
    var cell: [Double]
    var pbc: [Bool]
    var energy: Double?
    var forces: [Double]?
    var stress: [Double]?
    var info: [Named<TaggedValue>]
    var arrays: [Named<ArrayValue>]
  }

  static func flat(_ v: [SIMD3<Double>]) -> [Double] { v.flatMap { [$0.x, $0.y, $0.z] } }

  @Test func readsWhatASEReads() throws {
    let expected = try JSONDecoder().decode([Frame].self, from: Data(contentsOf: extxyzFixture("ase-written.json")))
    let frames = try ExtXYZ.read(extxyzFixture("ase-written.extxyz"))
    try #require(frames.count == expected.count)
    for (k, (s, e)) in zip(frames, expected).enumerated() {
      #expect(s.atomicNumbers == e.numbers, "frame \(k)")
      #expect(Self.flat(s.positions) == e.positions, "frame \(k)")
      #expect(s.cell.rows.flatMap { $0 } == e.cell, "frame \(k)")
      #expect(s.pbc == e.pbc, "frame \(k)")
      #expect(s.energy == e.energy, "frame \(k)")
      #expect(s.forces.map(Self.flat) == e.forces, "frame \(k)")
      #expect(s.stress == e.stress, "frame \(k)")
      #expect(Array(s.info.keys) == e.info.map(\.name), "frame \(k)")
      for item in e.info { #expect(s.info[item.name] == item.value.value, "frame \(k) info \(item.name)") }
      #expect(Array(s.arrays.keys) == e.arrays.map(\.name), "frame \(k)")
      for item in e.arrays { #expect(s.arrays[item.name] == item.value.array, "frame \(k) array \(item.name)") }
    }
  }

  /// Reading ASE's file and writing it again keeps every value; reading that gives the same frames.
  @Test func roundTripOfASEFileIsExact() throws {
    let frames = try ExtXYZ.read(extxyzFixture("ase-written.extxyz"))
    let again = try ExtXYZ.parse(ExtXYZ.format(frames))
    #expect(again == frames)
  }
}
