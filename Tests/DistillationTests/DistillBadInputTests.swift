import Atomistic
import Datasets
import Foundation
import Testing
@testable import Distillation

/// Bad input ends with a message that says what was wrong and where, and leaves a run folder
/// that the fixed command continues.
@Suite struct DistillBadInputTests {
  @Test func elementTheTeacherDoesNotKnowIsNamedWithItsFrameAndTheFixedRerunContinues() throws {
    let folder = try distillTemporaryFolder()
    defer { try? FileManager.default.removeItem(at: folder) }
    var seeds = try ExtXYZ.read(copperGoldSeeds())
    let silicon = try ExtXYZ.read(repositoryRoot().appendingPathComponent("examples/si-diamond.xyz"))[0]
    seeds.insert(silicon, at: 1)
    let seedFile = folder.appendingPathComponent("seeds.xyz")
    try ExtXYZ.write(seeds, to: seedFile)
    let c = tinyConfiguration(seeds: seedFile)
    let config = try tinyConfigurationFile(c, in: folder)
    let runFolder = folder.appendingPathComponent("run")
    let arguments = ["distill", "--config", config.path, "-o", runFolder.path, "--until", "sample"]

    let bad = try runDistill(arguments, logs: folder)
    #expect(bad.status != 0)
    #expect(bad.stderr.contains("\(seedFile.path), frame 1"), "\(bad.stderr)")
    #expect(bad.stderr.contains("contains Si"), "\(bad.stderr)")
    #expect(bad.stderr.contains("run the same command again to continue"), "\(bad.stderr)")

    seeds.remove(at: 1)
    try ExtXYZ.write(seeds, to: seedFile)
    let fixed = try runDistill(arguments, logs: folder)
    #expect(fixed.status == 0, "\(fixed.stderr)")
    #expect(try ExtXYZ.read(DistillPaths(runFolder).candidates).count == seeds.count + c.sample.count)
  }

  @Test func emptySeedFileIsRefusedAndTheFolderContinuesOnceItHasSeeds() throws {
    let folder = try distillTemporaryFolder()
    defer { try? FileManager.default.removeItem(at: folder) }
    let seedFile = folder.appendingPathComponent("seeds.xyz")
    try Data().write(to: seedFile)
    let config = try tinyConfigurationFile(tinyConfiguration(seeds: seedFile), in: folder)
    let runFolder = folder.appendingPathComponent("run")
    let arguments = ["distill", "--config", config.path, "-o", runFolder.path, "--until", "sample"]

    let bad = try runDistill(arguments, logs: folder)
    #expect(bad.status != 0)
    #expect(bad.stderr.contains("\(seedFile.path) holds no structures"), "\(bad.stderr)")
    #expect(try DistillState.read(from: runFolder).finished.isEmpty)

    try FileManager.default.removeItem(at: seedFile)
    try FileManager.default.copyItem(at: copperGoldSeeds(), to: seedFile)
    let fixed = try runDistill(arguments, logs: folder)
    #expect(fixed.status == 0, "\(fixed.stderr)")
    #expect(try DistillState.read(from: runFolder).finished == [.sample])
  }

  @Test func teacherFailingOnEveryStructureIsReportedAndAnotherTeacherContinues() throws {
    let folder = try distillTemporaryFolder()
    defer { try? FileManager.default.removeItem(at: folder) }
    try writeTestTeachers(in: folder)
    var c = tinyConfiguration(seeds: copperGoldSeeds())
    c.teacher = "distill_test_teachers:broken"
    c.sample.count = 5
    let config = try tinyConfigurationFile(c, in: folder)
    let runFolder = folder.appendingPathComponent("run")
    let environment = ["PYTHONPATH": folder.path]

    let bad = try runDistill(["distill", "--config", config.path, "-o", runFolder.path, "--until", "label"],
                             environment: environment, logs: folder)
    #expect(bad.status != 0)
    #expect(bad.stderr.contains("failed on every one of the 8 structures"), "\(bad.stderr)")
    #expect(bad.stderr.contains("this test teacher fails on purpose"), "\(bad.stderr)")
    #expect(bad.stderr.contains("data.h5.failed.jsonl"), "\(bad.stderr)")
    #expect(try DistillState.read(from: runFolder).finished == [.sample])

    // The same folder with a working teacher: sampling is not redone, every candidate labelled.
    let fixed = try runDistill(["distill", "--config", config.path, "-o", runFolder.path, "--until", "label", "--teacher", "emt"],
                               environment: environment, logs: folder)
    #expect(fixed.status == 0, "\(fixed.stderr)")
    #expect(!fixed.stderr.contains("== sample =="))
    #expect(try Dataset.read(DistillPaths(runFolder).dataset).structures.count == 8)
  }

  @Test func unknownSettingIsNamedWithTheKnownOnes() throws {
    let folder = try distillTemporaryFolder()
    defer { try? FileManager.default.removeItem(at: folder) }
    let config = folder.appendingPathComponent("distill.toml")
    try "teacher = \"emt\"\n[train]\nmax_epoch = 10\n".write(to: config, atomically: true, encoding: .utf8)
    let run = try runDistill(["distill", "--config", config.path, "--structures", copperGoldSeeds().path,
                              "-o", folder.appendingPathComponent("run").path], logs: folder)
    #expect(run.status != 0)
    #expect(run.stderr.contains("unknown setting 'train.max_epoch'"), "\(run.stderr)")
    #expect(run.stderr.contains("epochs"), "\(run.stderr)")
  }

  @Test func configurationFileParsing() throws {
    // Keys given replace the defaults; the rest keep them.
    let c = try DistillConfiguration.parse(toml: """
      teacher = "chgnet"
      [sample]
      count = 12
      md_temperatures = [300, 900]
      [active_learning]
      trust_low = 0.1
      trust_high = 0.3
      """, source: "test.toml")
    var expected = DistillConfiguration()
    expected.teacher = "chgnet"
    expected.sample.count = 12
    expected.sample.mdTemperatures = [300, 900]
    expected.activeLearning.trustLow = 0.1
    expected.activeLearning.trustHigh = 0.3
    #expect(c == expected)
    // The resolved text holds every key and reads back to the same settings.
    let text = try c.tomlText()
    for key in ["max_bond_deviation", "member_max_time", "validation_fraction", "md_interval"] {
      #expect(text.contains(key), "\(key) missing from the resolved settings")
    }
    #expect(try DistillConfiguration.parse(toml: text, source: "resolved") == c)

    func message(_ toml: String) -> String {
      do { _ = try DistillConfiguration.parse(toml: toml, source: "bad.toml"); return "" } catch { return "\(error)" }
    }
    #expect(message("[sample]\ncount = \"many\"\n").contains("'sample.count' should be a whole number"))
    #expect(message("sample = 3\n").contains("'sample' should be a table"))
    #expect(message("[label]\nworkers = 2\nwokers = 3\n").contains("unknown setting 'label.wokers'"))
    #expect(message("teacher = \n").contains("bad.toml:1"))
    var problem = DistillConfiguration()
    problem.structures = "x.xyz"
    problem.activeLearning.trustLow = 0.2
    problem.activeLearning.trustHigh = 0.1
    #expect(problem.problem?.contains("trust_low") == true)
  }
}
