import Foundation

/// A split of an image data set stored as a folder of class folders of JPEG files (torchvision's
/// `ImageFolder` layout): the classes are the sub-folders sorted by name, a class's index is its
/// position, and a class's files are every file below its folder, sorted by path.
///
/// Examples are decoded when the loader asks for them, with torchvision's ImageNet transforms
/// (`ImageRender`): `Resize(resizeSize)` + `CenterCrop(size)` for evaluation (an identity
/// augmentation), `RandomResizedCrop(size)` + an optional horizontal flip for training, then
/// normalised with `mean` and `std` (ImageNet's by default).
///
/// Hidden files and folders (names starting with `.`) are skipped; any other file must be a JPEG
/// (`.jpg` or `.jpeg`, any case), so a stray file is reported when the folder is read rather than
/// left out. A file whose content is not a readable JPEG is reported, by path, when it is loaded.
public struct ImageFolder: ImageSource {
    /// The split's folder.
    public var directory: String
    /// Class folder names; a class's index is its position.
    public var classNames: [String]
    /// Path of every example, class by class.
    public var files: [String]
    public var labels: [Int32]
    /// Side of the square examples (the crop), and the shorter side the evaluation resize gives.
    public var size: Int, resizeSize: Int
    /// Per-channel normalisation of pixel values in [0, 1].
    public var mean: [Float], std: [Float]

    /// ImageNet's channel means and standard deviations (torchvision's reference scripts).
    public static let imageNetMean: [Float] = [0.485, 0.456, 0.406]
    public static let imageNetStd: [Float] = [0.229, 0.224, 0.225]

    public var count: Int { files.count }
    public var channels: Int { 3 }
    public var height: Int { size }
    public var width: Int { size }
    public var classes: Int { classNames.count }

    /// Lists the split in `directory`; throws naming the folder or file when the folder is missing,
    /// has no class folders, holds a class without images or a file that is not a JPEG.
    ///
    /// With `limit`, the files of the classes after the first `limit` files are not listed (nor
    /// checked): the result is `prefix(limit)` of the whole split, with every class name, at the
    /// cost of listing only those files (`kelvin eval` needs no more of the training split).
    public init(directory: String, size: Int = 224, resizeSize: Int = 256,
                mean: [Float] = ImageFolder.imageNetMean, std: [Float] = ImageFolder.imageNetStd, limit: Int? = nil) throws {
        guard size > 0, resizeSize > 0 else {
            throw NNError.invalidArgument("image size and resize must be positive, got \(size) and \(resizeSize)")
        }
        guard mean.count == 3, std.count == 3, std.allSatisfy({ $0 > 0 }) else {
            throw NNError.invalidArgument("normalisation needs 3 means and positive stds")
        }
        let fm = FileManager.default
        var isDirectory: ObjCBool = false
        guard fm.fileExists(atPath: directory, isDirectory: &isDirectory) else { throw NNError.fileNotFound(path: directory) }
        guard isDirectory.boolValue else { throw NNError.corruptFile(path: directory, reason: "not a folder") }
        var classNames = [String](), files = [String](), labels = [Int32]()
        for (name, isFolder) in try Self.entries(of: directory) {
            let path = directory + "/" + name
            guard isFolder else {
                throw NNError.corruptFile(path: path, reason: "not a class folder (an ImageFolder split holds only class folders)")
            }
            if let limit, files.count >= limit { classNames.append(name); continue }
            let images = try Self.jpegFiles(under: path)
            guard !images.isEmpty else { throw NNError.corruptFile(path: path, reason: "class folder holds no JPEG files") }
            let kept = limit.map { min(images.count, $0 - files.count) } ?? images.count
            files += images.prefix(kept)
            labels += [Int32](repeating: Int32(classNames.count), count: kept)
            classNames.append(name)
        }
        guard !classNames.isEmpty else { throw NNError.corruptFile(path: directory, reason: "no class folders") }
        self.directory = directory; self.classNames = classNames; self.files = files; self.labels = labels
        self.size = size; self.resizeSize = resizeSize; self.mean = mean; self.std = std
    }

