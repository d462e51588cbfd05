import Atomistic
import Autodiff
import Foundation
import Basics
import Potentials

/// Arithmetic precision of network evaluation.
public enum PaiNNPrecision: String, Sendable, CaseIterable, Codable {
  /// 32-bit floats (the default: fastest). Energies are still summed in Double.
  case float
  /// 64-bit floats (tests, high-accuracy evaluation).
  case double
}

/// A PaiNN student as a `Potential`: a whole batch evaluated in one pass.
///
/// Energy `E = Σ_i (σ·e_i + μ_{Z_i})` (eV); forces `−∂E/∂R` (eV/Å); stress `(1/V) ∂E/∂ε`
/// (eV/Å³, Voigt xx yy zz yz xz xy) for structures periodic in all three directions, all from
/// one reverse pass; per-atom energies `σ·e_i + μ_{Z_i}` (eV, summing to E) when asked.
///
/// A batch of many small structures is one graph and one pass (what `mlff predict` and the C
/// library's batch call use). The potential keeps its scratch memory between calls (one
/// workspace per concurrent caller, grown to the largest graph seen), so an MD run or a server
/// allocates nothing per step but its results.
///
/// With a Verlet `skin` > 0 the neighbour list is built with the cutoff r_c + skin and reused
/// by the following calls on the same structures (same atoms, cell and pbc) until an atom has
/// moved more than skin/2 from where it was when the list was built: no pair can then have
/// come within r_c unlisted, since each of the two atoms moved at most skin/2. Each evaluation
/// keeps only the listed pairs closer than r_c (the cosine cutoff and its derivative are 0 at
/// and beyond r_c, so the pairs left out would contribute exactly nothing), so a skin costs no
/// arithmetic, and results equal rebuilding every call within Float rounding (the order of the
/// sums over edges differs).
public final class PaiNNPotential: Potential, Sendable {
  /// The model evaluated.
  public let model: PaiNNModel
  /// Arithmetic precision.
  public let precision: PaiNNPrecision
  /// Threads of one evaluation (the results do not depend on it).
  public let threads: Int
  /// Verlet skin of the neighbour list, Å (0: a new list every call).
  public let skin: Double
  /// Whether the adjoint keeps or recomputes the per-atom activations (the same numbers
  /// either way; `.automatic` recomputes them for structures too large to keep them).
  public let activations: PaiNNActivationStorage
  /// Atoms per group when a batch of small structures is cut into groups (see `compute`; 0:
  /// every batch in one pass).
  public let groupAtoms: Int
  private let floatNetwork: PaiNNNetwork<Float>?
  private let doubleNetwork: PaiNNNetwork<Double>?
  let floatWorkspaces: WorkspacePool<Float>
  let doubleWorkspaces: WorkspacePool<Double>
  private let lists = Locked<VerletList?>(nil)

  /// - Parameters:
  ///   - model: architecture and weights.
  ///   - precision: `.float` (default) or `.double`.
  ///   - threads: threads of one evaluation (default: the active processors).
  ///   - skin: Verlet skin of the neighbour list, Å (default 0: a new list every call).
  ///   - activations: what the adjoint keeps from the forward pass (default `.automatic`).
  ///   - groupAtoms: atoms per group of a batch of small structures (default
  ///     `defaultGroupAtoms`; 0: one pass per batch).
  public init(
    model: PaiNNModel, precision: PaiNNPrecision = .float, threads: Int? = nil, skin: Double = 0,
    activations: PaiNNActivationStorage = .automatic, groupAtoms: Int = PaiNNPotential.defaultGroupAtoms
  ) {
    precondition(skin >= 0 && skin.isFinite, "the Verlet skin must be ≥ 0 Å, got \(skin)")
    precondition(groupAtoms >= 0, "groupAtoms must be ≥ 0, got \(groupAtoms)")
    TensorThreads.keepFreedMemory()
    self.model = model
    self.precision = precision
    self.threads = max(1, threads ?? ProcessInfo.processInfo.activeProcessorCount)
    self.skin = skin
    self.activations = activations
    self.groupAtoms = groupAtoms
    // One workspace per thread that evaluates groups of a batch at once, and a few more
    // for concurrent callers.
    floatWorkspaces = WorkspacePool(keeping: self.threads + 3)
    doubleWorkspaces = WorkspacePool(keeping: self.threads + 3)
    floatNetwork = precision == .float ? PaiNNNetwork<Float>(model) : nil
    doubleNetwork = precision == .double ? PaiNNNetwork<Double>(model) : nil
  }

