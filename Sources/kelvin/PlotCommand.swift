import ArgumentParser
import Foundation
import NN

/// `kelvin plot RUNDIR`: training curves from `steps.csv` and `metrics.jsonl` as an SVG.
struct PlotCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plot",
        abstract: "Plot a training run's loss and accuracy curves (RUNDIR/steps.csv, metrics.jsonl) to SVG.")

    @Argument(help: "The run directory written by `kelvin train --out`.") var runDirectory: String
    @Option(help: ArgumentHelp("The SVG file to write (default RUNDIR/curves.svg).", valueName: "FILE")) var out: String?

    func run() throws {
        do { try plot() } catch let e as NNError { throw failCLI(e) }
    }

    private func plot() throws {
        let steps = try StepLog(path: runDirectory + "/steps.csv").read()
        let epochs = try MetricsWriter(path: runDirectory + "/metrics.jsonl").read()
        guard !steps.isEmpty || !epochs.isEmpty else {
            throw NNError.invalidArgument("\(runDirectory) holds no steps.csv or metrics.jsonl rows to plot")
        }
        // The x position of an epoch's summary: the last step logged in that epoch.
        var lastStep = [Int: Double]()
        for r in steps { lastStep[r.epoch] = Double(r.step) }
        func x(_ m: EpochMetrics) -> Double { lastStep[m.epoch] ?? Double(m.epoch) }

        var lossSeries: [LinePlot.Series] = []
        let perStep = steps.compactMap { r in r.stepLoss.map { (Double(r.step), $0) } }
        if !perStep.isEmpty {
            lossSeries.append(.init(name: "step loss (batch)", color: "#aec7e8", points: perStep, width: 1, opacity: 0.8))
        }
        lossSeries.append(.init(name: "train loss (epoch running mean)", color: "#1f77b4",
                                points: steps.map { (Double($0.step), $0.loss) }))
        lossSeries.append(.init(name: "epoch train loss", color: "#d62728", points: epochs.map { (x($0), $0.train_loss) },
                                markers: true))
        let testLoss = epochs.compactMap { m in m.test_loss.map { (x(m), $0) } }
        if !testLoss.isEmpty { lossSeries.append(.init(name: "test loss", color: "#2ca02c", points: testLoss, markers: true)) }
        let loss = LinePlot(title: "loss", xLabel: "optimizer step", yLabel: "loss", series: lossSeries, xMinimumStep: 1)
        var accuracySeries: [LinePlot.Series] = [
            .init(name: "train top-1", color: "#1f77b4", points: steps.map { (Double($0.step), 100 * $0.accuracy) })
        ]
        let tested = epochs.compactMap { m in m.test_top1.map { (x(m), 100 * $0) } }
        if !tested.isEmpty { accuracySeries.append(.init(name: "test top-1", color: "#2ca02c", points: tested, markers: true)) }
        let accuracy = LinePlot(title: "accuracy", xLabel: "optimizer step", yLabel: "%", series: accuracySeries,
                                yFloor: 0, xMinimumStep: 1)
        let rate = LinePlot(
            title: "learning rate", xLabel: "optimizer step", yLabel: "lr",
            series: [.init(name: "lr", color: "#9467bd", points: steps.map { (Double($0.step), $0.learningRate) })],
            yFloor: 0, xMinimumStep: 1)

        let path = out ?? runDirectory + "/curves.svg"
        do {
            try Data(LinePlot.document([loss, accuracy, rate]).utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch { throw NNError.writeFailed(path: path, reason: "\(error)") }
        var summary = "wrote \(path): \(steps.count) steps, \(epochs.count) epochs"
        if let last = epochs.last, let t1 = last.test_top1 { summary += String(format: ", last test top-1 %.2f%%", 100 * t1) }
        print(summary)
    }
}
