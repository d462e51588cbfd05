import Atomistic
import Foundation
import Potentials

/// Predictions of a potential next to the reference labels of a set of structures, with the
/// error metrics; the content of `mlff eval`.
public struct Evaluation: Sendable {
  /// The labelled structures.
  public var references: [Structure]
  /// The potential's results, one per structure.
  public var predictions: [Results]
  /// Error metrics over all structures.
  public var metrics: ErrorMetrics

  /// Builds the evaluation from labels and predictions already computed.
  public init(references: [Structure], predictions: [Results]) {
    precondition(references.count == predictions.count, "\(references.count) references but \(predictions.count) predictions")
    self.references = references
    self.predictions = predictions
    var m = ErrorMetrics()
    for (r, p) in zip(references, predictions) { m.add(reference: r, predicted: p) }
    metrics = m
  }

  /// Evaluates `potential` on `structures` in batches.
  /// - Parameters:
  ///   - batchSize: most structures per call to the potential.
  ///   - maxAtoms: most atoms per call of more than one structure (nil: no cap), so that
  ///     large structures are computed one or a few at a time.
  ///   - progress: called with the number of structures done.
  public init(potential: any Potential, structures: [Structure], batchSize: Int = 16, maxAtoms: Int? = nil,
              progress: ((Int) -> Void)? = nil) throws {
    var results: [Results] = []
    results.reserveCapacity(structures.count)
    let wantStress = structures.contains { $0.stress != nil && $0.isFullyPeriodic }
    for chunk in evaluationChunks(atomCounts: structures.map(\.count), batchSize: batchSize, maxAtoms: maxAtoms) {
      let batch = structures[chunk].map(\.unlabelled)
      results += try potential.compute(batch, wantStress ? .all : .energyAndForces)
      progress?(chunk.upperBound)
    }
    self.init(references: structures, predictions: results)
  }

  /// The metrics as a JSON-ready dictionary in the units people quote: meV/atom, meV/Å,
  /// meV/Å³; NaN values (missing labels) become null.
  public var summary: EvaluationSummary { EvaluationSummary(metrics, structureCount: references.count, atomCount: references.reduce(0) { $0 + $1.count }) }

  /// Per-component force pairs (reference, predicted), eV/Å, for parity plots.
  public var forcePairs: (reference: [Double], predicted: [Double]) {
    var r: [Double] = [], p: [Double] = []
    for (s, res) in zip(references, predictions) {
      guard let f = s.forces, let g = res.forces else { continue }
      for i in f.indices {
        r += [f[i].x, f[i].y, f[i].z]
        p += [g[i].x, g[i].y, g[i].z]
      }
    }
    return (r, p)
  }

  /// Per-atom energy pairs (reference, predicted), eV/atom.
  public var energyPairs: (reference: [Double], predicted: [Double]) {
    var r: [Double] = [], p: [Double] = []
    for (s, res) in zip(references, predictions) {
      guard let e = s.energy, s.count > 0 else { continue }
      r.append(e / Double(s.count))
      p.append(res.energy / Double(s.count))
    }
    return (r, p)
  }

  /// Stress component pairs (reference, predicted), eV/Å³.
  public var stressPairs: (reference: [Double], predicted: [Double]) {
    var r: [Double] = [], p: [Double] = []
    for (s, res) in zip(references, predictions) {
      guard let a = s.stress, let b = res.stress else { continue }
      r += a
      p += b
    }
    return (r, p)
  }
}

/// Force errors of one element's atoms, as `EvaluationSummary` keeps them (eV/Å units).
public struct ElementForceErrors: Sendable, Hashable, Codable {
  /// Atoms of the element with a reference force.
  public var atoms: Int
  /// Force component MAE and RMSE, eV/Å.
  public var mae: Double?
  public var rmse: Double?
  /// Σ|ΔF_ic| / Σ|F_ic|, dimensionless.
  public var relative: Double?
  /// Mean cosine similarity of force vectors.
  public var cosine: Double?
  /// Fraction of atoms with |ΔF_i| < 5 % of |F_i|.
  public var withinTolerance: Double?

  enum CodingKeys: String, CodingKey {
    case atoms
    case mae = "mae_meV_per_A", rmse = "rmse_meV_per_A", relative = "relative_error", cosine
    case withinTolerance = "fraction_within_5_percent"
  }

  init(_ sums: ForceErrorSums) {
    func finite(_ x: Double) -> Double? { x.isFinite ? x : nil }
    atoms = sums.atoms
    mae = finite(sums.mae)
    rmse = finite(sums.rmse)
    relative = finite(sums.relative)
    cosine = finite(sums.cosine)
    withinTolerance = finite(sums.fractionWithinTolerance)
  }

