import ArgumentParser
import Autodiff
import Foundation

extension MLFF.Bench {
  /// `mlff bench tensor`: matrix products against raw BLAS, elementwise bandwidth against
  /// memcpy, and an MLP's forward, backward and force-loss double backward against PyTorch.
  struct TensorEngine: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "tensor",
      abstract: "Time the tensor engine against raw BLAS, memcpy and PyTorch (CPU).",
      usage: "mlff bench tensor [<options>]",
      discussion: """
        1. Matrix products n×n·n×n in Float and Double: GFLOP/s of `matmul` next to a raw cblas_sgemm/dgemm call on preallocated buffers (the machine's measured peak). Then the few-row products of the fused network's per-atom layers (m rows × [k, n] weights): the few-row kernel next to BLAS on 64-byte-aligned operands, with the weights in cache and cycled through 48 copies (out of L2, as in an evaluation).
        2. Elementwise ops in Float: GB/s (bytes read + written) next to memcpy of the same bytes, in cache and in memory.
        3. An MLP energy E = Σ silu(silu(x·W1 + b1)·W2 + b2)·W3 (widths in → w → w → 1, Float) on a batch: forward; forward + ∂E/∂θ; forward + forces −∂E/∂x + ∂/∂θ of the force loss |F − F_ref|² (double backward). With --torch the same three steps in PyTorch on the CPU with the same thread count, run by scripts/bench/tensor_torch.py, and the ratio PyTorch time / engine time (above 1: the engine is faster).
        """)

    @Option(help: "Threads for elementwise ops, BLAS and PyTorch.")
    var threads: Int = ProcessInfo.processInfo.activeProcessorCount

    @Option(help: ArgumentHelp("Comma-separated matrix sizes.", valueName: "n,n,…"))
    var sizes = CommaSeparated<Int>([128, 256, 512, 1024])

    @Option(help: "MLP batch size.")
    var batch: Int = 1024

    @Option(help: "MLP width (input and hidden).")
    var width: Int = 128

    @Option(help: "Timed repetitions per measurement (best and median are reported).")
    var repeats: Int = 50

    @Flag(inversion: .prefixedNo, help: "Also time PyTorch in the same run.")
    var torch = true

    @Option(help: "Python interpreter with PyTorch.")
    var python: String = ".venv-bench/bin/python"

    @Option(help: "The PyTorch timing script.")
    var torchScript: String = "scripts/bench/tensor_torch.py"

    func validate() throws {
      guard threads >= 1 else { throw ValidationError("--threads must be at least 1") }
      guard parsedSizes != nil else { throw ValidationError("--sizes must be positive integers separated by commas, e.g. 128,256") }
      guard batch >= 1, width >= 1 else { throw ValidationError("--batch and --width must be positive") }
      guard repeats >= 1 else { throw ValidationError("--repeats must be at least 1") }
    }

    var parsedSizes: [Int]? { sizes.values.allSatisfy({ $0 > 0 }) ? sizes.values : nil }

    func run() throws {
      TensorThreads.elementwiseThreads = threads
      TensorThreads.setBLASThreads(threads)
      print("tensor engine benchmark, \(threads) thread(s); times are best / median of \(repeats)")
      print("BLAS: \(TensorThreads.blasDescription)")
      benchMatmul(Float.self, "Float")
      benchMatmul(Double.self, "Double")
      benchFewRows()
      benchElementwise()
      try benchMLP()
    }

    // MARK: Matrix products

    func benchMatmul<S: TensorScalar>(_ type: S.Type, _ name: String) {
      print("\nmatmul \(name): GFLOP/s (best)   engine   raw BLAS   engine/raw")
      for n in parsedSizes! {
        let a = Tensor<S>(randomNormal: [n, n], seed: 1)
        let b = Tensor<S>(randomNormal: [n, n], seed: 2)
        var c = [S](repeating: 0, count: n * n)
        let reps = max(3, min(repeats, Int(2e9 / Double(2 * n * n * n))))
        let raw = timeIt(repeats: reps) {
          a.scalars.withUnsafeBufferPointer { pa in
            b.scalars.withUnsafeBufferPointer { pb in
              c.withUnsafeMutableBufferPointer { pc in
                S._gemm(
                  transposeA: false, transposeB: false, m: n, n: n, k: n, pa.baseAddress!, lda: n,
                  pb.baseAddress!, ldb: n, pc.baseAddress!, ldc: n)
              }
            }
          }
        }
        let engine = timeIt(repeats: reps) { _ = matmul(a, b) }
        let flops = 2 * Double(n * n * n)
        print(
          "  \(pad("\(n)×\(n)", 12))  \(pad(fmt(flops / engine.best / 1e9, 1), 20))  \(pad(fmt(flops / raw.best / 1e9, 1), 9))  \(fmt(raw.best / engine.best, 2))"
        )
      }
    }

    /// GFLOP/s of C[m, n] = A[m, k]·B[k, n] through `Float._gemm` with the few-row kernel and
    /// with BLAS (`SmallProducts.enabled` switched in between), B hot in cache and B cycled
    /// through 48 copies.
    func benchFewRows() {
      guard SmallProducts.available else {
        print("\nfew-row products: this processor has no AVX2 + FMA, every product goes to BLAS")
        return
      }
      print("\nfew-row products, Float: GFLOP/s (best)   kernel   BLAS   kernel/BLAS   (hot: one B; cold: 48 copies of B in turn)")
      let shapes = [(9, 128, 128), (9, 128, 384), (9, 384, 128), (22, 128, 128), (27, 256, 128), (32, 384, 128), (96, 128, 256)]
      let copies = 48
      defer { SmallProducts.enabled = true }
      for (m, k, n) in shapes {
        // On 64-byte boundaries, as the fused network's buffers are.
        let a = alignedFloats(m * k) { Float(sin(Double($0))) }, b = alignedFloats(copies * k * n) { Float(cos(0.7 * Double($0))) }
        let c = alignedFloats(m * n) { _ in 0 }
        defer { a.deallocate(); b.deallocate(); c.deallocate() }
        let flops = 2 * Double(m * n * k)
        let calls = max(copies, Int(5e7 / flops) / copies * copies)
        func rate(kernel: Bool, cold: Bool) -> Double {
          SmallProducts.enabled = kernel
          let t = timeIt(repeats: max(3, min(repeats, 9))) {
            for r in 0..<calls {
              Float._gemm(
                transposeA: false, transposeB: false, m: m, n: n, k: k, a, lda: k, b + (cold ? (r % copies) * k * n : 0),
                ldb: n, beta: 1, c, ldc: n)
            }
          }
          return flops * Double(calls) / t.best / 1e9
        }
        for cold in [false, true] {
          let mine = rate(kernel: true, cold: cold), blas = rate(kernel: false, cold: cold)
          print("  \(pad("\(m)×\(k)·\(k)×\(n) \(cold ? "cold" : "hot")", 26))  \(pad(fmt(mine, 1), 7))  \(pad(fmt(blas, 1), 6))  \(fmt(mine / blas, 2))")
        }
      }
    }

    // MARK: Elementwise

    func benchElementwise() {
      print("\nelementwise Float: GB/s (best)   engine   memcpy   engine/memcpy")
      for count in [1 << 16, 1 << 22] {
        let a = Tensor<Float>(randomNormal: [count / 128, 128], seed: 1)
        let b = Tensor<Float>(randomNormal: [count / 128, 128], seed: 2)
        let bias = Tensor<Float>(randomNormal: [128], seed: 3)
        let reps = max(10, repeats * (1 << 22) / count / 4)
        var dst = [Float](repeating: 0, count: count)
        let copy = timeIt(repeats: reps) {
          a.scalars.withUnsafeBytes { src in
            dst.withUnsafeMutableBytes { d in _ = memcpy(d.baseAddress!, src.baseAddress!, src.count) }
          }
        }
        let bytes = Double(count * MemoryLayout<Float>.size)
        let copyRate = 2 * bytes / copy.best / 1e9
        let label = count * 4 >= (1 << 20) ? "\((count * 4) >> 20) MiB" : "\((count * 4) >> 10) KiB"
        print("  arrays of \(count) Floats (\(label)); memcpy \(fmt(copyRate, 1)) GB/s")
        let cases: [(String, Double, () -> Void)] = [
          ("a + b", 3, { _ = a + b }),
          ("a * b", 3, { _ = a * b }),
          ("a + bias [N,128]+[128]", 2, { _ = a + bias }),
          ("2 * a", 2, { _ = a * 2 }),
          ("exp(a)", 2, { _ = exp(a) }),
          ("silu(a)", 2, { _ = silu(a) }),
          ("a.sum()", 1, { _ = a.sum() }),
        ]
        for (name, arrays, body) in cases {
          let t = timeIt(repeats: reps, body)
          let rate = arrays * bytes / t.best / 1e9
          print("    \(pad(name, 24)) \(pad(fmt(rate, 1), 8))  \(pad(fmt(copyRate, 1), 8))  \(fmt(rate / copyRate, 2))")
        }
      }
    }

    // MARK: MLP against PyTorch

    func benchMLP() throws {
      let n = batch, w = width
      let x = Tensor<Float>(randomNormal: [n, w], seed: 1)
      let forcesReference = Tensor<Float>(randomNormal: [n, w], seed: 2)
      let scale = 1 / Float(w).squareRoot()
      let params = [
        Tensor<Float>(randomNormal: [w, w], standardDeviation: scale, seed: 3), Tensor<Float>(zeros: [w]),
        Tensor<Float>(randomNormal: [w, w], standardDeviation: scale, seed: 4), Tensor<Float>(zeros: [w]),
        Tensor<Float>(randomNormal: [w, 1], standardDeviation: scale, seed: 5),
      ].map { $0.requiringGradient() }
      func energy(_ x: Tensor<Float>) -> Tensor<Float> {
        let h1 = silu(matmul(x, params[0]) + params[1])
        let h2 = silu(matmul(h1, params[2]) + params[3])
        return matmul(h2, params[4]).sum()
      }
      let steps: [(String, () -> Void)] = [
        ("forward", { _ = energy(x) }),
        ("backward", { _ = gradients(of: energy(x), wrt: params) }),
        ("double_backward", {
          let xr = x.requiringGradient()
          let forces = -gradients(of: energy(xr), wrt: [xr], createGraph: true)[0]
          let loss = square(forces - forcesReference).mean()
          _ = gradients(of: loss, wrt: params)
        }),
      ]
      var engine: [String: Timing] = [:]
      for (name, body) in steps {
        for _ in 0..<5 { body() }
        engine[name] = timeIt(repeats: repeats, body)
      }
      var peer: [String: Timing]? = nil
      var peerNote = ""
      if torch {
        do {
          peer = try runTorch()
        } catch {
          peerNote = " (PyTorch not run: \(error); make bench-setup creates \(python))"
        }
      }
      print("\nMLP \(w) → \(w) → \(w) → 1, SiLU, batch \(n), Float32, \(threads) thread(s)\(peerNote)")
      print("  step                          engine ms (best / median)   PyTorch ms (best / median)   PyTorch/engine (best)")
      for (name, _) in steps {
        let e = engine[name]!
        var line = "  \(pad(name == "double_backward" ? "force-loss double backward" : name, 30)) \(pad("\(fmt(e.best * 1e3, 3)) / \(fmt(e.median * 1e3, 3))", 27))"
        if let p = peer?[name] {
          line += " \(pad("\(fmt(p.best * 1e3, 3)) / \(fmt(p.median * 1e3, 3))", 28)) \(fmt(p.best / e.best, 2))"
        }
        print(line)
      }
    }

    func runTorch() throws -> [String: Timing] {
      guard FileManager.default.isExecutableFile(atPath: python) else {
        throw CommandFailure( "no Python interpreter at \(python)")
      }
      let process = Process()
      process.executableURL = URL(fileURLWithPath: python)
      process.arguments = [
        torchScript, "--threads", "\(threads)", "--batch", "\(batch)", "--width", "\(width)", "--repeats", "\(repeats)",
      ]
      let out = Pipe()
      process.standardOutput = out
      try process.run()
      let data = out.fileHandleForReading.readDataToEndOfFile()
      process.waitUntilExit()
      guard process.terminationStatus == 0,
        let json = try JSONSerialization.jsonObject(with: data) as? [String: Any]
      else {
        throw CommandFailure( "\(torchScript) exited with status \(process.terminationStatus)")
      }
      var result: [String: Timing] = [:]
      for name in ["forward", "backward", "double_backward"] {
        guard let entry = json[name] as? [String: Double], let best = entry["best"], let median = entry["median"] else {
          throw CommandFailure( "\(torchScript) printed no timing for \(name)")
        }
        result[name] = Timing(best: best, median: median)
      }
      return result
    }
  }
}

