import Basics
import Foundation

/// The fractions of a dataset put in the training, validation and test splits.
public struct SplitFractions: Sendable, Hashable, CustomStringConvertible {
  /// Fraction for training, in [0, 1].
  public var train: Double
  /// Fraction for validation (early stopping, model selection), in [0, 1].
  public var validation: Double
  /// Fraction held out for testing, in [0, 1].
  public var test: Double

  public init(train: Double, validation: Double, test: Double) {
    self.train = train
    self.validation = validation
    self.test = test
  }

  /// 80 % / 10 % / 10 %.
  public static let standard = SplitFractions(train: 0.8, validation: 0.1, test: 0.1)

  /// Parses "0.8,0.1,0.1" (train, validation, test); the sum must not exceed 1.
  /// - Throws: `DatasetError` (.invalidArgument) saying what to type instead.
  public init(parsing text: String) throws {
    let parts = text.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
    let values = parts.compactMap(Double.init)
    guard parts.count == 3, values.count == 3 else {
      throw DatasetError(.invalidArgument, message: "split '\(text)' is not three comma-separated fractions",
                         hint: "Give train,validation,test fractions, e.g. --split 0.8,0.1,0.1")
    }
    self.init(train: values[0], validation: values[1], test: values[2])
    try validate()
  }

  /// Checks that every fraction is in [0, 1] and that they sum to at most 1 (+1e-9).
  public func validate() throws {
    for (name, value) in [("train", train), ("validation", validation), ("test", test)] where !(value >= 0 && value <= 1) {
      throw DatasetError(.invalidArgument, message: "the \(name) fraction \(value) is not between 0 and 1",
                         hint: "Give train,validation,test fractions, e.g. 0.8,0.1,0.1")
    }
    guard train + validation + test <= 1 + 1e-9 else {
      throw DatasetError(.invalidArgument, message: "split fractions \(self) sum to \(train + validation + test), more than 1",
                         hint: "Make train + validation + test at most 1, e.g. 0.8,0.1,0.1")
    }
  }

  /// "0.8,0.1,0.1".
  public var description: String { "\(train),\(validation),\(test)" }
}

/// Which split a structure belongs to.
public enum SplitName: String, Sendable, CaseIterable {
  case train, validation, test
}

/// Train/validation/test index sets over a dataset's structures (0-based, each sorted ascending,
/// pairwise disjoint), and how they were made.
public struct DatasetSplits: Sendable, Hashable {
  /// Structure indices used for training.
  public var train: [Int]
  /// Structure indices used for validation.
  public var validation: [Int]
  /// Structure indices held out for testing.
  public var test: [Int]
  /// The seed of `random(count:fractions:seed:)` when the splits were made by it; nil for given splits.
  public var seed: UInt64?
  /// The fractions they were made with; nil for given splits.
  public var fractions: SplitFractions?

  public init(train: [Int], validation: [Int], test: [Int], seed: UInt64? = nil, fractions: SplitFractions? = nil) {
    self.train = train
    self.validation = validation
    self.test = test
    self.seed = seed
    self.fractions = fractions
  }

  /// The indices of one split.
  public subscript(split: SplitName) -> [Int] {
    switch split {
    case .train: return train
    case .validation: return validation
    case .test: return test
    }
  }

  /// Random splits, identical for the same `(count, fractions, seed)` on every platform.
  ///
  /// A Fisher–Yates permutation of `0..<count` from `Xoshiro256StarStar(seed:)` is cut into
  /// consecutive blocks: validation gets `round(count · fractions.validation)`, test gets
  /// `round(count · fractions.test)`, training gets the rest when the fractions sum to 1 and
  /// `round(count · fractions.train)` otherwise (the remainder is then in no split). Each block
  /// is sorted ascending.
  /// - Parameters:
  ///   - count: number of structures, ≥ 0.
  ///   - fractions: must pass `validate()` (a programmer error otherwise).
  ///   - seed: any 64-bit value.
  public static func random(count: Int, fractions: SplitFractions, seed: UInt64) -> DatasetSplits {
    precondition(count >= 0, "count must be non-negative")
    precondition((try? fractions.validate()) != nil, "invalid split fractions \(fractions)")
    var generator = Xoshiro256StarStar(seed: seed)
    let order = generator.permutation(of: count)
    let n = Double(count)
    let nValidation = min(count, Int((n * fractions.validation).rounded()))
    let nTest = min(count - nValidation, Int((n * fractions.test).rounded()))
    let rest = count - nValidation - nTest
    let sum = fractions.train + fractions.validation + fractions.test
    let nTrain = abs(sum - 1) <= 1e-9 ? rest : min(rest, Int((n * fractions.train).rounded()))
    return DatasetSplits(
      train: order[0..<nTrain].sorted(),
      validation: order[nTrain..<(nTrain + nValidation)].sorted(),
      test: order[(nTrain + nValidation)..<(nTrain + nValidation + nTest)].sorted(),
      seed: seed, fractions: fractions)
  }

  /// Random splits from a `(train, validation, test)` tuple; see `random(count:fractions:seed:)`.
  public static func random(count: Int, fractions: (train: Double, validation: Double, test: Double), seed: UInt64) -> DatasetSplits {
    random(count: count, fractions: SplitFractions(train: fractions.train, validation: fractions.validation, test: fractions.test), seed: seed)
  }

  /// Checks that every index is in `0..<count` and that no structure is in two splits (or twice).
  /// - Parameter file: named in the error when the splits came from a file.
  public func validate(count: Int, file: String? = nil) throws {
    var seen = [SplitName?](repeating: nil, count: count)
    for split in SplitName.allCases {
      for index in self[split] {
        guard index >= 0 && index < count else {
          throw DatasetError(.malformed, file: file, object: "splits/\(split.rawValue)",
                             message: "index \(index) is outside 0..<\(count) (the number of structures)",
                             hint: "Indices are 0-based structure numbers")
        }
        if let other = seen[index] {
          throw DatasetError(.malformed, file: file, object: "splits/\(split.rawValue)",
                             message: "structure \(index) is also in '\(other.rawValue)'",
                             hint: "A structure may be in one split only, else test errors leak into training")
        }
        seen[index] = split
      }
    }
  }
}