  /// Writes MAE and RMSE in meV/Å (the keys say so).
  public func encode(to encoder: Encoder) throws {
    var c = encoder.container(keyedBy: CodingKeys.self)
    try c.encode(atoms, forKey: .atoms)
    try c.encodeIfPresent(mae.map { 1000 * $0 }, forKey: .mae)
    try c.encodeIfPresent(rmse.map { 1000 * $0 }, forKey: .rmse)
    try c.encodeIfPresent(relative, forKey: .relative)
    try c.encodeIfPresent(cosine, forKey: .cosine)
    try c.encodeIfPresent(withinTolerance, forKey: .withinTolerance)
  }

  /// Reads the meV figures back into eV.
  public init(from decoder: Decoder) throws {
    let c = try decoder.container(keyedBy: CodingKeys.self)
    atoms = try c.decode(Int.self, forKey: .atoms)
    mae = try c.decodeIfPresent(Double.self, forKey: .mae).map { $0 / 1000 }
    rmse = try c.decodeIfPresent(Double.self, forKey: .rmse).map { $0 / 1000 }
    relative = try c.decodeIfPresent(Double.self, forKey: .relative)
    cosine = try c.decodeIfPresent(Double.self, forKey: .cosine)
    withinTolerance = try c.decodeIfPresent(Double.self, forKey: .withinTolerance)
  }
}

/// Error figures of an evaluation, in the units of every interface (eV, Å, as `ErrorMetrics`).
///
/// The JSON written by `mlff eval --json` and `test_metrics.json` gives them in meV with the
/// unit in each key (`force_mae_meV_per_A`); the conversion happens only there and in
/// `tableRows`, nowhere in between.
///
/// The headline figure (`mlff distill`'s report, `mlff eval`'s first lines) is the force
/// component MAE; the relative force error, cosine similarity and fraction of atoms within 5 %
/// are shown beside it to say what that MAE means against the size of the forces.
public struct EvaluationSummary: Sendable, Hashable, Codable {
  /// What the headline figure is, in words (for reports and help texts).
  public static let headlineDescription = "force MAE (meV/Å, mean absolute error of force components)"

  public var structures: Int
  public var atoms: Int
  /// Energy per atom, eV/atom (nil without energy labels).
  public var energyMAE: Double?
  public var energyRMSE: Double?
  /// Force components, eV/Å.
  public var forceMAE: Double?
  public var forceRMSE: Double?
  /// Mean cosine similarity of force vectors.
  public var forceCosine: Double?
  /// Relative force error Σ|ΔF_ic| / Σ|F_ic| (force MAE ÷ mean |F| component of the reference).
  public var relativeForceError: Double?
  /// Fraction of atoms whose force error is under 5 % of the reference force's magnitude.
  public var forceWithinTolerance: Double?
  /// Stress components, eV/Å³.
  public var stressMAE: Double?
  public var stressRMSE: Double?
  /// Force MAE per element symbol, eV/Å.
  public var forceMAEByElement: [String: Double]
  /// Every force figure per element symbol.
  public var forcesByElement: [String: ElementForceErrors]

  enum CodingKeys: String, CodingKey {
    case structures, atoms
    case energyMAE = "energy_mae_meV_per_atom"
    case energyRMSE = "energy_rmse_meV_per_atom"
    case forceMAE = "force_mae_meV_per_A"
    case forceRMSE = "force_rmse_meV_per_A"
    case forceCosine = "force_cosine"
    case relativeForceError = "force_relative_error"
    case forceWithinTolerance = "force_fraction_within_5_percent"
    case stressMAE = "stress_mae_meV_per_A3"
    case stressRMSE = "stress_rmse_meV_per_A3"
    case forceMAEByElement = "force_mae_by_element_meV_per_A"
    case forcesByElement = "forces_by_element"
  }

  public init(_ m: ErrorMetrics, structureCount: Int, atomCount: Int) {
    func finite(_ x: Double) -> Double? { x.isFinite ? x : nil }
    structures = structureCount
    atoms = atomCount
    energyMAE = finite(m.energyMAE)
    energyRMSE = finite(m.energyRMSE)
    forceMAE = finite(m.forceMAE)
    forceRMSE = finite(m.forceRMSE)
    forceCosine = finite(m.forceCosine)
    relativeForceError = finite(m.relativeForceError)
    forceWithinTolerance = finite(m.forceFractionWithinTolerance)
    stressMAE = finite(m.stressMAE)
    stressRMSE = finite(m.stressRMSE)
    var byElement: [String: Double] = [:], all: [String: ElementForceErrors] = [:]
    for (z, sums) in m.forcesByElement {
      byElement[Elements.symbol(z)] = sums.mae
      all[Elements.symbol(z)] = ElementForceErrors(sums)
    }
    forceMAEByElement = byElement
    forcesByElement = all
  }

