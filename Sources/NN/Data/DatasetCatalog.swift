/// Loads a data set by the name used on the command line and prepares it for training.
public enum DatasetCatalog {
    /// Names accepted by `load`.
    public static let names = ["fashion-mnist", "mnist", "idx", "cifar10", "cifar100", "imagefolder", "synthetic"]

    /// Loads the train and test splits of `name` (from `directory` or the default location).
    public static func load(_ name: String, directory: String?) throws -> (train: ImageDataset, test: ImageDataset) {
        switch name {
        case "fashion-mnist", "fashion_mnist", "fmnist":
            return (try Datasets.fashionMNIST(train: true, directory: directory),
                    try Datasets.fashionMNIST(train: false, directory: directory))
        case "mnist", "idx":
            // Any MNIST-layout directory: {train,t10k}-{images-idx3,labels-idx1}-ubyte[.gz].
            guard let directory else {
                throw NNError.invalidArgument("--data-dir is required for \(name) (a directory of MNIST-named IDX files)")
            }
            return (try Datasets.fashionMNIST(train: true, directory: directory),
                    try Datasets.fashionMNIST(train: false, directory: directory))
        case "cifar10", "cifar100":
            let classes = name == "cifar10" ? 10 : 100
            guard let directory else {
                throw NNError.invalidArgument("--data-dir is required for \(name) (the directory of the binary batches)")
            }
            return (try Datasets.cifar(directory: directory, classes: classes, train: true),
                    try Datasets.cifar(directory: directory, classes: classes, train: false))
        case "imagefolder":
            throw NNError.invalidArgument("the imagefolder data set is decoded from disk as it is used; this command needs an in-memory data set")
        case "synthetic":
            return (ImageDataset.synthetic(count: 512, channels: 1, height: 28, width: 28, classes: 10, seed: 1),
                    ImageDataset.synthetic(count: 128, channels: 1, height: 28, width: 28, classes: 10, seed: 2))
        case _ where name.hasPrefix("synthetic:"):
            // synthetic:CxHxW, e.g. synthetic:3x224x224 (an ImageNet-sized input for speed measurements).
            let dims = name.dropFirst("synthetic:".count).split(separator: "x").compactMap { Int($0) }
            guard dims.count == 3, dims.allSatisfy({ (1...4096).contains($0) }) else {
                throw NNError.invalidArgument("data set '\(name)': expected synthetic:CxHxW with sizes 1…4096, e.g. synthetic:3x224x224")
            }
            return (ImageDataset.synthetic(count: 256, channels: dims[0], height: dims[1], width: dims[2], classes: 10, seed: 1),
                    ImageDataset.synthetic(count: 64, channels: dims[0], height: dims[1], width: dims[2], classes: 10, seed: 2))
        default:
            throw NNError.invalidArgument("unknown data set '\(name)' (use \(names.joined(separator: ", ")), or synthetic:CxHxW)")
        }
    }

    /// The default augmentation for `name` when `--augment` is given: random crop (padding 2 for 28 px,
    /// 4 for 32 px) and, except for digit-like data, horizontal flips.
    /// An ImageFolder's `--augment` is torchvision's RandomResizedCrop with horizontal flips.
    public static func augmentation(for name: String) -> Augmentation {
        if name == "imagefolder" { return Augmentation(cropPadding: 0, horizontalFlip: true) }
        return name.hasPrefix("cifar") ? Augmentation(cropPadding: 4, horizontalFlip: true) : Augmentation(cropPadding: 2, horizontalFlip: true)
    }
}

