import Foundation

/// How to run a teacher: which model, how many worker processes, which Python, which limits.
public struct TeacherConfiguration: Sendable, Hashable {
  /// "emt", "lj", "chgnet", "sevennet-0", "orb-v2", "mace-mp-0", "mace-off", or
  /// "module:function" for any factory that returns an ASE calculator.
  public var model: String
  /// Worker processes run side by side, each holding its own copy of the model.
  public var workers: Int
  /// Seconds one structure may take before its worker is killed and restarted.
  public var timeout: Double
  /// The Python interpreter; nil finds one (see `PythonInterpreter.resolve`).
  public var python: String?
  /// Seconds a worker may take to load its model and say hello.
  public var startupTimeout: Double
  /// "cpu" or "cuda"; nil lets the teacher choose.
  public var device: String?
  /// CPU threads per worker (OMP/MKL/OpenBLAS/PyTorch); nil shares the cores evenly.
  public var threadsPerWorker: Int?
  /// Extra environment variables for the workers (for example PYTHONPATH for a factory module).
  public var environment: [String: String]
  /// Copy every line the workers write to stderr onto this process's stderr.
  public var echoWorkerStderr: Bool
  /// Attempts for a structure whose worker died or broke the stream (1 = no retry).
  public var attemptsPerStructure: Int

  public init(
    model: String, workers: Int = 1, timeout: Double = 600, python: String? = nil,
    startupTimeout: Double = 600, device: String? = nil, threadsPerWorker: Int? = nil,
    environment: [String: String] = [:], echoWorkerStderr: Bool = false, attemptsPerStructure: Int = 2
  ) {
    self.model = model
    self.workers = workers
    self.timeout = timeout
    self.python = python
    self.startupTimeout = startupTimeout
    self.device = device
    self.threadsPerWorker = threadsPerWorker
    self.environment = environment
    self.echoWorkerStderr = echoWorkerStderr
    self.attemptsPerStructure = attemptsPerStructure
  }
}

/// What a teacher says about itself when it starts (the protocol's hello frame).
public struct TeacherIdentity: Sendable, Hashable, Codable {
  /// The name the teacher was started with ("chgnet", "module:function").
  public var teacher: String
  /// The Python distribution that provides the calculator ("chgnet", "ase").
  public var package: String
  /// That distribution's version.
  public var version: String
  /// Atomic numbers the teacher supports, or nil when it does not say.
  public var elements: [Int]?
}

/// Finds the Python interpreter that runs the teacher workers.
public enum PythonInterpreter {
  /// The interpreter to use: `explicit` when given, else `$MLFF_PYTHON`, else `.venv/bin/python`
  /// in the working directory or the nearest parent folder that has one, else the one of the
  /// repository this executable was built in.
  /// - Throws: `TeacherError.interpreterNotFound` naming the path that was tried.
  public static func resolve(_ explicit: String? = nil) throws -> String {
    let manager = FileManager.default
    if let explicit, !explicit.isEmpty {
      guard manager.isExecutableFile(atPath: explicit) else { throw TeacherError.interpreterNotFound(path: explicit) }
      return explicit
    }
    if let variable = ProcessInfo.processInfo.environment["MLFF_PYTHON"], !variable.isEmpty {
      guard manager.isExecutableFile(atPath: variable) else { throw TeacherError.interpreterNotFound(path: variable) }
      return variable
    }
    let starts = [URL(fileURLWithPath: manager.currentDirectoryPath),
                  URL(fileURLWithPath: CommandLine.arguments.first ?? ".").deletingLastPathComponent()]
    for start in starts {
      var folder = start.standardizedFileURL
      while true {
        let candidate = folder.appendingPathComponent(".venv/bin/python").path
        if manager.isExecutableFile(atPath: candidate) { return candidate }
        let parent = folder.deletingLastPathComponent()
        if parent.path == folder.path { break }
        folder = parent
      }
    }
    throw TeacherError.interpreterNotFound(path: manager.currentDirectoryPath + "/.venv/bin/python")
  }

  /// The repository's `python` folder (holding `mlff_teacher`) near `interpreter` or the working
  /// directory, so a virtual environment without the package installed can still run it.
  public static func teacherPackageFolder(near interpreter: String) -> String? {
    let manager = FileManager.default
    for start in [interpreter, manager.currentDirectoryPath] {
      var folder = URL(fileURLWithPath: start).standardizedFileURL
      while folder.path != "/" {
        let candidate = folder.appendingPathComponent("python")
        if manager.fileExists(atPath: candidate.appendingPathComponent("mlff_teacher/__init__.py").path) {
          return candidate.path
        }
        folder = folder.deletingLastPathComponent()
      }
    }
    return nil
  }
}