  /// Writes the errors in meV (the keys say so).
  public func encode(to encoder: Encoder) throws {
    var c = encoder.container(keyedBy: CodingKeys.self)
    try c.encode(structures, forKey: .structures)
    try c.encode(atoms, forKey: .atoms)
    try c.encodeIfPresent(energyMAE.map { 1000 * $0 }, forKey: .energyMAE)
    try c.encodeIfPresent(energyRMSE.map { 1000 * $0 }, forKey: .energyRMSE)
    try c.encodeIfPresent(forceMAE.map { 1000 * $0 }, forKey: .forceMAE)
    try c.encodeIfPresent(forceRMSE.map { 1000 * $0 }, forKey: .forceRMSE)
    try c.encodeIfPresent(forceCosine, forKey: .forceCosine)
    try c.encodeIfPresent(relativeForceError, forKey: .relativeForceError)
    try c.encodeIfPresent(forceWithinTolerance, forKey: .forceWithinTolerance)
    try c.encodeIfPresent(stressMAE.map { 1000 * $0 }, forKey: .stressMAE)
    try c.encodeIfPresent(stressRMSE.map { 1000 * $0 }, forKey: .stressRMSE)
    try c.encode(forceMAEByElement.mapValues { 1000 * $0 }, forKey: .forceMAEByElement)
    try c.encode(forcesByElement, forKey: .forcesByElement)
  }

  /// Reads the meV figures back into eV (files written before the accuracy figures existed
  /// read with those left nil).
  public init(from decoder: Decoder) throws {
    let c = try decoder.container(keyedBy: CodingKeys.self)
    func eV(_ key: CodingKeys) throws -> Double? { try c.decodeIfPresent(Double.self, forKey: key).map { $0 / 1000 } }
    structures = try c.decode(Int.self, forKey: .structures)
    atoms = try c.decode(Int.self, forKey: .atoms)
    energyMAE = try eV(.energyMAE)
    energyRMSE = try eV(.energyRMSE)
    forceMAE = try eV(.forceMAE)
    forceRMSE = try eV(.forceRMSE)
    forceCosine = try c.decodeIfPresent(Double.self, forKey: .forceCosine)
    relativeForceError = try c.decodeIfPresent(Double.self, forKey: .relativeForceError)
    forceWithinTolerance = try c.decodeIfPresent(Double.self, forKey: .forceWithinTolerance)
    stressMAE = try eV(.stressMAE)
    stressRMSE = try eV(.stressRMSE)
    forceMAEByElement = try c.decode([String: Double].self, forKey: .forceMAEByElement).mapValues { $0 / 1000 }
    forcesByElement = try c.decodeIfPresent([String: ElementForceErrors].self, forKey: .forcesByElement) ?? [:]
  }

  /// The summary as pretty JSON with sorted keys.
  public func json() throws -> String {
    let e = JSONEncoder()
    e.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    return String(decoding: try e.encode(self), as: UTF8.self) + "\n"
  }

  /// Rows (quantity, MAE, RMSE) for a table, in meV units (named in the first column).
  public var tableRows: [[String]] {
    func f(_ x: Double?) -> String { x.map { String(format: "%.3f", 1000 * $0) } ?? "—" }
    var rows = [
      ["energy (meV/atom)", f(energyMAE), f(energyRMSE)],
      ["forces (meV/Å)", f(forceMAE), f(forceRMSE)],
    ]
    if stressMAE != nil { rows.append(["stress (meV/Å³)", f(stressMAE), f(stressRMSE)]) }
    return rows
  }

  /// Rows (figure, value) of the force accuracy against the reference: relative error, cosine
  /// similarity, fraction of atoms within 5 %.
  public var accuracyRows: [[String]] {
    func percent(_ x: Double?) -> String { x.map { String(format: "%.2f %%", 100 * $0) } ?? "—" }
    return [
      ["relative force error (force MAE ÷ mean |F| component of the reference)", percent(relativeForceError)],
      ["force cosine similarity (mean over atoms)", forceCosine.map { String(format: "%.4f", $0) } ?? "—"],
      ["atoms with force error < 5 % of |F| of the reference", percent(forceWithinTolerance)],
    ]
  }

  /// Header and rows of the per-element force table: element, atoms, MAE, RMSE (meV/Å),
  /// relative error, cosine, fraction within 5 %; elements in atomic-number order.
  public var elementTable: (header: [String], rows: [[String]]) {
    func meV(_ x: Double?) -> String { x.map { String(format: "%.2f", 1000 * $0) } ?? "—" }
    func percent(_ x: Double?) -> String { x.map { String(format: "%.1f %%", 100 * $0) } ?? "—" }
    let rows = forcesByElement.sorted { (Elements.atomicNumber($0.key) ?? 0) < (Elements.atomicNumber($1.key) ?? 0) }
      .map { symbol, e in
        [symbol, "\(e.atoms)", meV(e.mae), meV(e.rmse), percent(e.relative),
         e.cosine.map { String(format: "%.4f", $0) } ?? "—", percent(e.withinTolerance)]
      }
    return (["element", "atoms", "force MAE (meV/Å)", "force RMSE (meV/Å)", "relative error", "cosine", "within 5 %"], rows)
  }
}
