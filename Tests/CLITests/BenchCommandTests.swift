import Foundation
import Testing

/// `mlff bench painn` run as a user runs it, without the peer: its table, the batch and
/// overhead lines, and its refusals.
@Suite struct BenchCommandTests {
  @Test func painnBenchPrintsItsTableBatchesAndOverhead() throws {
    let run = try runMLFF([
      "bench", "painn", "--presets", "tiny", "--no-peer", "--repeats", "1", "--threads", "2", "--batch", "3",
      "--overhead", "--activations", "recomputed",
    ])
    #expect(run.status == 0, "\(run.stderr)")
    for name in ["ethanol", "biphenyl", "Si64", "Si216", "Cu1372"] {
      #expect(run.stdout.contains("tiny    \(name)"), "\(name) missing: \(run.stdout)")
    }
    // One batch line and one overhead line per molecule, with a positive time in each.
    let batchLines = run.stdout.split(separator: "\n").filter { $0.contains("µs per structure: alone") }
    let overheadLines = run.stdout.split(separator: "\n").filter { $0.contains("beyond the arithmetic") }
    #expect(batchLines.count == 2 && overheadLines.count == 2, "\(run.stdout)")
    for line in batchLines + overheadLines {
      let numbers = line.split(whereSeparator: { $0 == " " || $0 == "," || $0 == "(" })
        .compactMap { Double($0) }
      #expect(numbers.contains { $0 > 0 && $0.isFinite } && !numbers.contains { !$0.isFinite }, "\(line)")
    }
  }

  @Test func painnBenchRefusesOptionsThatCannotWork() throws {
    let overhead = try runMLFF(["bench", "painn", "--no-peer", "--overhead"])
    #expect(overhead.status == 64 && overhead.stderr.contains("--overhead needs --batch"), "\(overhead.stderr)")
    let batch = try runMLFF(["bench", "painn", "--no-peer", "--batch", "1"])
    #expect(batch.status == 64 && batch.stderr.contains("--batch must be at least 2, got 1"), "\(batch.stderr)")
    let storage = try runMLFF(["bench", "painn", "--no-peer", "--activations", "sometimes"])
    #expect(storage.status == 64 && storage.stderr.contains("sometimes"), "\(storage.stderr)")
    let system = try runMLFF(["bench", "painn", "--no-peer", "--systems", "ethanol,Si65"])
    #expect(system.status == 64 && system.stderr.contains("unknown system 'Si65' in --systems"), "\(system.stderr)")
  }

  @Test func neighborsBenchTimesMoleculesBothWays() throws {
    // The command itself refuses a size where the two lists differ in their pair count.
    let run = try runMLFF(["bench", "neighbors", "--molecules"])
    #expect(run.status == 0, "\(run.stderr)")
    let rows = run.stdout.split(separator: "\n").map { $0.split(separator: " ").compactMap { Double($0) } }.filter { $0.count == 5 }
    #expect(rows.map { Int($0[0]) } == [8, 16, 32, 64, 128, 256], "\(run.stdout)")
    for row in rows {
      #expect(row[1] > 0 && row[2] > 0 && row[3] > 0, "\(row)")
      #expect(abs(row[4] - row[3] / row[2]) <= 0.01 * row[4] + 0.01, "the ratio column is cell list / direct: \(row)")
    }
    #expect(run.stdout.contains("used up to 64 atoms"), "\(run.stdout)")
  }

  @Test func tensorBenchTimesTheFewRowProductsBothWays() throws {
    let run = try runMLFF(["bench", "tensor", "--no-torch", "--sizes", "64", "--repeats", "1", "--threads", "1"])
    #expect(run.status == 0, "\(run.stderr)")
    // "  9×128·128×128 hot   100.8   88.8   1.14": kernel and BLAS GFLOP/s, and their ratio.
    let rows = run.stdout.split(separator: "\n").filter { $0.contains("·") && ($0.contains(" hot ") || $0.contains(" cold ")) }
    // Seven shapes, hot and cold, on a processor with the kernel; none without it.
    let expected = run.stdout.contains("has no AVX2 + FMA, every product goes to BLAS") ? 0 : 14
    #expect(rows.count == expected, "\(run.stdout)")
    for row in rows {
      let numbers = row.split(separator: " ").dropFirst(2).compactMap { Double($0) }
      #expect(numbers.count == 3, "\(row)")
      guard numbers.count == 3 else { continue }
      #expect(numbers[0] > 0 && numbers[1] > 0, "\(row)")
      #expect(abs(numbers[2] - numbers[0] / numbers[1]) <= 0.01 * numbers[2] + 0.01, "the ratio is kernel / BLAS: \(row)")
    }
  }

  @Test func painnBenchTimesOnlyTheChosenSystems() throws {
    let run = try runMLFF(["bench", "painn", "--presets", "tiny", "--no-peer", "--repeats", "1", "--systems", "si64,ETHANOL"])
    #expect(run.status == 0, "\(run.stderr)")
    #expect(run.stdout.contains("tiny    ethanol") && run.stdout.contains("tiny    Si64"), "\(run.stdout)")
    for name in ["biphenyl", "Si216", "Cu1372"] { #expect(!run.stdout.contains("tiny    \(name)"), "\(run.stdout)") }
    // The roofline columns: the share of the measured sgemm rate, and the peak memory.
    let peakLine = run.stdout.split(separator: "\n").first { $0.hasPrefix("of peak: GFLOP/s over the measured sgemm rate, ") }
    let peak = peakLine.flatMap { Double($0.split(separator: " ")[8]) }
    #expect(peak.map { $0 > 0.1 && $0 < 1e5 } == true, "\(run.stdout)")
    for row in run.stdout.split(separator: "\n") where row.hasPrefix("tiny ") {
      let fields = row.split(separator: " ")
      let rate = Double(fields[fields.count - 4]), share = Double(fields[fields.count - 3].dropLast())
      let megabytes = Double(fields[fields.count - 1])
      #expect(fields[fields.count - 3].hasSuffix("%") && rate != nil && share != nil, "\(row)")
      if let rate, let share, let peak { #expect(abs(share - 100 * rate / peak) <= 1, "\(row)") }
      #expect(megabytes.map { $0 > 1 && $0 < 1e5 } == true, "\(row)")
    }
  }
}
