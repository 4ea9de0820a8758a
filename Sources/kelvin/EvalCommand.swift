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
    @Option(name: .customLong("loader-workers"), help: "imagefolder: threads decoding each batch in the background (default: the run's, else 1).") var loaderWorkers: Int?
    @Option(help: "Use only the first N test images.") var limit: Int?
    @Option(help: "Cores to use (default: all).") var threads: Int?
    @Option(help: "Evaluate through an analog execution profile (built-in name or JSON file).") var analog: String?
    @Option(name: .customLong("chip-seed"), help: "First simulated chip (mismatch draws); repeat i uses chip-seed + i.") var chipSeed: UInt64 = 0
    @Option(help: "Evaluate this many simulated chips (with --analog).") var `repeat` = 1
    @Option(help: ArgumentHelp("Directory of the cells a profile names (default: the KELVIN_CELLS folders, ./netlists, then beside the kelvin binary).", valueName: "DIR")) var cells: String?
    @Option(name: .customLong("drift-time"), help: ArgumentHelp(
        "Evaluate this long after programming (a profile with device drift): a number with s, m, h, d or y (365.25 d); plain numbers are seconds.",
        valueName: "TIME")) var driftTime: String?
    @Option(name: .customLong("drift-compensation"), help: ArgumentHelp(
        "Drift compensation (a profile with device drift): on (= global), off (= none), global (one scale per layer) or column (one per output).",
        valueName: "MODE")) var driftCompensation: String?
    @Flag(help: "Print one JSON object {top1, top5, images, seconds} (with --analog also top1_std, top5_std, energy_per_image_j, repeats).") var json = false

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
        if let dataset, dataset != options.dataset {
            options.dataset = dataset; options.dataDirectory = nil
            options.imageSize = nil; options.resizeSize = nil  // an ImageFolder run's crop sizes
        }
        if let dataDir { options.dataDirectory = dataDir }
        if let n = ck.header.inputNormalization { options.normalizationMean = n.mean; options.normalizationStd = n.std }
        // Without a stored normalisation (a bare model imported without --mean/--std), the statistics
        // of the whole training split are used; otherwise the training images are not needed.
        options.trainLimit = options.normalizationMean.isEmpty ? nil : 1
        options.testLimit = limit
        if let loaderWorkers { options.loaderWorkers = loaderWorkers }
        let (_, _, test) = try DatasetCatalog.prepareSources(options)
        let fits = (try? ck.header.model.outputShape(for: [test.channels, test.height, test.width])).map {
            $0.count == 1 && $0[0] >= test.classes
        } ?? false
        guard fits else {
            throw NNError.mismatch(path: checkpoint, reason: "model (\(ck.header.model.summary)) does not fit data set \(options.dataset) (\(test.channels)×\(test.height)×\(test.width), \(test.classes) classes)")
        }
        if let analog {
            try evaluateAnalog(model, test, profile: analog, checkpoint: ck)
            return
        }
        let r = try Trainer.evaluate(model, on: test, batchSize: batch, workers: options.loaderWorkers ?? 1)
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            print(String(decoding: try encoder.encode(r), as: UTF8.self))
        } else {
            print(String(format: "top1 %.2f%%  top5 %.2f%%  (%d images, %.1f s)", 100 * r.top1, 100 * r.top5, r.images, r.seconds))
        }
    }
}

/// One repeat of an analog evaluation (`repeats` in the JSON output).
struct ChipResult: Codable {
    var chip_seed: UInt64
    var top1: Double
    var top5: Double
}

/// `kelvin eval --analog --json`.
struct AnalogEvaluation: Codable {
    var profile: String
    var top1: Double
    var top5: Double
    var top1_std: Double
    var top5_std: Double
    var images: Int
    var seconds: Double
    var energy_per_image_j: Double?
    /// By kind of cell; null where the cell's table has no energy figure.
    var energy_per_image_by_cell_j: [String: Double?]
    var operations_per_image: [String: Double]
    var repeats: [ChipResult]
}

