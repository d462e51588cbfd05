import Autodiff
import Testing

/// Tensors with a zero-size axis (a structure without edges, an empty batch) go through
/// broadcasting, reductions and their gradients without trapping.
@Suite struct EmptyTensorTests {
  @Test func reductionsAndBroadcastsOfEmptyTensors() {
    let x = Tensor<Double>(zeros: [0, 3, 3]).requiringGradient()
    let summed = x.sum(axis: 1)
    #expect(summed.shape == [0, 3])
    let wide = Tensor<Double>(zeros: [0, 1]) * Tensor<Double>(shape: [4], scalars: [1, 2, 3, 4])
    #expect(wide.shape == [0, 4])
    #expect(x.sum().scalar == 0)
    let g = gradients(of: (summed * 2).sum(), wrt: [x])
    #expect(g[0].shape == [0, 3, 3])
  }
}
