import Autodiff
import Foundation

/// Picks OpenBLAS's vector kernels on CPUs it does not recognise.
///
/// OpenBLAS chooses its kernels from the CPU model when the library loads, before `main`.
/// Releases older than the CPU (Debian 12 ships 0.3.21) fall back to older kernels on newer
/// machines: the AVX2 (Haswell) ones on AVX-512 AMD EPYC, the SSE3 (Prescott) ones on Xeons of
/// model 207, which runs matrix products at a fraction of the machine's speed. When the user
/// has not chosen (`OPENBLAS_CORETYPE` unset), the kernels are those of the widest vector
/// instructions the CPU has (`preferredCore`), and when OpenBLAS picked others the process sets
/// `OPENBLAS_CORETYPE` and executes itself again, once. The Python package sets the same
/// choice before it loads libmlff, so the library in Python and `mlff` compute the same
/// numbers. `MLFF_NO_BLAS_REEXEC=1` turns this off.
enum BLASKernels {
  /// "SkylakeX" when the CPU has the AVX-512 subsets those kernels use, "Haswell" when it has
  /// AVX2 and FMA, nil otherwise (OpenBLAS's own choice stands).
  static func preferredCore(cpuFlags flags: Set<String>) -> String? {
    if ["avx512f", "avx512cd", "avx512bw", "avx512dq", "avx512vl"].allSatisfy(flags.contains) { return "SkylakeX" }
    if flags.contains("avx2") && flags.contains("fma") { return "Haswell" }
    return nil
  }

  static func selectBeforeStart() {
    #if os(Linux) && arch(x86_64)
    let environment = ProcessInfo.processInfo.environment
    guard environment["OPENBLAS_CORETYPE"] == nil, environment["MLFF_NO_BLAS_REEXEC"] == nil else { return }
    guard let cpuinfo = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
          let flagsLine = cpuinfo.split(separator: "\n").first(where: { $0.hasPrefix("flags") }),
          let wanted = preferredCore(cpuFlags: Set(flagsLine.split(separator: " ").map(String.init)))
    else { return }
    setenv("OPENBLAS_CORETYPE", wanted, 1)
    setenv("MLFF_NO_BLAS_REEXEC", "1", 1)
    guard TensorThreads.blasCoreName.lowercased() != wanted.lowercased() else { return }
    let arguments = CommandLine.arguments
    var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) }
    argv.append(nil)
    execv("/proc/self/exe", &argv)
    // execv returns only on failure: carry on with the kernels already loaded.
    #endif
  }
}
