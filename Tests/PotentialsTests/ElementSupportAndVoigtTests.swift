import Atomistic
import Foundation
import Potentials
import Testing

@Suite("The element-support check")
struct ElementSupportTests {
  let copper = Structure(atomicNumbers: [29, 29], positions: [.zero, SIMD3(2.5, 0, 0)])
  let alloy = Structure(atomicNumbers: [29, 92, 17, 92], positions: [.zero, [2, 0, 0], [0, 2, 0], [0, 0, 2]])

  @Test("names the first structure with other elements, counting from firstIndex, and those elements sorted")
  func namesStructureAndElements() {
    #expect(unsupportedElements(in: alloy, supported: [29]) == [17, 92])
    #expect(unsupportedElements(in: alloy, supported: nil) == [])
    do {
      try requireSupport([copper, copper, alloy, alloy], supported: [29, 79], firstIndex: 10)
      Issue.record("no error")
    } catch {
      guard case .unsupportedElements(let index, let z, let supported) = error else {
        Issue.record("unexpected \(error)")
        return
      }
      #expect(index == 12 && z == [17, 92] && supported == [29, 79])
      #expect(error.description
        == "structure 12 contains Cl, U (atomic numbers [17, 92]), which this potential does not support; it supports Cu, Au")
      #expect(error.describing(structure: { "seeds.xyz, frame \($0)" }, potential: "the teacher 'emt'")
        == "seeds.xyz, frame 12 contains Cl, U (atomic numbers [17, 92]), which the teacher 'emt' does not support; it supports Cu, Au")
      #expect(PotentialError.failed("x").describing(structure: { "\($0)" }, potential: "p") == "x")
    }
  }

  @Test("supported structures and potentials without a list pass")
  func passes() throws {
    try requireSupport([copper, alloy], supported: nil)
    try requireSupport([copper], supported: [29])
    try requireSupport([], supported: [])
    try LennardJones().requireSupport([alloy])  // one parameter set for every element
  }

  @Test("a potential with element pairs refuses through the same check, with the batch index")
  func pairPotentialUsesTheCheck() {
    let copperOnly = LennardJones(pairs: [ElementPair(29, 29): .init(epsilon: 0.4, sigma: 2.3)])
    #expect(throws: PotentialError.self) { try copperOnly.requireSupport([copper, alloy]) }
    do {
      _ = try copperOnly.compute([copper, alloy], .energy)
      Issue.record("no error")
    } catch PotentialError.unsupportedElements(let index, let z, let supported) {
      #expect(index == 1 && z == [17, 92] && supported == [29])
    } catch {
      Issue.record("unexpected \(error)")
    }
  }
}

@Suite("Voigt stress")
struct VoigtStressTests {
  @Test("the symmetric part of ∂E/∂ε over the volume, in the order xx yy zz yz xz xy")
  func fromStrainDerivative() {
    // ∂E/∂ε rows (1 2 3; 4 5 6; 7 8 9) eV, V = 2 Å³.
    let s = voigtStress(strainDerivative: [1, 2, 3, 4, 5, 6, 7, 8, 9], volume: 2)
    let expected: [Double] = [0.5, 2.5, 4.5, 14.0 / 4, 10.0 / 4, 6.0 / 4]  // yz: (6+8)/2V, xz: (3+7)/2V, xy: (2+4)/2V
    #expect(s == expected)
    #expect(voigtComponents.map { [$0.row, $0.column] } == [[0, 0], [1, 1], [2, 2], [1, 2], [0, 2], [0, 1]])
  }

  @Test("the tensor of a Voigt vector is symmetric and gives the vector back")
  func roundTrip() {
    let v = [1.0, 2, 3, 4, 5, 6]
    let m = symmetricTensor(voigt: v)
    #expect(m == [[1, 6, 5], [6, 2, 4], [5, 4, 3]])
    #expect(voigtComponents.map { m[$0.row][$0.column] } == v)
    #expect(voigtStress(strainDerivative: m.flatMap { $0 }, volume: 1) == v)
  }
}
