import ArgumentParser
import Foundation
import NN

/// One row of `kelvin bm-convert`'s table: accuracy after converting the first `layers` weighted layers.
struct BMConversionRow: Codable {
    var layers: Int
    var converted: String
    /// Converted straight from the (folded) trained weights, no fine-tuning.
    var top1_without_finetuning: Double
    /// Layer-by-layer: after converting this layer (earlier ones converted and fine-tuned), before its fine-tuning.
    var top1_converted_before_finetuning: Double
    /// After the fine-tuning steps that follow this layer's conversion.
    var top1_with_finetuning: Double
    var finetune_loss: Double?
    var seconds: Double
}

/// What a `kelvin bm-convert` run depends on; a saved progress is resumed only under the same settings.
struct BMConversionSettings: Codable, Equatable {
    var checkpoint: String
    var layers: Int
    var finetuneSteps: Int
    var lr: Double
    var batch: Int
    var seed: UInt64
    var trainImages: Int
    var testImages: Int
}

/// The rows of an interrupted `kelvin bm-convert` run (DIR/progress.json, beside DIR/progress-K.ckpt).
struct BMConversionProgress: Codable {
    var settings: BMConversionSettings
    var trained_top1: Double
    var folded_top1: Double
    var rows: [BMConversionRow]
}

