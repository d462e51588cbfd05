import Atomistic
import Testing
@testable import Training

func copper(_ n: Int, energy: Double?) -> Structure {
  Structure(
    atomicNumbers: Array(repeating: 29, count: n),
    positions: (0..<n).map { SIMD3(Double($0) * 2.5, 0, 0) },
    energy: energy, forces: Array(repeating: .zero, count: n))
}

@Suite struct DataPreparationTests {
  @Test func referenceEnergiesByHand() {
    // Cu₂: −2 eV, CuAg: −3 eV  ⇒  μ_Cu = −1, μ_Ag = −2.
    let a = Structure(atomicNumbers: [29, 29], positions: [.zero, SIMD3(2, 0, 0)], energy: -2)
    let b = Structure(atomicNumbers: [29, 47], positions: [.zero, SIMD3(2, 0, 0)], energy: -3)
    let mu = fitReferenceEnergies([a, b], elements: [29, 47])
    #expect(abs(mu[0] + 1) < 1e-6 && abs(mu[1] + 2) < 1e-6)
  }

  @Test func referenceEnergiesRecoverKnownValuesByLeastSquares() {
    // Energies built from known μ plus noise that averages out: the fit is the least-squares
    // solution, checked against the normal equations solved by hand for one element:
    // μ = Σ n_s E_s / Σ n_s².
    let s = [copper(2, energy: -7.1), copper(4, energy: -14.2), copper(3, energy: -10.4)]
    let mu = fitReferenceEnergies(s, elements: [29])
    let expected = (2 * -7.1 + 4 * -14.2 + 3 * -10.4) / (4.0 + 16 + 9)
    #expect(abs(mu[0] - expected) < 1e-6)
  }

  @Test func energyScaleIsTheRMSOfForces() {
    var a = copper(2, energy: -1)
    a.forces = [SIMD3(1, 2, 2), SIMD3(0, 0, 0)]  // Σ|F|² = 9 over 6 components
    #expect(abs(energyScale([a], referenceEnergies: [:]) - (9.0 / 6).squareRoot()) < 1e-15)
  }

  @Test func emptyDatasetIsRefused() {
    #expect(throws: TrainingError.self) {
      try TrainingData(structures: [], splits: nil, source: "empty.h5", trainFraction: 0.8, validationFraction: 0.1, seed: 0)
    }
  }

  @Test func nanLabelsAreNamed() throws {
    var s = (0..<10).map { copper(2, energy: -Double($0)) }
    s[6].forces![1] = SIMD3(.nan, 0, 0)
    do {
      _ = try TrainingData(structures: s, splits: nil, source: "d.h5", trainFraction: 0.8, validationFraction: 0.1, seed: 0)
      Issue.record("NaN force accepted")
    } catch let e as TrainingError {
      #expect(e.description.contains("structure 6") && e.description.contains("atom 1"))
    }
    s[6].forces![1] = .zero
    s[3].energy = .infinity
    #expect(throws: TrainingError.self) {
      try TrainingData(structures: s, splits: nil, source: "d.h5", trainFraction: 0.8, validationFraction: 0.1, seed: 0)
    }
  }

  @Test func elementsMissingFromTrainingAreNamed() throws {
    var s = (0..<4).map { _ in copper(2, energy: -1) }
    s.append(Structure(atomicNumbers: [29, 47], positions: [.zero, SIMD3(2, 0, 0)], energy: -3))
    let splits = DatasetSplitsForTests.make(train: [0, 1, 2], validation: [3, 4])
    do {
      _ = try TrainingData(structures: s, splits: splits, source: "d.h5", trainFraction: 0.8, validationFraction: 0.1, seed: 0)
      Issue.record("missing element accepted")
    } catch let e as TrainingError {
      #expect(e.description.contains("Ag") && e.description.contains("structure 4"))
    }
  }

  @Test func tooSmallToValidate() {
    #expect(throws: TrainingError.self) {
      try TrainingData(structures: [copper(2, energy: -1)], splits: nil, source: "one.xyz", trainFraction: 0.8, validationFraction: 0.1, seed: 0)
    }
  }

  @Test func randomSplitCoversEverythingOnce() throws {
    let s = (0..<50).map { copper(2 + $0 % 3, energy: -Double($0)) }
    let d = try TrainingData(structures: s, splits: nil, source: "d", trainFraction: 0.8, validationFraction: 0.1, seed: 3)
    #expect(d.train.count == 40 && d.validation.count == 5 && d.test.count == 5)
    #expect(Set(d.train + d.validation + d.test) == Set(0..<50))
  }
}

import Datasets
enum DatasetSplitsForTests {
  static func make(train: [Int], validation: [Int]) -> DatasetSplits {
    DatasetSplits(train: train, validation: validation, test: [])
  }
}
