import Collective
import Foundation
import Tensor

/// Top-1/top-5 accuracy of a model on a data set.
public struct EvaluationResult: Codable, Sendable, Equatable {
    public var top1: Double
    public var top5: Double
    public var images: Int
    public var seconds: Double
    /// Mean cross-entropy over the set (nil when not measured).
    public var loss: Double?

    public init(top1: Double, top5: Double, images: Int, seconds: Double, loss: Double? = nil) {
        self.top1 = top1; self.top5 = top5; self.images = images; self.seconds = seconds; self.loss = loss
    }
}

/// Live progress of a training step, for progress lines.
public struct StepProgress: Sendable {
    public var epoch: Int            // 1-based
    public var epochs: Int
    public var batch: Int            // 1-based within the epoch
    public var batchesPerEpoch: Int
    public var step: Int             // optimizer steps so far
    public var totalSteps: Int
    public var loss: Double          // running mean over the epoch
    public var accuracy: Double      // running top-1 over the epoch
    public var imagesPerSecond: Double
    public var learningRate: Double
}

/// How a `Trainer.run` ended.
public enum TrainingOutcome: Sendable, Equatable {
    case finished
    case stoppedAtMaxSteps(step: Int)
    /// `shouldStop` asked to stop (an interrupt): the checkpoint holds every step taken.
    case interrupted(step: Int)
}

/// Counts how many of `logits`' rows have their label within the `k` largest entries.
func topKCorrect(_ logits: Tensor, labels: [Int32], k: Int) -> Int {
    let n = logits.shape[0], classes = logits.shape[1]
    return logits.withUnsafeBufferPointer { p in
        var correct = 0
        for i in 0..<n {
            let row = i * classes, target = p[row + Int(labels[i])]
            var greater = 0
            for j in 0..<classes where p[row + j] > target || (p[row + j] == target && j < Int(labels[i])) { greater += 1 }
            if greater < k { correct += 1 }
        }
        return correct
    }
}

/// The training loop: SGD over mini-batches with a learning-rate schedule, metrics and checkpoints.
///
/// It trains the model it is given, with the optimizer and under the execution profile it is
/// given; the convenience initialisers build them from `TrainingOptions`.
public struct Trainer {
    public let options: TrainingOptions
    public let model: Model
    public var optimizer: SGD
    /// How the forward pass computes (digital, or through characterised analog behaviour).
    public let profile: any ExecutionProfile
    public let schedule: any LRSchedule
    public let loader: DataLoader
    public let testSet: (any ImageSource)?
    /// Epoch in progress (0-based), batch index within it, optimizer steps taken.
    public private(set) var epoch = 0
    public private(set) var batchInEpoch = 0
    public private(set) var step = 0
    public private(set) var progress = EpochProgress()
    /// Training random stream (reserved for stochastic layers; stored in checkpoints).
    public private(set) var rng: RandomSource
    private let parameterNames: [String]
    /// The blocks of the pipelined update (`options.microBatch`), as indices into the parameters.
    private let pipelineBlocks: [[Int]]
    /// The ranks of a data-parallel job (`single`: this process alone). Each global batch of the
    /// loader is split into `size` equal parts; rank r trains on part r, gradients are averaged.
    public let communicator: Communicator
    /// Sums the gradients over the ranks during the backward pass (nil in a one-process run).
    private let averager: GradientAverager?
    /// Seconds of the last step spent waiting for the gradient sums after the backward pass.
    public var lastAllreduceWait: Double { averager?.lastWaitSeconds ?? 0 }
    /// Seconds spent waiting for gradient sums after the backward pass, over the steps this process ran.
    public private(set) var allreduceWaitSeconds = 0.0
    /// Whether rank 0's weights have been copied to every rank (before the first data-parallel step).
    private var weightsBroadcast = false
    /// Gradient elements summed over the ranks per step (0 in a one-process run).
    public var allreduceElements: Int { averager?.elementCount ?? 0 }

    /// Total optimizer steps of the full run (the schedule's length).
    public var totalSteps: Int { options.epochs * loader.batchesPerEpoch }

