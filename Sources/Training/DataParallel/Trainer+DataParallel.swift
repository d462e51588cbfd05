import Foundation

// Data-parallel training: R processes (MPI ranks) train one model together.
//
// Every rank reads the whole dataset and draws the same batches (the batch order is a function
// of the seed and the epoch). Of each global batch, rank r computes the gradient of its slice
// (`splitByAtoms(batch, parts: R)[r]`, balanced by atoms), normalised over the whole batch, so
// that the slices' gradients sum to the batch's: with the loss L = Σ_s ℓ_s / n (n the batch's
// atom, force and stress counts), ∇L = Σ_r Σ_{s ∈ slice r} ∇ℓ_s / n. One allreduce per step sums
// the flat gradient and the loss; then every rank clips, steps AdamW and updates the EMA on the
// same numbers, so the weights and optimiser state stay the same on every rank without ever
// being sent. Rank 0 writes every file; decisions that read a clock (the time budget) or could
// differ in the last bit (the validation loss) are rank 0's, sent with a one-number allreduce.

extension Trainer {
  /// The gradient and loss of the global `batch`, summed over the ranks (`reducer`); on one
  /// process exactly `batchGradients(batch)`.
  func reducedBatchGradients(_ batch: [Int]) throws -> (gradients: [[Double]], loss: Double) {
    guard reducer.size > 1 else { return try batchGradients(batch) }
    let slices = splitByAtoms(batch, atomCounts: data.atomCounts, parts: reducer.size)
    let mine = reducer.rank < slices.count ? slices[reducer.rank] : []
    let sizes = weights.map(\.count)
    var flat: [Double]
    if mine.isEmpty {
      // A batch with fewer structures than ranks: this rank adds nothing.
      flat = [Double](repeating: 0, count: sizes.reduce(0, +) + 1)
    } else {
      let (g, loss) = try batchGradients(batch, slice: mine)
      flat = []
      flat.reserveCapacity(sizes.reduce(0, +) + 1)
      for tensor in g { flat += tensor }
      flat.append(loss)
    }
    try reducer.sum(&flat)
    var gradients: [[Double]] = []
    gradients.reserveCapacity(sizes.count)
    var start = 0
    for n in sizes {
      gradients.append(Array(flat[start..<(start + n)]))
      start += n
    }
    return (gradients, flat[start])
  }

  /// Training seconds as rank 0's clock says (every rank's own clock alone may stop the time
  /// budget at different steps); on one process, or when `needed` is false (no time budget:
  /// the clock then only feeds the progress line), `local` itself.
  func sharedElapsed(_ local: Double, needed: Bool = true) throws -> Double {
    guard reducer.size > 1, needed else { return local }
    return try reducer.rankZeroValue(local)
  }
}
