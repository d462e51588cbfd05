import Foundation
import PaiNN
import Testing

/// The safetensors model file: layout, round trip and clear errors.
@Suite struct ModelFileTests {
  func temporaryURL(_ name: String) -> URL {
    FileManager.default.temporaryDirectory.appendingPathComponent("painn-test-\(ProcessInfo.processInfo.processIdentifier)-\(name)")
  }

  @Test func roundTripIsExact() throws {
    var model = Fixtures.model()
    model.provenance = ["teacher": "emt", "note": "quote \" and\nnewline"]
    let url = temporaryURL("roundtrip.safetensors")
    defer { try? FileManager.default.removeItem(at: url) }
    try model.write(to: url)
    #expect(try PaiNNModel(contentsOf: url) == model)
  }

  @Test func float32StorageRoundsWeightsToFloat() throws {
    let model = Fixtures.model()
    let back = try PaiNNModel(data: try model.encoded(dtype: .f32), source: "mem")
    #expect(back.weights.filter.weight == model.weights.filter.weight.map { Double(Float($0)) })
    #expect(back.referenceEnergies == model.referenceEnergies)
  }

  /// The container layout, checked byte by byte against the safetensors specification.
  @Test func containerLayoutFollowsTheSpecification() throws {
    let data = SafeTensors.encode([("a", SafeTensor(shape: [2], values: [1.5, -2], dtype: .f32))], metadata: ["k": "v"])
    let bytes = [UInt8](data)
    let n = Int(bytes[0]) | Int(bytes[1]) << 8 | Int(bytes[2]) << 16 | Int(bytes[3]) << 24
    #expect(bytes[4..<8].allSatisfy { $0 == 0 })
    #expect((8 + n) % 8 == 0)
    let header = String(decoding: bytes[8..<(8 + n)], as: UTF8.self).trimmingCharacters(in: .whitespaces)
    #expect(header == #"{"__metadata__":{"k":"v"},"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#)
    // 1.5f = 0x3FC00000, -2f = 0xC0000000, little-endian.
    #expect(Array(bytes[(8 + n)...]) == [0x00, 0x00, 0xC0, 0x3F, 0x00, 0x00, 0x00, 0xC0])
  }

  @Test func truncatedFileIsRejected() throws {
    let data = try Fixtures.model().encoded()
    for keep in [0, 5, 12, data.count / 2, data.count - 1] {
      #expect(throws: SafeTensorsError.self) { try PaiNNModel(data: data.prefix(keep), source: "cut.safetensors") }
    }
    do {
      _ = try PaiNNModel(data: data.prefix(data.count - 1), source: "cut.safetensors")
    } catch let e as SafeTensorsError {
      #expect(e.description.contains("cut.safetensors"))
    }
  }

  @Test func corruptHeaderIsRejected() throws {
    var bytes = [UInt8](try Fixtures.model().encoded())
    bytes[9] = UInt8(ascii: "#")
    #expect(throws: SafeTensorsError.self) { try PaiNNModel(data: Data(bytes), source: "bad") }
    var huge = bytes
    huge[7] = 0x7F  // header length of ~9e18 bytes
    #expect(throws: SafeTensorsError.self) { try PaiNNModel(data: Data(huge), source: "bad") }
  }

  func rewriteMetadata(_ change: (inout [String: String]) -> Void, dropTensor: String? = nil) throws -> Data {
    let model = Fixtures.model()
    let (tensors, metadata) = try SafeTensors.decode(try model.encoded(), source: "x")
    var m = metadata
    change(&m)
    return SafeTensors.encode(tensors.filter { $0.0 != dropTensor }, metadata: m)
  }

  @Test func wrongVersionIsRejectedWithItsNumber() throws {
    let data = try rewriteMetadata { $0["format_version"] = "99" }
    do {
      _ = try PaiNNModel(data: data, source: "future.safetensors")
      Issue.record("a version-99 file was accepted")
    } catch let e as SafeTensorsError {
      #expect(e.description.contains("99"))
    }
  }

  @Test func otherFormatsAndMissingWeightsAreRejected() throws {
    #expect(throws: SafeTensorsError.self) { try PaiNNModel(data: try rewriteMetadata { $0["format"] = "other" }, source: "x") }
    #expect(throws: SafeTensorsError.self) { try PaiNNModel(data: try rewriteMetadata { $0["architecture"] = "{}" }, source: "x") }
    #expect(throws: SafeTensorsError.self) {
      try PaiNNModel(data: try rewriteMetadata({ _ in }, dropTensor: "readout.1.bias"), source: "x")
    }
  }

  @Test func missingFileNamesThePath() {
    do {
      _ = try PaiNNModel(contentsOf: URL(fileURLWithPath: "/nonexistent/student.safetensors"))
      Issue.record("no error")
    } catch {
      #expect("\(error)".contains("/nonexistent/student.safetensors"))
    }
  }
}