  /// Loads a model file (see docs/model-format.md).
  /// - Throws: `SafeTensorsError` naming the file when it is missing, truncated, corrupt or of
  ///   another format version.
  public convenience init(contentsOf url: URL, precision: PaiNNPrecision = .float, threads: Int? = nil, skin: Double = 0) throws {
    self.init(model: try PaiNNModel(contentsOf: url), precision: precision, threads: threads, skin: skin)
  }

  /// The same model with other evaluation settings.
  public func with(threads: Int? = nil, skin: Double? = nil, groupAtoms: Int? = nil) -> PaiNNPotential {
    PaiNNPotential(
      model: model, precision: precision, threads: threads ?? self.threads, skin: skin ?? self.skin,
      activations: activations, groupAtoms: groupAtoms ?? self.groupAtoms)
  }

  /// The model's cutoff r_c, Å.
  public var cutoff: Double? { model.configuration.cutoff }

  /// The model's elements.
  public var supportedAtomicNumbers: Set<Int>? { Set(model.elements) }

  /// How many neighbour lists the potential has built (a Verlet skin makes this smaller than
  /// the number of calls).
  public var neighbourListBuilds: Int { lists.withLock { $0?.builds ?? 0 } }

  /// Atoms per group of a batch of small structures (see `compute`): 64, about what keeps one
  /// group's activations and edge arrays within a core's 2 MB L2 cache at F = 64 (the fastest
  /// of 32–192 for ethanol and biphenyl; docs/benchmarks.md, "Many small structures").
  public static var defaultGroupAtoms: Int { 64 }

  /// Energy, and forces, stress and per-atom energies when asked, for every structure.
  ///
  /// A batch whose structures are small is cut into groups of consecutive structures of about
  /// `groupAtoms` atoms, each evaluated as one graph in one pass, the groups spread over the
  /// threads (each group on one thread, with its own workspace): a batch evaluated as one
  /// graph would stream every layer's activations of all its atoms through memory, and its
  /// threads would meet at every block. A structure larger than a group is a group of its own,
  /// evaluated with the threads splitting its atoms; a batch of one group, and any batch with
  /// a Verlet-skin list (kept for one batch), take one pass. The grouping depends on the
  /// structures only, so the results do not depend on the number of threads.
  /// - Throws: `PotentialError.unsupportedElements` naming the structure and the elements.
  public func compute(_ structures: [Structure], _ properties: PropertySet) throws -> [Results] {
    guard !structures.isEmpty else { return [] }
    let groups = skin > 0 || groupAtoms == 0 ? [0..<structures.count] : Self.groups(structures.map(\.count), atoms: groupAtoms)
    guard groups.count > 1 else { return try computeInOnePass(structures, properties, threads: threads) }
    @Sendable func group(_ g: Int, threads: Int) -> Result<[Results], Error> {
      Result { try computeInOnePass(Array(structures[groups[g]]), properties, threads: threads, firstIndex: groups[g].lowerBound) }
    }
    // Structures larger than a group (alone in theirs) first, one at a time with every thread
    // inside each; then the groups of small ones, a thread each, taken in turn by the workers.
    let (large, small) = groups.indices.reduce(into: ([Int](), [Int]())) { parts, g in
      if structures[groups[g].lowerBound].count > groupAtoms { parts.0.append(g) } else { parts.1.append(g) }
    }
    let outcomes = Locked([Int: Result<[Results], Error>]())
    for g in large {
      let outcome = group(g, threads: threads)
      outcomes.withLock { $0[g] = outcome }
    }
    let next = Locked(0)
    DispatchQueue.concurrentPerform(iterations: min(threads, small.count)) { _ in
      while true {
        let k = next.withLock { k in
          defer { k += 1 }
          return k
        }
        guard k < small.count else { return }
        let outcome = group(small[k], threads: 1)
        outcomes.withLock { $0[small[k]] = outcome }
      }
    }
    // In batch order, so that the error thrown is the first structure's that has one.
    let all = outcomes.withLock { $0 }
    return try groups.indices.flatMap { try all[$0]!.get() }
  }

  /// Consecutive structures in groups of at most `atoms` atoms (a structure larger than that
  /// alone in its group), as ranges of indices.
  /// - Parameter counts: atoms of each structure.
  static func groups(_ counts: [Int], atoms: Int) -> [Range<Int>] {
    var groups: [Range<Int>] = []
    var start = 0, total = 0
    for (s, n) in counts.enumerated() {
      if s > start && total + n > atoms {
        groups.append(start..<s)
        (start, total) = (s, 0)
      }
      total += n
    }
    groups.append(start..<counts.count)
    return groups
  }

