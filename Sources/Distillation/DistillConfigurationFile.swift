import Foundation
import PaiNN
import TOMLKit
import Training

/// Why a distillation configuration cannot be used.
public struct DistillConfigurationError: Error, CustomStringConvertible {
  public var description: String
  public init(_ description: String) { self.description = description }
}

extension DistillConfiguration {
  /// Reads a TOML configuration; keys not given keep their defaults.
  ///
  /// A key the configuration does not know is an error naming it and the keys that are known
  /// (a typo must not silently fall back to a default).
  /// - Parameter url: the `.toml` file.
  public static func read(_ url: URL) throws -> DistillConfiguration {
    let text: String
    do {
      text = try String(contentsOf: url, encoding: .utf8)
    } catch {
      throw DistillConfigurationError("cannot read the configuration file \(url.path): \(error.localizedDescription)")
    }
    return try parse(toml: text, source: url.path)
  }

  /// Parses TOML text; see `read(_:)`. - Parameter source: the name used in messages.
  public static func parse(toml text: String, source: String) throws -> DistillConfiguration {
    let table: TOMLTable
    do {
      table = try TOMLTable(string: text)
    } catch let error as TOMLParseError {
      throw DistillConfigurationError(
        "\(source):\(error.source.begin.line): not valid TOML: \(error.description)")
    }
    let json = table.convert(to: .json)
    guard let user = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any] else {
      throw DistillConfigurationError("\(source): the configuration must be a TOML table of settings")
    }
    let defaults = try DistillConfiguration().jsonObject()
    let merged = try merge(user, over: defaults, path: "", source: source)
    do {
      let data = try JSONSerialization.data(withJSONObject: merged)
      return try JSONDecoder().decode(DistillConfiguration.self, from: data)
    } catch let DecodingError.typeMismatch(type, context) {
      let key = context.codingPath.map(\.stringValue).joined(separator: ".")
      throw DistillConfigurationError("\(source): '\(key)' should be \(describe(type))")
    } catch let DecodingError.dataCorrupted(context) {
      let key = context.codingPath.map(\.stringValue).joined(separator: ".")
      throw DistillConfigurationError("\(source): '\(key)': \(context.debugDescription)")
    }
  }

  /// The configuration as TOML text, every key present (the resolved form saved with a run).
  public func tomlText() throws -> String {
    let text: String = try TOMLEncoder().encode(self)
    return shortestNumbers(text) + "\n"
  }

  /// The text with every decimal number written in its shortest form that reads back to the
  /// same Double (`0.15`, not `0.14999999999999999`).
  private func shortestNumbers(_ text: String) -> String {
    guard let pattern = try? NSRegularExpression(pattern: #"(?<=[=\[,] )-?[0-9]+\.[0-9]+(e[-+]?[0-9]+)?"#) else { return text }
    var out = text
    for match in pattern.matches(in: text, range: NSRange(text.startIndex..., in: text)).reversed() {
      guard let range = Range(match.range, in: text), let value = Double(text[range]) else { continue }
      out.replaceSubrange(range, with: "\(value)")
    }
    return out
  }

  /// The configuration as a JSON-compatible dictionary.
  func jsonObject() throws -> [String: Any] {
    let data = try JSONEncoder().encode(self)
    return try JSONSerialization.jsonObject(with: data) as! [String: Any]
  }

  /// Overlays `user` on `defaults`, refusing keys that `defaults` does not have.
  private static func merge(_ user: [String: Any], over defaults: [String: Any], path: String, source: String) throws -> [String: Any] {
    var out = defaults
    for (key, value) in user {
      let full = path.isEmpty ? key : "\(path).\(key)"
      guard let current = defaults[key] else {
        let known = defaults.keys.sorted().joined(separator: ", ")
        throw DistillConfigurationError(
          "\(source): unknown setting '\(full)'; the settings here are: \(known)")
      }
      if let sub = current as? [String: Any] {
        guard let userSub = value as? [String: Any] else {
          throw DistillConfigurationError("\(source): '\(full)' should be a table [\(full)]")
        }
        out[key] = try merge(userSub, over: sub, path: full, source: source)
      } else {
        out[key] = value
      }
    }
    return out
  }

  private static func describe(_ type: Any.Type) -> String {
    switch type {
    case is Double.Type: return "a number"
    case is Int.Type, is UInt64.Type: return "a whole number"
    case is Bool.Type: return "true or false"
    case is String.Type: return "a string in quotes"
    case is [Double].Type, is [Int].Type: return "a list of numbers, e.g. [300, 600]"
    case is [String].Type: return "a list of strings, e.g. [\"CCO\", \"O\"]"
    default: return "of type \(type)"
    }
  }

  /// Why these settings cannot run, in words a user can act on; nil when they can.
  public var problem: String? {
    if structures.isEmpty && sample.smiles.isEmpty && sample.smilesFile.isEmpty {
      return "no seed structures: give a seed file (extxyz) as the first argument or `structures = \"…\"` in the configuration, or molecules as `[sample] smiles = [\"CCO\"]` / `smiles_file = \"mols.smi\"` (--smiles, --smiles-file)"
    }
    if sample.conformers < 1 { return "sample.conformers must be at least 1, got \(sample.conformers)" }
    if teacher.isEmpty { return "no teacher: give --teacher NAME (emt, chgnet, sevennet-0, … or module:function)" }
    if sample.count < 0 { return "sample.count must be ≥ 0, got \(sample.count)" }
    if !(sample.rattle >= 0) { return "sample.rattle must be ≥ 0 Å, got \(sample.rattle)" }
    if !(sample.strain >= 0 && sample.strain < 0.5) { return "sample.strain must be in [0, 0.5), got \(sample.strain)" }
    if sample.supercell.count != 3 || sample.supercell.contains(where: { $0 < 1 }) { return "sample.supercell must be three positive integers, got \(sample.supercell)" }
    if validate.supercell.count != 3 || validate.supercell.contains(where: { $0 < 1 }) { return "validate.supercell must be three positive integers, got \(validate.supercell)" }
    if label.workers < 1 { return "label.workers must be at least 1, got \(label.workers)" }
    if !(label.timeout > 0) { return "label.timeout must be positive seconds, got \(label.timeout)" }
    if let problem = label.quality.problem { return "label.quality.\(problem)" }
    if let problem = hessian.problem { return problem }
    if PaiNNPreset(rawValue: train.preset) == nil {
      return "train.preset must be one of \(PaiNNPreset.allCases.map(\.rawValue).joined(separator: ", ")), got '\(train.preset)'"
    }
    if !(train.trainFraction > 0 && train.validationFraction > 0 && train.trainFraction + train.validationFraction < 1) {
      return "train.train_fraction and train.validation_fraction must be positive and leave room for a test split, got \(train.trainFraction) and \(train.validationFraction)"
    }
    if !(validate.timestep > 0 && validate.timestep <= 10) { return "validate.timestep must be in (0, 10] fs, got \(validate.timestep)" }
    if validate.temperatures.contains(where: { !($0 > 0) }) { return "validate.temperatures must be positive kelvin, got \(validate.temperatures)" }
    if !(validate.lengthPs > 0) && validate.steps <= 0 { return "validate.length_ps must be positive picoseconds (or give validate.steps), got \(validate.lengthPs)" }
    if validate.steps < 0 { return "validate.steps must be ≥ 0 (0: use length_ps), got \(validate.steps)" }
    if !(validate.skin >= 0 && validate.skin <= 5) { return "validate.skin must be in [0, 5] Å (0: a new neighbour list every step), got \(validate.skin)" }
    if validate.traceInterval < 1 { return "validate.trace_interval must be at least 1 step, got \(validate.traceInterval)" }
    if validate.inUseSnapshots < 0 { return "validate.in_use_snapshots must be ≥ 0, got \(validate.inUseSnapshots)" }
    if activeLearning.rounds < 0 { return "active_learning.rounds must be ≥ 0" }
    if activeLearning.rounds > 0 && activeLearning.committee < 2 { return "active_learning.committee must be at least 2 students, got \(activeLearning.committee)" }
    if !(activeLearning.trustLow >= 0 && activeLearning.trustLow < activeLearning.trustHigh) {
      return "active_learning.trust_low must be ≥ 0 and below trust_high, got \(activeLearning.trustLow) and \(activeLearning.trustHigh)"
    }
    if parseDuration(train.maxTime) == nil && !train.maxTime.isEmpty { return "train.max_time must look like 90s, 5m or 1.5h, got '\(train.maxTime)'" }
    if parseDuration(activeLearning.memberMaxTime) == nil && !activeLearning.memberMaxTime.isEmpty { return "active_learning.member_max_time must look like 90s, 5m or 1.5h, got '\(activeLearning.memberMaxTime)'" }
    return nil
  }
}
