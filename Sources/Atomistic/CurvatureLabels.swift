/// Curvature labels of a structure: k probe directions v_p over all 3N coordinates and the
/// teacher's Hessian–vector products H v_p, with H_iα,jβ = ∂²E/∂R_iα∂R_jβ (eV/Å²).
///
/// They live in the structure's per-atom `arrays`, so extxyz files and labelling journals carry
/// them unchanged: `hessian_probes` and `hessian_products` each hold 3k values per atom, probe p
/// in columns 3p ..< 3p + 3 (x, y, z). Probes are dimensionless unit vectors (Σ_iα v_iα² = 1);
/// products are in eV/Å². `info["hessian_step"]` is the finite-difference step h (Å) the
/// products were made with.
extension Structure {
  /// Per-atom array key of the probe directions v_p, [N × 3k], dimensionless.
  public static let hessianProbesKey = "hessian_probes"
  /// Per-atom array key of the products H v_p, [N × 3k], eV/Å².
  public static let hessianProductsKey = "hessian_products"
  /// Info key of the finite-difference step h, Å.
  public static let hessianStepKey = "hessian_step"

  /// The probe directions v_p, [k][nAtoms] (dimensionless, each of unit norm over all atoms);
  /// nil when the structure has none. Setting nil removes them.
  public var hessianProbes: [[SIMD3<Double>]]? {
    get { Self.probeBlocks(arrays[Self.hessianProbesKey], atoms: count) }
    set { arrays[Self.hessianProbesKey] = newValue.map { Self.perAtomArray($0, atoms: count) } }
  }

  /// The Hessian–vector products H v_p, [k][nAtoms], eV/Å², in the order of `hessianProbes`;
  /// nil when not labelled. Setting nil removes them.
  public var hessianProducts: [[SIMD3<Double>]]? {
    get { Self.probeBlocks(arrays[Self.hessianProductsKey], atoms: count) }
    set { arrays[Self.hessianProductsKey] = newValue.map { Self.perAtomArray($0, atoms: count) } }
  }

  /// The finite-difference step h (Å) of the products, when recorded.
  public var hessianStep: Double? {
    get {
      switch info[Self.hessianStepKey] {
      case .double(let h)?: return h
      case .int(let h)?: return Double(h)
      default: return nil
      }
    }
    set { info[Self.hessianStepKey] = newValue.map { .double($0) } }
  }

  /// Number of probes with products (0 when the structure has no curvature labels).
  public var hessianLabelCount: Int {
    guard let p = hessianProbes, let q = hessianProducts, p.count == q.count else { return 0 }
    return p.count
  }

  private static func probeBlocks(_ array: PerAtomArray?, atoms: Int) -> [[SIMD3<Double>]]? {
    guard case .doubles(let columns, let values)? = array, columns % 3 == 0, columns > 0,
          values.count == columns * atoms else { return nil }
    let k = columns / 3
    return (0..<k).map { p in
      (0..<atoms).map { i in
        SIMD3(values[i * columns + 3 * p], values[i * columns + 3 * p + 1], values[i * columns + 3 * p + 2])
      }
    }
  }

  private static func perAtomArray(_ blocks: [[SIMD3<Double>]], atoms: Int) -> PerAtomArray {
    let columns = 3 * blocks.count
    var values = [Double](repeating: 0, count: columns * atoms)
    for (p, block) in blocks.enumerated() {
      precondition(block.count == atoms, "a probe block has \(block.count) vectors for \(atoms) atoms")
      for i in 0..<atoms {
        for d in 0..<3 { values[i * columns + 3 * p + d] = block[i][d] }
      }
    }
    return .doubles(columns: columns, values: values)
  }
}