/// `kelvin bm-convert`: the layer-by-layer conversion of a trained network to bipolar-morphological layers.
struct BMConvertCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bm-convert",
        abstract: "Convert a trained network (sequential, e.g. --model cnn, or a ResNet) to bipolar-morphological layers, layer by layer.",
        discussion: """
            A ResNet is first written as a layer graph (residual nodes). Folds batch norm into the preceding \
            convolutions (inside residual bodies and shortcuts too), then converts the first N conv/linear layers \
            one at a time in forward order (v = ln|w| on the weight's sign side), fine-tuning the whole network for \
            --finetune-steps SGD steps after each. Writes DIR/conversion.json, DIR/conversion.md, DIR/bm.ckpt (the \
            final network) and, with --report, DIR/operations.md (per-layer op counts and gates, seed 003's \
            Table 1). After each layer the state so far is kept in DIR/progress.json and DIR/progress-K.ckpt; a \
            rerun with the same settings continues from there, and they are removed when the table is written.
            """)

    @Option(help: "Checkpoint of the trained network (kelvin train).") var checkpoint: String
    @Option(help: "Convert the first N weighted layers (default: all).") var layers: Int?
    @Option(name: .customLong("finetune-steps"), help: "SGD steps after each converted layer.") var finetuneSteps = 200
    @Option(help: "Fine-tuning learning rate (constant, momentum 0.9, no weight decay).") var lr = 0.01
    @Option(help: "Fine-tuning batch size.") var batch = 64
    @Option(help: "Fine-tuning shuffle seed.") var seed: UInt64 = 0
    @Option(name: .customLong("data-dir"), help: "Directory of the data set files.") var dataDir: String?
    @Option(name: .customLong("train-limit"), help: "Fine-tune on the first N training images.") var trainLimit: Int?
    @Option(name: .customLong("test-limit"), help: "Evaluate on the first N test images.") var testLimit: Int?
    @Option(help: "Cores to use (default: all).") var threads: Int?
    @Option(help: "Output directory.") var out: String
    @Flag(help: "Also print and write the operation-count and gate table.") var report = false
    /// Stops after this many converted layers, leaving the progress files as a killed run would (tests).
    @Option(name: .customLong("stop-after"), help: .hidden) var stopAfter: Int?

    func run() throws {
        do { try convert() } catch let e as NNError { throw failCLI(e) }
    }

    private func convert() throws {
        if let threads { try Threading.limitCores(to: threads) }
        guard finetuneSteps >= 0, batch >= 2, lr > 0 else {
            throw NNError.invalidArgument("--finetune-steps must be ≥ 0, --batch ≥ 2 and --lr > 0")
        }
        let ck = try Checkpoint(path: checkpoint)
        let original = try Model(ck.header.model)
        try original.loadState(from: ck.arrays, path: checkpoint)
        var options = ck.header.training ?? TrainingOptions(model: ck.header.model)
        if let dataDir { options.dataDirectory = dataDir }
        if let n = ck.header.inputNormalization { options.normalizationMean = n.mean; options.normalizationStd = n.std }
        options.trainLimit = trainLimit
        options.testLimit = testLimit
        let (_, train, test) = try DatasetCatalog.prepare(options)
        do { try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true) } catch {
            throw NNError.writeFailed(path: out, reason: "\(error)")
        }

        let folded = try BMConversion.foldingBatchNorm(original)
        let candidates = BMConversion.convertibleLayers(folded.spec)
        let count = layers ?? candidates.count
        guard count >= 0, count <= candidates.count else {
            throw NNError.invalidArgument("--layers must be in 0…\(candidates.count) for \(folded.spec.summary), got \(count)")
        }
        let input = [test.channels, test.height, test.width]
        let names = try BMLayerCost.costs(of: folded.spec, input: input).map(\.layer)
        guard names.count == candidates.count else {
            throw NNError.invalidArgument("internal: \(names.count) counted layers against \(candidates.count) convertible ones")
        }
        func accuracy(_ m: Model) -> Double { Trainer.evaluate(m, on: test).top1 }
        let settings = BMConversionSettings(checkpoint: checkpoint, layers: count, finetuneSteps: finetuneSteps, lr: lr, batch: batch,
                                            seed: seed, trainImages: train.count, testImages: test.count)
        var rows: [BMConversionRow], current: Model, base: Double, foldedTop1: Double
        if let resumed = try resume(settings) {
            (rows, current, base, foldedTop1) = resumed
            print("resuming after \(rows.count - 1) converted layer(s) from \(out)/progress.json")
        } else {
            base = accuracy(original)
            foldedTop1 = accuracy(folded)
            rows = [BMConversionRow(layers: 0, converted: "—", top1_without_finetuning: foldedTop1,
                                    top1_converted_before_finetuning: foldedTop1, top1_with_finetuning: foldedTop1,
                                    finetune_loss: nil, seconds: 0)]
            current = try BMConversion.copy(folded)
        }
        print(String(format: "trained %.2f%%, batch norm folded %.2f%% (%d test images)", 100 * base, 100 * foldedTop1, test.count))
        for k in (rows.count - 1)..<count {
            let start = Date()
            var straight = folded
            for path in candidates[0...k] { straight = try BMConversion.converting(straight, layer: path) }
            current = try BMConversion.converting(current, layer: candidates[k])
            let before = accuracy(current)
            let loss = try BMConversion.fineTune(current, on: train, steps: finetuneSteps, batchSize: batch, learningRate: lr,
                                                 seed: seed &+ UInt64(k))
            let row = BMConversionRow(
                layers: k + 1, converted: names[k],
                top1_without_finetuning: accuracy(straight), top1_converted_before_finetuning: before,
                top1_with_finetuning: accuracy(current), finetune_loss: finetuneSteps > 0 ? loss : nil,
                seconds: Date().timeIntervalSince(start))
            rows.append(row)
            print(String(format: "%d layer(s) (+%@): no fine-tuning %.2f%%, layer-by-layer %.2f%% → %.2f%% after %d steps (%.0f s)",
                         row.layers, row.converted, 100 * row.top1_without_finetuning, 100 * before,
                         100 * row.top1_with_finetuning, finetuneSteps, row.seconds))
            try saveProgress(BMConversionProgress(settings: settings, trained_top1: base, folded_top1: foldedTop1, rows: rows),
                             model: current)
            if let stopAfter, row.layers >= stopAfter, row.layers < count {
                print("stopped after \(row.layers) layer(s) (--stop-after); rerun to continue")
                return
            }
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let summary: [String: AnyCodable] = [
            "checkpoint": .string(checkpoint), "trained_top1": .double(base), "folded_top1": .double(foldedTop1),
            "finetune_steps": .int(finetuneSteps), "lr": .double(lr), "batch": .int(batch),
            "train_images": .int(train.count), "test_images": .int(test.count), "rows": .rows(rows),
        ]
        try write(String(decoding: try encoder.encode(summary), as: UTF8.self) + "\n", to: "conversion.json")
        var md = "| layers converted | last converted | no fine-tuning | layer-by-layer, before FT | with fine-tuning (\(finetuneSteps) steps/layer) |\n|---|---|---|---|---|\n"
        for r in rows {
            md += String(format: "| %d | %@ | %.2f %% | %.2f %% | %.2f %% |\n", r.layers, r.converted, 100 * r.top1_without_finetuning,
                         100 * r.top1_converted_before_finetuning, 100 * r.top1_with_finetuning)
        }
        try write(md, to: "conversion.md")
        print(md)
        var header = CheckpointHeader(model: current.spec, metadata: ["bm-convert": checkpoint])
        header.normalization = CheckpointHeader.Normalization(mean: options.normalizationMean, std: options.normalizationStd)
        try Checkpoint(header: header, arrays: current.stateArrays()).write(to: out + "/bm.ckpt")
        if report {
            let table = try Self.operationTable(folded.spec, input: input)
            try write(table, to: "operations.md")
            print(table)
        }
        removeProgress(layers: rows.count - 1)
    }

    /// The rows, model and accuracies of an interrupted run with the same settings, or nil.
    private func resume(_ settings: BMConversionSettings) throws -> ([BMConversionRow], Model, Double, Double)? {
        let path = out + "/progress.json"
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        let progress: BMConversionProgress
        do { progress = try JSONDecoder().decode(BMConversionProgress.self, from: data) } catch {
            throw NNError.invalidArgument("\(path) is unreadable (\(error)); remove it to start the conversion afresh")
        }
        guard progress.settings == settings else {
            throw NNError.invalidArgument("\(path) belongs to a run with other settings (\(progress.settings)); "
                + "remove it and progress-*.ckpt to start afresh")
        }
        let modelPath = out + "/" + Self.progressCheckpoint(layers: progress.rows.count - 1)
        let ck = try Checkpoint(path: modelPath)
        let model = try Model(ck.header.model)
        try model.loadState(from: ck.arrays, path: modelPath)
        return (progress.rows, model, progress.trained_top1, progress.folded_top1)
    }

    /// The network after `layers` converted layers of an unfinished run.
    private static func progressCheckpoint(layers: Int) -> String { "progress-\(layers).ckpt" }

    /// Writes the state after a converted layer: the network first (a new file), then the rows that
    /// name it, then removes the previous network, so a run killed at any point resumes consistently.
    private func saveProgress(_ progress: BMConversionProgress, model: Model) throws {
        let k = progress.rows.count - 1
        try Checkpoint(header: CheckpointHeader(model: model.spec, metadata: ["bm-convert": checkpoint]),
                       arrays: model.stateArrays()).write(to: out + "/" + Self.progressCheckpoint(layers: k))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try write(String(decoding: try encoder.encode(progress), as: UTF8.self) + "\n", to: "progress.json")
        if k > 1 { try? FileManager.default.removeItem(atPath: out + "/" + Self.progressCheckpoint(layers: k - 1)) }
    }

    /// Removes the state of an unfinished run once the table is written.
    private func removeProgress(layers: Int) {
        for name in ["progress.json", Self.progressCheckpoint(layers: layers)] {
            try? FileManager.default.removeItem(atPath: out + "/" + name)
        }
    }

    /// The per-image operation counts and gate estimates of every weighted layer of `spec`.
    static func operationTable(_ spec: ModelSpec, input: [Int]) throws -> String {
        let costs = try BMLayerCost.costs(of: spec, input: input)
        var t = "| layer | fan-in | classical mul | classical add | BM add | BM max | BM log | BM exp | gates classical | gates BM | ratio | ratio (4 exp) |\n"
        t += "|---|---|---|---|---|---|---|---|---|---|---|---|\n"
        for c in costs {
            t += String(format: "| %@ | %d | %d | %d | %d | %d | %d | %d | %.3g | %.3g | %.2f | %.2f |\n", c.layer, c.fanIn,
                        c.classicalMultiplies, c.classicalAdds, c.bmAdds, c.bmMax, c.bmLog, c.bmExp, c.classicalGates, c.bmGates,
                        c.gateRatio, c.classicalGates / c.exp4Gates)
        }
        let cl = costs.reduce(0) { $0 + $1.classicalGates }, bm = costs.reduce(0) { $0 + $1.bmGates }
        t += String(format: "| total | | | | | | | | %.3g | %.3g | %.2f | |\n", cl, bm, cl / bm)
        return t
    }

    private func write(_ text: String, to name: String) throws {
        do { try text.write(toFile: out + "/" + name, atomically: true, encoding: .utf8) } catch {
            throw NNError.writeFailed(path: out + "/" + name, reason: "\(error)")
        }
    }
}

/// The few value kinds of `conversion.json`.
private enum AnyCodable: Encodable {
    case string(String), double(Double), int(Int), rows([BMConversionRow])
    func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .string(let v): try c.encode(v)
        case .double(let v): try c.encode(v)
        case .int(let v): try c.encode(v)
        case .rows(let v): try c.encode(v)
        }
    }
}
