import Atomistic

/// How much the members of a committee disagree on one structure.
public struct CommitteeDeviation: Sendable, Hashable {
  /// Maximum over atoms of the force deviation, eV/Å:
  /// `max_i √( (1/K) Σ_k |F_i^k − F̄_i|² )` — DP-GEN's `max_devi_f`.
  public var maxForceDeviation: Double
  /// Mean over atoms of the same per-atom force deviation, eV/Å.
  public var meanForceDeviation: Double
  /// Standard deviation of the members' energies per atom, eV/atom:
  /// `√( (1/K) Σ_k (E^k − Ē)² ) / N`.
  public var energyDeviationPerAtom: Double

  public init(maxForceDeviation: Double, meanForceDeviation: Double, energyDeviationPerAtom: Double) {
    self.maxForceDeviation = maxForceDeviation
    self.meanForceDeviation = meanForceDeviation
    self.energyDeviationPerAtom = energyDeviationPerAtom
  }
}

/// A committee of potentials (students trained with different seeds) acting as one.
///
/// Energy, forces and stress are the members' means — `Ē = (1/K) Σ_k E^k`, and likewise for
/// forces and stress, so the mean forces are still −∂Ē/∂R and MD with the committee conserves
/// energy (per-atom energies, when asked, are the members' means too). The spread of the members' forces measures how uncertain the student is on a
/// structure (query by committee, as DP-GEN does for active learning).
public final class CommitteePotential: Potential {
  /// The members, K ≥ 2.
  public let members: [any Potential]

  /// - Parameter members: at least two potentials that know the same elements.
  public init(members: [any Potential]) throws {
    guard members.count >= 2 else {
      throw PotentialError.failed("a committee needs at least two members, got \(members.count)")
    }
    self.members = members
  }

  /// The largest member cutoff, Å.
  public var cutoff: Double? { members.compactMap(\.cutoff).max() }

  /// Elements every member supports (nil when none restricts them).
  public var supportedAtomicNumbers: Set<Int>? {
    let sets = members.compactMap(\.supportedAtomicNumbers)
    guard var common = sets.first else { return nil }
    for s in sets.dropFirst() { common.formIntersection(s) }
    return common
  }

  public func compute(_ structures: [Structure], _ properties: PropertySet) throws -> [Results] {
    try computeWithDeviation(structures, properties).map(\.results)
  }

  /// Mean results and the committee's disagreement for each structure.
  /// Forces are always computed (the deviation needs them).
  public func computeWithDeviation(
    _ structures: [Structure], _ properties: PropertySet
  ) throws -> [(results: Results, deviation: CommitteeDeviation)] {
    var wanted = properties
    wanted.insert(.forces)
    wanted.insert(.energy)
    let perMember = try members.map { try $0.compute(structures, wanted) }
    let k = Double(members.count)
    return structures.indices.map { s in
      let n = structures[s].count
      let energies = perMember.map { $0[s].energy }
      let meanEnergy = energies.reduce(0, +) / k
      let energySpread = (energies.map { ($0 - meanEnergy) * ($0 - meanEnergy) }.reduce(0, +) / k).squareRoot()
      var meanForces = [SIMD3<Double>](repeating: .zero, count: n)
      for m in perMember { for i in 0..<n { meanForces[i] += m[s].forces![i] } }
      for i in 0..<n { meanForces[i] /= k }
      var maxDev = 0.0
      var sumDev = 0.0
      for i in 0..<n {
        var sq = 0.0
        for m in perMember {
          let d = m[s].forces![i] - meanForces[i]
          sq += dot(d, d)
        }
        let dev = (sq / k).squareRoot()
        maxDev = max(maxDev, dev)
        sumDev += dev
      }
      var meanStress: [Double]? = nil
      if properties.contains(.stress), perMember.allSatisfy({ $0[s].stress != nil }) {
        var acc = [Double](repeating: 0, count: 6)
        for m in perMember { for v in 0..<6 { acc[v] += m[s].stress![v] } }
        meanStress = acc.map { $0 / k }
      }
      var meanAtomicEnergies: [Double]? = nil
      if properties.contains(.atomicEnergies), perMember.allSatisfy({ $0[s].atomicEnergies != nil }) {
        var acc = [Double](repeating: 0, count: n)
        for m in perMember { for i in 0..<n { acc[i] += m[s].atomicEnergies![i] } }
        meanAtomicEnergies = acc.map { $0 / k }
      }
      let results = Results(
        energy: meanEnergy, forces: properties.contains(.forces) ? meanForces : nil, stress: meanStress,
        atomicEnergies: meanAtomicEnergies)
      let deviation = CommitteeDeviation(
        maxForceDeviation: maxDev, meanForceDeviation: n > 0 ? sumDev / Double(n) : 0,
        energyDeviationPerAtom: n > 0 ? energySpread / Double(n) : 0)
      return (results, deviation)
    }
  }
}
