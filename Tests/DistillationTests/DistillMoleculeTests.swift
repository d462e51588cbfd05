import Atomistic
import Dynamics
import Foundation
import Potentials
import Testing
import Training
@testable import Distillation

/// `mlff distill` on a molecule: an analytic Morse teacher (ASE's `MorsePotential`) for a
/// three-atom molecule, validated at the molecular defaults (300 and 500 K), with the
/// student–teacher comparison and the in-use errors, then the validation resumed.
@Suite struct DistillMoleculeTests {
  /// ASE Morse, V = ε Σ_{i<j} [e^{−2ρ₀(r/r₀−1)} − 2e^{−ρ₀(r/r₀−1)}], ε = 1 eV, ρ₀ = 3, r₀ = 1.2 Å.
  static let teacherSource = """
    from ase.calculators.morse import MorsePotential


    def morse():
        return MorsePotential(epsilon=1.0, rho0=3.0, r0=1.2)

    """

  /// The same pair potential in Swift (α = ρ₀/r₀), to check the teacher's labels independently.
  let swiftMorse = Morse(depth: 1.0, alpha: 2.5, equilibriumDistance: 1.2)

  /// C, O, H at the corners of a 1.2 Å equilateral triangle: C–O and C–H are bonds
  /// (1.2 < 1.2 × (r_C + r_O), 1.2 × (r_C + r_H)), O–H is not (1.2 > 1.2 × (0.66 + 0.31)).
  let molecule = Structure(atomicNumbers: [6, 8, 1],
                           positions: [.zero, SIMD3(1.2, 0, 0), SIMD3(0.6, 1.2 * 0.75.squareRoot(), 0)])

