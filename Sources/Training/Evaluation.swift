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

/// Error figures of an evaluation, in the units of every interface (eV, Å, as `ErrorMetrics`).
///
/// The JSON written by `mlff eval --json` and `test_metrics.json` gives them in meV with the
/// unit in each key (`force_mae_meV_per_A`); the conversion happens only there and in
/// `tableRows`, nowhere in between.
public struct EvaluationSummary: Sendable, Hashable, Codable {
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
  /// Stress components, eV/Å³.
  public var stressMAE: Double?
  public var stressRMSE: Double?
  /// Force MAE per element symbol, eV/Å.
  public var forceMAEByElement: [String: Double]

  enum CodingKeys: String, CodingKey {
    case structures, atoms
    case energyMAE = "energy_mae_meV_per_atom"
    case energyRMSE = "energy_rmse_meV_per_atom"
    case forceMAE = "force_mae_meV_per_A"
    case forceRMSE = "force_rmse_meV_per_A"
    case forceCosine = "force_cosine"
    case stressMAE = "stress_mae_meV_per_A3"
    case stressRMSE = "stress_rmse_meV_per_A3"
    case forceMAEByElement = "force_mae_by_element_meV_per_A"
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
    stressMAE = finite(m.stressMAE)
    stressRMSE = finite(m.stressRMSE)
    var byElement: [String: Double] = [:]
    for (z, v) in m.forceMAEByElement { byElement[Elements.symbol(z)] = v }
    forceMAEByElement = byElement
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
    try c.encodeIfPresent(stressMAE.map { 1000 * $0 }, forKey: .stressMAE)
    try c.encodeIfPresent(stressRMSE.map { 1000 * $0 }, forKey: .stressRMSE)
    try c.encode(forceMAEByElement.mapValues { 1000 * $0 }, forKey: .forceMAEByElement)
  }

  /// Reads the meV figures back into eV.
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
    stressMAE = try eV(.stressMAE)
    stressRMSE = try eV(.stressRMSE)
    forceMAEByElement = try c.decode([String: Double].self, forKey: .forceMAEByElement).mapValues { $0 / 1000 }
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
}
