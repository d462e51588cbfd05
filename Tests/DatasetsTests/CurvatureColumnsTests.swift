import Atomistic
import Foundation
import Testing
@testable import Datasets

/// Curvature labels (probes and Hessian–vector products) through columns, HDF5 and extxyz.
@Suite struct CurvatureColumnsTests {
  /// Structures where every other one has k = 1 or 2 probes (distinct numbers everywhere).
  static func labelled() -> [Structure] {
    var structures = sampleStructures(count: 5, seed: 3)
    for s in structures.indices where s != 2 {
      let k = 1 + s % 2, n = structures[s].count
      structures[s].hessianProbes = (0..<k).map { p in (0..<n).map { i in SIMD3(Double(s), Double(p), Double(i)) * 0.1 + 0.01 } }
      structures[s].hessianProducts = (0..<k).map { p in (0..<n).map { i in SIMD3(-Double(s), Double(p) + 0.5, Double(i) * 1.5) } }
      structures[s].hessianStep = 0.01 * Double(s + 1)
    }
    return structures
  }

  @Test func roundTripsThroughTheHDF5File() throws {
    let structures = Self.labelled()
    let url = temporaryFolder().appendingPathComponent("curvature.h5")
    try Dataset(structures: structures).write(to: url)
    let back = try Dataset.read(url).structures
    #expect(back.count == structures.count)
    for (a, b) in zip(structures, back) {
      #expect(a.hessianProbes == b.hessianProbes)
      #expect(a.hessianProducts == b.hessianProducts)
      #expect(a.hessianLabelCount == b.hessianLabelCount)
      if a.hessianLabelCount > 0 { #expect(a.hessianStep == b.hessianStep) } else { #expect(b.hessianStep == nil) }
      #expect(a.energy == b.energy && a.forces == b.forces && a.positions == b.positions)
    }
    #expect(back[2].hessianProbes == nil)
  }

  @Test func subsetsAndConcatenationsKeepEachStructuresBlock() {
    let structures = Self.labelled()
    let columns = DatasetColumns(structures)
    #expect(columns.hasCurvature)
    let picked = columns.subset([4, 1, 2])
    #expect(picked.structures.map(\.hessianProducts) == [4, 1, 2].map { structures[$0].hessianProducts })
    var joined = columns.subset([3])
    joined.append(contentsOf: columns.subset([0, 2]))
    #expect(joined.structures.map(\.hessianProbes) == [3, 0, 2].map { structures[$0].hessianProbes })
    #expect((try? joined.validate()) != nil)
    // A file without curvature has none, and writes none.
    let plain = DatasetColumns(sampleStructures(count: 2, seed: 1))
    #expect(!plain.hasCurvature && plain.hessianProbes.isEmpty)
  }

  @Test func aWrongLengthIsNamed() {
    var columns = DatasetColumns(Self.labelled())
    columns.hessianProducts.removeLast()
    #expect(throws: DatasetError.self) { try columns.validate(file: "x.h5") }
    do { try columns.validate(file: "x.h5") } catch { #expect("\(error)".contains("hessian_products")) }
  }

  @Test func extxyzCarriesTheLabelsExactly() throws {
    let structures = Self.labelled()
    let text = try ExtXYZ.format(structures)
    let back = try ExtXYZ.parse(text, name: "curvature.xyz")
    #expect(back.map(\.hessianProducts) == structures.map(\.hessianProducts))
    #expect(back.map(\.hessianStep) == structures.map(\.hessianStep))
    #expect(back[1].unlabelled.hessianProducts == nil && back[1].unlabelled.hessianProbes != nil)
  }
}