extension DatasetCatalog {
    /// Loads the data set named in `options`, applies the train/test limits and normalises both splits.
    ///
    /// When `options` carries no normalisation yet, the per-channel statistics of the (limited)
    /// training split are computed and stored in the returned options.
    public static func prepare(_ options: TrainingOptions) throws -> (options: TrainingOptions, train: ImageDataset, test: ImageDataset) {
        var opts = options
        var (train, test) = try load(options.dataset, directory: options.dataDirectory)
        if let n = options.trainLimit { train = train.prefix(n) }
        if let n = options.testLimit { test = test.prefix(n) }
        if opts.normalizationMean.isEmpty || opts.normalizationStd.isEmpty {
            let stats = train.channelStatistics()
            opts.normalizationMean = stats.mean
            opts.normalizationStd = stats.std
        }
        train = try train.normalized(mean: opts.normalizationMean, std: opts.normalizationStd)
        test = try test.normalized(mean: opts.normalizationMean, std: opts.normalizationStd)
        return (opts, train, test)
    }
}

extension DatasetCatalog {
    /// Loads the train and test splits of `name` as image sources: an ImageFolder (`imagefolder`,
    /// `directory/train` and `directory/val` or `directory/test`, crops of `imageSize` after a
    /// resize to `resizeSize`), or the in-memory set `load` gives.
    /// `trainLimit` and `testLimit` keep the first files of each ImageFolder split (and list no more).
    public static func loadSources(_ name: String, directory: String?, imageSize: Int? = nil, resizeSize: Int? = nil,
                                   trainLimit: Int? = nil, testLimit: Int? = nil) throws -> (train: any ImageSource, test: any ImageSource) {
        guard name == "imagefolder" else {
            guard imageSize == nil, resizeSize == nil else {
                throw NNError.invalidArgument("--image-size and --resize-size apply to --dataset imagefolder")
            }
            let (train, test) = try load(name, directory: directory)
            return (trainLimit.map { train.prefix($0) } ?? train, testLimit.map { test.prefix($0) } ?? test)
        }
        guard let directory else {
            throw NNError.invalidArgument("--data-dir is required for imagefolder (a folder holding train/ and val/ or test/)")
        }
        let size = imageSize ?? 224, resize = resizeSize ?? (imageSize.map { Int((Double($0) * 256 / 224).rounded()) } ?? 256)
        let (train, test) = try ImageFolder.splits(of: directory)
        let trainSet = try ImageFolder(directory: train, size: size, resizeSize: resize, limit: trainLimit)
        let testSet = try ImageFolder(directory: test, size: size, resizeSize: resize, limit: testLimit)
        guard testSet.classNames == trainSet.classNames else {
            let missing = Set(trainSet.classNames).symmetricDifference(testSet.classNames).sorted().prefix(5)
            throw NNError.mismatch(path: test, reason: "class folders differ from \(train)'s (\(trainSet.classes) and \(testSet.classes) classes; "
                + "e.g. \(missing.joined(separator: ", ")))")
        }
        return (trainSet, testSet)
    }

    /// `prepare` for any data set, an ImageFolder included: loads the sources named in `options`,
    /// applies the limits and the normalisation (for an ImageFolder without a stored
    /// normalisation, ImageNet's mean and std rather than statistics of its training images).
    public static func prepareSources(_ options: TrainingOptions) throws
        -> (options: TrainingOptions, train: any ImageSource, test: any ImageSource)
    {
        guard options.dataset == "imagefolder" else {
            guard options.imageSize == nil, options.resizeSize == nil else {
                throw NNError.invalidArgument("--image-size and --resize-size apply to --dataset imagefolder")
            }
            let (opts, train, test) = try prepare(options)
            return (opts, train, test)
        }
        var opts = options
        var (train, test) = try loadSources(options.dataset, directory: options.dataDirectory, imageSize: options.imageSize,
                                            resizeSize: options.resizeSize, trainLimit: options.trainLimit, testLimit: options.testLimit)
        if opts.normalizationMean.isEmpty || opts.normalizationStd.isEmpty {
            opts.normalizationMean = ImageFolder.imageNetMean
            opts.normalizationStd = ImageFolder.imageNetStd
        }
        train = try train.normalized(mean: opts.normalizationMean, std: opts.normalizationStd)
        test = try test.normalized(mean: opts.normalizationMean, std: opts.normalizationStd)
        return (opts, train, test)
    }
}
