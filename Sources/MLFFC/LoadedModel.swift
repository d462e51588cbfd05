import Foundation
import PaiNN

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What identifies a file's contents cheaply: device, inode, size and modification time.
/// A rewrite in place changes the size or the time; an atomic replace (write, then rename)
/// changes the inode.
struct FileIdentity: Equatable, Sendable {
  var device: UInt64
  var inode: UInt64
  var size: Int64
  var modifiedSeconds: Int64
  var modifiedNanoseconds: Int64

  /// The identity of the file at `path` now, or nil when it cannot be read (removed).
  init?(path: String) {
    var info = stat()
    guard stat(path, &info) == 0 else { return nil }
    device = UInt64(info.st_dev)
    inode = UInt64(info.st_ino)
    size = Int64(info.st_size)
    #if canImport(Darwin)
    modifiedSeconds = Int64(info.st_mtimespec.tv_sec)
    modifiedNanoseconds = Int64(info.st_mtimespec.tv_nsec)
    #else
    modifiedSeconds = Int64(info.st_mtim.tv_sec)
    modifiedNanoseconds = Int64(info.st_mtim.tv_nsec)
    #endif
  }
}

/// A model behind an `mlff_model *`: the student, immutable after loading, and the identity of
/// the file it came from so that a compute can refuse to go on with weights that no longer
/// match the file on disk.
final class LoadedModel: Sendable {
  /// The student.
  let potential: PaiNNPotential
  /// The file it was read from, as given.
  let path: String
  /// The file's identity when it was read.
  let identity: FileIdentity

  /// Reads the model file at `path`.
  /// - Throws: `CFailure` with `MLFF_ERROR_MODEL_FILE` naming the file and what is wrong.
  init(path: String, precision: PaiNNPrecision) throws(CFailure) {
    guard let before = FileIdentity(path: path) else {
      throw CFailure(.modelFile, "cannot read model file \(path): it does not exist or is not readable; check the path")
    }
    do {
      potential = try PaiNNPotential(contentsOf: URL(fileURLWithPath: path), precision: precision)
    } catch {
      throw CFailure(.modelFile, "\(error)")
    }
    guard FileIdentity(path: path) == before else {
      throw CFailure(.modelFile, "model file \(path) changed while it was being read; load it again once it is completely written")
    }
    self.path = path
    identity = before
  }

  /// Checks that the file on disk is still the one that was loaded.
  /// - Throws: `CFailure` with `MLFF_ERROR_MODEL_CHANGED` when it was changed, replaced or
  ///   removed, since the numbers would then no longer be those of the file.
  func requireUnchangedFile() throws(CFailure) {
    guard let now = FileIdentity(path: path) else {
      throw CFailure(.modelChanged, "model file \(path) was removed or renamed after it was loaded; load the model again (mlff_model_load, or a new MLFFCalculator) from the file you mean to use")
    }
    guard now == identity else {
      throw CFailure(.modelChanged, "model file \(path) was changed on disk after it was loaded (its size, time or inode differ), so the loaded weights may no longer be the file's; load the model again (mlff_model_load, or a new MLFFCalculator)")
    }
  }
}