extension EvalCommand {
    /// Evaluates `repeat` chips under the profile; calibrated scales come from the checkpoint when
    /// it was trained under the same profile, else from the first batch.
    func evaluateAnalog(_ model: Model, _ test: any ImageSource, profile name: String, checkpoint ck: Checkpoint) throws {
        guard `repeat` >= 1 else { throw NNError.invalidArgument("--repeat must be ≥ 1, got \(`repeat`)") }
        let resolver = ProfileResolver(cells: cells)
        var (settings, origin) = try resolver.settings(name)
        try applyDriftOptions(to: &settings, origin: origin)
        var results = [ChipResult](), seconds = 0.0
        var energy: Double?, byCell = [String: Double?](), operations = [String: Double]()
        for i in 0..<`repeat` {
            let chip = chipSeed &+ UInt64(i)
            let profile = try resolver.profile(settings, origin: origin, chipSeed: chip)
            if ck.header.profile?.name == profile.name { try profile.loadState(from: ck.arrays, path: checkpoint) }
            let r = try Trainer.evaluate(model, on: test, batchSize: batch, profile: profile, seed: chip, workers: loaderWorkers ?? 1)
            results.append(ChipResult(chip_seed: chip, top1: r.top1, top5: r.top5))
            seconds += r.seconds
            if i == 0 {
                let counts = profile.counts, n = Double(max(test.count, 1))
                energy = profile.energy(of: counts).map { $0 / n }
                byCell = profile.energyByCell(counts).mapValues { $0.map { $0 / n } }
                operations = ["cells": Double(counts.cells) / n, "summer": Double(counts.summer) / n,
                              "rectifier": Double(counts.rectifier) / n, "converters": Double(counts.converters) / n]
                for (kind, count) in [("log", counts.logConverters), ("max", counts.maxCells), ("exp", counts.expConverters)] where count > 0 {
                    operations[kind] = Double(count) / n
                }
            }
            if !json {
                print(String(format: "chip %llu: top1 %.2f%%  top5 %.2f%%", chip, 100 * r.top1, 100 * r.top5))
            }
        }
        func meanStd(_ v: [Double]) -> (Double, Double) {
            let m = v.reduce(0, +) / Double(v.count)
            let s = v.count > 1 ? (v.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(v.count - 1)).squareRoot() : 0
            return (m, s)
        }
        let (t1, s1) = meanStd(results.map(\.top1)), (t5, s5) = meanStd(results.map(\.top5))
        let summary = AnalogEvaluation(
            profile: name, top1: t1, top5: t5, top1_std: s1, top5_std: s5, images: test.count, seconds: seconds,
            energy_per_image_j: energy, energy_per_image_by_cell_j: byCell, operations_per_image: operations, repeats: results)
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            print(String(decoding: try encoder.encode(summary), as: UTF8.self))
        } else {
            print(String(format: "%@: top1 %.2f%% ± %.2f  top5 %.2f%% ± %.2f  (%d chips × %d images, %.1f s)",
                         name, 100 * t1, 100 * s1, 100 * t5, 100 * s5, results.count, test.count, seconds))
            let parts = byCell.keys.sorted().map { k in "\(k) " + (byCell[k]!.map { String(format: "%.4g J", $0) } ?? "n/a") }
            print((energy.map { String(format: "energy %.4g J per image", $0) } ?? "energy: n/a (a cell in use has no energy figure)")
                + (parts.isEmpty ? "" : " (" + parts.joined(separator: ", ") + ")"))
            print(operations.keys.sorted().map { String(format: "%@ %.4g", $0, operations[$0]!) }.joined(separator: ", ") + " operations per image")
        }
    }
}

extension EvalCommand {
    /// Applies `--drift-time` and `--drift-compensation` to the profile's `device.drift`, refusing
    /// them for a profile without drift.
    func applyDriftOptions(to settings: inout AnalogSettings, origin: String) throws {
        guard driftTime != nil || driftCompensation != nil else { return }
        let option = driftTime != nil ? "--drift-time" : "--drift-compensation"
        guard var drift = settings.device?.drift else {
            throw NNError.invalidArgument("\(option): profile '\(settings.name)' (\(origin)) has no drift model; use a profile with 'device.drift' (e.g. pcm)")
        }
        if let text = driftTime { drift.time = try Self.seconds(text) }
        if let mode = driftCompensation {
            switch mode {
            case "on", "global": drift.compensation = "global"
            case "off", "none": drift.compensation = "none"
            case "column": drift.compensation = "column"
            default: throw NNError.invalidArgument("--drift-compensation: use on, off, global or column, got '\(mode)'")
            }
        }
        settings.device!.drift = drift
        try settings.validate(path: origin)
    }

    /// Seconds in `text`: a number with an optional suffix s, m, h, d or y (365.25 days).
    static func seconds(_ text: String) throws -> Double {
        let units: [Character: Double] = ["s": 1, "m": 60, "h": 3600, "d": 86_400, "y": 31_557_600]
        var number = Substring(text), unit = 1.0
        if let last = text.last, let u = units[last] { number = number.dropLast(); unit = u }
        guard let value = Double(number), value.isFinite, value >= 0 else {
            throw NNError.invalidArgument("--drift-time: '\(text)' is not a time ≥ 0 (a number with s, m, h, d or y, e.g. 1h, 2.5d)")
        }
        return value * unit
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
    @Option(help: "Train through this analog execution profile (built-in name or JSON file).") var analog: String?
    @Option(help: ArgumentHelp("Directory of the cells a profile names.", valueName: "DIR")) var cells = "netlists"

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
        let profile: any ExecutionProfile = try analog.map { try ProfileResolver(cells: cells).profile($0) } ?? DigitalProfile()
        var trainer = try Trainer(options: options, profile: profile, train: data, test: nil)
        let b = try trainer.loader.makeBatch(epoch: 0, index: 0, order: Array(0..<batch))
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

/// `kelvin bench-loader` (hidden): images/s of an ImageFolder data set's loader alone (JPEG
/// decoding, crop, resize, flip and normalisation, on background threads), to set against
/// `kelvin bench-train --config imagenet`'s training images/s.
struct BenchLoaderCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench-loader", abstract: "Measure the images/s of an ImageFolder data set's loader (decode + augment).",
        discussion: """
            Reads DIR/train (or DIR itself when it holds class folders) and prepares --epochs passes of             shuffled batches as training does (--augment: RandomResizedCrop and flips; otherwise Resize +             CenterCrop), without a network. Prints images/s and the time per image.
            """,
        shouldDisplay: false)

