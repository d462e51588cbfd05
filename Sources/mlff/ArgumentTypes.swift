import ArgumentParser
import Atomistic
import Datasets
import Distillation
import Foundation
import PaiNN
import Training

// The command line's value types: every option whose value is one of a few words, a list or a
// duration is typed here, so ArgumentParser checks it, names the allowed values in `--help`
// ("values: float, double") and refuses a wrong one with the option's help. Words are matched
// without regard to case everywhere (`--preset Small`, `--precision DOUBLE`).
//
// The library enums are made arguments here rather than in their modules, which know nothing of
// the command line. (These are not `@retroactive`: the types are in the same package.)

// MARK: - Library enums as arguments

extension PaiNNPrecision: ExpressibleByArgument {
  public init?(argument: String) { self.init(rawValue: argument.lowercased()) }
}

extension PaiNNPreset: ExpressibleByArgument {
  public init?(argument: String) { self.init(rawValue: argument.lowercased()) }
}

extension PaiNNActivationStorage: ExpressibleByArgument {
  public init?(argument: String) { self.init(rawValue: argument.lowercased()) }
}

extension RadialBasisKind: ExpressibleByArgument {
  public init?(argument: String) { self.init(rawValue: argument.lowercased()) }
}

extension SplitName: ExpressibleByArgument {
  public init?(argument: String) { self.init(rawValue: argument.lowercased()) }
}

extension ScheduleKind: ExpressibleByArgument {
  public init?(argument: String) { self.init(rawValue: argument.lowercased()) }
}

extension LossKind: ExpressibleByArgument {
  public init?(argument: String) { self.init(rawValue: argument.lowercased()) }
}

/// `--until` of `mlff distill`: the stage names as the run folder's `state.json` writes them
/// (`active_learning`); `active-learning` is accepted too.
extension DistillStage: ExpressibleByArgument {
  public init?(argument: String) {
    self.init(rawValue: argument.lowercased().replacingOccurrences(of: "-", with: "_"))
  }
}

/// `--dtype`: `f64` (also `float64`, `double`) or `f32` (also `float32`, `float`).
extension SafeTensorsDType: ExpressibleByArgument {
  public init?(argument: String) {
    switch argument.lowercased() {
    case "f64", "float64", "double": self = .f64
    case "f32", "float32", "float": self = .f32
    default: return nil
    }
  }
  public var defaultValueDescription: String { rawValue.lowercased() }
  public static var allValueStrings: [String] { ["f64", "f32"] }
  public static var defaultCompletionKind: CompletionKind { .list(allValueStrings) }
}

// MARK: - Command-line enums

/// `--ensemble` of `mlff md`.
enum EnsembleChoice: String, CaseIterable, ExpressibleByArgument {
  /// Velocity Verlet, constant energy.
  case nve
  /// The same as `nvt-langevin`.
  case nvt
  /// Langevin dynamics, BAOAB splitting.
  case nvtLangevin = "nvt-langevin"
  /// Nosé–Hoover chain.
  case nvtNH = "nvt-nh"

  init?(argument: String) { self.init(rawValue: argument.lowercased()) }

  /// True for the thermostatted ensembles.
  var isThermostatted: Bool { self != .nve }
}

/// `--split` of `mlff eval`: every structure, or one split of a dataset.
enum SplitSelection: ExpressibleByArgument, CaseIterable, Hashable {
  case all
  case split(SplitName)

  static var allCases: [SplitSelection] { [.all] + SplitName.allCases.map(SplitSelection.split) }

  init?(argument: String) {
    if argument.lowercased() == "all" {
      self = .all
    } else if let name = SplitName(argument: argument) {
      self = .split(name)
    } else {
      return nil
    }
  }

  var defaultValueDescription: String {
    switch self {
    case .all: return "all"
    case .split(let name): return name.rawValue
    }
  }

  static var allValueStrings: [String] { allCases.map(\.defaultValueDescription) }
}

/// A property a teacher computes (`mlff label --properties`).
enum PropertyName: String, CaseIterable, ExpressibleByArgument {
  case energy, forces, stress
  init?(argument: String) { self.init(rawValue: argument.lowercased()) }
}

/// A chemical element given by symbol (`Cu`, case-insensitive) or atomic number (`29`).
struct ElementArgument: ExpressibleByArgument, Hashable {
  /// Atomic number, 1…`Elements.maximumAtomicNumber`.
  var atomicNumber: Int

  init?(argument: String) {
    let item = argument.trimmingCharacters(in: .whitespaces)
    if let z = Int(item) {
      guard z >= 1 && z <= Elements.maximumAtomicNumber else { return nil }
      atomicNumber = z
    } else if let z = Elements.atomicNumber(item) ?? Elements.atomicNumber(caseInsensitive: item) {
      atomicNumber = z
    } else {
      return nil
    }
  }
}

// MARK: - Durations and lists

/// A wall-clock duration written as `90s`, `20m`, `1.5h`, `1h30m` or `2d` (a bare number is
/// seconds), as `parseDuration` reads it.
struct DurationArgument: ExpressibleByArgument, Hashable {
  /// The text as given, kept for settings files that store it.
  var text: String
  /// The duration, s (≥ 0).
  var seconds: Double

  init?(argument: String) {
    guard let seconds = parseDuration(argument) else { return nil }
    self.text = argument
    self.seconds = seconds
  }

  var defaultValueDescription: String { text }
}

/// A comma-separated list of values of one type, e.g. `--temperatures 300,600,900` or
/// `--supercell 2,2,2`; spaces around the commas are allowed. An empty list, an empty item or
/// an item that is not a `Element` makes the whole value invalid.
struct CommaSeparated<Element: ExpressibleByArgument>: ExpressibleByArgument {
  /// The items, in the order given.
  var values: [Element]

  init(_ values: [Element]) { self.values = values }

  init?(argument: String) {
    var values: [Element] = []
    for part in argument.split(separator: ",", omittingEmptySubsequences: false) {
      guard let value = Element(argument: part.trimmingCharacters(in: .whitespaces)) else { return nil }
      values.append(value)
    }
    guard !values.isEmpty else { return nil }
    self.values = values
  }

  var defaultValueDescription: String { values.map(\.defaultValueDescription).joined(separator: ",") }
}

extension CommaSeparated: Equatable where Element: Equatable {}
extension CommaSeparated: Hashable where Element: Hashable {}

/// A closed temperature range written `LOW:HIGH`, K, e.g. `0:2000`.
struct TemperatureRange: ExpressibleByArgument, Hashable {
  /// The range, K (0 ≤ low ≤ high).
  var range: ClosedRange<Double>

  init?(argument: String) {
    let parts = argument.split(separator: ":", omittingEmptySubsequences: false)
      .map { Double($0.trimmingCharacters(in: .whitespaces)) }
    guard parts.count == 2, let low = parts[0], let high = parts[1], low >= 0, low <= high, high.isFinite else { return nil }
    range = low...high
  }

  var defaultValueDescription: String { "\(range.lowerBound):\(range.upperBound)" }
}

// MARK: - Label shards

/// `--shard K/N`: the K-th (0-based) of N slices of a labelling input.
extension LabelShard: ExpressibleByArgument {
  public init?(argument: String) {
    guard case .success(let shard) = LabelShard.parse(argument) else { return nil }
    self = shard
  }
}

extension CurvatureMode: ExpressibleByArgument {
  public init?(argument: String) { self.init(rawValue: argument.lowercased()) }
}
