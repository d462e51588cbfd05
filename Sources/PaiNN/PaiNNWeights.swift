/// A dense (`torch.nn.Linear`) layer's weights: `y = x·Wᵀ + b`, W stored [out, in].
public struct Linear<W> {
  /// [out, in].
  public var weight: W
  /// [out], or nil for a layer without bias.
  public var bias: W?

  public init(weight: W, bias: W?) {
    self.weight = weight
    self.bias = bias
  }
}

/// The weights of one interaction block (schnetpack's `PaiNNInteraction`): the context MLP
/// `x = output(silu(hidden(q)))` that turns scalar features into the three message channels.
public struct InteractionWeights<W> {
  /// `interatomic_context_net.0`: [F, F], [F].
  public var hidden: Linear<W>
  /// `interatomic_context_net.1`: [3F, F], [3F].
  public var output: Linear<W>
}

/// The weights of one mixing block (schnetpack's `PaiNNMixing`).
public struct MixingWeights<W> {
  /// `mu_channel_mix`: [2F, F], no bias; gives (V, U) = μ·W_mixᵀ.
  public var channelMix: Linear<W>
  /// `intraatomic_context_net.0`: [F, 2F], [F].
  public var hidden: Linear<W>
  /// `intraatomic_context_net.1`: [3F, F], [3F].
  public var output: Linear<W>
}

/// The weights of the per-atom readout (schnetpack's `Atomwise` pyramidal MLP).
public struct ReadoutWeights<W> {
  /// `readout.0`: [H, F], [H] with H = F/2.
  public var hidden: Linear<W>
  /// `readout.1`: [1, H], [1].
  public var output: Linear<W>
}

/// Every weight of a PaiNN network, typed by its role, in any storage `W`: row-major
/// `[Double]` in a `PaiNNModel`, `Tensor<S>` in `PaiNNTrainable`, read-only buffers in the
/// hand-derived `PaiNNNetwork`, shapes (`[Int]`) from `PaiNNConfiguration.weightShapes`.
///
/// Names exist only at the model-file boundary (`names(layerCount:)`, schnetpack's state-dict
/// names without the `representation.` / `output_modules.0.outnet.` prefixes, so that weights
/// map one to one), and `flattened` lists the tensors in that file order:
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
public struct PaiNNWeights<W> {
  /// Embedding of each element, [nElements, F]: q⁰_i = embedding[species_i].
  public var embedding: W
  /// The filter network shared by all layers (one dense layer producing L·3F filters from
  /// the radial basis): [L·3F, n_rbf], [L·3F]; layer l uses rows 3F·l ..< 3F·(l+1).
  public var filter: Linear<W>
  /// One per layer.
  public var interactions: [InteractionWeights<W>]
  /// One per layer.
  public var mixings: [MixingWeights<W>]
  /// The readout MLP.
  public var readout: ReadoutWeights<W>

  /// Number of interaction + mixing layers L.
  public var layerCount: Int { interactions.count }

  public init(
    embedding: W, filter: Linear<W>, interactions: [InteractionWeights<W>], mixings: [MixingWeights<W>],
    readout: ReadoutWeights<W>
  ) {
    precondition(interactions.count == mixings.count, "\(interactions.count) interaction blocks but \(mixings.count) mixing blocks")
    self.embedding = embedding
    self.filter = filter
    self.interactions = interactions
    self.mixings = mixings
    self.readout = readout
  }

  /// Number of tensors of an L-layer network: 3 + 4L + 5L + 4.
  public static func tensorCount(layerCount: Int) -> Int { 7 + 9 * layerCount }

  /// The tensors in file order (see the table above).
  public var flattened: [W] {
    var out = [embedding, filter.weight, filter.bias!]
    for block in interactions {
      out += [block.hidden.weight, block.hidden.bias!, block.output.weight, block.output.bias!]
    }
    for block in mixings {
      out += [block.channelMix.weight, block.hidden.weight, block.hidden.bias!, block.output.weight, block.output.bias!]
    }
    out += [readout.hidden.weight, readout.hidden.bias!, readout.output.weight, readout.output.bias!]
    return out
  }

  /// The weights from tensors in file order.
  /// - Parameters:
  ///   - flattened: `tensorCount(layerCount:)` tensors in the order of `flattened`.
  ///   - layerCount: L.
  public init(flattened t: [W], layerCount: Int) {
    precondition(
      t.count == Self.tensorCount(layerCount: layerCount),
      "an \(layerCount)-layer PaiNN has \(Self.tensorCount(layerCount: layerCount)) weight tensors, got \(t.count)")
    var k = 0
    func next() -> W {
      defer { k += 1 }
      return t[k]
    }
    func linear(bias: Bool = true) -> Linear<W> {
      let w = next()
      return Linear(weight: w, bias: bias ? next() : nil)
    }
    let embedding = next()
    let filter = linear()
    let interactions = (0..<layerCount).map { _ in InteractionWeights(hidden: linear(), output: linear()) }
    let mixings = (0..<layerCount).map { _ in
      MixingWeights(channelMix: linear(bias: false), hidden: linear(), output: linear())
    }
    let readout = ReadoutWeights(hidden: linear(), output: linear())
    self.init(embedding: embedding, filter: filter, interactions: interactions, mixings: mixings, readout: readout)
  }

