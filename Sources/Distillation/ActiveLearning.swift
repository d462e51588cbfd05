import Atomistic
import Basics
import Datasets
import Dynamics
import Foundation
import PaiNN
import Potentials
import Training

/// Which frames a committee is unsure of: the query-by-committee rule of DP-GEN.
///
/// A frame is a candidate for labelling when its maximum force deviation σ_F^max (see
/// `CommitteeDeviation`) lies in the trust window `low ≤ σ_F^max < high`: below `low` the
/// committee already agrees; at or above `high` the students are lost (the structure is likely
/// unphysical) and labelling it would teach noise. DP-GEN's defaults are 0.05–0.15 eV/Å.
/// - Parameters:
///   - deviations: [nFrames] maximum force deviations, eV/Å.
///   - low: lower edge of the window, eV/Å.
///   - high: upper edge of the window, eV/Å.
///   - limit: most frames to return.
///   - seed: picks among the candidates when there are more than `limit`.
/// - Returns: indices of the chosen frames, ascending.
public func selectUncertainFrames(deviations: [Double], low: Double, high: Double, limit: Int, seed: UInt64) -> [Int] {
  var candidates = deviations.indices.filter { deviations[$0] >= low && deviations[$0] < high }
  guard candidates.count > limit else { return candidates }
  var generator = SplitMix64(seed: seed)
  // Partial Fisher–Yates: the first `limit` entries become a uniform random subset.
  for k in 0..<limit {
    candidates.swapAt(k, k + generator.next(below: candidates.count - k))
  }
  return candidates.prefix(limit).sorted()
}