  @Test func moleculeIsValidatedAgainstTheTeacherAndResumesWithoutRelabelling() throws {
    let folder = try distillTemporaryFolder()
    defer { try? FileManager.default.removeItem(at: folder) }
    try Self.teacherSource.write(to: folder.appendingPathComponent("molecule_test_teachers.py"), atomically: true, encoding: .utf8)
    let seeds = folder.appendingPathComponent("molecule.xyz")
    try ExtXYZ.write([molecule], to: seeds)
    var c = tinyConfiguration(seeds: seeds, trainingTime: "5m")
    c.teacher = "molecule_test_teachers:morse"
    c.train.epochs = 30
    c.validate.temperatures = []
    c.validate.steps = 0
    c.validate.lengthPs = 0.1
    c.validate.timestep = 0.5
    c.validate.nveSteps = 0
    c.validate.teacherSteps = 120
    c.validate.traceInterval = 2
    c.validate.inUseSnapshots = 4
    c.validate.supercell = [1, 1, 1]
    let config = try tinyConfigurationFile(c, in: folder)
    let runFolder = folder.appendingPathComponent("run")
    let environment = ["PYTHONPATH": folder.path]
    let arguments = ["distill", "--config", config.path, "-o", runFolder.path]
    let first = try runDistill(arguments, environment: environment, logs: folder)
    #expect(first.status == 0, "\(first.stderr)")
    let paths = DistillPaths(runFolder)

    // Molecular defaults: 300 and 500 K, 0.1 ps of 0.5 fs each, ns/day printed per run.
    let runs = try JSONDecoder().decode([ValidationRun].self, from: Data(contentsOf: paths.validation))
    #expect(runs.map(\.name) == ["nvt_300K", "nvt_500K"])
    #expect(runs.allSatisfy { $0.report.stepsRequested == 200 && $0.report.bondsMonitored == 2 })
    #expect(first.stderr.contains("a molecule of 3 atoms"), "\(first.stderr)")
    #expect(first.stderr.contains("nvt_300K: ") && first.stderr.contains("ns/day"), "\(first.stderr)")

    // The student–teacher comparison: the two bonds and one angle of the start, both spectra.
    let comparisons = try JSONDecoder().decode([MolecularComparison].self, from: Data(contentsOf: paths.molecularComparison))
    #expect(comparisons.map(\.run) == ["nvt_300K", "nvt_500K"])
    for comparison in comparisons {
      #expect(comparison.bonds.map(\.label) == ["C–H", "O–C"] && comparison.angles.map(\.label) == ["O–C–H"])
      #expect(comparison.teacherFrames == 61)
      // Teacher bonds near r₀ = 1.2 Å (thermal spread of hundredths of an Å at these temperatures).
      #expect(comparison.bonds.allSatisfy { abs($0.teacherMean - 1.2) < 0.05 })
      let overlap = try #require(comparison.spectralOverlap)
      #expect(overlap > 0 && overlap <= 1 + 1e-9)
      for file in ["bonds_C-H.svg", "bonds_O-C.svg", "angles_O-C-H.svg", "vdos.svg"] {
        #expect(FileManager.default.fileExists(atPath: paths.md.appendingPathComponent(comparison.run).appendingPathComponent(file).path), "\(file)")
      }
    }

    // In-use errors: 4 snapshots per temperature, labelled by the teacher (ASE's Morse agrees
    // with the Swift one), and the errors are those `mlff eval` gives on the labelled file.
    let inUse = try JSONDecoder().decode([InUseErrors].self, from: Data(contentsOf: paths.inUseErrors))
    #expect(inUse.map(\.run) == ["nvt_300K", "nvt_500K"])
    for r in inUse {
      #expect(r.taken == 4 && r.labelled == 4 && r.failed == 0 && !r.steps.contains(0))
      let labelled = try ExtXYZ.read(URL(fileURLWithPath: r.labelsFile))
      #expect(labelled.compactMap(mdStep) == r.steps)
      for s in labelled {
        let reference = try swiftMorse.compute([s.unlabelled], .energyAndForces)[0]
        #expect(abs(reference.energy - s.energy!) < 1e-9)
        for (f, g) in zip(reference.forces!, s.forces!) { #expect(length(f - g) < 1e-8) }
      }
      let eval = try runDistill(["eval", r.labelsFile, "--model", paths.model.path, "--precision", "double", "--json",
                                 "-o", folder.appendingPathComponent("eval_\(r.run)").path], logs: folder)
      #expect(eval.status == 0, "\(eval.stderr)")
      let json = try JSONSerialization.jsonObject(with: Data(eval.stdout.utf8)) as? [String: Any]
      let mae = (json?["force_mae_meV_per_A"] as? NSNumber)?.doubleValue ?? .nan
      #expect(abs(mae - 1000 * (r.errors?.forceMAE ?? .nan)) < 1e-6 * max(1, mae))
      #expect(json?["force_relative_error"] != nil && json?["forces_by_element"] != nil)
    }
    #expect(first.stderr.contains("in use, nvt_300K (4 of 4 snapshots)"), "\(first.stderr)")
    let html = try String(contentsOf: paths.report, encoding: .utf8)
    for section in ["Errors where the student is used", "Molecule: student against teacher on the same short MD"] {
      #expect(html.contains("<h2>\(section)</h2>"), "no section \(section)")
    }
    #expect(html.contains("In-use force MAE") && html.contains("relative force error"))

    // The validation stage again (as after a stop inside it): MD resumes at its end and the
    // snapshots are not labelled again.
    let labelsFile = URL(fileURLWithPath: inUse[0].labelsFile)
    let labelledAt = try FileManager.default.attributesOfItem(atPath: labelsFile.path)[.modificationDate] as? Date
    var state = try DistillState.read(from: runFolder)
    state.finished.removeAll { [.validate, .speed, .report].contains($0) }
    try state.write(to: runFolder)
    let second = try runDistill(arguments, environment: environment, logs: folder)
    #expect(second.status == 0, "\(second.stderr)")
    #expect(second.stderr.contains("== validate =="), "\(second.stderr)")
    #expect(try FileManager.default.attributesOfItem(atPath: labelsFile.path)[.modificationDate] as? Date == labelledAt)
    let again = try JSONDecoder().decode([InUseErrors].self, from: Data(contentsOf: paths.inUseErrors))
    #expect(again.map(\.errors) == inUse.map(\.errors))
  }
}
