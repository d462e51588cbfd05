import Foundation
import Reporting

/// The learning curve of a run as SVG: training and validation loss (log scale) against
/// epoch, and the validation force MAE (meV/Å, log scale) in a second figure below, stacked
/// in one document.
/// - Parameter history: the run's epochs in order.
public func learningCurveSVG(_ history: [EpochMetrics]) -> String {
  let epochs = history.map { Double($0.epoch) }
  var loss = LinePlot(title: "Learning curve", xLabel: "epoch", yLabel: "loss", yScale: .log, width: 640, height: 360)
  loss.clipIdentifier = "learning-curve-loss"
  loss.add("training loss", x: epochs, y: history.map(\.trainLoss))
  loss.add("validation loss (EMA weights)", x: epochs, y: history.map(\.validationLoss), dashed: true)
  var mae = LinePlot(title: "Validation force error", xLabel: "epoch", yLabel: "force MAE (meV/Å)", yScale: .log, width: 640, height: 360)
  mae.clipIdentifier = "learning-curve-force"
  mae.add("validation force MAE", x: epochs, y: history.map { 1000 * $0.validationForceMAE }, color: seriesColors[2])
  // Stack the two figures in one SVG document.
  let top = loss.svg(), bottom = mae.svg()
  return """
    <svg xmlns="http://www.w3.org/2000/svg" width="640" height="720" viewBox="0 0 640 720">
    <g class="figure" data-name="loss">\(top)</g>
    <g class="figure" data-name="force-mae" transform="translate(0 360)">\(bottom)</g>
    </svg>

    """
}