    /// Starts a fresh run of `model` (built from `options.model` and `options.seed` when nil) with
    /// `optimizer` (SGD from the options when nil) under `profile`. `train` and `test` must already
    /// be normalised.
    public init(options: TrainingOptions, model: Model? = nil, optimizer: SGD? = nil,
                profile: any ExecutionProfile = DigitalProfile(), train: any ImageSource, test: (any ImageSource)?,
                communicator: Communicator = .single) throws {
        try options.validate()
        let ranks = communicator.size
        if ranks > 1 {
            guard options.batchSize % ranks == 0 else {
                throw NNError.invalidArgument("--batch \(options.batchSize) (the global batch) does not split evenly over \(ranks) MPI ranks; choose a multiple of \(ranks)")
            }
            let sync = options.syncBatchNorm ?? false
            guard sync || options.batchSize / ranks >= 2 else {
                throw NNError.invalidArgument("--batch \(options.batchSize) over \(ranks) ranks leaves \(options.batchSize / ranks) image per rank; batch norm needs 2 (or --sync-bn)")
            }
            guard options.microBatch == nil else {
                throw NNError.invalidArgument("--update pipelined is not available with several MPI ranks")
            }
        }
        let output = try options.model.outputShape(for: [train.channels, train.height, train.width])
        guard output.count == 1, output[0] >= train.classes else {
            throw NNError.invalidArgument(
                "\(options.model.summary) gives outputs of shape \(output) for \(train.channels)×\(train.height)×\(train.width) images; the data has \(train.classes) classes")
        }
        guard train.count >= 2 else { throw NNError.invalidArgument("training set needs at least 2 images, has \(train.count)") }
        let model = try model ?? Model(options.model, seed: options.seed)
        guard model.spec == options.model else {
            throw NNError.invalidArgument("the model given (\(model.spec.summary)) is not the one in the options (\(options.model.summary))")
        }
        self.options = options
        self.model = model
        self.profile = profile
        parameterNames = model.namedParameters.map(\.name)
        self.optimizer = optimizer ?? SGD(parameters: model.parameters, config: SGDConfig(
            learningRate: options.learningRate, momentum: options.momentum, weightDecay: options.weightDecay,
            nesterov: options.nesterov))
        loader = try DataLoader(dataset: train, batchSize: options.batchSize, shuffle: true,
                                augmentation: options.augmentation, seed: options.seed &+ 1, dropLast: true,
                                workers: options.loaderWorkers ?? 1)
        testSet = test
        schedule = options.schedule.make(lr: options.learningRate, totalSteps: options.epochs * loader.batchesPerEpoch)
        pipelineBlocks = options.microBatch == nil ? [] : try PipelinedUpdate.blocks(of: model)
        rng = RandomSource(seed: options.seed, stream: 0x7472_6169_6e)
        self.communicator = communicator
        averager = ranks > 1 ? GradientAverager(parameters: self.optimizer.parameters, communicator: communicator) : nil
    }

    /// Continues the run saved in `checkpoint` (read from `path`), optionally with new epoch/step
    /// limits (and, for an ImageFolder, another number of decoding threads). The run continues
    /// under the profile it was started with: a different `profile` is refused with the reason
    /// (start a new run from the weights with `--init` instead).
    public init(resuming checkpoint: Checkpoint, path: String, profile: any ExecutionProfile = DigitalProfile(),
                train: any ImageSource, test: (any ImageSource)?, epochs: Int? = nil, maxSteps: Int?? = nil,
                loaderWorkers: Int? = nil, communicator: Communicator = .single) throws {
        guard var options = checkpoint.header.training else {
            throw NNError.mismatch(path: path, reason: "checkpoint holds no training state (cannot resume)")
        }
        if let reason = (checkpoint.header.profile ?? .digital).difference(from: profile.record) {
            throw NNError.mismatch(path: path, reason: "cannot resume under another profile: \(reason); "
                + "use --init to start a new run from its weights")
        }
        if let epochs { options.epochs = epochs }
        if let maxSteps { options.maxSteps = maxSteps }
        if let loaderWorkers { options.loaderWorkers = loaderWorkers }
        guard checkpoint.header.model == options.model else {
            throw NNError.mismatch(path: path, reason: "model configuration differs from the training options")
        }
        try self.init(options: options, profile: profile, train: train, test: test, communicator: communicator)
        try model.loadState(from: checkpoint.arrays, path: path)
        try optimizer.loadState(from: checkpoint.arrays, names: parameterNames, path: path)
        try (profile as? any StatefulProfile)?.loadState(from: checkpoint.arrays, path: path)
        let h = checkpoint.header
        epoch = h.epoch; batchInEpoch = h.batchInEpoch; step = h.step; progress = h.progress
        optimizer.config = h.optimizer
        rng = RandomSource(seed: 0); rng.state = h.rngState
        if batchInEpoch >= loader.batchesPerEpoch { epoch += 1; batchInEpoch = 0; progress = EpochProgress() }
    }

