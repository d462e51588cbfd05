import Atomistic
import Basics
import Datasets
import Foundation
import Testing
@testable import Distillation

/// Hydrocarbon-like structures C_a H_b whose energies follow an exact per-element model
/// (μ_C = −150 eV, μ_H = −12 eV) plus Gaussian noise of `noise` eV per atom: what the energy
/// check must accept, whatever it is told to reject.
private func hydrocarbons(count: Int, noise: Double, seed: UInt64 = 7) -> [Structure] {
  var generator = Xoshiro256StarStar(seed: seed)
  return (0..<count).map { k in
    let carbons = 1 + generator.next(below: 4), hydrogens = 2 + generator.next(below: 9)
    let numbers = Array(repeating: 6, count: carbons) + Array(repeating: 1, count: hydrogens)
    let positions = numbers.indices.map { SIMD3(1.6 * Double($0), 0.3 * Double(k % 3), 0) }
    let n = Double(numbers.count)
    let energy = -150 * Double(carbons) - 12 * Double(hydrogens) + noise * n * generator.nextNormal()
    return Structure(atomicNumbers: numbers, positions: positions, energy: energy,
                     forces: Array(repeating: SIMD3(0.1, -0.2, 0.05), count: numbers.count))
  }
}

@Suite struct LabelQualityTests {
  let criteria = LabelQualityCriteria()

  @Test func aCleanSetPassesEveryCheck() {
    let structures = hydrocarbons(count: 40, noise: 0.01)
    #expect(checkLabels(structures, criteria: criteria).rejections.isEmpty)
  }

  @Test func plantedNonFiniteNumbersAreRejected() {
    var structures = hydrocarbons(count: 12, noise: 0.01)
    structures[2].energy = .nan
    structures[5].forces![1].y = .infinity
    structures[7].stress = [0, 0, .nan, 0, 0, 0]
    let rejections = checkLabels(structures, criteria: criteria).rejections
    #expect(Set(rejections.keys) == [2, 5, 7])
    #expect(rejections.values.allSatisfy { $0.check == .nonFinite })
    // Even with every threshold off, NaN never enters a dataset.
    #expect(Set(checkLabels(structures, criteria: .finiteOnly).rejections.keys) == [2, 5, 7])
  }

  @Test func aPlantedHugeForceIsRejectedNamingTheAtom() {
    var structures = hydrocarbons(count: 12, noise: 0.01)
    structures[3].forces![1] = SIMD3(6000, 3000, -2000)  // |F| = 7000 eV/Å
    let rejections = checkLabels(structures, criteria: criteria).rejections
    #expect(Array(rejections.keys) == [3])
    #expect(rejections[3]?.check == .maxForce)
    #expect(rejections[3]?.reason.contains("7000 eV/Å on atom 1 (C)") == true)
    var loose = criteria
    loose.maxForce = 8000
    #expect(checkLabels(structures, criteria: loose).rejections.isEmpty)
  }

  @Test func plantedOverlapsAreRejectedIncludingPeriodicImages() {
    let carbons = Structure(atomicNumbers: [6, 6, 1], positions: [.zero, SIMD3(0.5, 0, 0), SIMD3(0, 3, 0)], energy: 0)
    let m = measureLabel(carbons)
    // r_cov(C) = 0.76 Å (Cordero et al. 2008): 0.5 Å is 0.5 / 1.52 of the sum.
    #expect(abs(m.closestPair!.ratio - 0.5 / 1.52) < 1e-12 && m.closestPair!.i == 0 && m.closestPair!.j == 1)
    #expect(judgeLabel(m, structure: carbons, criteria: criteria)?.check == .overlap)
    var apart = carbons
    apart.positions[1].x = 1.0  // 0.66 of the sum: short, but a bond
    #expect(judgeLabel(measureLabel(apart), structure: apart, criteria: criteria) == nil)
    // One carbon in a cell 0.6 Å long in x: its own image is the overlap.
    let chain = Structure(atomicNumbers: [6], positions: [.zero],
                          cell: Cell(a1: SIMD3(0.6, 0, 0), a2: SIMD3(0, 5, 0), a3: SIMD3(0, 0, 5)), pbc: [true, true, true], energy: 0)
    #expect(abs(measureLabel(chain).closestPair!.ratio - 0.6 / 1.52) < 1e-12)
    #expect(judgeLabel(measureLabel(chain), structure: chain, criteria: criteria)?.check == .overlap)
  }

  @Test func theClosestPairIsTheBruteForceOne() {
    var generator = Xoshiro256StarStar(seed: 3)
    for _ in 0..<20 {
      let numbers = (0..<12).map { _ in [1, 6, 7, 8, 16][generator.next(below: 5)] }
      let positions = numbers.map { _ in SIMD3(4 * generator.nextUniform(), 4 * generator.nextUniform(), 4 * generator.nextUniform()) }
      let s = Structure(atomicNumbers: numbers, positions: positions, energy: 0)
      var best = Double.infinity
      for i in 0..<12 { for j in (i + 1)..<12 {
        best = min(best, length(positions[i] - positions[j]) / (Elements.covalentRadius(numbers[i]) + Elements.covalentRadius(numbers[j])))
      } }
      let found = closestPair(s)?.ratio ?? .infinity
      #expect(best >= 1 ? found == .infinity : abs(found - best) < 1e-12)
    }
  }

