/// Everything that defines a training run (stored in its checkpoints so `--resume` continues it identically).
public struct TrainingOptions: Codable, Sendable, Equatable {
    public var model: ModelSpec
    /// Data set name as given on the command line (`fashion-mnist`, `cifar10`, `cifar100`, `synthetic`).
    public var dataset: String
    /// Directory of the data set files (nil: default search path).
    public var dataDirectory: String?
    public var epochs: Int
    public var batchSize: Int
    /// Peak (one-cycle) or base learning rate.
    public var learningRate: Double
    public var momentum: Double
    public var weightDecay: Double
    public var nesterov: Bool
    public var schedule: ScheduleKind
    public var labelSmoothing: Double
    public var seed: UInt64
    /// Stop after this many optimizer steps in total (nil: run all epochs).
    public var maxSteps: Int?
    public var augmentation: Augmentation
    /// Per-channel normalisation applied to every image (from the training set).
    public var normalizationMean: [Float]
    public var normalizationStd: [Float]
    /// Use only the first N training / test examples (nil: all).
    public var trainLimit: Int?
    public var testLimit: Int?
    /// The checkpoint whose weights started the run (`kelvin train --init`), nil for a fresh one.
    public var initializedFrom: String?
    /// Per-block pipelined update (`kelvin train --update pipelined --micro-batch m`): each batch
    /// streams through the blocks as micro-batches of this size, each updating the blocks with
    /// the staleness of `PipelineSchedule`. nil: the standard update, one step per batch.
    public var microBatch: Int?
    /// Data-parallel runs (`mpirun -np N kelvin train`): batch-norm statistics over the whole
    /// global batch (`--sync-bn`) instead of each rank's part of it. nil (older checkpoints): false.
    public var syncBatchNorm: Bool?
    /// An ImageFolder data set (`--dataset imagefolder`): the side of the square crop and the
    /// shorter side of the evaluation resize. nil: 224 and 256 (the torchvision ImageNet recipe).
    public var imageSize: Int?
    public var resizeSize: Int?
    /// Threads that decode the images of one batch (an ImageFolder data set). nil: 1.
    public var loaderWorkers: Int?

    public init(
        model: ModelSpec, dataset: String = "fashion-mnist", dataDirectory: String? = nil, epochs: Int = 1,
        batchSize: Int = 128, learningRate: Double = 0.1, momentum: Double = 0.9, weightDecay: Double = 5e-4,
        nesterov: Bool = false, schedule: ScheduleKind = .onecycle, labelSmoothing: Double = 0, seed: UInt64 = 0,
        maxSteps: Int? = nil, augmentation: Augmentation = .none, normalizationMean: [Float] = [],
        normalizationStd: [Float] = [], trainLimit: Int? = nil, testLimit: Int? = nil
    ) {
        self.model = model; self.dataset = dataset; self.dataDirectory = dataDirectory; self.epochs = epochs
        self.batchSize = batchSize; self.learningRate = learningRate; self.momentum = momentum
        self.weightDecay = weightDecay; self.nesterov = nesterov; self.schedule = schedule
        self.labelSmoothing = labelSmoothing; self.seed = seed; self.maxSteps = maxSteps
        self.augmentation = augmentation; self.normalizationMean = normalizationMean
        self.normalizationStd = normalizationStd; self.trainLimit = trainLimit; self.testLimit = testLimit
    }

    /// Checks ranges, throwing a readable error.
    public func validate() throws {
        if case .resnet(let config) = model { try config.validate() }
        guard epochs > 0 else { throw NNError.invalidArgument("--epochs must be positive, got \(epochs)") }
        guard batchSize >= 2 else {
            throw NNError.invalidArgument("--batch must be at least 2 (batch-norm needs batch statistics), got \(batchSize)")
        }
        guard learningRate > 0, learningRate.isFinite else { throw NNError.invalidArgument("--lr must be positive, got \(learningRate)") }
        guard momentum >= 0, momentum < 1 else { throw NNError.invalidArgument("--momentum must be in [0, 1), got \(momentum)") }
        guard weightDecay >= 0 else { throw NNError.invalidArgument("--weight-decay must be ≥ 0, got \(weightDecay)") }
        guard labelSmoothing >= 0, labelSmoothing < 1 else {
            throw NNError.invalidArgument("--label-smoothing must be in [0, 1), got \(labelSmoothing)")
        }
        if let m = microBatch {
            guard m >= 1, batchSize % m == 0 else {
                throw NNError.invalidArgument("--micro-batch must divide --batch \(batchSize), got \(m)")
            }
        }
        if let maxSteps, maxSteps <= 0 { throw NNError.invalidArgument("--max-steps must be positive, got \(maxSteps)") }
    }
}

/// Running sums of the epoch in progress; stored in checkpoints so a resumed epoch reports exact metrics.
public struct EpochProgress: Codable, Sendable, Equatable {
    public var lossSum: Double = 0
    public var correct: Int = 0
    public var seen: Int = 0
    public var seconds: Double = 0
    public init() {}
}
