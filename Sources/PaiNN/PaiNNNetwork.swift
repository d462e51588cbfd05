/// The weights of a PaiNN model converted to the evaluation precision, ready for the fast
/// hand-derived forward and backward pass (`PaiNNNetwork+Evaluate.swift`).
///
/// Inference path: energies, forces and virials with no graph recorded. The differentiable
/// path for training (`PaiNNTensorForward.swift`) gives the same numbers through the tensor
/// engine; tests compare the two.
final class PaiNNNetwork<T: PaiNNScalar>: @unchecked Sendable {
  /// One interaction + mixing block.
  struct Layer {
    let interaction1Weight: ScratchBuffer<T>, interaction1Bias: ScratchBuffer<T>  // [F,F], [F]
    let interaction2Weight: ScratchBuffer<T>, interaction2Bias: ScratchBuffer<T>  // [3F,F], [3F]
    let channelMixWeight: ScratchBuffer<T>  // [2F,F]
    let context1Weight: ScratchBuffer<T>, context1Bias: ScratchBuffer<T>  // [F,2F], [F]
    let context2Weight: ScratchBuffer<T>, context2Bias: ScratchBuffer<T>  // [3F,F], [3F]
  }

  let configuration: PaiNNConfiguration
  let featureCount: Int
  let hiddenCount: Int
  let cutoff: T
  let embedding: ScratchBuffer<T>  // [nElements, F]
  let filterWeight: ScratchBuffer<T>  // [L·3F, n_rbf]
  let filterBias: ScratchBuffer<T>  // [L·3F]
  let layers: [Layer]
  let readout1Weight: ScratchBuffer<T>, readout1Bias: ScratchBuffer<T>  // [H,F], [H]
  let readout2Weight: ScratchBuffer<T>  // [H]
  let readout2Bias: Double
  let energyScale: Double
  let referenceEnergies: [Double]

  init(_ model: PaiNNModel) {
    configuration = model.configuration
    featureCount = model.configuration.featureCount
    hiddenCount = model.configuration.readoutHiddenCount
    cutoff = T(model.configuration.cutoff)
    let p = model.parameters
    func buffer(_ name: String) -> ScratchBuffer<T> { ScratchBuffer(p.values(name).map { T($0) }) }
    embedding = buffer("embedding.weight")
    filterWeight = buffer("filter_net.weight")
    filterBias = buffer("filter_net.bias")
    layers = (0..<model.configuration.layerCount).map { l in
      let i = "interactions.\(l).interatomic_context_net", m = "mixing.\(l)"
      return Layer(
        interaction1Weight: buffer("\(i).0.weight"), interaction1Bias: buffer("\(i).0.bias"),
        interaction2Weight: buffer("\(i).1.weight"), interaction2Bias: buffer("\(i).1.bias"),
        channelMixWeight: buffer("\(m).mu_channel_mix.weight"),
        context1Weight: buffer("\(m).intraatomic_context_net.0.weight"),
        context1Bias: buffer("\(m).intraatomic_context_net.0.bias"),
        context2Weight: buffer("\(m).intraatomic_context_net.1.weight"),
        context2Bias: buffer("\(m).intraatomic_context_net.1.bias"))
    }
    readout1Weight = buffer("readout.0.weight")
    readout1Bias = buffer("readout.0.bias")
    readout2Weight = buffer("readout.1.weight")
    readout2Bias = p.values("readout.1.bias")[0]
    energyScale = model.energyScale
    referenceEnergies = model.referenceEnergies
  }

  /// `out[m, nOut] = x[m, nIn] · Wᵀ + b` (a `Linear` layer, W stored [nOut, nIn]).
  @inline(__always)
  func dense(
    _ x: UnsafePointer<T>, rows m: Int, _ w: ScratchBuffer<T>, _ b: ScratchBuffer<T>?,
    into out: UnsafeMutablePointer<T>, outCount: Int, inCount: Int
  ) {
    T.matmul(x, w.pointer, out, m: m, n: outCount, k: inCount, transposeB: true, beta: 0)
    if let b {
      for r in 0..<m {
        let row = out + r * outCount
        for c in 0..<outCount { row[c] += b[c] }
      }
    }
  }

  /// `gx[m, nIn] (+)= g[m, nOut] · W` — the input gradient of a `Linear` layer.
  @inline(__always)
  func denseBackward(
    _ g: UnsafePointer<T>, rows m: Int, _ w: ScratchBuffer<T>,
    into gx: UnsafeMutablePointer<T>, outCount: Int, inCount: Int, accumulate: Bool
  ) {
    T.matmul(g, w.pointer, gx, m: m, n: inCount, k: outCount, transposeB: false, beta: accumulate ? 1 : 0)
  }
}