extension DistillRun {
  /// Rounds of query by committee: train K students, run committee MD, label the frames whose
  /// force disagreement falls in the trust window, add them to the training split, repeat.
  /// The test split never changes, so errors are comparable across rounds.
  func activeLearningStage() throws {
    let al = configuration.activeLearning
    guard al.rounds > 0 else { return }
    let temperatures = al.temperatures.isEmpty
      ? configuration.validate.resolvedTemperatures(molecule: !(try validationStart()).isPeriodic) : al.temperatures
    let seeds = try committeeStartStructures()
    var round = state.rounds.count + 1
    while round <= al.rounds {
      let roundFolder = paths.activeLearning.appendingPathComponent("round_\(round)")
      let trainingCount = try dataset().splits?.train.count ?? 0
      if verbose { log("-- active learning round \(round) of \(al.rounds): committee of \(al.committee) on \(trainingCount) training structures --") }

      var members: [any Potential] = []
      var firstTest: EvaluationSummary?
      for k in 0..<al.committee {
        let memberFolder = roundFolder.appendingPathComponent("member_\(k)")
        let seed = configuration.seed &+ UInt64(1000 * round + k + 1)
        let test = try trainStudent(folder: memberFolder, seed: seed, maxTime: al.memberMaxTime)
        if k == 0 { firstTest = test }
        members.append(try PaiNNPotential(contentsOf: RunFolder(memberFolder).model, precision: .float))
      }
      let committee = try CommitteePotential(members: members)

      let sampler = MDSampler(
        temperatures: temperatures, steps: al.mdSteps, equilibrationSteps: 0, interval: al.mdInterval,
        timestep: configuration.validate.timestep, seed: configuration.seed &+ UInt64(round) &* 7777,
        criteria: StabilityCriteria(maxBondDeviation: configuration.validate.maxBondDeviation))
      let frames = try sampler.sample(seeds, potential: committee, progress: verbose)
      let deviations = try committee.computeWithDeviation(frames, .energyAndForces).map(\.deviation.maxForceDeviation)
      let chosen = selectUncertainFrames(
        deviations: deviations, low: al.trustLow, high: al.trustHigh, limit: al.maxNewStructures,
        seed: configuration.seed &+ UInt64(round))
      let uncertain = deviations.filter { $0 >= al.trustLow && $0 < al.trustHigh }.count
      let beyond = deviations.filter { $0 >= al.trustHigh }.count
      if verbose {
        log("round \(round): \(frames.count) committee MD frames, \(uncertain) in the trust window [\(al.trustLow), \(al.trustHigh)) eV/Å, \(beyond) beyond it; labelling \(chosen.count)")
      }

      // The round's first student where it is used: teacher labels on committee MD frames spread
      // over the runs, whatever their deviation (the honest stopping signal; see below).
      var inUse: InUseErrors? = nil
      if configuration.validate.inUseSnapshots > 0 && !frames.isEmpty {
        try FileManager.default.createDirectory(at: roundFolder, withIntermediateDirectories: true)
        inUse = try measureInUseErrors(
          folder: roundFolder, run: "round_\(round)", temperature: temperatures.first ?? 0,
          count: configuration.validate.inUseSnapshots, frames: { frames },
          student: PaiNNPotential(contentsOf: RunFolder(roundFolder.appendingPathComponent("member_0")).model, precision: .double),
          teacher: { try self.teacher() })
        if verbose, let e = inUse?.errors {
          log(String(format: "round %d: in-use force MAE %.1f meV/Å on %d teacher-labelled committee MD frames (test split %.1f meV/Å)",
                     round, 1000 * (e.forceMAE ?? .nan), inUse?.labelled ?? 0, 1000 * (firstTest?.forceMAE ?? .nan)))
        }
      }

      var labelledCount = 0
      if !chosen.isEmpty {
        let candidates = roundFolder.appendingPathComponent("uncertain.xyz")
        if !FileManager.default.fileExists(atPath: candidates.path) {
          try ExtXYZ.write(chosen.map { frames[$0] }, to: candidates)
        }
        let labels = roundFolder.appendingPathComponent("labels.h5")
        if !FileManager.default.fileExists(atPath: labels.path) {
          var job = LabellingJob(input: candidates, output: labels)
          job.showsProgress = verbose
          job.log = log
          job.provenance = ["active_learning_round": String(round)]
          job.quality = configuration.label.quality
          job.curvature = configuration.hessian.labelling(seed: configuration.seed &+ UInt64(round) &* 7919)
          job.qualityContext = try dataset().structures
          do {
            try job.run(pool: teacher())
          } catch let error as DistillConfigurationError where !FileManager.default.fileExists(atPath: labels.path) {
            // The teacher failed on every uncertain frame: note it and carry on with no additions.
            log("round \(round): \(error.description)")
          }
        }
        if FileManager.default.fileExists(atPath: labels.path) {
          labelledCount = try addToTrainingSplit(Dataset.read(labels).structures, round: round)
        }
      }
      let record = ActiveLearningRound(
        round: round, trainingStructures: trainingCount, framesExamined: frames.count,
        framesUncertain: uncertain, framesBeyondTrust: beyond, structuresLabelled: labelledCount,
        testForceMAE: firstTest?.forceMAE, testEnergyMAE: firstTest?.energyMAE, deviations: deviations,
        inUseForceMAE: inUse?.errors?.forceMAE)
      state.rounds.append(record)
      try state.write(to: folder)
      let fraction = frames.isEmpty ? 0 : Double(uncertain) / Double(frames.count)
      if fraction < al.stopFraction {
        // Few frames in the window means either that the committee agrees (most below
        // trust_low) or that it is lost (most at or above trust_high, frames never labelled):
        // a round more would add nothing either way, but the two are not the same verdict.
        let beyondFraction = frames.isEmpty ? 0 : Double(beyond) / Double(frames.count)
        if verbose && beyondFraction >= 0.5 {
          log(String(format: "only %.1f%% of the frames are uncertain, but %.1f%% are beyond trust_high (%.3g eV/Å) and are not labelled: the committee does not agree; stopping active learning (raise [active_learning] trust_high if these configurations are physical)", 100 * fraction, 100 * beyondFraction, al.trustHigh))
        } else if verbose {
          log(String(format: "only %.1f%% of the frames are uncertain (below %.1f%%): the committee agrees; stopping active learning", 100 * fraction, 100 * al.stopFraction))
        }
        if verbose, beyondFraction < 0.5, let used = inUse?.errors?.forceMAE, let test = firstTest?.forceMAE, used > test {
          log(String(format: "note: the committee agrees, but the in-use force MAE (%.1f meV/Å) is still above the test split's (%.1f meV/Å): the data do not yet cover what the student meets in MD", 1000 * used, 1000 * test))
        }
        break
      }
      round += 1
    }
  }

  /// Where committee MD starts: the validation MD's start structure, then every other seed as
  /// sampled (repeated by `sample.supercell`).
  func committeeStartStructures() throws -> [Structure] {
    let seeds = try self.seeds()
    let s = configuration.sample.supercell
    let others = seeds.dropFirst().map { $0.isFullyPeriodic ? $0.supercell(s[0], s[1], s[2]) : $0 }
    return [try validationStart()] + others
  }

  /// Appends labelled structures to the dataset's training split, once per round (the round is
  /// recorded in the dataset, so a rerun after a crash does not add them twice).
  /// - Returns: structures added.
  func addToTrainingSplit(_ structures: [Structure], round: Int) throws -> Int {
    var dataset = try dataset()
    let key = "active_learning_round_\(round)"
    if dataset.metadata.provenance[key] != nil { return Int(dataset.metadata.provenance[key]!) ?? 0 }
    let start = dataset.structures.count
    dataset.structures += structures
    if var splits = dataset.splits {
      splits.train += Array(start..<dataset.structures.count)
      dataset.splits = splits
    }
    dataset.metadata.provenance[key] = String(structures.count)
    try dataset.write(to: paths.dataset)
    return structures.count
  }
}
