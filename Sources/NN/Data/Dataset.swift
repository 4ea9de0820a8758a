import Foundation

/// An in-memory labelled image data set stored as `Float` NCHW pixels.
public struct ImageDataset: Sendable {
    /// Pixels, `count × channels × height × width`, row-major.
    public var images: [Float]
    /// Class labels in `0..<classes`.
    public var labels: [Int32]
    /// Channels, height and width of one image.
    public var channels: Int, height: Int, width: Int
    /// Number of classes.
    public var classes: Int

    /// Number of examples.
    public var count: Int { labels.count }
    /// Number of floats in one image.
    public var imageSize: Int { channels * height * width }

    /// Creates a data set, checking that sizes agree.
    public init(images: [Float], labels: [Int32], channels: Int, height: Int, width: Int, classes: Int) throws {
        guard images.count == labels.count * channels * height * width else {
            throw NNError.invalidArgument(
                "data set has \(images.count) pixels for \(labels.count) labels of \(channels)x\(height)x\(width)")
        }
        if let bad = labels.first(where: { $0 < 0 || Int($0) >= classes }) {
            throw NNError.invalidArgument("label \(bad) outside 0..<\(classes)")
        }
        self.images = images; self.labels = labels
        self.channels = channels; self.height = height; self.width = width; self.classes = classes
    }

    /// The first `n` examples (all when `n >= count`).
    public func prefix(_ n: Int) -> ImageDataset {
        let k = min(max(n, 0), count)
        var copy = self
        copy.images = Array(images[0..<(k * imageSize)])
        copy.labels = Array(labels[0..<k])
        return copy
    }

    /// Per-channel mean and standard deviation over the whole set.
    public func channelStatistics() -> (mean: [Float], std: [Float]) {
        let plane = height * width
        var mean = [Float](repeating: 0, count: channels), std = mean
        for c in 0..<channels {
            var s = 0.0, s2 = 0.0
            for n in 0..<count {
                let base = (n * channels + c) * plane
                for i in 0..<plane { let v = Double(images[base + i]); s += v; s2 += v * v }
            }
            let m = s / Double(count * plane)
            mean[c] = Float(m)
            std[c] = Float(max(s2 / Double(count * plane) - m * m, 1e-12).squareRoot())
        }
        return (mean, std)
    }

    /// Returns the set with every channel mapped to `(x − mean[c]) / std[c]`.
    public func normalized(mean: [Float], std: [Float]) throws -> ImageDataset {
        guard mean.count == channels, std.count == channels, std.allSatisfy({ $0 > 0 }) else {
            throw NNError.invalidArgument("normalisation needs \(channels) means and positive stds")
        }
        var copy = self
        let plane = height * width
        copy.images.withUnsafeMutableBufferPointer { p in
            for n in 0..<count { for c in 0..<channels {
                let base = (n * channels + c) * plane, m = mean[c], inv = 1 / std[c]
                for i in 0..<plane { p[base + i] = (p[base + i] - m) * inv }
            } }
        }
        return copy
    }

    /// A deterministic synthetic set (class-dependent patterns plus noise), for tests and benchmarks.
    public static func synthetic(
        count: Int, channels: Int, height: Int, width: Int, classes: Int, seed: UInt64
    ) -> ImageDataset {
        var rng = RandomSource(seed: seed)
        let size = channels * height * width
        var prototypes = [[Float]]()
        for _ in 0..<classes { prototypes.append((0..<size).map { _ in rng.nextNormal() }) }
        var images = [Float](repeating: 0, count: count * size)
        var labels = [Int32](repeating: 0, count: count)
        for n in 0..<count {
            let y = Int(rng.next() % UInt64(classes))
            labels[n] = Int32(y)
            for i in 0..<size { images[n * size + i] = prototypes[y][i] + 0.5 * rng.nextNormal() }
        }
        // Sizes agree by construction.
        return ImageDataset(unchecked: images, labels: labels, channels: channels, height: height, width: width, classes: classes)
    }

    init(unchecked images: [Float], labels: [Int32], channels: Int, height: Int, width: Int, classes: Int) {
        self.images = images; self.labels = labels
        self.channels = channels; self.height = height; self.width = width; self.classes = classes
    }
}

/// Loaders for the standard image data sets.
public enum Datasets {
    /// Directories searched for Fashion-MNIST when no directory is given.
    public static let fashionMNISTSearchPath = [
        "/usr/share/datasets/fashion-mnist", "data/fashion-mnist", "~/.cache/kelvin/fashion-mnist",
    ]