    /// A checkpoint of the current state.
    public func checkpoint() -> Checkpoint {
        let header = CheckpointHeader(
            model: options.model, profile: profile.record, epoch: epoch, batchInEpoch: batchInEpoch, step: step, optimizer: optimizer.config,
            training: options, progress: progress, rngState: rng.state)
        let profileState = (profile as? any StatefulProfile)?.stateArrays ?? []
        return Checkpoint(header: header, arrays: model.stateArrays() + optimizer.stateArrays(names: parameterNames) + profileState)
    }

    /// One optimizer step on `batch`; returns the loss and the number of correct top-1 predictions.
    /// Throws `nonFiniteLoss` (before touching any weight) when the loss is NaN or infinite.
    public mutating func trainStep(_ batch: Batch) throws -> (loss: Float, correct: Int) {
        if let m = options.microBatch { return try pipelinedStep(batch, microBatch: m) }
        if let averager { return try dataParallelStep(batch, averager: averager) }
        let d = loader.dataset
        let x = Tensor(shape: [batch.count, d.channels, d.height, d.width], data: batch.images)
        optimizer.config.learningRate = schedule.learningRate(at: step)
        if let m = schedule.momentum(at: step) { optimizer.config.momentum = m }
        let context = ForwardContext(training: true, profile: profile, noise: NoiseStream(seed: options.seed, step: UInt64(step)))
        let logits = model(x, context: context)
        let loss = softmaxCrossEntropy(logits, labels: batch.labels.map(Int.init), labelSmoothing: Float(options.labelSmoothing))
        let value = loss.scalar
        guard value.isFinite else { throw NNError.nonFiniteLoss(step: step + 1, value: value) }
        let correct = topKCorrect(logits.detached(), labels: batch.labels, k: 1)
        optimizer.zeroGrad()
        loss.backward()
        profile.beforeUpdate(optimizer.parameters, noise: context.noise)
        optimizer.step(updateNoise: profile.updateNoise, noise: context.noise)
        profile.afterUpdate(optimizer.parameters)
        step += 1
        return (value, correct)
    }

    /// One optimizer step of a data-parallel job on this rank's part of the global batch (`batch`
    /// is the whole batch, or this rank's part of it as `run` has the loader build it): the
    /// loss and correct count are summed over the ranks (and a non-finite loss on any rank stops
    /// every rank before the update), the gradients are averaged by `averager` during the backward
    /// pass. Returns the global batch's mean loss and correct count, the same on every rank.
    private mutating func dataParallelStep(_ batch: Batch, averager: GradientAverager) throws -> (loss: Float, correct: Int) {
        let d = loader.dataset, size = d.imageSize
        let part = communicator.share(of: options.batchSize)
        let x: Tensor, labels: [Int32]
        if let given = batch.part {
            precondition(given == part, "Trainer: rank \(communicator.rank) was given images \(given) of the batch, its share is \(part)")
            x = Tensor(shape: [part.count, d.channels, d.height, d.width], data: batch.images)
            labels = batch.labels
        } else {
            x = Tensor(shape: [part.count, d.channels, d.height, d.width],
                       data: Array(batch.images[(part.lowerBound * size)..<(part.upperBound * size)]))
            labels = Array(batch.labels[part])
        }
        optimizer.config.learningRate = schedule.learningRate(at: step)
        if let m = schedule.momentum(at: step) { optimizer.config.momentum = m }
        if !weightsBroadcast {
            // As PyTorch DDP: every rank starts from rank 0's weights, whatever each built or read.
            for p in optimizer.parameters {
                p.update { w, _ in communicator.broadcast(UnsafeMutableRawBufferPointer(w), root: 0, what: "rank 0's weights") }
            }
            weightsBroadcast = true
        }
        let sync = (options.syncBatchNorm ?? false) ? RankStatisticsReducer(communicator: communicator) : nil
        let context = ForwardContext(training: true, profile: profile, noise: NoiseStream(seed: options.seed, step: UInt64(step)),
                                     batchStatistics: sync)
        let logits = model(x, context: context)
        let loss = softmaxCrossEntropy(logits, labels: labels.map(Int.init), labelSmoothing: Float(options.labelSmoothing))
        let value = loss.scalar
        var totals = [value.isFinite ? Double(value) * Double(part.count) : 0,
                      Double(topKCorrect(logits.detached(), labels: labels, k: 1)), value.isFinite ? 0 : 1]
        communicator.sum(&totals, what: "the loss of step \(step + 1)")
        guard totals[2] == 0 else { throw NNError.nonFiniteLoss(step: step + 1, value: value.isFinite ? .nan : value) }
        optimizer.zeroGrad()
        loss.backward(reporting: optimizer.parameters) { averager.parameterReady($0) }
        averager.finish()
        allreduceWaitSeconds += averager.lastWaitSeconds
        profile.beforeUpdate(optimizer.parameters, noise: context.noise)
        optimizer.step(updateNoise: profile.updateNoise, noise: context.noise)
        profile.afterUpdate(optimizer.parameters)
        step += 1
        return (Float(totals[0] / Double(options.batchSize)), Int(totals[1].rounded()))
    }

