import Atomistic

// The one element-support rule: every potential, command and pipeline stage that refuses
// structures with elements a model or teacher does not know goes through `requireSupport`, so
// the refusal always reads the same (`PotentialError.unsupportedElements`).

/// The atomic numbers in `structure` that are not in `supported`, sorted, without repeats;
/// empty when `supported` is nil (any element).
public func unsupportedElements(in structure: Structure, supported: Set<Int>?) -> [Int] {
  guard let supported else { return [] }
  return Set(structure.atomicNumbers).subtracting(supported).sorted()
}

/// Checks that every atom of every structure is an element in `supported`.
/// - Parameters:
///   - structures: the structures, in order.
///   - supported: the atomic numbers allowed; nil allows any element.
///   - firstIndex: the index of `structures[0]` in the caller's numbering (a frame of a file,
///     a position in a larger batch), used in the error.
/// - Throws: `PotentialError.unsupportedElements` for the first structure with other elements,
///   naming its index and those elements.
public func requireSupport(_ structures: [Structure], supported: Set<Int>?, firstIndex: Int = 0) throws(PotentialError) {
  guard let supported else { return }
  for (k, structure) in structures.enumerated() {
    let unknown = unsupportedElements(in: structure, supported: supported)
    if !unknown.isEmpty {
      throw .unsupportedElements(index: firstIndex + k, atomicNumbers: unknown, supported: supported.sorted())
    }
  }
}

extension Potential {
  /// Checks that the potential supports every element of `structures`
  /// (`requireSupport(_:supported:firstIndex:)` with `supportedAtomicNumbers`).
  /// - Throws: `PotentialError.unsupportedElements` for the first structure it cannot handle.
  public func requireSupport(_ structures: [Structure], firstIndex: Int = 0) throws(PotentialError) {
    try Potentials.requireSupport(structures, supported: supportedAtomicNumbers, firstIndex: firstIndex)
  }
}

/// The one wording of an element refusal, e.g.
///
///     structure 1 contains U (atomic numbers [92]), which this potential does not support; it supports Ni, Cu, Au
///
/// - Parameters:
///   - atomicNumbers: the elements refused, sorted.
///   - supported: every element the potential supports, sorted.
///   - structure: the structure, as the reader knows it ("structure 1", "seeds.xyz, frame 1").
///   - potential: who refuses ("this potential", "the teacher 'emt'", "the model student.safetensors").
public func unsupportedElementsMessage(
  _ atomicNumbers: [Int], supported: [Int], structure: String, potential: String = "this potential"
) -> String {
  "\(structure) contains \(elementList(atomicNumbers)) (atomic numbers \(atomicNumbers)), which \(potential) does not "
    + "support; it supports \(elementList(supported))"
}

extension PotentialError {
  /// The description with the structure and the potential named as the caller knows them:
  /// for `.unsupportedElements`, `unsupportedElementsMessage` with `structure(index)` and
  /// `potential`; for the other cases, `description`.
  public func describing(structure: (Int) -> String, potential: String) -> String {
    guard case .unsupportedElements(let index, let z, let supported) = self else { return description }
    return unsupportedElementsMessage(z, supported: supported, structure: structure(index), potential: potential)
  }
}

/// "Cu, Au" for [29, 79] (atomic numbers outside the periodic table as "Z=n").
func elementList(_ atomicNumbers: [Int]) -> String {
  atomicNumbers.map { Elements.isKnown($0) ? Elements.symbol($0) : "Z=\($0)" }.joined(separator: ", ")
}