  /// The same weights in another storage. - Parameter transform: applied to every tensor.
  public func map<V>(_ transform: (W) throws -> V) rethrows -> PaiNNWeights<V> {
    PaiNNWeights<V>(flattened: try flattened.map(transform), layerCount: layerCount)
  }

  /// Combines two sets of weights tensor by tensor (e.g. values with their shapes).
  public func zip<V, R>(_ other: PaiNNWeights<V>, _ combine: (W, V) throws -> R) rethrows -> PaiNNWeights<R> {
    precondition(other.layerCount == layerCount)
    return PaiNNWeights<R>(
      flattened: try Swift.zip(flattened, other.flattened).map(combine), layerCount: layerCount)
  }
}

/// What a weight tensor is, for rules that treat kinds differently (weight decay).
public enum WeightRole: Sendable, Hashable {
  /// The element embedding.
  case embedding
  /// A dense layer's weight matrix.
  case matrix
  /// A dense layer's bias vector.
  case bias
}

extension PaiNNWeights where W == String {
  /// The model-file name of every tensor of an L-layer network.
  public static func names(layerCount: Int) -> PaiNNWeights<String> {
    func linear(_ prefix: String, bias: Bool = true) -> Linear<String> {
      Linear(weight: "\(prefix).weight", bias: bias ? "\(prefix).bias" : nil)
    }
    return PaiNNWeights(
      embedding: "embedding.weight", filter: linear("filter_net"),
      interactions: (0..<layerCount).map { l in
        InteractionWeights(
          hidden: linear("interactions.\(l).interatomic_context_net.0"),
          output: linear("interactions.\(l).interatomic_context_net.1"))
      },
      mixings: (0..<layerCount).map { l in
        MixingWeights(
          channelMix: linear("mixing.\(l).mu_channel_mix", bias: false),
          hidden: linear("mixing.\(l).intraatomic_context_net.0"),
          output: linear("mixing.\(l).intraatomic_context_net.1"))
      },
      readout: ReadoutWeights(hidden: linear("readout.0"), output: linear("readout.1")))
  }
}

extension PaiNNWeights where W == WeightRole {
  /// The role of every tensor of an L-layer network.
  public static func roles(layerCount: Int) -> PaiNNWeights<WeightRole> {
    PaiNNWeights<String>.names(layerCount: layerCount).map { name in
      name == "embedding.weight" ? .embedding : name.hasSuffix(".bias") ? .bias : .matrix
    }
  }
}

extension Linear: Sendable where W: Sendable {}
extension Linear: Equatable where W: Equatable {}
extension Linear: Hashable where W: Hashable {}
extension InteractionWeights: Sendable where W: Sendable {}
extension InteractionWeights: Equatable where W: Equatable {}
extension InteractionWeights: Hashable where W: Hashable {}
extension MixingWeights: Sendable where W: Sendable {}
extension MixingWeights: Equatable where W: Equatable {}
extension MixingWeights: Hashable where W: Hashable {}
extension ReadoutWeights: Sendable where W: Sendable {}
extension ReadoutWeights: Equatable where W: Equatable {}
extension ReadoutWeights: Hashable where W: Hashable {}
extension PaiNNWeights: Sendable where W: Sendable {}
extension PaiNNWeights: Equatable where W: Equatable {}
extension PaiNNWeights: Hashable where W: Hashable {}

extension PaiNNConfiguration {
  /// The shape of every weight tensor for a model of `elementCount` elements.
  public func weightShapes(elementCount: Int) -> PaiNNWeights<[Int]> {
    let f = featureCount, h = readoutHiddenCount
    func linear(_ out: Int, _ inCount: Int, bias: Bool = true) -> Linear<[Int]> {
      Linear(weight: [out, inCount], bias: bias ? [out] : nil)
    }
    return PaiNNWeights(
      embedding: [elementCount, f], filter: linear(layerCount * 3 * f, radialBasisCount),
      interactions: (0..<layerCount).map { _ in InteractionWeights(hidden: linear(f, f), output: linear(3 * f, f)) },
      mixings: (0..<layerCount).map { _ in
        MixingWeights(channelMix: linear(2 * f, f, bias: false), hidden: linear(f, 2 * f), output: linear(3 * f, f))
      },
      readout: ReadoutWeights(hidden: linear(h, f), output: linear(1, h)))
  }

  /// The (name, shape) of every weight tensor for a model of `elementCount` elements, in
  /// file order.
  public func parameterShapes(elementCount: Int) -> [(name: String, shape: [Int])] {
    Array(Swift.zip(
      PaiNNWeights<String>.names(layerCount: layerCount).flattened,
      weightShapes(elementCount: elementCount).flattened)).map { (name: $0.0, shape: $0.1) }
  }

  /// Number of scalar weights for `elementCount` elements.
  public func parameterCount(elementCount: Int) -> Int {
    weightShapes(elementCount: elementCount).flattened.reduce(0) { $0 + $1.reduce(1, *) }
  }
}
