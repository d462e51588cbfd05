import Foundation

/// How the processes of one training job combine their work: each computes the gradient of
/// its slice of every global batch, and `sum` adds them up so that every process applies the
/// same update (data parallelism). One process alone is `SingleProcess`; `mpirun -n R mlff
/// train` is `MPIReducer`.
///
/// Every process calls the same methods in the same order (they are collective): a process
/// that calls `sum` while another calls `barrier` waits for ever.
public protocol GradientReducer: AnyObject {
  /// This process's number, 0..<size; rank 0 writes the run's files.
  var rank: Int { get }
  /// Processes in the job, ≥ 1.
  var size: Int { get }
  /// Replaces `values` on every process by the element-wise sum over the processes.
  func sum(_ values: inout [Double]) throws
  /// Returns when every process has called it.
  func barrier() throws
}

extension GradientReducer {
  /// True on the process that writes checkpoints, metrics and models.
  public var writesFiles: Bool { rank == 0 }

  /// Rank 0's `value`, on every process (a sum where the other ranks give 0). Decisions that
  /// read a clock or a file (the time budget, the validation loss) are taken from rank 0 so
  /// that every process takes the same branch.
  public func rankZeroValue(_ value: Double) throws -> Double {
    guard size > 1 else { return value }
    var buffer = [rank == 0 ? value : 0]
    try sum(&buffer)
    return buffer[0]
  }
}

/// One process training alone: nothing to combine.
public final class SingleProcess: GradientReducer {
  public init() {}
  public var rank: Int { 0 }
  public var size: Int { 1 }
  public func sum(_ values: inout [Double]) throws {}
  public func barrier() throws {}
}
