import Atomistic

/// The most neighbours per atom a structure may imply before it is refused. Real matter has at
/// most a few hundred within any cutoff a student uses (close-packed metals: about 80 within
/// 5 Å, 380 within 8 Å); a cell given in the wrong units or collapsed by a run that went wrong
/// implies millions, whose neighbour list would not fit in memory.
let maximumNeighboursPerAtom = 5000.0

/// Refuses a periodic structure whose cell is so small for the cutoff that its neighbour list
/// could not be built: the expected number of neighbours of an atom,
///
///     fully periodic:      n̄ = (N / V) · (4/3) π r_c³
///     partly periodic:     n̄ ≥ Π_k (2 r_c / h_k + 1) over the periodic directions k,
///
/// where h_k = V / |a_i × a_j| is the spacing of the lattice planes along a_k (the images of
/// one atom within r_c), must stay below `maximumNeighboursPerAtom`.
/// - Parameters:
///   - cutoff: the model's r_c, Å.
///   - name: how the error names the structure.
/// - Throws: `CFailure` with `MLFF_ERROR_INVALID_STRUCTURE`, giving the cell's volume, the
///   density and the neighbour count it implies.
func requirePlausibleNeighbourCount(_ structure: Structure, cutoff: Double, name: String) throws(CFailure) {
  guard structure.isPeriodic, structure.count > 0 else { return }
  let cell = structure.cell
  let volume = cell.volume
  let sphere = 4.0 / 3.0 * Double.pi * cutoff * cutoff * cutoff
  if structure.isFullyPeriodic {
    let neighbours = Double(structure.count) / volume * sphere
    guard neighbours <= maximumNeighboursPerAtom else {
      throw CFailure(.invalidStructure, "\(name): its cell of \(volume) Å³ holds \(structure.count) atom(s) (\(Double(structure.count) / volume) atoms/Å³), so with the model's cutoff of \(cutoff) Å each atom would have about \(Int(neighbours.rounded())) neighbours, far more than any real material; check the cell (units of Å, rows = lattice vectors; a collapsed cell?)")
    }
    return
  }
  let vectors = [cell.a1, cell.a2, cell.a3]
  var images = 1.0
  for k in 0..<3 where structure.pbc[k] {
    let across = length(cross(vectors[(k + 1) % 3], vectors[(k + 2) % 3]))
    // A plane spacing cannot be defined when the other two vectors are parallel or zero; the
    // neighbour list refuses such a cell itself.
    guard across > 0, volume > 0 else { continue }
    images *= 2 * cutoff / (volume / across) + 1
  }
  guard images <= maximumNeighboursPerAtom else {
    throw CFailure(.invalidStructure, "\(name): its cell is so thin along its periodic directions that with the model's cutoff of \(cutoff) Å each atom would see about \(Int(images.rounded())) images of itself, far more than any real material; check the cell (units of Å, rows = lattice vectors)")
  }
}
