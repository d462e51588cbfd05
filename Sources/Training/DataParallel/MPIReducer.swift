import CMPI
import Foundation

/// The MPI job this process was started in, read from the variables the launchers set:
/// Open MPI's `OMPI_COMM_WORLD_SIZE`/`OMPI_COMM_WORLD_RANK`, MPICH's and Slurm's PMI-2
/// `PMI_SIZE`/`PMI_RANK`, and PMIx's `PMIX_RANK` (`srun` with PMIx, which does not say the
/// size before MPI starts). Nil when not started by an MPI launcher, or by one that says it
/// started one process.
public struct MPIEnvironment: Sendable, Hashable {
  /// Processes in the job (> 1); nil when the launcher does not say (PMIx: MPI will).
  public var size: Int?
  /// This process's rank as the launcher says it (before MPI is initialised).
  public var rank: Int

  public init(size: Int?, rank: Int) {
    self.size = size
    self.rank = rank
  }

  /// The launcher's job, or nil when there is none with more than one process.
  public static func detect(_ environment: [String: String] = ProcessInfo.processInfo.environment) -> MPIEnvironment? {
    for (sizeKey, rankKey) in [("OMPI_COMM_WORLD_SIZE", "OMPI_COMM_WORLD_RANK"), ("PMI_SIZE", "PMI_RANK")] {
      if let size = environment[sizeKey].flatMap({ Int($0) }) {
        return size > 1 ? MPIEnvironment(size: size, rank: environment[rankKey].flatMap { Int($0) } ?? 0) : nil
      }
    }
    if let rank = environment["PMIX_RANK"].flatMap({ Int($0) }) { return MPIEnvironment(size: nil, rank: rank) }
    return nil
  }

  /// "rank r of R" (R "?" when the launcher does not say).
  public var description: String { "rank \(rank) of \(size.map(String.init) ?? "?")" }
}

/// MPI could not be used; the message says what to install or set.
public struct MPIError: Error, CustomStringConvertible, Sendable {
  public let description: String
  public init(_ description: String) { self.description = description }
}

/// Sums over the ranks of `MPI_COMM_WORLD` with `MPI_Allreduce` (`MPI_SUM` of doubles, in
/// place). The MPI library is loaded at run time (`dlopen`), so mlff is built without MPI
/// headers and a run without `mpirun` never loads it.
///
/// The sum's order over the ranks is the MPI library's (a ring or a tree, depending on R and
/// the message size), so with R > 2 the result can differ from a sum in rank order in the
/// last bits; with R = 2 both ranks get a + b, which floating-point addition makes equal to
/// b + a.
public final class MPIReducer: GradientReducer {
  public let rank: Int
  public let size: Int
  /// "Open MPI" or "MPICH", and the library file.
  public let abi: String
  public let library: String

  private static let initialised = NSLock()
  nonisolated(unsafe) private static var shared: MPIReducer?

  /// Loads MPI and initialises it (once per process; later calls return the same reducer).
  /// - Parameter library: the libmpi to load; nil: `$MLFF_MPI_LIBRARY`, else Open MPI's, MPICH's.
  /// - Throws: `MPIError` when no MPI library loads or `MPI_Init_thread` fails.
  public static func start(library: String? = nil) throws -> MPIReducer {
    initialised.lock()
    defer { initialised.unlock() }
    if let shared { return shared }
    var message = [CChar](repeating: 0, count: 2048)
    guard mlff_mpi_load(library, &message, message.count) == 0 else {
      throw MPIError(String(decoding: message.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
    }
    let code = mlff_mpi_init()
    guard code == 0 else { throw MPIError("MPI_Init_thread failed with MPI error \(code) (\(String(cString: mlff_mpi_library())))") }
    var rank: Int32 = 0, size: Int32 = 1
    guard mlff_mpi_rank(&rank) == 0, mlff_mpi_size(&size) == 0 else { throw MPIError("MPI_Comm_rank/MPI_Comm_size failed") }
    let reducer = MPIReducer(rank: Int(rank), size: Int(size), abi: String(cString: mlff_mpi_abi()), library: String(cString: mlff_mpi_library()))
    shared = reducer
    return reducer
  }

  private init(rank: Int, size: Int, abi: String, library: String) {
    self.rank = rank
    self.size = size
    self.abi = abi
    self.library = library
  }

  public func sum(_ values: inout [Double]) throws {
    guard values.count <= Int(Int32.max) else { throw MPIError("\(values.count) values are more than one MPI_Allreduce takes") }
    let code = values.withUnsafeMutableBufferPointer { mlff_mpi_allreduce_sum($0.baseAddress, Int32($0.count)) }
    guard code == 0 else { throw MPIError("MPI_Allreduce failed with MPI error \(code)") }
  }

  public func barrier() throws {
    let code = mlff_mpi_barrier()
    guard code == 0 else { throw MPIError("MPI_Barrier failed with MPI error \(code)") }
  }

  /// Ends every rank of the job (MPI_Abort), after this rank has said why.
  public func abort(code: Int32) -> Never {
    mlff_mpi_abort(code)
    exit(code)
  }

  /// MPI_Finalize; call once at the end of a successful run.
  public func finish() {
    _ = mlff_mpi_finalize()
  }
}
