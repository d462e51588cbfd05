import Basics

/// The weights of a PaiNN network: named tensors in a fixed order.
///
/// Names and shapes follow schnetpack's `PaiNN` + `Atomwise` state dict (without the
/// `representation.` / `output_modules.0.outnet.` prefixes), with weight matrices stored
/// [out, in] as in `torch.nn.Linear` (y = x Wᵀ + b):
///
/// | name | shape |
/// | --- | --- |
/// | `embedding.weight` | [nElements, F] (row k: the model's k-th element) |
/// | `filter_net.weight`, `filter_net.bias` | [L·3F, n_rbf], [L·3F] |
/// | `interactions.l.interatomic_context_net.0.weight`, `.bias` | [F, F], [F] |
/// | `interactions.l.interatomic_context_net.1.weight`, `.bias` | [3F, F], [3F] |
/// | `mixing.l.mu_channel_mix.weight` | [2F, F] (no bias) |
/// | `mixing.l.intraatomic_context_net.0.weight`, `.bias` | [F, 2F], [F] |
/// | `mixing.l.intraatomic_context_net.1.weight`, `.bias` | [3F, F], [3F] |
/// | `readout.0.weight`, `.bias` | [F/2, F], [F/2] |
/// | `readout.1.weight`, `.bias` | [1, F/2], [1] |
public struct PaiNNParameters: Sendable, Hashable {
  /// Tensor names in file order.
  public private(set) var names: [String]
  private var storage: [String: SafeTensor]

  /// An empty collection.
  public init() {
    names = []
    storage = [:]
  }

  /// Number of tensors.
  public var count: Int { names.count }

  /// Total number of scalar weights.
  public var scalarCount: Int { names.reduce(0) { $0 + storage[$1]!.values.count } }

  /// The tensor called `name`, or nil. Setting replaces it (its shape must not change) or
  /// appends a new one.
  public subscript(name: String) -> SafeTensor? {
    get { storage[name] }
    set {
      guard let newValue else {
        storage[name] = nil
        names.removeAll { $0 == name }
        return
      }
      if let old = storage[name] {
        precondition(old.shape == newValue.shape, "parameter \(name) has shape \(old.shape), cannot set \(newValue.shape)")
      } else {
        names.append(name)
      }
      storage[name] = newValue
    }
  }

  /// The values of `name`, row-major. Traps when absent (programmer error).
  public func values(_ name: String) -> [Double] {
    guard let t = storage[name] else { preconditionFailure("no parameter named \(name)") }
    return t.values
  }

  /// Replaces the values of an existing tensor (same count). - Parameter values: row-major.
  public mutating func setValues(_ name: String, _ values: [Double]) {
    guard var t = storage[name] else { preconditionFailure("no parameter named \(name)") }
    precondition(t.values.count == values.count, "parameter \(name) holds \(t.values.count) values, got \(values.count)")
    t.values = values
    storage[name] = t
  }

  /// (name, tensor) pairs in order.
  public var tensors: [(String, SafeTensor)] { names.map { ($0, storage[$0]!) } }
}

extension PaiNNConfiguration {
  /// The (name, shape) of every weight tensor for a model of `elementCount` elements, in order.
  public func parameterShapes(elementCount: Int) -> [(name: String, shape: [Int])] {
    let f = featureCount
    var out: [(String, [Int])] = [
      ("embedding.weight", [elementCount, f]),
      ("filter_net.weight", [layerCount * 3 * f, radialBasisCount]),
      ("filter_net.bias", [layerCount * 3 * f]),
    ]
    for l in 0..<layerCount {
      let p = "interactions.\(l).interatomic_context_net"
      out += [("\(p).0.weight", [f, f]), ("\(p).0.bias", [f]), ("\(p).1.weight", [3 * f, f]), ("\(p).1.bias", [3 * f])]
    }
    for l in 0..<layerCount {
      let p = "mixing.\(l)"
      out += [
        ("\(p).mu_channel_mix.weight", [2 * f, f]),
        ("\(p).intraatomic_context_net.0.weight", [f, 2 * f]), ("\(p).intraatomic_context_net.0.bias", [f]),
        ("\(p).intraatomic_context_net.1.weight", [3 * f, f]), ("\(p).intraatomic_context_net.1.bias", [3 * f]),
      ]
    }
    let h = readoutHiddenCount
    out += [("readout.0.weight", [h, f]), ("readout.0.bias", [h]), ("readout.1.weight", [1, h]), ("readout.1.bias", [1])]
    return out
  }

  /// Number of scalar weights for `elementCount` elements.
  public func parameterCount(elementCount: Int) -> Int {
    parameterShapes(elementCount: elementCount).reduce(0) { $0 + $1.shape.reduce(1, *) }
  }

  /// Freshly initialised weights, as schnetpack initialises them: every dense weight
  /// Glorot/Xavier-uniform, U(−a, a) with a = √(6/(fan_in + fan_out)); biases zero; embedding
  /// rows standard normal. The draws come from `Xoshiro256StarStar(seed:)` in file order
  /// (`nextNormal()`, `nextUniform()`), so the same seed gives the same weights on every machine.
  public func randomParameters(elementCount: Int, seed: UInt64) -> PaiNNParameters {
    var rng = Xoshiro256StarStar(seed: seed)
    var p = PaiNNParameters()
    for (name, shape) in parameterShapes(elementCount: elementCount) {
      let n = shape.reduce(1, *)
      var v = [Double](repeating: 0, count: n)
      if name == "embedding.weight" {
        for k in 0..<n { v[k] = rng.nextNormal() }
      } else if name.hasSuffix(".weight") {
        let a = (6.0 / Double(shape[0] + shape[1])).squareRoot()
        for k in 0..<n { v[k] = (2 * rng.nextUniform() - 1) * a }
      }
      p[name] = SafeTensor(shape: shape, values: v)
    }
    return p
  }
}
