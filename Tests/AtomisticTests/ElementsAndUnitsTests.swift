import Foundation
import Testing

@testable import Atomistic

/// Elements and units compared with ASE's tables (dumped by scripts/make_extxyz_fixtures.py).
@Suite struct ElementsAndUnitsTests {
  struct ElementTable: Decodable {
    var symbols: [String]
    var masses: [Double]
    var covalent_radii: [Double]
  }

  @Test func everyElementMatchesASE() throws {
    let table = try JSONDecoder().decode(ElementTable.self, from: Data(contentsOf: extxyzFixture("elements.json")))
    #expect(table.symbols.count == 119)
    for z in 0...118 {
      #expect(Elements.symbol(z) == table.symbols[z], "symbol of Z=\(z)")
      #expect(Elements.atomicNumber(table.symbols[z]) == z, "atomic number of \(table.symbols[z])")
      #expect(Elements.mass(z) == table.masses[z], "mass of \(table.symbols[z])")
      #expect(Elements.covalentRadius(z) == table.covalent_radii[z], "covalent radius of \(table.symbols[z])")
    }
  }

  @Test func symbolsAreCaseSensitiveLikeASEUnlessAskedOtherwise() {
    #expect(Elements.atomicNumber("Si") == 14)
    #expect(Elements.atomicNumber("SI") == nil)
    #expect(Elements.atomicNumber("si") == nil)
    #expect(Elements.atomicNumber("Xx") == nil)
    #expect(Elements.atomicNumber("") == nil)
    #expect(Elements.atomicNumber(caseInsensitive: "SI") == 14)
    #expect(Elements.atomicNumber(caseInsensitive: "og") == 118)
    #expect(Elements.atomicNumber(caseInsensitive: "") == nil)
    #expect(Elements.isKnown(118) && !Elements.isKnown(119) && !Elements.isKnown(-1))
    // Hand-checked values.
    #expect(Elements.mass(6) == 12.011)
    #expect(Elements.covalentRadius(6) == 0.76)
  }

  @Test func unitsMatchASE() throws {
    let data = try Data(contentsOf: extxyzFixture("units.json"))
    let ase = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    func reference(_ key: String) throws -> Double {
      try #require((ase[key] as? NSNumber)?.doubleValue, "units.json has no \(key)")
    }
    let pairs: [(String, Double)] = [
      ("kB", Units.kB), ("ase_time_unit_fs", Units.aseTimeUnit), ("hartree", Units.hartree),
      ("bohr", Units.bohr), ("atomic_time_fs", Units.atomicTime), ("electron_mass_amu", Units.electronMass),
      ("gpa", Units.gpa), ("bar", Units.bar), ("kJ_per_mol", Units.kJPerMol), ("kcal_per_mol", Units.kcalPerMol),
    ]
    for (key, value) in pairs {
      let expected = try reference(key)
      #expect(abs(value - expected) <= 4 * Double.ulpOfOne * abs(expected), "\(key): \(value) vs ASE \(expected)")
    }
    // Independent sanity values (CODATA, rounded).
    #expect(abs(Units.hartree - 27.211386) < 1e-5)
    #expect(abs(Units.bohr - 0.52917721) < 1e-7)
    #expect(abs(Units.kB - 8.617333e-5) < 1e-10)
    #expect(abs(Units.aseTimeUnit - 10.180506) < 1e-5)
    #expect(abs(1 / Units.gpa - 160.21766) < 1e-4)
    #expect(abs(Units.accelerationFactor * Units.aseTimeUnit * Units.aseTimeUnit - 1) < 1e-15)
  }
}