    /// Finds the Fashion-MNIST directory: `directory` if given, else `$KELVIN_DATA/fashion-mnist`, else the search path.
    public static func locateFashionMNIST(directory: String? = nil) throws -> String {
        if let directory { return directory }
        let candidates = fashionMNISTSearchPath.map { ($0 as NSString).expandingTildeInPath }
        for dir in candidates {
            let fm = FileManager.default
            if fm.fileExists(atPath: dir + "/train-images-idx3-ubyte.gz") || fm.fileExists(atPath: dir + "/train-images-idx3-ubyte") {
                return dir
            }
        }
        throw NNError.datasetNotFound(name: "fashion-mnist", searched: candidates)
    }

    /// Loads an MNIST-style pair of IDX files (images `N×H×W` bytes, labels `N` bytes), scaled to [0, 1].
    public static func loadIDX(images imagesPath: String, labels labelsPath: String, classes: Int = 10) throws -> ImageDataset {
        let images = try IDXFile(path: imagesPath)
        let labels = try IDXFile(path: labelsPath)
        guard images.shape.count == 3 || images.shape.count == 4 else {
            throw NNError.corruptFile(path: imagesPath, reason: "expected a rank-3 or rank-4 image tensor, got shape \(images.shape)")
        }
        guard labels.shape.count == 1 else {
            throw NNError.corruptFile(path: labelsPath, reason: "expected a rank-1 label vector, got shape \(labels.shape)")
        }
        guard images.shape[0] == labels.shape[0] else {
            throw NNError.mismatch(path: labelsPath, reason: "\(labels.shape[0]) labels for \(images.shape[0]) images in \(imagesPath)")
        }
        let (c, h, w) = images.shape.count == 3
            ? (1, images.shape[1], images.shape[2]) : (images.shape[1], images.shape[2], images.shape[3])
        var ys = [Int32]()
        ys.reserveCapacity(labels.values.count)
        for (i, v) in labels.values.enumerated() {
            guard v >= 0, Int(v) < classes, v == v.rounded() else {
                throw NNError.corruptFile(path: labelsPath, reason: "label \(v) at index \(i) outside 0..<\(classes)")
            }
            ys.append(Int32(v))
        }
        let pixels = images.values.map { $0 / 255 }
        return try ImageDataset(images: pixels, labels: ys, channels: c, height: h, width: w, classes: classes)
    }

    /// Loads Fashion-MNIST (train or test split) from `directory` or the default search path.
    public static func fashionMNIST(train: Bool, directory: String? = nil) throws -> ImageDataset {
        let dir = try locateFashionMNIST(directory: directory)
        let prefix = train ? "train" : "t10k"
        func file(_ stem: String) -> String {
            let plain = "\(dir)/\(prefix)-\(stem)"
            return FileManager.default.fileExists(atPath: plain) ? plain : plain + ".gz"
        }
        return try loadIDX(images: file("images-idx3-ubyte"), labels: file("labels-idx1-ubyte"))
    }

    /// Loads CIFAR-10 or CIFAR-100 binary batch files (`data_batch_1.bin` … / `train.bin`), scaled to [0, 1].
    ///
    /// CIFAR-10 records are `<label byte><3072 pixel bytes>`; CIFAR-100 records are
    /// `<coarse byte><fine byte><3072 pixel bytes>` and the fine label is used.
    public static func cifar(files: [String], classes: Int) throws -> ImageDataset {
        guard classes == 10 || classes == 100 else { throw NNError.invalidArgument("CIFAR has 10 or 100 classes, not \(classes)") }
        let labelBytes = classes == 10 ? 1 : 2
        let record = labelBytes + 3072
        var images = [Float](), labels = [Int32]()
        for path in files {
            let bytes = try FileBytes.read(path)
            guard !bytes.isEmpty, bytes.count % record == 0 else {
                throw NNError.corruptFile(path: path, reason: "size \(bytes.count) is not a multiple of the \(record)-byte CIFAR-\(classes) record")
            }
            let n = bytes.count / record
            images.reserveCapacity(images.count + n * 3072)
            for r in 0..<n {
                let base = r * record
                let y = Int32(bytes[base + labelBytes - 1])
                guard y < classes else { throw NNError.corruptFile(path: path, reason: "label \(y) in record \(r) outside 0..<\(classes)") }
                labels.append(y)
                for i in 0..<3072 { images.append(Float(bytes[base + labelBytes + i]) / 255) }
            }
        }
        return try ImageDataset(images: images, labels: labels, channels: 3, height: 32, width: 32, classes: classes)
    }

    /// Loads the CIFAR-10 (`cifar-10-batches-bin`) or CIFAR-100 (`cifar-100-binary`) split in `directory`.
    public static func cifar(directory: String, classes: Int, train: Bool) throws -> ImageDataset {
        let files: [String]
        if classes == 10 {
            files = train ? (1...5).map { "\(directory)/data_batch_\($0).bin" } : ["\(directory)/test_batch.bin"]
        } else {
            files = [train ? "\(directory)/train.bin" : "\(directory)/test.bin"]
        }
        return try cifar(files: files, classes: classes)
    }
}
