/// Why a driver session with an i-PI server stopped, in words a user can act on.
public enum IPIError: Error, CustomStringConvertible, Equatable {
  /// The stream ended inside `message` after `received` of its `expected` bytes.
  case closedMidMessage(message: String, received: Int, expected: Int)
  /// 12 bytes that name no header of the protocol (shown printable).
  case unknownHeader(String)
  /// A header the driver does not accept in its state, e.g. GETFORCE before any POSDATA.
  case unexpected(IPIHeader, why: String)
  /// POSDATA request `request` (1-based) holds `received` atoms; the template has `template`.
  case atomCountMismatch(received: Int, template: Int, request: Int)
  /// POSDATA request `request` gives atom `atom` (0-based) a non-finite position.
  case nonFinitePositions(atom: Int, request: Int)
  /// POSDATA request `request` has a cell that cannot be used (for a periodic template).
  case badCell(String, request: Int)
  /// An INIT message or an atom count that cannot be right (negative, or absurdly large).
  case malformed(String)
  /// The potential failed or gave non-finite numbers for request `request`.
  case computeFailed(String, request: Int)
  /// The socket failed (connect, read or write), with the system's reason.
  case connection(String)

  public var description: String {
    switch self {
    case .closedMidMessage(let message, let received, let expected):
      return "the server closed the connection in the middle of \(message) (\(received) of \(expected) bytes arrived); "
        + "the server has stopped or crashed, see its own output"
    case .unknownHeader(let text):
      return "the server sent '\(text)', which is not a message of the i-PI protocol "
        + "(STATUS, INIT, POSDATA, GETFORCE, EXIT); check that the address belongs to an i-PI server"
    case .unexpected(let header, let why):
      return "the server sent \(header.rawValue) \(why)"
    case .atomCountMismatch(let received, let template, let request):
      return "request \(request): the server sent \(received) atom\(received == 1 ? "" : "s") but the template structure "
        + "has \(template); give --structure a file with the server's atoms, in the server's order"
    case .nonFinitePositions(let atom, let request):
      return "request \(request): the server sent a non-finite position (NaN or infinity) for atom \(atom) (0-based); "
        + "the simulation on the server's side has blown up"
    case .badCell(let why, let request):
      return "request \(request): the cell the server sent \(why); a periodic template needs a cell with volume"
    case .malformed(let why):
      return "the server sent \(why)"
    case .computeFailed(let why, let request):
      return "request \(request): \(why)"
    case .connection(let why):
      return why
    }
  }
}
