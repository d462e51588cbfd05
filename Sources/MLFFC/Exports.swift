import Atomistic
import CMLFF
import Foundation
import PaiNN
import Potentials

// The functions of include/mlff.h. Each one catches every error and turns it into a status and
// a message; none traps on input (see `HeaderAgreement.swift` for how the signatures
// are held to the header).

/// Stores `failure.message` as a new C string in `*error` (when the caller asked for messages)
/// and returns the status.
private func report(_ failure: CFailure, _ error: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
  error?.pointee = strdup(failure.message)
  return failure.status.rawValue
}

private func model(_ handle: OpaquePointer?) throws(CFailure) -> LoadedModel {
  guard let handle else { throw CFailure(.nullArgument, "the model is NULL; load one with mlff_model_load") }
  return Unmanaged<LoadedModel>.fromOpaque(UnsafeRawPointer(handle)).takeUnretainedValue()
}

@_cdecl("mlff_abi_version")
public func mlffABIVersion() -> Int32 { 1 }

// C strings that live as long as the process: initialised once (Swift globals are initialised
// exactly once, thread-safely) and never written, so sharing them between threads is safe.
nonisolated(unsafe) private let statusNames: [UnsafePointer<CChar>] = (0...7).map { raw in
  UnsafePointer(strdup(CStatus(rawValue: Int32(raw))!.name)!)
}
nonisolated(unsafe) private let unknownStatusName = UnsafePointer(strdup("MLFF_UNKNOWN_STATUS")!)

@_cdecl("mlff_status_name")
public func mlffStatusName(_ status: Int32) -> UnsafePointer<CChar>? {
  (0...7).contains(status) ? statusNames[Int(status)] : unknownStatusName
}

@_cdecl("mlff_string_free")
public func mlffStringFree(_ message: UnsafeMutablePointer<CChar>?) { free(message) }

@_cdecl("mlff_model_load")
public func mlffModelLoad(
  _ path: UnsafePointer<CChar>?, _ precision: Int32, _ out: UnsafeMutablePointer<OpaquePointer?>?,
  _ error: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?
) -> Int32 {
  out?.pointee = nil
  error?.pointee = nil
  do throws(CFailure) {
    guard let out else { throw CFailure(.nullArgument, "the model out-pointer is NULL; pass the address of an mlff_model *") }
    guard let path else { throw CFailure(.nullArgument, "the model path is NULL") }
    let arithmetic: PaiNNPrecision
    switch precision {
    case 0: arithmetic = .float
    case 1: arithmetic = .double
    default: throw CFailure(.invalidArgument, "precision \(precision) is not MLFF_PRECISION_FLOAT (0) or MLFF_PRECISION_DOUBLE (1)")
    }
    let loaded = try LoadedModel(path: String(cString: path), precision: arithmetic)
    out.pointee = OpaquePointer(Unmanaged.passRetained(loaded).toOpaque())
    return CStatus.ok.rawValue
  } catch let failure {
    return report(failure, error)
  }
}

@_cdecl("mlff_model_free")
public func mlffModelFree(_ handle: OpaquePointer?) {
  guard let handle else { return }
  Unmanaged<LoadedModel>.fromOpaque(UnsafeRawPointer(handle)).release()
}

@_cdecl("mlff_model_cutoff")
public func mlffModelCutoff(_ handle: OpaquePointer?) -> Double {
  (try? model(handle))?.potential.model.configuration.cutoff ?? .nan
}

@_cdecl("mlff_model_element_count")
public func mlffModelElementCount(_ handle: OpaquePointer?) -> Int32 {
  guard let m = try? model(handle) else { return -1 }
  return Int32(m.potential.model.elements.count)
}

@_cdecl("mlff_model_elements")
public func mlffModelElements(_ handle: OpaquePointer?, _ atomicNumbers: UnsafeMutablePointer<Int32>?, _ capacity: Int32) -> Int32 {
  guard let m = try? model(handle) else { return -1 }
  let elements = m.potential.model.elements
  if let atomicNumbers {
    for (k, z) in elements.prefix(Int(max(0, capacity))).enumerated() { atomicNumbers[k] = Int32(z) }
  }
  return Int32(elements.count)
}

@_cdecl("mlff_model_precision")
public func mlffModelPrecision(_ handle: OpaquePointer?) -> Int32 {
  guard let m = try? model(handle) else { return -1 }
  return m.potential.precision == .float ? 0 : 1
}

@_cdecl("mlff_compute")
public func mlffCompute(
  _ handle: OpaquePointer?, _ atomCount: Int64, _ atomicNumbers: UnsafePointer<Int32>?,
  _ positions: UnsafePointer<Double>?, _ cell: UnsafePointer<Double>?, _ pbc: UnsafePointer<Int32>?,
  _ energy: UnsafeMutablePointer<Double>?, _ energies: UnsafeMutablePointer<Double>?,
  _ forces: UnsafeMutablePointer<Double>?, _ stress: UnsafeMutablePointer<Double>?,
  _ error: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?
) -> Int32 {
  error?.pointee = nil
  do throws(CFailure) {
    guard (0...maximumAtomCount).contains(atomCount) else {
      throw CFailure(.invalidArgument, "atom_count is \(atomCount); it must be between 0 and \(maximumAtomCount)")
    }
    let counts = [Int(atomCount)]
    try evaluate(
      model(handle), atomCounts: counts, atomicNumbers: atomicNumbers, positions: positions, cells: cell,
      pbc: pbc, energy: energy, energies: energies, forces: forces, stress: stress, name: { _ in "the structure" })
    return CStatus.ok.rawValue
  } catch let failure {
    return report(failure, error)
  }
}

@_cdecl("mlff_compute_batch")
public func mlffComputeBatch(
  _ handle: OpaquePointer?, _ structureCount: Int64, _ atomCounts: UnsafePointer<Int64>?,
  _ atomicNumbers: UnsafePointer<Int32>?, _ positions: UnsafePointer<Double>?, _ cells: UnsafePointer<Double>?,
  _ pbc: UnsafePointer<Int32>?, _ energy: UnsafeMutablePointer<Double>?, _ energies: UnsafeMutablePointer<Double>?,
  _ forces: UnsafeMutablePointer<Double>?, _ stress: UnsafeMutablePointer<Double>?,
  _ error: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?
) -> Int32 {
  error?.pointee = nil
  do throws(CFailure) {
    guard (0...maximumAtomCount).contains(structureCount) else {
      throw CFailure(.invalidArgument, "structure_count is \(structureCount); it must be between 0 and \(maximumAtomCount)")
    }
    if structureCount > 0, atomCounts == nil { throw CFailure(.nullArgument, "atom_counts is NULL but structure_count is \(structureCount)") }
    var counts: [Int] = []
    var total: Int64 = 0
    for s in 0..<Int(structureCount) {
      let n = atomCounts![s]
      guard (0...maximumAtomCount).contains(n) else {
        throw CFailure(.invalidArgument, "atom_counts[\(s)] is \(n); it must be between 0 and \(maximumAtomCount)")
      }
      total += n
      guard total <= maximumAtomCount else {
        throw CFailure(.invalidArgument, "the batch holds more than \(maximumAtomCount) atoms; split it")
      }
      counts.append(Int(n))
    }
    try evaluate(
      model(handle), atomCounts: counts, atomicNumbers: atomicNumbers, positions: positions, cells: cells,
      pbc: pbc, energy: energy, energies: energies, forces: forces, stress: stress, name: { "structure \($0)" })
    return CStatus.ok.rawValue
  } catch let failure {
    return report(failure, error)
  }
}

