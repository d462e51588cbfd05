#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// The POSIX calls the worker processes need, under names that do not clash with the `read`,
// `write` and `kill` methods of the types that use them, on Linux (Glibc) and macOS (Darwin).

/// `read(2)`: up to `count` bytes from `fd` into `buffer`; the number read, 0 at end of file,
/// −1 on error (`errno`).
@inline(__always)
func systemRead(_ fd: Int32, _ buffer: UnsafeMutableRawPointer, _ count: Int) -> Int {
  #if canImport(Glibc)
  Glibc.read(fd, buffer, count)
  #else
  Darwin.read(fd, buffer, count)
  #endif
}

/// `write(2)`: up to `count` bytes from `buffer` to `fd`; the number written, −1 on error.
@inline(__always)
func systemWrite(_ fd: Int32, _ buffer: UnsafeRawPointer, _ count: Int) -> Int {
  #if canImport(Glibc)
  Glibc.write(fd, buffer, count)
  #else
  Darwin.write(fd, buffer, count)
  #endif
}

/// `kill(2)`: sends `signal` to process `pid`; 0 on success, −1 on error.
@inline(__always)
@discardableResult
func systemKill(_ pid: Int32, _ signal: Int32) -> Int32 {
  #if canImport(Glibc)
  Glibc.kill(pid, signal)
  #else
  Darwin.kill(pid, signal)
  #endif
}
