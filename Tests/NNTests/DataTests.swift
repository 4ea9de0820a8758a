import Foundation
import XCTest
@testable import NN

final class DataTests: XCTestCase {
    private var dir: String = ""

    override func setUpWithError() throws {
        dir = NSTemporaryDirectory() + "kelvin-data-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(atPath: dir) }

    private func idx(type: UInt8, dims: [Int], payload: [UInt8]) -> [UInt8] {
        var b: [UInt8] = [0, 0, type, UInt8(dims.count)]
        for d in dims { b += [UInt8(d >> 24 & 255), UInt8(d >> 16 & 255), UInt8(d >> 8 & 255), UInt8(d & 255)] }
        return b + payload
    }

    func testIDXParsesBytesAndGzip() throws {
        let images = idx(type: 0x08, dims: [2, 2, 2], payload: [0, 255, 51, 102, 1, 2, 3, 4])
        let labels = idx(type: 0x08, dims: [2], payload: [3, 7])
        try Data(images).write(to: URL(fileURLWithPath: dir + "/img"))
        try Data(labels).write(to: URL(fileURLWithPath: dir + "/lab"))
        // gzip the label file with the system tool to exercise the zlib path.
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/gzip")
        p.arguments = ["-k", dir + "/lab"]
        try p.run(); p.waitUntilExit()
        let ds = try Datasets.loadIDX(images: dir + "/img", labels: dir + "/lab.gz")
        XCTAssertEqual(ds.count, 2)
        XCTAssertEqual([ds.channels, ds.height, ds.width], [1, 2, 2])
        XCTAssertEqual(ds.labels, [3, 7])
        XCTAssertEqual(ds.images[1], 1, accuracy: 1e-7)
        XCTAssertEqual(ds.images[2], 0.2, accuracy: 1e-7)
    }

    func testTruncatedIDXNamesPath() throws {
        let path = dir + "/bad-idx"
        try Data(idx(type: 0x08, dims: [10, 28, 28], payload: [1, 2, 3])).write(to: URL(fileURLWithPath: path))
        XCTAssertThrowsError(try IDXFile(path: path)) { error in
            let text = "\(error)"
            XCTAssertTrue(text.contains(path) && text.contains("truncated"), text)
        }
        XCTAssertThrowsError(try IDXFile(path: dir + "/missing")) { error in
            XCTAssertEqual(error as? NNError, .fileNotFound(path: dir + "/missing"))
        }
        // Dimensions whose product overflows Int must be an error, not an arithmetic trap.
        let huge = dir + "/huge-idx"
        let big = 0x7FFF_FFFF
        try Data(idx(type: 0x08, dims: [big, big, big], payload: [1])).write(to: URL(fileURLWithPath: huge))
        XCTAssertThrowsError(try IDXFile(path: huge)) { error in
            XCTAssertTrue("\(error)".contains(huge), "\(error)")
        }
        let gz = dir + "/broken.gz"
        try Data([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 0xff, 0xff]).write(to: URL(fileURLWithPath: gz))
        XCTAssertThrowsError(try IDXFile(path: gz)) { error in XCTAssertTrue("\(error)".contains(gz), "\(error)") }
    }

    func testFashionMNISTFoundWithoutFlags() throws {
        guard (try? Datasets.locateFashionMNIST()) != nil else { throw XCTSkip("Fashion-MNIST not installed") }
        let test = try Datasets.fashionMNIST(train: false)
        XCTAssertEqual(test.count, 10_000)
        XCTAssertEqual([test.channels, test.height, test.width, test.classes], [1, 28, 28, 10])
        XCTAssertEqual(Set(test.labels).count, 10)
    }

    func testCIFARRecords() throws {
        var bytes = [UInt8]()
        for r in 0..<3 { bytes.append(UInt8(r)); bytes += [UInt8](repeating: UInt8(r * 10), count: 3072) }
        try Data(bytes).write(to: URL(fileURLWithPath: dir + "/b.bin"))
        let ds = try Datasets.cifar(files: [dir + "/b.bin"], classes: 10)
        XCTAssertEqual(ds.labels, [0, 1, 2])
        XCTAssertEqual(ds.images[3072 * 2], 20 / 255, accuracy: 1e-7)
        try Data(bytes.dropLast()).write(to: URL(fileURLWithPath: dir + "/c.bin"))
        XCTAssertThrowsError(try Datasets.cifar(files: [dir + "/c.bin"], classes: 10)) { e in
            XCTAssertTrue("\(e)".contains(self.dir + "/c.bin"))
        }
    }

    func testAugmentationFlipAndCrop() {
        var img: [Float] = [1, 2, 3, 4, 5, 6] // 1×2×3
        var rng = RandomSource(seed: 1)
        // Flip-only: result is either identity or mirrored rows.
        img.withUnsafeMutableBufferPointer { Augmentation(horizontalFlip: true).apply($0, channels: 1, height: 2, width: 3, rng: &rng) }
        XCTAssertTrue(img == [1, 2, 3, 4, 5, 6] || img == [3, 2, 1, 6, 5, 4], "\(img)")
        // Crop with padding keeps the size and only shifts (values are a subset plus zeros).
        var big = (0..<16).map(Float.init)
        big.withUnsafeMutableBufferPointer { Augmentation(cropPadding: 2).apply($0, channels: 1, height: 4, width: 4, rng: &rng) }
        XCTAssertEqual(big.count, 16)
        XCTAssertTrue(big.allSatisfy { $0 >= 0 && $0 < 16 })
    }

    func testLoaderIsDeterministicAndResumable() throws {
        let ds = ImageDataset.synthetic(count: 50, channels: 1, height: 4, width: 4, classes: 3, seed: 9)
        let loader = try DataLoader(dataset: ds, batchSize: 8, augmentation: Augmentation(cropPadding: 1, horizontalFlip: true), seed: 5)
        XCTAssertEqual(loader.batchesPerEpoch, 6)
        let all = Array(loader.batches(epoch: 2))
        XCTAssertEqual(all.map(\.index), Array(0..<6))
        let again = Array(loader.batches(epoch: 2, startingAt: 3))
        XCTAssertEqual(again.map(\.images), all[3...].map(\.images))
        XCTAssertEqual(again.map(\.labels), all[3...].map(\.labels))
        let other = Array(loader.batches(epoch: 3))
        XCTAssertNotEqual(other[0].labels, all[0].labels)
        // Every example appears at most once per epoch.
        XCTAssertEqual(Set(loader.order(epoch: 2)).count, 50)
        // An abandoned stream does not hang.
        let s = loader.batches(epoch: 0)
        _ = s.next()
        s.cancel()
    }
}

final class DatasetCatalogTests: XCTestCase {
    func testPrepareNormalisesWithTrainStatistics() throws {
        let opts = TrainingOptions(model: .resnet(ResNetConfig(depth: 18, inputChannels: 1, classes: 10)), dataset: "synthetic",
                                   trainLimit: 100, testLimit: 10)
        let (prepared, train, test) = try DatasetCatalog.prepare(opts)
        XCTAssertEqual(train.count, 100)
        XCTAssertEqual(test.count, 10)
        XCTAssertEqual(prepared.normalizationMean.count, 1)
        let again = train.channelStatistics()
        XCTAssertEqual(again.mean[0], 0, accuracy: 1e-4)
        XCTAssertEqual(again.std[0], 1, accuracy: 1e-3)
    }

    func testUnknownAndIncompleteDataSetsAreErrors() throws {
        XCTAssertThrowsError(try DatasetCatalog.load("imagenet", directory: nil)) { e in XCTAssertTrue("\(e)".contains("unknown data set")) }
        let (big, _) = try DatasetCatalog.load("synthetic:3x32x24", directory: nil)
        XCTAssertEqual([big.channels, big.height, big.width], [3, 32, 24])
        XCTAssertThrowsError(try DatasetCatalog.load("synthetic:3x0x24", directory: nil)) { e in XCTAssertTrue("\(e)".contains("synthetic:CxHxW")) }
        XCTAssertThrowsError(try DatasetCatalog.load("cifar10", directory: nil)) { e in XCTAssertTrue("\(e)".contains("--data-dir")) }
        XCTAssertThrowsError(try DatasetCatalog.load("mnist", directory: "/nonexistent")) { e in
            XCTAssertTrue("\(e)".contains("/nonexistent/train-images-idx3-ubyte"), "\(e)")
        }
    }
}
