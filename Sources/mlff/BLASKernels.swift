import Foundation

/// Picks OpenBLAS's AVX-512 kernels on CPUs it does not recognise.
///
/// OpenBLAS chooses its kernels from the CPU model when the library loads, before `main`.
/// Releases older than the CPU (Debian 12 ships 0.3.21) fall back to the AVX2 (Haswell)
/// kernels on newer AVX-512 machines, which halves matrix-multiply speed. When the CPU has
/// the AVX-512 subsets those kernels use and the user has not chosen (`OPENBLAS_CORETYPE`
/// unset), the process sets `OPENBLAS_CORETYPE=SkylakeX` and executes itself again, once.
/// `MLFF_NO_BLAS_REEXEC=1` turns this off.
enum BLASKernels {
  static func selectBeforeStart() {
    #if os(Linux) && arch(x86_64)
    let environment = ProcessInfo.processInfo.environment
    guard environment["OPENBLAS_CORETYPE"] == nil, environment["MLFF_NO_BLAS_REEXEC"] == nil else { return }
    guard let cpuinfo = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
          let flagsLine = cpuinfo.split(separator: "\n").first(where: { $0.hasPrefix("flags") })
    else { return }
    let flags = Set(flagsLine.split(separator: " ").map(String.init))
    let needed = ["avx512f", "avx512cd", "avx512bw", "avx512dq", "avx512vl"]
    guard needed.allSatisfy(flags.contains) else { return }
    setenv("OPENBLAS_CORETYPE", "SkylakeX", 1)
    setenv("MLFF_NO_BLAS_REEXEC", "1", 1)
    let arguments = CommandLine.arguments
    var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) }
    argv.append(nil)
    execv("/proc/self/exe", &argv)
    // execv returns only on failure: carry on with the kernels already loaded.
    #endif
  }
}
