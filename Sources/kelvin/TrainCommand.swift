import ArgumentParser
import Collective
import Foundation
import NN

/// Prints `kelvin: error: MESSAGE` on stderr and exits with status 1.
func failCLI(_ message: Any) -> ExitCode {
    FileHandle.standardError.write(Data("kelvin: error: \(message)\n".utf8))
    return ExitCode.failure
}

/// Writes text to standard error.
func printErr(_ text: String) { FileHandle.standardError.write(Data(text.utf8)) }

/// Formats seconds as `1h02m`, `3m12s` or `42s`.
func formatDuration(_ s: Double) -> String {
    guard s.isFinite, s >= 0 else { return "?" }
    let t = Int(s.rounded())
    if t >= 3600 { return String(format: "%dh%02dm", t / 3600, t % 3600 / 60) }
    if t >= 60 { return String(format: "%dm%02ds", t / 60, t % 60) }
    return "\(t)s"
}

/// `kelvin train`: trains a network with SGD, writing metrics.jsonl and atomic checkpoints to a run directory.
struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train a network on an image data set (CPU, OpenBLAS).",
        discussion: """
            Writes RUNDIR/metrics.jsonl (one JSON object per epoch) and RUNDIR/last.ckpt (atomically, at each \
            epoch end and at a --max-steps stop). --resume continues from RUNDIR/last.ckpt exactly where it stopped; \
            --epochs and --max-steps may be raised on resume, other options come from the checkpoint. \
            --init CHECKPOINT starts a new run from a checkpoint's weights (fine-tuning): the architecture comes \
            from the checkpoint, the optimizer and schedule start afresh. \
            Under `mpirun -np N` the run is data-parallel: --batch is the global batch, split over the N ranks; \
            rank 0 writes RUNDIR; --sync-bn takes batch-norm statistics over the global batch (Docs/distributed.md).
            """)

    @Option(help: "Architecture: resnet18, resnet34, resnet50, resnet101, resnet152, cnn (two convolutions) or mlp (one hidden layer). Default resnet18.")
    var model: String?
    @Option(help: "ResNet stem: small (3x3/1 conv, no max-pool) or imagenet (7x7/2 conv + max-pool). Default small.")
    var stem: String?
    @Option(help: "Channels of the first stage (ResNet, cnn) or hidden units (mlp). Default 64.") var width: Int?
    @Option(name: .customLong("init"), help: "Start a new run from this checkpoint's weights (its architecture; fresh optimizer).")
    var initFrom: String?
    @Option(help: "Data set: fashion-mnist, mnist or idx (MNIST-layout IDX files in --data-dir), cifar10, cifar100, imagefolder (--data-dir holds train/ and val/ or test/ folders of class folders of JPEG files), synthetic (1x28x28) or synthetic:CxHxW (e.g. synthetic:3x224x224).") var dataset = "fashion-mnist"
    @Option(name: .customLong("data-dir"), help: "Directory of the data set files (default: system location).") var dataDir: String?
    @Option(name: .customLong("image-size"), help: "imagefolder: side of the square crop the network sees (default 224).") var imageSize: Int?
    @Option(name: .customLong("resize-size"), help: "imagefolder: shorter side of the evaluation resize before the centre crop (default 256, or image-size·256/224).") var resizeSize: Int?
    @Option(name: .customLong("loader-workers"), help: "imagefolder: threads decoding each batch in the background (default 1).") var loaderWorkers: Int?
    @Option(help: "Number of epochs (default 10).") var epochs: Int?
    @Option(help: "Mini-batch size.") var batch = 128
    @Option(help: "Learning rate (the peak rate for onecycle).") var lr = 0.1
    @Option(help: "SGD momentum (onecycle cycles it between 0.85 and 0.95, as PyTorch).") var momentum = 0.9
    @Option(name: .customLong("weight-decay"), help: "L2 weight decay.") var weightDecay = 5e-4
    @Flag(help: "Nesterov momentum.") var nesterov = false
    @Option(help: "LR schedule: onecycle, cosine, step or constant.") var schedule = "onecycle"
    @Option(name: .customLong("label-smoothing"), help: "Label smoothing ε.") var labelSmoothing = 0.0
    @Flag(help: "Random crop with padding and horizontal flips (imagefolder: RandomResizedCrop and flips).") var augment = false
    @Option(help: "Run directory for metrics.jsonl and last.ckpt.") var out = "runs/train"
    @Option(name: .customLong("max-steps"), help: "Stop after this many optimizer steps in total.") var maxSteps: Int?
    @Option(help: "Random seed (weights, shuffling, augmentation).") var seed: UInt64 = 0
    @Option(help: "Cores to use (default: all).") var threads: Int?
    @Option(name: .customLong("train-limit"), help: "Use only the first N training images.") var trainLimit: Int?
    @Option(name: .customLong("test-limit"), help: "Use only the first N test images.") var testLimit: Int?
    @Option(help: "Analog execution profile: a built-in name (ideal, cells-vcr, cells-logmul, cells-resistor, yan-noise, reram, sonos, pcm, ecram) or a JSON file (Docs/analog-profiles.md).")
    var analog: String?
    @Option(name: .customLong("chip-seed"), help: "The simulated chip (mismatch draws) of an analog profile (default 0; on --resume, the run's).")
    var chipSeed: UInt64?
    @Option(name: .customLong("chip-draws"), help: "With an analog profile that draws per chip (mismatch or a device): fixed (the chip of --chip-seed, default) or step (a fresh chip every training step; sets the profile's chip_draws).")
    var chipDraws: String?
    @Option(help: "Weight update: standard (one step per batch) or pipelined (per-block updates from micro-batches streaming through the blocks, Docs/pipelined-update.md).")
    var update = "standard"
    @Option(name: .customLong("micro-batch"), help: "Micro-batch size of --update pipelined (divides --batch).") var microBatch: Int?
    @Option(help: ArgumentHelp("Directory of the cells a profile names (default: the KELVIN_CELLS folders, ./netlists, then beside the kelvin binary).", valueName: "DIR")) var cells: String?
    @Flag(name: .customLong("sync-bn"), help: "Under mpirun: batch-norm statistics over the global batch (default: each rank's part).")
    var syncBN = false
    @Flag(help: "Continue from RUNDIR/last.ckpt.") var resume = false
    @Flag(help: "No live progress line.") var quiet = false

    func run() throws {
        let communicator: Communicator
        do { communicator = try Communicator.fromLauncher(environment: ProcessInfo.processInfo.environment) } catch {
            throw failCLI(error)
        }
        do {
            try train(communicator)
            communicator.finish()
        } catch let code as ExitCode where communicator.usesMPI {
            communicator.finish()
            throw code
        } catch where communicator.usesMPI {
            // One rank's error must end the others too, or they would wait for it for ever.
            printErr("kelvin: error: rank \(communicator.rank) of \(communicator.size): \(error)\n")
            communicator.abort(code: 1)
        } catch let e as NNError { throw failCLI(e) }
    }

    /// The profile a resumed run continues under: `--analog` when given (the trainer refuses it
    /// if it is not the run's), else the one the checkpoint stores, rebuilt from its document.
    private func resumedProfile(_ ck: Checkpoint, path: String) throws -> any ExecutionProfile {
        let resolver = ProfileResolver(cells: cells)
        let stored = ck.header.profile
        if let analog { return try analogProfile(analog, chipSeed: chipSeed ?? stored?.chipSeed ?? 0) }
        if chipDraws != nil { throw NNError.invalidArgument("--chip-draws: a resumed run keeps its profile's; give it with --analog") }
        guard let record = stored, let document = record.document else {
            if chipSeed != nil { throw NNError.invalidArgument("--chip-seed: the run at \(path) has no analog profile") }
            return DigitalProfile()
        }
        let settings = try AnalogSettings(json: Data(document.utf8), path: path + " (stored profile)")
        // A --chip-seed other than the run's reaches the trainer, which refuses it with the reason.
        return try resolver.profile(settings, origin: path, chipSeed: chipSeed ?? record.chipSeed ?? 0)
    }

    /// The analog profile `name` for `chipSeed` (default: `--chip-seed` or 0), with `--chip-draws` applied.
    private func analogProfile(_ name: String, chipSeed: UInt64? = nil) throws -> AnalogProfile {
        let resolver = ProfileResolver(cells: cells)
        var (settings, origin) = try resolver.settings(name)
        if let chipDraws {
            settings.chipDraws = chipDraws
            try settings.validate(path: origin + " with --chip-draws")
        }
        return try resolver.profile(settings, origin: origin, chipSeed: chipSeed ?? self.chipSeed ?? 0)
    }

    /// The median time of 3 blocking allreduces of `elements` floats (what summing a step's
    /// gradients would cost with no overlap), the same on every rank.
    static func allreduceSeconds(elements: Int, _ communicator: Communicator) -> Double {
        var buffer = [Float](repeating: 1, count: elements)
        var times: [Double] = []
        for _ in 0..<3 {
            communicator.barrier(what: "the allreduce timing")
            let start = Date()
            buffer.withUnsafeMutableBufferPointer { communicator.sum($0, what: "the allreduce timing") }
            times.append(Date().timeIntervalSince(start))
        }
        var median = [times.sorted()[1]]
        communicator.sum(&median, what: "the allreduce timing")
        return median[0] / Double(communicator.size)
    }

    /// `RUNDIR/profile.json`: the resolved profile with the SHA-256 of every table it uses.
    private func writeProfile(_ profile: any ExecutionProfile) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        let path = out + "/profile.json"
        do {
            try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
            try encoder.encode(profile.record).write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch { throw NNError.writeFailed(path: path, reason: "\(error)") }
    }

    /// The architecture named by --model/--stem/--width for data of this shape.
    private func modelSpec(for data: any ImageSource) throws -> ModelSpec {
        try .named(model ?? "resnet18", stem: stem, width: width ?? 64, inputChannels: data.channels, height: data.height,
                   imageWidth: data.width, classes: data.classes)
    }

    private func train(_ communicator: Communicator) throws {
        if let threads { try Threading.limitCores(to: threads) }
        let root = communicator.isRoot
        let printErr: (String) -> Void = { if root { kelvin.printErr($0) } }
        let checkpointPath = out + "/last.ckpt"
        var trainer: Trainer
        if resume {
            if initFrom != nil { throw NNError.invalidArgument("--resume continues RUNDIR/last.ckpt; --init starts a new run: use one") }
            if model != nil || stem != nil || width != nil {
                throw NNError.invalidArgument("--resume continues the run's own architecture; drop --model, --stem and --width")
            }
            if microBatch != nil || update != "standard" {
                throw NNError.invalidArgument("--resume continues the run's own update rule; drop --update and --micro-batch")
            }
            let ck = try Checkpoint(path: checkpointPath)
            guard let saved = ck.header.training else {
                throw NNError.mismatch(path: checkpointPath, reason: "checkpoint holds no training state (cannot resume)")
            }
            if imageSize != nil || resizeSize != nil {
                throw NNError.invalidArgument("--resume continues the run's own image sizes; drop --image-size and --resize-size")
            }
            let (_, trainSet, testSet) = try DatasetCatalog.prepareSources(saved)
            let profile = try resumedProfile(ck, path: checkpointPath)
            if syncBN { throw NNError.invalidArgument("--resume continues the run's own batch-norm mode; drop --sync-bn") }
            trainer = try Trainer(resuming: ck, path: checkpointPath, profile: profile, train: trainSet, test: testSet,
                                  epochs: epochs, maxSteps: .some(maxSteps), loaderWorkers: loaderWorkers, communicator: communicator)
            printErr("resuming \(checkpointPath) at epoch \(trainer.epoch + 1), step \(trainer.step)\n")
        } else {
            guard let scheduleKind = ScheduleKind(rawValue: schedule) else {
                throw NNError.invalidArgument("unknown schedule '\(schedule)' (use onecycle, cosine, step or constant)")
            }
            if FileManager.default.fileExists(atPath: checkpointPath) {
                throw NNError.invalidArgument("\(checkpointPath) exists; pass --resume to continue it or choose another --out")
            }
            let initial = try initFrom.map { path in (path: path, checkpoint: try Checkpoint(path: path)) }
            var probe = TrainingOptions(model: .relu, dataset: dataset, dataDirectory: dataDir,
                                        trainLimit: trainLimit, testLimit: testLimit)
            probe.imageSize = imageSize; probe.resizeSize = resizeSize; probe.loaderWorkers = loaderWorkers
            if let header = initial?.checkpoint.header, let n = header.inputNormalization,
               header.training == nil || header.training?.dataset == dataset {
                // The weights were trained (or, imported, expect) inputs normalised this way: keep it.
                probe.normalizationMean = n.mean; probe.normalizationStd = n.std
            }
            let (prepared, trainSet, testSet) = try DatasetCatalog.prepareSources(probe)
            var options = prepared
            var network: Model?
            if let initial {
                if model != nil || stem != nil || width != nil {
                    throw NNError.invalidArgument("--init takes the architecture from \(initial.path); drop --model, --stem and --width")
                }
                options.model = initial.checkpoint.header.model
                let m = try Model(options.model)
                try m.loadState(from: initial.checkpoint.arrays, path: initial.path)
                network = m
                options.initializedFrom = initial.path
            } else {
                options.model = try modelSpec(for: trainSet)
            }
            options.epochs = epochs ?? 10; options.batchSize = batch; options.learningRate = lr
            options.momentum = momentum; options.weightDecay = weightDecay; options.nesterov = nesterov
            options.schedule = scheduleKind; options.labelSmoothing = labelSmoothing; options.seed = seed
            options.maxSteps = maxSteps
            switch update {
            case "standard":
                if microBatch != nil { throw NNError.invalidArgument("--micro-batch applies to --update pipelined") }
            case "pipelined":
                guard let microBatch else { throw NNError.invalidArgument("--update pipelined needs --micro-batch") }
                options.microBatch = microBatch
            default: throw NNError.invalidArgument("unknown --update '\(update)' (use standard or pipelined)")
            }
            options.augmentation = augment ? DatasetCatalog.augmentation(for: dataset) : .none
            if syncBN {
                guard communicator.size > 1 else { throw NNError.invalidArgument("--sync-bn applies to runs under mpirun with 2 or more ranks") }
                options.syncBatchNorm = true
            }
            let profile: any ExecutionProfile = try analog.map { try analogProfile($0) } ?? DigitalProfile()
            trainer = try Trainer(options: options, model: network, profile: profile, train: trainSet, test: testSet,
                                  communicator: communicator)
            printErr("\(options.model.summary), \(trainer.model.parameterCount) parameters"
                + (initial.map { ", weights from \($0.path)" } ?? "") + ", on \(dataset): "
                + "\(trainSet.count) train / \(testSet.count) test images, \(trainer.loader.batchesPerEpoch) steps per epoch\n")
        }
        if chipDraws != nil, analog == nil { throw NNError.invalidArgument("--chip-draws applies to an analog profile (--analog)") }
        if chipSeed != nil, trainer.profile.record.chipSeed == nil {
            throw NNError.invalidArgument("--chip-seed: profile '\(trainer.profile.name)' draws nothing per chip (no mismatch or device)")
        }
        if root { try writeProfile(trainer.profile) }
        if communicator.size > 1 {
            let bn = (trainer.options.syncBatchNorm ?? false) ? "synchronised" : "per rank"
            let alone = Self.allreduceSeconds(elements: trainer.allreduceElements, communicator)
            printErr("data-parallel over \(communicator.size) MPI ranks: \(trainer.options.batchSize / communicator.size) images per rank "
                + "and step, \(String(format: "%.1f", Double(trainer.allreduceElements) * 4 / 1e6)) MB of gradients summed per step "
                + "(\(String(format: "%.1f", 1000 * alone)) ms as one blocking allreduce), batch norm \(bn)\n")
        }
        let firstStep = trainer.step
        var firstReport: Date?, lastReport = Date(), reports = 0  // step timing, start-up and evaluation excluded
        if trainer.profile.name != "digital" { printErr("profile \(trainer.profile.name)\n") }
        var lastPrint = Date.distantPast
        let quiet = self.quiet || !root
        let batchSize = Double(trainer.options.batchSize)
        let interrupt = InterruptFlag()
        let outcome = try trainer.run(runDirectory: out, shouldStop: { interrupt.isRaised }, onStep: { p in
            lastReport = Date()
            if firstReport == nil { firstReport = lastReport }
            reports += 1
            guard !quiet else { return }
            let now = Date()
            guard now.timeIntervalSince(lastPrint) >= 0.25 || p.batch == p.batchesPerEpoch else { return }
            lastPrint = now
            let remaining = Double(p.totalSteps - p.step)
            let eta = remaining * batchSize / max(p.imagesPerSecond, 1e-9)
            printErr(String(format: "\repoch %d/%d  step %d/%d  loss %.4f  acc %5.1f%%  %.1f img/s  lr %.4g  ETA %@   ",
                            p.epoch, p.epochs, p.batch, p.batchesPerEpoch, p.loss, 100 * p.accuracy,
                            p.imagesPerSecond, p.learningRate, formatDuration(eta)))
        }, onEpoch: { m in
            var line = String(format: "\repoch %d: train loss %.4f top1 %.2f%%", m.epoch, m.train_loss, 100 * m.train_top1)
            if let t1 = m.test_top1, let t5 = m.test_top5 { line += String(format: ", test top1 %.2f%% top5 %.2f%%", 100 * t1, 100 * t5) }
            line += String(format: ", %.1f img/s, %@", m.images_per_s, formatDuration(m.seconds))
            printErr(line + String(repeating: " ", count: 20) + "\n")
        })
        if communicator.usesMPI, reports > 1, let firstReport {
            // Steps after the first (whose time includes start-up), between progress reports.
            let perStep = lastReport.timeIntervalSince(firstReport) / Double(reports - 1)
            printErr(String(format: "rank 0: %.1f ms per step, of which %.1f ms waiting for the gradient allreduce after the backward pass\n",
                            1000 * perStep, 1000 * trainer.allreduceWaitSeconds / Double(trainer.step - firstStep)))
        }
        switch outcome {
        case .finished: printErr("done: \(out)/last.ckpt, \(out)/metrics.jsonl\n")
        case .stoppedAtMaxSteps(let step): printErr("stopped at step \(step) (--max-steps); resume with --resume\n")
        case .interrupted(let step):
            printErr("\ninterrupted at step \(step); checkpoint saved to \(out)/last.ckpt: resume with --resume\n")
            throw ExitCode(130)
        }
    }
}