  @Test func aPlantedOutlierEnergyIsRejectedAndTheRestKept() {
    var structures = hydrocarbons(count: 40, noise: 0.01)
    structures[11].energy! += 30
    let (measures, rejections) = checkLabels(structures, criteria: criteria)
    #expect(Array(rejections.keys) == [11])
    #expect(rejections[11]?.check == .energyOutlier)
    // The fit is made without the outlier, so its deviation is the planted energy per atom
    // (to within the noise).
    let expected = 30 / Double(structures[11].count)
    #expect(abs(measures[11].energyDeviation! - expected) < 0.05)
    #expect(measures[11].energyZ! > 100)
    // A clean structure's robust z is of order one.
    #expect(abs(measures[0].energyZ!) < 6)
  }

  @Test func aTightDistributionKeepsItsUnperturbedMember() {
    // Rattled copies 0.02 ± 0.001 eV/atom above the minimum, and the minimum itself: its robust
    // z is about −13, but 0.02 eV/atom is physics, not a broken label.
    var structures = hydrocarbons(count: 30, noise: 0)
    var generator = Xoshiro256StarStar(seed: 1)
    for k in 1..<structures.count {
      structures[k].energy! += Double(structures[k].count) * (0.02 + 0.001 * generator.nextNormal())
    }
    let (measures, rejections) = checkLabels(structures, criteria: criteria)
    #expect(measures[0].energyZ! < -8)
    #expect(rejections.isEmpty)
  }

  @Test func aFewNewLabelsAreJudgedAgainstTheDatasetTheyJoin() {
    // Active learning labels a handful of structures: too few on their own, enough with the
    // dataset as context; the context itself is never judged.
    let dataset = hydrocarbons(count: 30, noise: 0.01, seed: 1)
    var new = hydrocarbons(count: 3, noise: 0.01, seed: 2)
    new[1].energy! += 40
    #expect(checkLabels(new, criteria: criteria).rejections.isEmpty)
    let (_, rejections) = checkLabels(new, criteria: criteria, context: dataset)
    #expect(Array(rejections.keys) == [1] && rejections[1]?.check == .energyOutlier)
  }

  @Test func smallSetsAreNotCheckedForEnergyOutliers() {
    var structures = hydrocarbons(count: minimumStructuresForEnergyCheck - 1, noise: 0.01)
    structures[0].energy! += 100
    #expect(checkLabels(structures, criteria: criteria).rejections.isEmpty)
  }

  @Test func thresholdsComeFromTheSettingsFile() throws {
    let c = try DistillConfiguration.parse(toml: """
      [sample]
      smiles = ["CCO", "O"]
      [label.quality]
      max_force = 30
      max_energy_z = 0
      """, source: "test.toml")
    #expect(c.label.quality.maxForce == 30 && c.label.quality.maxEnergyZ == 0 && c.label.quality.minDistanceFraction == 0.5)
    #expect(c.sample.smiles == ["CCO", "O"] && c.problem == nil)  // SMILES alone are seeds enough
    #expect(throws: DistillConfigurationError.self) {
      try DistillConfiguration.parse(toml: "[label.quality]\nmax_forces = 3\n", source: "test.toml")
    }
    var bad = c
    bad.label.quality.minDistanceFraction = -1
    #expect(bad.problem?.contains("label.quality.min_distance_fraction") == true)
  }
}

@Suite struct SMILESListTests {
  @Test func linesCommentsAndNames() throws {
    let entries = try parseSMILESList("# drug-like molecules\n\nCC(=O)Oc1ccccc1C(=O)O aspirin\n  O\twater molecule \nc1ccccc1\n", file: "mols.smi")
    #expect(entries == [
      SMILESEntry(smiles: "CC(=O)Oc1ccccc1C(=O)O", name: "aspirin", location: "mols.smi:3"),
      SMILESEntry(smiles: "O", name: "water molecule", location: "mols.smi:4"),
      SMILESEntry(smiles: "c1ccccc1", name: "c1ccccc1", location: "mols.smi:5"),
    ])
  }

  @Test func aFileWithoutSMILESAndAWordThatIsNotOneAreErrorsNamingTheLine() {
    #expect(throws: SMILESListError("empty.smi holds no SMILES: give one molecule per line as 'SMILES name' (lines starting with # are comments)")) {
      try parseSMILESList("# nothing\n\n", file: "empty.smi")
    }
    do {
      _ = try parseSMILESList("CCO\n--conformers 3\n", file: "mols.smi")
      Issue.record("expected an error")
    } catch let error as SMILESListError {
      #expect(error.description.hasPrefix("mols.smi:2: '--conformers' is not a SMILES"))
    } catch { Issue.record("\(error)") }
  }
}
