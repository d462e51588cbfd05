import Atomistic
import Foundation

/// The stages of `mlff distill`, in the order they run.
public enum DistillStage: String, Codable, Sendable, CaseIterable {
  case sample, label, activeLearning = "active_learning", train, evaluate, validate, speed, report
}

/// What a run folder has finished, saved as `state.json` after every stage (atomically), so a
/// rerun of the same command continues from the first unfinished stage.
public struct DistillState: Codable, Sendable {
  /// Stages finished, in order.
  public var finished: [DistillStage] = []
  /// Rounds of active learning finished.
  public var rounds: [ActiveLearningRound] = []
  /// Seconds spent in each finished stage.
  public var seconds: [String: Double] = [:]

  public init() {}

  /// Reads `state.json` from a run folder; a fresh state when there is none.
  public static func read(from folder: URL) throws -> DistillState {
    let url = folder.appendingPathComponent("state.json")
    guard FileManager.default.fileExists(atPath: url.path) else { return DistillState() }
    do {
      return try JSONDecoder().decode(DistillState.self, from: Data(contentsOf: url))
    } catch {
      throw DistillConfigurationError(
        "\(url.path) is not a state file this version can read (\(error)); move it away to start the run folder again")
    }
  }

  /// Writes `state.json` into a run folder, atomically.
  public func write(to folder: URL) throws {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    try writeAtomically(encoder.encode(self), to: folder.appendingPathComponent("state.json"))
  }

  /// True when `stage` has finished.
  public func isFinished(_ stage: DistillStage) -> Bool { finished.contains(stage) }
}

/// One round of query-by-committee active learning, as the report shows it.
public struct ActiveLearningRound: Codable, Sendable, Hashable {
  /// 1-based round number.
  public var round: Int
  /// Structures the committee was trained on.
  public var trainingStructures: Int
  /// MD frames the committee looked at.
  public var framesExamined: Int
  /// Frames whose maximum force deviation fell inside the trust window.
  public var framesUncertain: Int
  /// Frames above the trust window (the committee is lost there; not labelled).
  public var framesBeyondTrust: Int
  /// Structures labelled by the teacher and added.
  public var structuresLabelled: Int
  /// Test force MAE of the committee's first member, eV/Å.
  public var testForceMAE: Double?
  /// Test energy MAE of the committee's first member, eV/atom.
  public var testEnergyMAE: Double?
  /// Maximum force deviation of every examined frame, eV/Å (for the report's histogram).
  public var deviations: [Double]
  /// Force MAE of the committee's first member on teacher-labelled committee MD frames (in use),
  /// eV/Å; nil when none was measured.
  public var inUseForceMAE: Double?

  public init(round: Int, trainingStructures: Int, framesExamined: Int, framesUncertain: Int,
              framesBeyondTrust: Int, structuresLabelled: Int, testForceMAE: Double?,
              testEnergyMAE: Double?, deviations: [Double], inUseForceMAE: Double? = nil) {
    self.round = round
    self.trainingStructures = trainingStructures
    self.framesExamined = framesExamined
    self.framesUncertain = framesUncertain
    self.framesBeyondTrust = framesBeyondTrust
    self.structuresLabelled = structuresLabelled
    self.testForceMAE = testForceMAE
    self.testEnergyMAE = testEnergyMAE
    self.deviations = deviations
    self.inUseForceMAE = inUseForceMAE
  }
}
