import ArgumentParser
import Foundation
import LinearAlgebra
import NN

/// `kelvin eval`: top-1/top-5 accuracy of a checkpoint on a test set.
struct EvalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval", abstract: "Evaluate a checkpoint on a test set (top-1 / top-5).")

    @Option(help: "Checkpoint file written by kelvin train or kelvin import.") var checkpoint: String
    @Option(help: "Data set (default: the one the checkpoint was trained on).") var dataset: String?
    @Option(name: .customLong("data-dir"), help: "Directory of the data set files.") var dataDir: String?
    @Option(help: "Evaluation batch size.") var batch = 256
    @Option(help: "Use only the first N test images.") var limit: Int?
    @Option(help: "Cores to use (default: all).") var threads: Int?
    @Flag(help: "Print one JSON object {top1, top5, images, seconds}.") var json = false

    func run() throws {
        do { try evaluate() } catch let e as NNError { throw failCLI(e) }
    }

    private func evaluate() throws {
        if let threads { try Threading.limitCores(to: threads) }
        guard batch > 0 else { throw NNError.invalidArgument("--batch must be positive, got \(batch)") }
        let ck = try Checkpoint(path: checkpoint)
        let model = try Model(ck.header.model)
        try model.loadState(from: ck.arrays, path: checkpoint)
        var options = ck.header.training ?? TrainingOptions(model: ck.header.model)
        if let dataset, dataset != options.dataset { options.dataset = dataset; options.dataDirectory = nil }
        if let dataDir { options.dataDirectory = dataDir }
        if let n = ck.header.inputNormalization { options.normalizationMean = n.mean; options.normalizationStd = n.std }
        // Without a stored normalisation (a bare model imported without --mean/--std), the statistics
        // of the whole training split are used; otherwise the training images are not needed.
        options.trainLimit = options.normalizationMean.isEmpty ? nil : 1
        options.testLimit = limit
        let (_, _, test) = try DatasetCatalog.prepare(options)
        let fits = (try? ck.header.model.outputShape(for: [test.channels, test.height, test.width])).map {
            $0.count == 1 && $0[0] >= test.classes
        } ?? false
        guard fits else {
            throw NNError.mismatch(path: checkpoint, reason: "model (\(ck.header.model.summary)) does not fit data set \(options.dataset) (\(test.channels)×\(test.height)×\(test.width), \(test.classes) classes)")
        }
        let r = Trainer.evaluate(model, on: test, batchSize: batch)
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            print(String(decoding: try encoder.encode(r), as: UTF8.self))
        } else {
            print(String(format: "top1 %.2f%%  top5 %.2f%%  (%d images, %.1f s)", 100 * r.top1, 100 * r.top5, r.images, r.seconds))
        }
    }
}

/// `kelvin bench-train` (hidden): training throughput of ResNet-18 on synthetic data, for bench/train.sh.
struct BenchTrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench-train", abstract: "Measure ResNet-18 training images/s on synthetic data.", shouldDisplay: false)

    @Option(help: "small (1x28x28, batch 128, small stem) or imagenet (3x224x224, batch 16).") var config = "small"
    @Option(help: "Timed steps after one warm-up step.") var steps = 3
    @Option(help: "Cores to use (default: all).") var threads: Int?
    @Option(help: "Channels of the first stage.") var width = 64
    @Flag(help: "Instead of training, print OpenBLAS's sgemm peak (GFLOP/s) on --threads cores (2048x2048 products) and its kernel set.")
    var sgemm = false

    func run() throws {
        do { try bench() } catch let e as NNError { throw failCLI(e) }
    }

    private func bench() throws {
        if let threads { try Threading.limitCores(to: threads) }
        if sgemm {
            let peak = Self.sgemmPeak(size: 2048, threads: threads ?? 2)
            print(String(format: "sgemm_gflops=%.1f core=%@", peak, BLASThreading.coreName))
            return
        }
        let (network, batch, c, side, classes): (ResNetConfig, Int, Int, Int, Int)
        switch config {
        case "small": (network, batch, c, side, classes) = (ResNetConfig(depth: 18, inputChannels: 1, classes: 10, width: width, stem: .small), 128, 1, 28, 10)
        case "imagenet": (network, batch, c, side, classes) = (ResNetConfig(depth: 18, inputChannels: 3, classes: 1000, width: width, stem: .imagenet), 16, 3, 224, 1000)
        default: throw NNError.invalidArgument("unknown --config '\(config)' (use small or imagenet)")
        }
        guard steps > 0 else { throw NNError.invalidArgument("--steps must be positive") }
        let data = ImageDataset.synthetic(count: batch, channels: c, height: side, width: side, classes: classes, seed: 1)
        let options = TrainingOptions(model: .resnet(network), dataset: "synthetic", epochs: steps + 1, batchSize: batch,
                                      learningRate: 0.01, schedule: .constant)
        var trainer = try Trainer(options: options, train: data, test: nil)
        let b = trainer.loader.makeBatch(epoch: 0, index: 0, order: Array(0..<batch))
        _ = try trainer.trainStep(b)
        let start = Date()
        for _ in 0..<steps { _ = try trainer.trainStep(b) }
        let dt = Date().timeIntervalSince(start)
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        print(String(format: "img_s=%.2f peak_rss_mb=%.1f", Double(steps * batch) / dt, Double(usage.ru_maxrss) / 1024))
    }

    /// OpenBLAS's own sgemm peak on `threads` cores: the best of five `n×n · n×n` products
    /// (`2n³` floating-point operations each). Run in its own process: it changes OpenBLAS's
    /// thread count, which Tensor otherwise keeps at 1 (Tensor parallelises itself).
    static func sgemmPeak(size n: Int, threads: Int) -> Double {
        BLASThreading.set(threads)
        return BLASThreading.sgemmPeak(size: n)
    }
}
