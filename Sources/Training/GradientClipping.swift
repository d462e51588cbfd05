/// Global ℓ² norm of a set of gradients, ‖g‖ = √(Σ_k Σ_i g_ki²).
/// - Parameter gradients: one flat array per tensor.
public func globalNorm(_ gradients: [[Double]]) -> Double {
  var sum = 0.0
  for g in gradients { for x in g { sum += x * x } }
  return sum.squareRoot()
}

/// Clips gradients by their global norm (`torch.nn.utils.clip_grad_norm_`): when
/// ‖g‖ > `maximumNorm`, every gradient is multiplied by `maximumNorm / ‖g‖`.
/// Non-finite norms leave the gradients untouched (the caller skips such a step).
/// - Parameters:
///   - gradients: one flat array per tensor, scaled in place.
///   - maximumNorm: largest allowed ‖g‖; `.infinity` disables clipping.
/// - Returns: the norm before clipping.
@discardableResult
public func clipByGlobalNorm(_ gradients: inout [[Double]], maximumNorm: Double) -> Double {
  let norm = globalNorm(gradients)
  guard norm.isFinite, norm > maximumNorm, maximumNorm > 0 else { return norm }
  let factor = maximumNorm / norm
  for k in gradients.indices {
    for i in gradients[k].indices { gradients[k][i] *= factor }
  }
  return norm
}
