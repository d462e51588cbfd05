import Atomistic
import Potentials

/// What an observer decides after seeing a state.
public enum MDObservation: Sendable, Hashable {
  /// Go on with the next step.
  case proceed
  /// The state just seen is unstable: end the run, keeping the state before it as the last
  /// good one.
  case unstable(StabilityViolation)
  /// End the run after this state (kept as the last one), e.g. when a time budget is spent.
  case finish
}

/// Something that watches an MD run state by state: the stability monitor, the trajectory and
/// log writers, the committee deviation log, a progress line, a sampler's snapshots.
///
/// `runMolecularDynamics` shows every observer each state right after the step that made it,
/// in the order given; the first that does not answer `.proceed` ends the run, and the
/// observers after it do not see that state. Observers hold their own state (files, counts),
/// so they are classes, used from the one thread that runs the loop.
public protocol MDObserver: AnyObject {
  /// Sees `state` after step `step` (`state.step == step`: positions Å, velocities Å/fs,
  /// forces eV/Å, energy eV).
  /// - Throws: an error that must end the run (a file that cannot be written); the loop
  ///   passes it on.
  func observe(_ state: MDState, step: Int) throws -> MDObservation
}

/// How a run of `runMolecularDynamics` ended.
public enum MDLoopEnd {
  /// Every step up to the requested one was done, or an observer answered `.finish`.
  case completed
  /// An observer found the state after step `state.step` unstable.
  case unstable(StabilityViolation, state: MDState)
  /// The potential threw during step `step` (the state after it does not exist).
  case potentialFailed(any Error, step: Int)
}

/// The one MD loop, shared by `MDSimulation` (`mlff md`), `MDSampler` (`mlff sample --md`) and
/// the MD benchmark: `integrator.step` until `state.step == lastStep`, each new state shown to
/// the observers.
///
/// The integrator must have been prepared (`prepare`) on `state`. On return `state` is the last
/// good state: the last step's state when the run completed, the state before the one an
/// observer found unstable, or the state before the step whose force evaluation threw. An
/// error thrown by an observer is passed on (the state is then the last one shown to all).
/// - Parameters:
///   - state: the prepared state; advanced in place.
///   - integrator: advances the state by one timestep Δt (fs).
///   - potential: gives energies (eV) and forces (eV/Å).
///   - lastStep: run until `state.step` reaches this step number (absolute, not a count).
///   - observers: see every new state, in order.
/// - Returns: why the loop ended.
@discardableResult
public func runMolecularDynamics(
  _ state: inout MDState, integrator: any Integrator, potential: any Potential, until lastStep: Int,
  observers: [any MDObserver]
) throws -> MDLoopEnd {
  var previous = state
  while state.step < lastStep {
    do {
      try integrator.step(&state, potential: potential)
    } catch {
      state = previous
      return .potentialFailed(error, step: previous.step + 1)
    }
    for observer in observers {
      switch try observer.observe(state, step: state.step) {
      case .proceed:
        continue
      case .unstable(let violation):
        let bad = state
        state = previous
        return .unstable(violation, state: bad)
      case .finish:
        return .completed
      }
    }
    previous = state
  }
  return .completed
}