/// Best and median wall-clock seconds of repeated runs.
struct Timing {
  var best: Double
  var median: Double
}

/// Times `body` `repeats` times after two warm-up runs.
func timeIt(repeats: Int, _ body: () -> Void) -> Timing {
  body()
  body()
  var times: [Double] = []
  times.reserveCapacity(repeats)
  for _ in 0..<repeats {
    let start = DispatchTime.now().uptimeNanoseconds
    body()
    times.append(Double(DispatchTime.now().uptimeNanoseconds - start) * 1e-9)
  }
  times.sort()
  return Timing(best: times[0], median: times[times.count / 2])
}

/// The machine's measured Float product rate, GFLOP/s: the best of 20 raw BLAS products
/// [512, 512]·[512, 512] on 64-byte-aligned buffers with BLAS on `threads` threads (put back
/// as it was afterwards). The reference of the benchmarks' "of peak" columns.
func measuredSGEMMPeak(threads: Int) -> Double {
  let n = 512
  let a = alignedFloats(n * n) { Float(sin(Double($0))) }, b = alignedFloats(n * n) { Float(cos(0.7 * Double($0))) }
  let c = alignedFloats(n * n) { _ in 0 }
  defer { a.deallocate(); b.deallocate(); c.deallocate() }
  let before = TensorThreads.blasThreads
  TensorThreads.setBLASThreads(threads)
  defer { TensorThreads.setBLASThreads(before) }
  let time = timeIt(repeats: 20) {
    Float._gemm(transposeA: false, transposeB: false, m: n, n: n, k: n, a, lda: n, b, ldb: n, c, ldc: n)
  }
  return 2 * Double(n * n * n) / time.best / 1e9
}

/// `count` Floats on a 64-byte boundary (as the fused network's buffers are), element i set to
/// `value(i)`; the caller deallocates them.
private func alignedFloats(_ count: Int, _ value: (Int) -> Float) -> UnsafeMutablePointer<Float> {
  let p = UnsafeMutableRawPointer.allocate(byteCount: count * MemoryLayout<Float>.stride, alignment: 64)
    .bindMemory(to: Float.self, capacity: count)
  for i in 0..<count { p[i] = value(i) }
  return p
}

private func fmt(_ x: Double, _ digits: Int) -> String { String(format: "%.\(digits)f", x) }

private func pad(_ s: String, _ width: Int) -> String {
  s.count >= width ? s : s + String(repeating: " ", count: width - s.count)
}
