import Atomistic
import Basics
import Datasets
import Foundation

/// The structures of a run with their splits, checked for everything that would make
/// training fail or silently go wrong.
public struct TrainingData: Sendable {
  /// All structures (dataset order).
  public var structures: [Structure]
  /// Positions of the training, validation and test structures in `structures`.
  public var train: [Int]
  public var validation: [Int]
  public var test: [Int]
  /// Where the data came from (for messages).
  public var source: String

  /// Atoms of each structure.
  public var atomCounts: [Int] { structures.map(\.count) }

  /// Elements of the training split, ascending.
  public var elements: [Int] { Set(train.flatMap { structures[$0].atomicNumbers }).sorted() }

  /// Checks and splits the data.
  ///
  /// Uses the dataset's own splits when it has them, otherwise a random split with the given
  /// fractions and seed.
  /// - Throws: `TrainingError` for an empty dataset, a structure without atoms or energy,
  ///   NaN or infinite labels (naming the structure), elements in the validation or test split
  ///   that the training split lacks, and splits too small to train or validate.
  public init(structures: [Structure], splits: DatasetSplits?, source: String,
              trainFraction: Double, validationFraction: Double, seed: UInt64) throws {
    guard !structures.isEmpty else {
      throw TrainingError("\(source) contains no structures; label some with `mlff label` first")
    }
    for (k, s) in structures.enumerated() {
      let at = "\(source), structure \(k)"
      if s.count == 0 { throw TrainingError("\(at) has no atoms; remove it from the dataset") }
      guard let e = s.energy else {
        throw TrainingError("\(at) has no energy label; label the dataset with `mlff label` (or remove unlabelled structures)")
      }
      if !e.isFinite { throw TrainingError("\(at) has a non-finite energy (\(e)); relabel or remove it") }
      if let f = s.forces {
        if let i = f.firstIndex(where: { !($0.x.isFinite && $0.y.isFinite && $0.z.isFinite) }) {
          throw TrainingError("\(at) has a non-finite force on atom \(i) (\(f[i])); relabel or remove it")
        }
      }
      if let st = s.stress, st.contains(where: { !$0.isFinite }) {
        throw TrainingError("\(at) has a non-finite stress \(st); relabel or remove it")
      }
      if s.positions.contains(where: { !($0.x.isFinite && $0.y.isFinite && $0.z.isFinite) }) {
        throw TrainingError("\(at) has non-finite positions; fix or remove it")
      }
    }
    self.structures = structures
    self.source = source
    if let splits, !splits.train.isEmpty {
      train = splits.train
      validation = splits.validation
      test = splits.test
    } else {
      let n = structures.count
      guard n >= 2 else {
        throw TrainingError("\(source) has only \(n) structure: at least 2 are needed, one to train on and one to validate")
      }
      var rng = SplitMix64(seed: seed ^ 0x5EED_5EED)
      let order = rng.permutation(of: n)
      let nValidation = max(1, Int((validationFraction * Double(n)).rounded()))
      let nTrain = max(1, min(n - nValidation, Int((trainFraction * Double(n)).rounded())))
      train = Array(order[0..<nTrain]).sorted()
      validation = Array(order[nTrain..<(nTrain + nValidation)]).sorted()
      test = Array(order[(nTrain + nValidation)...]).sorted()
    }
    guard !train.isEmpty else {
      throw TrainingError("the training split of \(source) is empty; give more structures or a larger training fraction")
    }
    guard !validation.isEmpty else {
      throw TrainingError("the validation split of \(source) is empty, so training cannot be validated or stopped early; use at least 2 structures and a validation fraction that gives at least one (e.g. --split 0.8,0.1,0.1)")
    }
    let known = Set(elements)
    for (name, split) in [("validation", validation), ("test", test)] {
      for k in split {
        let missing = Set(structures[k].atomicNumbers).subtracting(known)
        if !missing.isEmpty {
          let symbols = missing.sorted().map { Elements.symbol($0) }.joined(separator: ", ")
          throw TrainingError("\(source), structure \(k) (\(name) split) contains \(symbols), which no training structure has; the model could not learn it. Add structures with \(symbols) to the training split or re-split the dataset")
        }
      }
    }
  }

  /// Training, validation and (optionally) test structures from separate files; every
  /// structure of `train` is trained on.
  public static func read(train: URL, validation: URL, test: URL?) throws -> TrainingData {
    func load(_ url: URL) throws -> [Structure] {
      switch url.pathExtension.lowercased() {
      case "h5", "hdf5": return try Dataset.read(url).structures
      case "xyz", "extxyz": return try ExtXYZ.read(url)
      default:
        throw TrainingError("\(url.path): unknown data format '.\(url.pathExtension)'; give a dataset (.h5) or an extended XYZ file (.xyz, .extxyz)")
      }
    }
    let a = try load(train), b = try load(validation), c = try test.map(load) ?? []
    guard !a.isEmpty else { throw TrainingError("\(train.path) contains no structures; give labelled structures to train on") }
    guard !b.isEmpty else { throw TrainingError("\(validation.path) contains no structures; the validation file needs at least one") }
    let splits = DatasetSplits(
      train: Array(0..<a.count), validation: Array(a.count..<(a.count + b.count)),
      test: Array((a.count + b.count)..<(a.count + b.count + c.count)))
    return try TrainingData(structures: a + b + c, splits: splits, source: train.path,
                            trainFraction: 1, validationFraction: 0, seed: 0)
  }

  /// Reads `.h5` (dataset) or `.xyz`/`.extxyz` files.
  /// - Throws: the reader's error (naming file and frame), or `TrainingError` for an unknown
  ///   extension.
  public static func read(_ url: URL, trainFraction: Double, validationFraction: Double, seed: UInt64) throws -> TrainingData {
    let ext = url.pathExtension.lowercased()
    switch ext {
    case "h5", "hdf5":
      let d = try Dataset.read(url)
      return try TrainingData(structures: d.structures, splits: d.splits, source: url.path,
                              trainFraction: trainFraction, validationFraction: validationFraction, seed: seed)
    case "xyz", "extxyz":
      let s = try ExtXYZ.read(url)
      return try TrainingData(structures: s, splits: nil, source: url.path,
                              trainFraction: trainFraction, validationFraction: validationFraction, seed: seed)
    default:
      throw TrainingError("\(url.path): unknown data format '.\(ext)'; give a dataset (.h5) or an extended XYZ file (.xyz, .extxyz)")
    }
  }
}
