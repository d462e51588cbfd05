import CMLFF

/// The status codes of mlff.h, as Swift sees them.
enum CStatus: Int32, Sendable {
  case ok = 0
  case nullArgument = 1
  case invalidArgument = 2
  case modelFile = 3
  case unsupportedElement = 4
  case invalidStructure = 5
  case modelChanged = 6
  case `internal` = 7

  /// The constant's name in mlff.h.
  var name: String {
    switch self {
    case .ok: return "MLFF_OK"
    case .nullArgument: return "MLFF_ERROR_NULL_ARGUMENT"
    case .invalidArgument: return "MLFF_ERROR_INVALID_ARGUMENT"
    case .modelFile: return "MLFF_ERROR_MODEL_FILE"
    case .unsupportedElement: return "MLFF_ERROR_UNSUPPORTED_ELEMENT"
    case .invalidStructure: return "MLFF_ERROR_INVALID_STRUCTURE"
    case .modelChanged: return "MLFF_ERROR_MODEL_CHANGED"
    case .internal: return "MLFF_ERROR_INTERNAL"
    }
  }
}

// The Swift cases are the header's constants: a header edit that renumbers one fails here.
private let headerStatuses: [(CStatus, mlff_status)] = [
  (.ok, MLFF_OK), (.nullArgument, MLFF_ERROR_NULL_ARGUMENT), (.invalidArgument, MLFF_ERROR_INVALID_ARGUMENT),
  (.modelFile, MLFF_ERROR_MODEL_FILE), (.unsupportedElement, MLFF_ERROR_UNSUPPORTED_ELEMENT),
  (.invalidStructure, MLFF_ERROR_INVALID_STRUCTURE), (.modelChanged, MLFF_ERROR_MODEL_CHANGED),
  (.internal, MLFF_ERROR_INTERNAL),
]

/// Whether every status of the header has the value the library returns for it.
func headerStatusesAgree() -> Bool {
  headerStatuses.allSatisfy { swift, header in swift.rawValue == Int32(header.rawValue) }
}

/// A failed call: the status returned and the message handed to the caller.
struct CFailure: Error {
  let status: CStatus
  let message: String

  init(_ status: CStatus, _ message: String) {
    self.status = status
    self.message = message
  }
}
