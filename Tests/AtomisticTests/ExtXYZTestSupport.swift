import Foundation
import Testing

@testable import Atomistic

/// The folder of extxyz fixtures written by scripts/make_extxyz_fixtures.py.
func extxyzFixture(_ name: String) throws -> URL {
  let base = try #require(Bundle.module.resourceURL)
  let url = base.appendingPathComponent("Fixtures/extxyz/\(name)")
  try #require(FileManager.default.fileExists(atPath: url.path), "missing fixture \(url.path)")
  return url
}

/// A fresh empty folder for a test's files.
func extxyzTemporaryFolder(_ label: String = #function) throws -> URL {
  let safe = label.filter { $0.isLetter || $0.isNumber }
  let url = FileManager.default.temporaryDirectory
    .appendingPathComponent("mlff-extxyz-\(safe)-\(UUID().uuidString)")
  try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
  return url
}

/// The error thrown by `body`, which must be an `ExtXYZError`.
func extxyzError(_ body: () throws -> Void) -> ExtXYZError? {
  do {
    try body()
    return nil
  } catch let error as ExtXYZError {
    return error
  } catch {
    Issue.record("expected an ExtXYZError, got \(error)")
    return nil
  }
}