  /// `compute` of the structures as one graph in one pass, the atoms split over `threads`.
  /// - Parameter firstIndex: the index of `structures[0]` in the caller's batch, for errors.
  func computeInOnePass(_ structures: [Structure], _ properties: PropertySet, threads: Int, firstIndex: Int = 0) throws -> [Results] {
    let graph = try self.graph(structures, firstIndex: firstIndex)
    let needGradients = properties.contains(.forces) || properties.contains(.stress)
    let out: PaiNNEvaluation
    if let floatNetwork {
      out = floatWorkspaces.with({ floatNetwork.makeWorkspace() }) {
        $0.activationStorage = activations
        return floatNetwork.evaluate(graph, gradients: needGradients, workspace: $0, threads: threads)
      }
    } else {
      out = doubleWorkspaces.with({ doubleNetwork!.makeWorkspace() }) {
        $0.activationStorage = activations
        return doubleNetwork!.evaluate(graph, gradients: needGradients, workspace: $0, threads: threads)
      }
    }
    return (0..<structures.count).map { s in
      var r = Results(energy: out.energies[s])
      if properties.contains(.forces) {
        r.forces = Array(out.forces[graph.atomStart[s]..<graph.atomStart[s + 1]])
      }
      if properties.contains(.atomicEnergies) {
        r.atomicEnergies = Array(out.atomEnergies[graph.atomStart[s]..<graph.atomStart[s + 1]])
      }
      if properties.contains(.stress), graph.fullyPeriodic[s] {
        r.stress = voigtStress(strainDerivative: out.strainDerivatives[s], volume: graph.volumes[s])
      }
      return r
    }
  }

  /// The graph of a batch: a new neighbour list, or with a skin the last one with these
  /// positions while no atom has moved more than skin/2 since it was built.
  func graph(_ structures: [Structure], firstIndex: Int = 0) throws -> PaiNNGraph {
    let cutoff = model.configuration.cutoff
    guard skin > 0 else { return try PaiNNGraph(structures, elements: model.elements, cutoff: cutoff, firstIndex: firstIndex) }
    if let reused = lists.withLock({ $0?.graph(for: structures, skin: skin) }) { return reused }
    let graph = try PaiNNGraph(structures, elements: model.elements, cutoff: cutoff + skin)
    lists.withLock { cached in
      cached = VerletList(structures: structures, graph: graph, builds: (cached?.builds ?? 0) + 1)
    }
    return graph
  }
}

/// A neighbour list built with cutoff + skin, and the structures it was built for.
struct VerletList: Sendable {
  /// Atoms, cells and pbc of the batch, and the positions at the build, Å.
  let structures: [Structure]
  let graph: PaiNNGraph
  /// Lists built so far by the potential.
  let builds: Int

  /// The list's graph with the positions of `batch`, or nil when the batch differs in its
  /// atoms, cell or pbc, or an atom has moved more than skin/2 (Å) since the build.
  func graph(for batch: [Structure], skin: Double) -> PaiNNGraph? {
    guard batch.count == structures.count else { return nil }
    let limit = (skin / 2) * (skin / 2)
    for (old, new) in zip(structures, batch) {
      guard old.count == new.count, old.cell == new.cell, old.pbc == new.pbc,
            old.atomicNumbers == new.atomicNumbers else { return nil }
      for k in 0..<old.count {
        let d = new.positions[k] - old.positions[k]
        if !((d * d).sum() <= limit) { return nil }
      }
    }
    return graph.replacingPositions(batch.flatMap(\.positions))
  }
}

extension PaiNNGraph {
  /// The same graph (atoms, edges, image offsets) with other positions, [nAtoms], Å.
  func replacingPositions(_ positions: [SIMD3<Double>]) -> PaiNNGraph {
    var g = self
    g.positions = positions
    return g
  }
}

/// Workspaces kept for reuse: a caller takes one (or a new one when all are in use) and gives
/// it back when done, so concurrent callers never share one.
final class WorkspacePool<T: TensorScalar>: @unchecked Sendable {
  // Invariant: `idle` is only touched under `lock`; a workspace is used by one caller at a time.
  private var idle: [PaiNNWorkspace<T>] = []
  private let lock = NSLock()
  /// The most idle workspaces kept (beyond it a returned one is freed).
  let keeping: Int

  init(keeping: Int) { self.keeping = keeping }

  private var madeCount = 0

  /// Workspaces made so far (a steady state makes none).
  var made: Int {
    lock.lock()
    defer { lock.unlock() }
    return madeCount
  }

  func with<R>(_ make: () -> PaiNNWorkspace<T>, _ body: (PaiNNWorkspace<T>) -> R) -> R {
    lock.lock()
    let ws = idle.popLast()
    if ws == nil { madeCount += 1 }
    lock.unlock()
    let workspace = ws ?? make()
    defer {
      lock.lock()
      if idle.count < keeping { idle.append(workspace) }
      lock.unlock()
    }
    return body(workspace)
  }
}
