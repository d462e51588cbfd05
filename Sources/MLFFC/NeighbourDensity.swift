import Atomistic

/// The most neighbours per atom a structure may imply before libmlff refuses it: stricter than
/// the neighbour list's own limit (`maximumImpliedNeighboursPerAtom`), since a student's cutoff
/// is short. Real matter has at most a few hundred within any cutoff a student uses
/// (close-packed metals: about 80 within 5 Å, 380 within 8 Å).
let maximumNeighboursPerAtom = 5000.0

/// Refuses a periodic structure whose cell is so small for the cutoff that each atom would have
/// more than `maximumNeighboursPerAtom` neighbours (`impliedNeighboursPerAtom`, which gives the
/// formulas).
/// - Parameters:
///   - cutoff: the model's r_c, Å.
///   - name: how the error names the structure.
/// - Throws: `CFailure` with `MLFF_ERROR_INVALID_STRUCTURE`, giving the cell's volume, the
///   density and the neighbour count it implies.
func requirePlausibleNeighbourCount(_ structure: Structure, cutoff: Double, name: String) throws(CFailure) {
  let neighbours = impliedNeighboursPerAtom(structure, cutoff: cutoff)
  guard neighbours > maximumNeighboursPerAtom else { return }
  let volume = structure.cell.volume
  if structure.isFullyPeriodic {
    throw CFailure(.invalidStructure, "\(name): its cell of \(volume) Å³ holds \(structure.count) atom(s) (\(Double(structure.count) / volume) atoms/Å³), so with the model's cutoff of \(cutoff) Å each atom would have about \(Int(neighbours.rounded())) neighbours, far more than any real material; check the cell (units of Å, rows = lattice vectors; a collapsed cell?)")
  }
  throw CFailure(.invalidStructure, "\(name): its cell is so thin along its periodic directions that with the model's cutoff of \(cutoff) Å each atom would see about \(Int(neighbours.rounded())) images of itself, far more than any real material; check the cell (units of Å, rows = lattice vectors)")
}
