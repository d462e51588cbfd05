import ArgumentParser
import Atomistic
import Foundation

/// A command that could not finish, said in words a user can act on: what was wrong, where, and
/// what to do.
///
/// Every run-time failure of a subcommand's `run()` is one of these (or a library error with its
/// own description). ArgumentParser prints it as `Error: …` without a usage text and exits with
/// status 1; a `ValidationError`, which adds the usage text and exits with 64 (EX_USAGE), is
/// thrown only from `validate()`, for command lines that cannot be right.
struct CommandFailure: Error, CustomStringConvertible {
  var description: String
  init(_ description: String) { self.description = description }
}

/// Refuses a structure file that holds no frames, naming it and saying what to give instead.
/// - Parameters:
///   - count: frames read from the file.
///   - file: the path as the user gave it.
/// - Throws: `CommandFailure` when `count` is 0.
func requireFrames(_ count: Int, in file: String) throws {
  guard count == 0 else { return }
  throw CommandFailure(
    "\(file) holds no structures (the file is empty or has no frames); give an extended XYZ file with at least one frame")
}

/// Refuses an extended XYZ file without a first frame, reading no more than that frame.
/// - Parameter file: the path as the user gave it.
/// - Throws: `CommandFailure` for an empty file; the reader's error for a malformed first frame.
func requireFirstFrame(of file: String) throws {
  let reader = try ExtXYZReader(url: URL(fileURLWithPath: file))
  try requireFrames(try reader.next() == nil ? 0 : 1, in: file)
}
