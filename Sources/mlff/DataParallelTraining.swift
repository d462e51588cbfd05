import Dispatch
import Foundation
import Training

/// `mpirun -n R mlff train …`: the process side of data-parallel training (the arithmetic is
/// in Training's `Trainer+DataParallel.swift`).
enum DataParallelTraining {
  /// The reducer for this process: `MPIReducer` when an MPI launcher started it as one of
  /// several ranks (`MPIEnvironment.detect`), else `SingleProcess` (and no MPI is loaded).
  /// Under MPI it also installs `reportStops(rank:size:folder:)`.
  /// - Parameter folder: the run folder (for the message on a stop).
  /// - Throws: `CommandFailure` when the launcher says MPI but the library cannot start.
  static func start(folder: RunFolder) throws -> any GradientReducer {
    guard let launched = MPIEnvironment.detect() else { return SingleProcess() }
    let reducer: MPIReducer
    do { reducer = try MPIReducer.start() } catch {
      if launched.size == nil {
        // PMIx alone (srun) may be a single task of a plain job: train alone, but say so.
        FileHandle.standardError.write(Data("mlff train: PMIX_RANK is set but MPI could not start (\(error)); training as one process\n".utf8))
        return SingleProcess()
      }
      throw CommandFailure("this process was started as \(launched.description) by an MPI launcher, but MPI could not start: \(error)")
    }
    if let size = launched.size, reducer.size != size {
      throw CommandFailure("the launcher says \(size) ranks but MPI_COMM_WORLD has \(reducer.size) (\(reducer.library)): "
                           + "mpirun and the loaded libmpi belong to different MPI installations; set MLFF_MPI_LIBRARY to the libmpi.so of this mpirun")
    }
    guard reducer.size > 1 else { return reducer }
    reportStops(rank: reducer.rank, size: reducer.size, folder: folder)
    if reducer.rank == 0 {
      FileHandle.standardError.write(Data("data-parallel training on \(reducer.size) ranks (\(reducer.abi), \(reducer.library))\n".utf8))
    }
    return reducer
  }

  /// Signal sources kept alive for the whole process.
  nonisolated(unsafe) private static var stopSources: [DispatchSourceSignal] = []

  /// On SIGTERM or SIGINT (mpirun ends the other ranks this way when one dies; a scheduler
  /// cancels a job this way), says that the job stopped, where the last complete checkpoint is
  /// and how to continue, then exits with 128 + the signal. Checkpoints are written atomically
  /// by rank 0, so the one on disk is always whole.
  private static func reportStops(rank: Int, size: Int, folder: RunFolder) {
    for signalNumber in [SIGTERM, SIGINT] {
      signal(signalNumber, SIG_IGN)
      let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: .global())
      source.setEventHandler {
        let checkpoint = folder.lastCheckpoint.path
        let saved = FileManager.default.fileExists(atPath: checkpoint)
          ? "the last checkpoint, \(checkpoint), is complete: run the same command again (with any number of ranks) to continue from it"
          : "no epoch had finished, so there is no checkpoint yet: run the same command again to start over"
        let text = "mlff train (rank \(rank) of \(size)): stopped by signal \(signalNumber), as mpirun does when another rank dies or the job is cancelled; \(saved)\n"
        FileHandle.standardError.write(Data(text.utf8))
        _exit(128 + signalNumber)
      }
      source.resume()
      stopSources.append(source)
    }
  }

  /// Ends MPI on every rank after a successful run (nothing to do on one process).
  static func finish(_ reducer: any GradientReducer) {
    (reducer as? MPIReducer)?.finish()
  }
}