    /// One batch of the per-block pipelined update (`PipelinedUpdate`): micro-batch k's forward
    /// reads each block's weights with the schedule's staleness, and its gradients update the
    /// newest weights. The step counter and learning-rate schedule count batches. Micro-batch k
    /// draws its noise from seed + k, so one micro-batch per batch is exactly `trainStep`'s standard update.
    private mutating func pipelinedStep(_ batch: Batch, microBatch m: Int) throws -> (loss: Float, correct: Int) {
        let d = loader.dataset, size = d.imageSize
        optimizer.config.learningRate = schedule.learningRate(at: step)
        if let mu = schedule.momentum(at: step) { optimizer.config.momentum = mu }
        let model = self.model, profile = self.profile, smoothing = Float(options.labelSmoothing)
        let seed = options.seed, stepNumber = UInt64(step), failedStep = step + 1
        func context(_ k: Int) -> ForwardContext {
            ForwardContext(training: true, profile: profile, noise: NoiseStream(seed: seed &+ UInt64(k), step: stepNumber))
        }
        var correct = 0
        var optimizer = self.optimizer
        let losses = try PipelinedUpdate.run(
            blocks: pipelineBlocks, microBatches: batch.count / m, optimizer: &optimizer,
            loss: { k in
                let x = Tensor(shape: [m, d.channels, d.height, d.width], data: Array(batch.images[(k * m * size)..<((k + 1) * m * size)]))
                let labels = Array(batch.labels[(k * m)..<((k + 1) * m)])
                let logits = model(x, context: context(k))
                let loss = softmaxCrossEntropy(logits, labels: labels.map(Int.init), labelSmoothing: smoothing)
                guard loss.scalar.isFinite else { throw NNError.nonFiniteLoss(step: failedStep, value: loss.scalar) }
                correct += topKCorrect(logits.detached(), labels: labels, k: 1)
                return loss
            },
            step: { k, o in
                o.step(updateNoise: profile.updateNoise, noise: context(k).noise)
                profile.afterUpdate(o.parameters)
            })
        self.optimizer = optimizer
        step += 1
        return (losses.reduce(0, +) / Float(max(losses.count, 1)), correct)
    }

