import Foundation

/// The files of a training run, all in one folder:
///
/// | file | content |
/// | --- | --- |
/// | `config.json` | the full configuration, data source, elements, reference energies, scale, command |
/// | `metrics.jsonl` | one JSON object per epoch (see `EpochMetrics`) |
/// | `learning_curve.svg` | training/validation loss and validation force MAE against epoch |
/// | `model.safetensors` | the best model (EMA weights at the lowest validation loss) |
/// | `checkpoint_last.safetensors` | full state after the last epoch (for `--resume`) |
/// | `checkpoint_best.safetensors` | full state at the best epoch |
/// | `test_metrics.json` | errors of `model.safetensors` on the test split, when there is one |
public struct RunFolder: Sendable {
  public var url: URL
  public init(_ url: URL) { self.url = url }
  public var configuration: URL { url.appendingPathComponent("config.json") }
  public var metrics: URL { url.appendingPathComponent("metrics.jsonl") }
  public var learningCurve: URL { url.appendingPathComponent("learning_curve.svg") }
  public var model: URL { url.appendingPathComponent("model.safetensors") }
  public var lastCheckpoint: URL { url.appendingPathComponent("checkpoint_last.safetensors") }
  public var bestCheckpoint: URL { url.appendingPathComponent("checkpoint_best.safetensors") }
  public var testMetrics: URL { url.appendingPathComponent("test_metrics.json") }
}