    /// The non-hidden entries of a folder, sorted by their UTF-8 bytes (Python's `sorted`), with
    /// whether each is a folder (symbolic links followed). Reads the folder with `readdir`, whose
    /// entry types spare a `stat` per file: listing ImageNet's 1.28 M training files is a matter
    /// of seconds.
    static func entries(of directory: String) throws -> [(name: String, isFolder: Bool)] {
        guard let handle = opendir(directory) else {
            throw NNError.corruptFile(path: directory, reason: "cannot list folder: \(String(cString: strerror(errno)))")
        }
        defer { closedir(handle) }
        var found = [(name: String, isFolder: Bool)]()
        while let entry = readdir(handle) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            if name.hasPrefix(".") { continue }
            var isFolder = Int32(entry.pointee.d_type) == Int32(DT_DIR)
            if Int32(entry.pointee.d_type) == Int32(DT_UNKNOWN) || Int32(entry.pointee.d_type) == Int32(DT_LNK) {
                var info = stat()
                isFolder = stat(directory + "/" + name, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
            }
            found.append((name, isFolder))
        }
        return found.sorted { $0.name.utf8.lexicographicallyPrecedes($1.name.utf8) }
    }

    /// The JPEG files below `directory` (depth first, sorted by name at each level).
    static func jpegFiles(under directory: String) throws -> [String] {
        var found = [String]()
        for (name, isFolder) in try entries(of: directory) {
            let path = directory + "/" + name
            if isFolder {
                found += try jpegFiles(under: path)
            } else {
                let dot = name.lastIndex(of: ".").map { name[name.index(after: $0)...].lowercased() }
                guard dot == "jpg" || dot == "jpeg" else {
                    throw NNError.corruptFile(path: path, reason: "not a JPEG file name (.jpg or .jpeg); ImageFolder reads JPEG files only")
                }
                found.append(path)
            }
        }
        return found
    }

    /// The split folders of `root`: `train/`, and `val/` or else `test/`.
    public static func splits(of root: String) throws -> (train: String, test: String) {
        let fm = FileManager.default
        var isDirectory: ObjCBool = false
        guard fm.fileExists(atPath: root, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw NNError.fileNotFound(path: root)
        }
        let train = root + "/train"
        guard fm.fileExists(atPath: train) else {
            throw NNError.corruptFile(path: root, reason: "no train/ folder (an ImageFolder data set holds train/ and val/ or test/)")
        }
        for name in ["val", "test"] where fm.fileExists(atPath: root + "/" + name) { return (train, root + "/" + name) }
        throw NNError.corruptFile(path: root, reason: "no val/ or test/ folder (an ImageFolder data set holds train/ and val/ or test/)")
    }

    /// The transform of one decoded image: evaluation for an identity augmentation, else training.
    public func render(for image: RGBImage, augmentation: Augmentation, rng: inout RandomSource) -> ImageRender {
        augmentation.isIdentity
            ? .evaluation(width: image.width, height: image.height, resize: resizeSize, size: size)
            : .training(width: image.width, height: image.height, size: size, flip: augmentation.horizontalFlip, rng: &rng)
    }

    public func loadExample(_ n: Int, into out: UnsafeMutableBufferPointer<Float>, augmentation: Augmentation,
                            rng: inout RandomSource) throws {
        let image = try JPEG.decode(file: files[n])
        render(for: image, augmentation: augmentation, rng: &rng).render(image, mean: mean, std: std, into: out)
    }

    public func check(_ augmentation: Augmentation) throws {
        guard augmentation.cropPadding == 0 else {
            throw NNError.invalidArgument("an ImageFolder data set augments with RandomResizedCrop; padded crops (\(augmentation.cropPadding) px) do not apply")
        }
    }

    public func prefix(_ n: Int) -> ImageFolder {
        let k = min(max(n, 0), count)
        var copy = self
        copy.files = Array(files[0..<k]); copy.labels = Array(labels[0..<k])
        return copy
    }

    /// Sets the normalisation (the folder's pixels are normalised as they are rendered).
    public func normalized(mean: [Float], std: [Float]) throws -> ImageFolder {
        guard mean.count == 3, std.count == 3, std.allSatisfy({ $0 > 0 }) else {
            throw NNError.invalidArgument("normalisation needs 3 means and positive stds")
        }
        var copy = self
        copy.mean = mean; copy.std = std
        return copy
    }
}
