import Foundation
import Testing

/// `mlff frequencies`: a student against an analytic reference, table and files.
@Suite struct FrequenciesCommandTests {
  @Test func dimerAgainstMorseGivesTheAnalyticReferenceFrequency() throws {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("mlff-frequencies-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: folder) }
    let model = folder.appendingPathComponent("cu.safetensors").path
    let made = try runMLFF(["model", "new", "--preset", "tiny", "--elements", "Cu", "-o", model])
    #expect(made.status == 0, "\(made.stderr)")
    let input = folder.appendingPathComponent("dimer.xyz")
    try "2\nProperties=species:S:1:pos:R:3\nCu 0 0 0\nCu 2.866 0 0\n".write(to: input, atomically: true, encoding: .utf8)
    let out = folder.appendingPathComponent("freq")
    let run = try runMLFF(["frequencies", input.path, "--model", model, "--potential", "morse", "--step", "0.005", "-o", out.path])
    #expect(run.status == 0, "\(run.stderr)")
    #expect(run.stdout.contains("5 rigid-body modes removed"))
    let json = try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("frequencies.json"))) as! [String: Any]
    let teacher = json["teacherWavenumbers"] as! [Double]
    // ω = α sqrt(2D/μ) of the Morse dimer (Cu: D = 0.3429 eV, α = 1.3588 Å⁻¹, μ = 63.546/2 amu).
    let omega = 1.3588 * (2 * 0.3429 / (63.546 / 2)).squareRoot() * (1.602_176_6208e-19 / 1.660_539_040e-27).squareRoot() * 1e10
    #expect(teacher.count == 1 && abs(teacher[0] - omega / (2 * Double.pi * 2.997_924_58e10)) < 0.01)
    let svg = try String(contentsOf: out.appendingPathComponent("frequencies.svg"), encoding: .utf8)
    #expect(svg.hasPrefix("<svg") || svg.contains("<svg"))
    // Nothing to compare with is a usage error.
    let none = try runMLFF(["frequencies", input.path, "--model", model])
    #expect(none.status == 64 && none.stderr.contains("--teacher NAME or --potential"))
  }
}