    @Option(name: .customLong("data-dir"), help: "ImageFolder data set (holding train/) or one split folder.") var dataDir: String
    @Option(help: "Mini-batch size.") var batch = 16
    @Option(help: "Passes over the images.") var epochs = 1
    @Option(help: "Threads decoding each batch.") var workers = 1
    @Option(name: .customLong("image-size"), help: "Side of the square crop.") var imageSize = 224
    @Option(name: .customLong("resize-size"), help: "Shorter side of the evaluation resize.") var resizeSize = 256
    @Flag(help: "Training transform (RandomResizedCrop + flips) instead of the evaluation one.") var augment = false
    @Option(help: "Random seed.") var seed: UInt64 = 0
    @Flag(help: "Print one JSON object {images, seconds, images_per_s, ms_per_image}.") var json = false
    @Option(help: ArgumentHelp("First write COUNT generated 500×375 JPEGs (quality 90, 10 classes) to DIR/train and a tenth as many to DIR/val; DIR must not exist.", valueName: "COUNT"))
    var generate: Int?

    func run() throws {
        do { try bench() } catch let e as NNError { throw failCLI(e) }
    }

    private func bench() throws {
        guard epochs > 0 else { throw NNError.invalidArgument("--epochs must be positive, got \(epochs)") }
        if let generate { try Self.writeFolder(dataDir, count: generate, seed: seed) }
        let split = FileManager.default.fileExists(atPath: dataDir + "/train") ? dataDir + "/train" : dataDir
        let folder = try ImageFolder(directory: split, size: imageSize, resizeSize: resizeSize)
        let augmentation = augment ? DatasetCatalog.augmentation(for: "imagefolder") : .none
        let loader = try DataLoader(dataset: folder, batchSize: batch, shuffle: true, augmentation: augmentation, seed: seed,
                                    dropLast: false, workers: workers)
        let start = Date()
        var images = 0, checksum = 0.0
        for epoch in 0..<epochs {
            let stream = loader.batches(epoch: epoch)
            for b in stream { images += b.count; checksum += Double(b.images[b.images.count / 2]) }
            try stream.checkError()
        }
        let dt = Date().timeIntervalSince(start)
        let rate = Double(images) / max(dt, 1e-9)
        if json {
            print(String(format: "{\"images\":%d,\"seconds\":%.3f,\"images_per_s\":%.2f,\"ms_per_image\":%.3f}", images, dt, rate, 1000 * dt / Double(max(images, 1))))
        } else {
            print(String(format: "%d images (%d classes) in %.2f s: %.1f images/s, %.2f ms per image, %d worker(s), %@ transform (checksum %.3f)",
                         images, folder.classes, dt, rate, 1000 * dt / Double(max(images, 1)), workers, augment ? "training" : "evaluation", checksum))
        }
    }
}

extension BenchLoaderCommand {
    /// Writes `count` JPEGs of 500×375 to `root/train/class_K` and `count / 10` to `root/val/class_K`
    /// (10 classes): smooth colour waves with pixel noise, which compress about as photographs do.
    static func writeFolder(_ root: String, count: Int, seed: UInt64) throws {
        guard count >= 10 else { throw NNError.invalidArgument("--generate needs at least 10 images, got \(count)") }
        guard !FileManager.default.fileExists(atPath: root) else {
            throw NNError.invalidArgument("--generate: \(root) exists; give a new folder")
        }
        var rng = RandomSource(seed: seed, stream: 0x6A70_6567)
        for (split, n) in [("train", count), ("val", max(count / 10, 10))] {
            for i in 0..<n {
                let folder = "\(root)/\(split)/class_\(i % 10)"
                let (w, h) = (500, 375)
                let fx = 0.01 + 0.05 * Double(rng.nextUniform()), fy = 0.01 + 0.05 * Double(rng.nextUniform())
                var pixels = [UInt8](repeating: 0, count: w * h * 3)
                for y in 0..<h {
                    for x in 0..<w {
                        for c in 0..<3 {
                            let wave = sin(fx * Double(x) + fy * Double(y) + 2.1 * Double(c) + Double(i))
                            let v = 128 + 90 * wave + Double(Int(rng.next() % 41) - 20)
                            pixels[(y * w + x) * 3 + c] = UInt8(min(max(v, 0), 255))
                        }
                    }
                }
                let bytes = try JPEG.encode(RGBImage(width: w, height: h, pixels: pixels), quality: 90)
                do {
                    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
                    try Data(bytes).write(to: URL(fileURLWithPath: "\(folder)/img_\(i).jpg"))
                } catch { throw NNError.writeFailed(path: folder, reason: "\(error)") }
            }
        }
    }
}
