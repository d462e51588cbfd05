/// Which radial basis expands an interatomic distance d into `radialBasisCount` features.
public enum RadialBasisKind: String, Sendable, Hashable, Codable, CaseIterable {
  /// `φ_n(d) = sin(nπd/r_c)/d`, n = 1…n_rbf (PaiNN's default; schnetpack's `BesselRBF`).
  case sine
  /// `φ_n(d) = exp(−(d − μ_n)²/(2w²))` with centres μ_n evenly spaced on [0, r_c] and
  /// width w the spacing (schnetpack's `GaussianRBF`).
  case gaussian
}

/// The architecture of a PaiNN network: everything needed to build it except the weights.
///
/// Schütt, Unke, Gastegger, "Equivariant message passing for the prediction of tensorial
/// properties and molecular spectra", ICML 2021 (arXiv 2102.03150). The layout follows
/// schnetpack's `PaiNN` + `Atomwise` so weights map one to one.
public struct PaiNNConfiguration: Sendable, Hashable, Codable {
  /// Width F: features per atom in the scalar channel (and per direction in the vector channel).
  public var featureCount: Int
  /// Number of interaction + mixing blocks.
  public var layerCount: Int
  /// Number of radial basis functions n_rbf.
  public var radialBasisCount: Int
  /// Interaction range r_c, Å; edges with d ≥ r_c contribute nothing.
  public var cutoff: Double
  /// Radial basis functions.
  public var radialBasis: RadialBasisKind
  /// ε added under the square root of the vector-channel norm, √(Σ V² + ε); dimensionless.
  public var normEpsilon: Double

  /// The keys of the `architecture` entry of a model file; fixed here so that the file format
  /// does not follow Swift property names.
  enum CodingKeys: String, CodingKey {
    case featureCount = "featureCount"
    case layerCount = "layerCount"
    case radialBasisCount = "radialBasisCount"
    case cutoff = "cutoff"
    case radialBasis = "radialBasis"
    case normEpsilon = "normEpsilon"
  }

  public init(
    featureCount: Int, layerCount: Int, radialBasisCount: Int = 20, cutoff: Double = 5.0,
    radialBasis: RadialBasisKind = .sine, normEpsilon: Double = 1e-8
  ) {
    self.featureCount = featureCount
    self.layerCount = layerCount
    self.radialBasisCount = radialBasisCount
    self.cutoff = cutoff
    self.radialBasis = radialBasis
    self.normEpsilon = normEpsilon
  }

  /// Width of the hidden layer of the per-atom readout MLP, F/2 (schnetpack's pyramidal MLP).
  public var readoutHiddenCount: Int { max(1, featureCount / 2) }

  /// Why this configuration cannot be built, or nil when it can.
  public var problem: String? {
    if featureCount < 2 { return "feature count F must be at least 2, got \(featureCount)" }
    if layerCount < 1 { return "layer count must be at least 1, got \(layerCount)" }
    if radialBasisCount < 1 { return "radial basis count must be at least 1, got \(radialBasisCount)" }
    if !(cutoff > 0 && cutoff.isFinite) { return "cutoff must be a positive number of Å, got \(cutoff)" }
    if !(normEpsilon >= 0 && normEpsilon.isFinite) { return "norm epsilon must be ≥ 0, got \(normEpsilon)" }
    return nil
  }
}

/// Named model sizes.
public enum PaiNNPreset: String, Sendable, CaseIterable, Codable {
  /// F = 32, 3 layers, 20 basis functions, 5 Å.
  case tiny
  /// F = 64, 3 layers, 20 basis functions, 5 Å.
  case small
  /// F = 128, 3 layers, 20 basis functions, 5 Å: schnetpack's default PaiNN size.
  case medium
  /// F = 256, 3 layers, 20 basis functions, 5 Å.
  case large

  /// The architecture of this preset.
  public var configuration: PaiNNConfiguration {
    switch self {
    case .tiny: return PaiNNConfiguration(featureCount: 32, layerCount: 3)
    case .small: return PaiNNConfiguration(featureCount: 64, layerCount: 3)
    case .medium: return PaiNNConfiguration(featureCount: 128, layerCount: 3)
    case .large: return PaiNNConfiguration(featureCount: 256, layerCount: 3)
    }
  }
}
