import Atomistic
import PaiNN
import Potentials

/// One evaluation behind `mlff_compute` and `mlff_compute_batch`: checks the model file and the
/// input, runs the student on the whole batch, then writes every output asked for (nothing is
/// written when anything fails).
///
/// - Parameters:
///   - atomCounts: atoms of each structure, [S], already checked to be in range.
///   - energy: out [S], eV. - energies: out [N], eV. - forces: out [N × 3], eV/Å.
///   - stress: out [S × 6], eV/Å³, Voigt xx yy zz yz xz xy; NaN where a structure is not
///     periodic in all three directions.
///   - name: how errors name structure s.
func evaluate(
  _ model: LoadedModel, atomCounts: [Int], atomicNumbers: UnsafePointer<Int32>?,
  positions: UnsafePointer<Double>?, cells: UnsafePointer<Double>?, pbc: UnsafePointer<Int32>?,
  energy: UnsafeMutablePointer<Double>?, energies: UnsafeMutablePointer<Double>?,
  forces: UnsafeMutablePointer<Double>?, stress: UnsafeMutablePointer<Double>?,
  name: (Int) -> String
) throws(CFailure) {
  try model.requireUnchangedFile()
  let batch = try structures(
    atomCounts: atomCounts, atomicNumbers: atomicNumbers, positions: positions, cells: cells, pbc: pbc, name: name)
  for (s, structure) in batch.enumerated() {
    try requirePlausibleNeighbourCount(structure, cutoff: model.potential.model.configuration.cutoff, name: name(s))
  }
  var properties: PropertySet = [.energy]
  if energies != nil { properties.insert(.atomicEnergies) }
  if forces != nil { properties.insert(.forces) }
  if stress != nil { properties.insert(.stress) }
  let results: [Results]
  do {
    results = try model.potential.compute(batch, properties)
  } catch let error as PotentialError {
    if case .unsupportedElements = error {
      throw CFailure(.unsupportedElement, error.describing(structure: name, potential: "the model \(model.path)") + "; use a model trained on these elements")
    }
    throw CFailure(.invalidStructure, "\(error)")
  } catch {
    throw CFailure(.internal, "\(error)")
  }
  for (s, r) in results.enumerated() where !r.energy.isFinite {
    throw CFailure(.invalidStructure, "\(name(s)): the model gave a non-finite energy (\(r.energy) eV); check the structure (atoms on top of each other?)")
  }
  var atom = 0
  for (s, r) in results.enumerated() {
    let n = atomCounts[s]
    energy?[s] = r.energy
    if let energies, let e = r.atomicEnergies {
      for i in 0..<n { energies[atom + i] = e[i] }
    }
    if let forces, let f = r.forces {
      for i in 0..<n {
        forces[3 * (atom + i)] = f[i].x
        forces[3 * (atom + i) + 1] = f[i].y
        forces[3 * (atom + i) + 2] = f[i].z
      }
    }
    if let stress {
      for v in 0..<6 { stress[6 * s + v] = r.stress?[v] ?? .nan }
    }
    atom += n
  }
}