    /// Runs until the last epoch or `maxSteps`, writing `runDirectory/metrics.jsonl` and
    /// `runDirectory/last.ckpt` (atomically, at each epoch end and at a max-steps stop).
    /// A non-finite loss throws without writing a checkpoint, so the last good one is kept.
    /// `shouldStop` is polled after every step; when it answers true the run writes the
    /// checkpoint (no evaluation) and returns `.interrupted`, so `--resume` loses no step.
    ///
    /// In a data-parallel job every rank calls `run`; rank 0 alone writes the run directory and
    /// evaluates on the test set, and the ranks stop together when `shouldStop` answers true on any.
    public mutating func run(
        runDirectory: String?, shouldStop: () -> Bool = { false },
        onStep: (StepProgress) -> Void = { _ in }, onEpoch: (EpochMetrics) -> Void = { _ in }
    ) throws -> TrainingOutcome {
        let runDirectory = communicator.isRoot ? runDirectory : nil
        let communicator = self.communicator
        /// `shouldStop`, agreed by every rank (true when it is true on any).
        func stopRequested() -> Bool {
            communicator.size > 1 ? communicator.any(shouldStop(), what: "the stop flag") : shouldStop()
        }
        let metrics = runDirectory.map { MetricsWriter(path: $0 + "/metrics.jsonl") }
        if let runDirectory {
            do { try FileManager.default.createDirectory(atPath: runDirectory, withIntermediateDirectories: true) } catch {
                throw NNError.writeFailed(path: runDirectory, reason: "\(error)")
            }
            try metrics?.truncate(keepBefore: epoch + 1)
        }
        let stepLog = try runDirectory.map { directory -> StepLog.Appender in
            let log = StepLog(path: directory + "/steps.csv")
            try log.truncate(keepThrough: step)
            return try log.appender()
        }
        let perEpoch = loader.batchesPerEpoch
        while epoch < options.epochs {
            var stoppedEarly = false
            // A rank has the loader build only its part of each batch (the same images and
            // augmentation as in the whole batch).
            let stream = loader.batches(epoch: epoch, startingAt: batchInEpoch,
                                        part: averager == nil ? nil : communicator.share(of: options.batchSize))
            var last = Date()
            for batch in stream {
                if let maxSteps = options.maxSteps, step >= maxSteps { stoppedEarly = true; stream.cancel(); break }
                let (loss, correct) = try trainStep(batch)
                let now = Date()
                progress.seconds += now.timeIntervalSince(last)
                last = now
                let images = batch.part == nil ? batch.count : options.batchSize  // the global batch's
                progress.lossSum += Double(loss) * Double(images)
                progress.correct += correct
                progress.seen += images
                batchInEpoch = batch.index + 1
                let report = StepProgress(
                    epoch: epoch + 1, epochs: options.epochs, batch: batchInEpoch, batchesPerEpoch: perEpoch, step: step,
                    totalSteps: min(totalSteps, options.maxSteps ?? .max),
                    loss: progress.lossSum / Double(max(progress.seen, 1)),
                    accuracy: Double(progress.correct) / Double(max(progress.seen, 1)),
                    imagesPerSecond: Double(progress.seen) / max(progress.seconds, 1e-9),
                    learningRate: optimizer.config.learningRate)
                try stepLog?.append(StepRecord(
                    step: step, epoch: epoch + 1, loss: report.loss, accuracy: report.accuracy,
                    learningRate: report.learningRate, imagesPerSecond: report.imagesPerSecond, stepLoss: Double(loss)))
                onStep(report)
                if stopRequested() {
                    stream.cancel()
                    if batchInEpoch == perEpoch { break }  // the epoch is complete: finish it normally
                    if let runDirectory { try checkpoint().write(to: runDirectory + "/last.ckpt") }
                    return .interrupted(step: step)
                }
            }
            try stream.checkError()
            if !stoppedEarly, let maxSteps = options.maxSteps, step >= maxSteps, batchInEpoch < perEpoch { stoppedEarly = true }
            let line = try epochMetrics()
            if stoppedEarly {
                if let metrics { try metrics.append(line) }
                onEpoch(line)
                if let runDirectory { try checkpoint().write(to: runDirectory + "/last.ckpt") }
                return .stoppedAtMaxSteps(step: step)
            }
            epoch += 1
            batchInEpoch = 0
            progress = EpochProgress()
            if let metrics { try metrics.append(line) }
            onEpoch(line)
            if let runDirectory { try checkpoint().write(to: runDirectory + "/last.ckpt") }
            if epoch < options.epochs && stopRequested() { return .interrupted(step: step) }
        }
        return .finished
    }

    /// Metrics of the epoch in progress, with a test-set evaluation when a test set is present.
    private func epochMetrics() throws -> EpochMetrics {
        let eval = try (communicator.isRoot ? testSet : nil).map {
            try Self.evaluate(model, on: $0, batchSize: max(options.batchSize, 256), profile: profile, seed: options.seed &+ UInt64(epoch),
                              workers: options.loaderWorkers ?? 1)
        }
        return EpochMetrics(
            epoch: epoch + 1, train_loss: progress.lossSum / Double(max(progress.seen, 1)),
            train_top1: Double(progress.correct) / Double(max(progress.seen, 1)),
            test_top1: eval?.top1, test_top5: eval?.top5,
            images_per_s: Double(progress.seen) / max(progress.seconds, 1e-9), seconds: progress.seconds,
            lr: optimizer.config.learningRate, profile: profile.name, test_loss: eval?.loss)
    }

    /// Evaluation-mode top-1/top-5 accuracy of `model` on any image source (an `ImageFolder` is
    /// decoded batch by batch in the background, `workers` threads at a time, with its evaluation
    /// transform); throws when an example cannot be read.
    public static func evaluate(_ model: some Layer, on source: any ImageSource, batchSize: Int = 256,
                                profile: any ExecutionProfile = DigitalProfile(), seed: UInt64 = 0,
                                workers: Int = 1) throws -> EvaluationResult {
        if let memory = source as? ImageDataset {
            return evaluate(model, on: memory, batchSize: batchSize, profile: profile, seed: seed)
        }
        let start = Date()
        var top1 = 0, top5 = 0
        var lossSum = 0.0
        let loader = try DataLoader(dataset: source, batchSize: batchSize, shuffle: false, dropLast: false, workers: workers)
        let stream = loader.batches(epoch: 0)
        noGrad {
            for batch in stream {
                let x = Tensor(shape: [batch.count, source.channels, source.height, source.width], data: batch.images)
                let context = ForwardContext(training: false, profile: profile, noise: NoiseStream(seed: seed, step: UInt64(batch.index)))
                let logits = model(x, context: context)
                top1 += topKCorrect(logits, labels: batch.labels, k: 1)
                top5 += topKCorrect(logits, labels: batch.labels, k: 5)
                lossSum += Double(softmaxCrossEntropy(logits, labels: batch.labels.map(Int.init)).scalar) * Double(batch.count)
            }
        }
        try stream.checkError()
        let count = max(source.count, 1)
        return EvaluationResult(top1: Double(top1) / Double(count), top5: Double(top5) / Double(count),
                                images: source.count, seconds: Date().timeIntervalSince(start),
                                loss: lossSum / Double(count))
    }

    /// Evaluation-mode top-1/top-5 accuracy of `model` on `dataset` under `profile` (no graph
    /// recorded); batch i draws its noise as step i of `seed`'s stream.
    public static func evaluate(_ model: some Layer, on dataset: ImageDataset, batchSize: Int = 256,
                                profile: any ExecutionProfile = DigitalProfile(), seed: UInt64 = 0) -> EvaluationResult {
        let start = Date()
        var top1 = 0, top5 = 0
        var lossSum = 0.0
        let size = dataset.imageSize
        noGrad {
            var i = 0
            while i < dataset.count {
                let n = min(batchSize, dataset.count - i)
                let x = Tensor(shape: [n, dataset.channels, dataset.height, dataset.width],
                               data: Array(dataset.images[(i * size)..<((i + n) * size)]))
                let labels = Array(dataset.labels[i..<(i + n)])
                let context = ForwardContext(training: false, profile: profile,
                                             noise: NoiseStream(seed: seed, step: UInt64(i / batchSize)))
                let logits = model(x, context: context)
                top1 += topKCorrect(logits, labels: labels, k: 1)
                top5 += topKCorrect(logits, labels: labels, k: 5)
                lossSum += Double(softmaxCrossEntropy(logits, labels: labels.map(Int.init)).scalar) * Double(n)
                i += n
            }
        }
        let count = max(dataset.count, 1)
        return EvaluationResult(top1: Double(top1) / Double(count), top5: Double(top5) / Double(count),
                                images: dataset.count, seconds: Date().timeIntervalSince(start),
                                loss: dataset.count > 0 ? lossSum / Double(dataset.count) : nil)
    }
}
