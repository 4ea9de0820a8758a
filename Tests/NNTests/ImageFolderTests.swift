import Foundation
import NN
import TestSupport
import XCTest

/// The ImageFolder data set: JPEG decoding, class indexing, torchvision's resize/crop geometry
/// against a direct reference, seeded determinism, and the errors for broken folders and files.
final class ImageFolderTests: XCTestCase {
    private var scratch: ScratchDirectory!

    override func setUpWithError() throws { scratch = try ScratchDirectory("imagefolder") }
    override func tearDownWithError() throws { scratch.remove() }

    // MARK: Helpers

    /// An image whose pixel (x, y, c) is `value(x, y, c)`.
    private func image(width: Int, height: Int, _ value: (Int, Int, Int) -> Int) -> RGBImage {
        var pixels = [UInt8](repeating: 0, count: width * height * 3)
        for y in 0..<height { for x in 0..<width { for c in 0..<3 {
            pixels[(y * width + x) * 3 + c] = UInt8(clamping: value(x, y, c))
        } } }
        return RGBImage(width: width, height: height, pixels: pixels)
    }

    /// A smooth, seeded test picture (compresses well, so decoding stays close to it).
    private func picture(width: Int, height: Int, seed: Int) -> RGBImage {
        image(width: width, height: height) { x, y, c in
            128 + Int(100 * sin(0.07 * Double(x + 3 * seed) + 0.05 * Double(y) + 2 * Double(c)))
        }
    }

    /// Writes `image` as a JPEG at `relative` inside the scratch folder; returns its path.
    @discardableResult
    private func writeJPEG(_ relative: String, _ image: RGBImage, quality: Int = 95, grey: Bool = false) throws -> String {
        let path = scratch.url.path + "/" + relative
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try Data(JPEG.encode(image, quality: quality, grey: grey)).write(to: URL(fileURLWithPath: path))
        return path
    }

    /// PIL's antialiased bilinear weight of source pixel `i` for an output centred at `center`
    /// (source coordinates), the filter widened by `max(scale, 1)`; written out directly here.
    private func referenceResize(_ image: RGBImage, box: PixelBox, toWidth W: Int, height H: Int) -> [[[Double]]] {
        func weights(inCount: Int, outCount: Int, _ o: Int) -> [(Int, Double)] {
            let scale = Double(inCount) / Double(outCount), widen = max(scale, 1)
            let center = (Double(o) + 0.5) * scale
            var taps = [(Int, Double)]()
            for i in 0..<inCount {
                let w = max(0, 1 - abs(Double(i) + 0.5 - center) / widen)
                if w > 0 { taps.append((i, w)) }
            }
            let total = taps.reduce(0) { $0 + $1.1 }
            return taps.map { ($0.0, $0.1 / total) }
        }
        var out = [[[Double]]](repeating: [[Double]](repeating: [0, 0, 0], count: W), count: H)
        for oy in 0..<H {
            let wy = weights(inCount: box.height, outCount: H, oy)
            for ox in 0..<W {
                let wx = weights(inCount: box.width, outCount: W, ox)
                for c in 0..<3 {
                    var s = 0.0
                    for (y, a) in wy { for (x, b) in wx {
                        s += a * b * Double(image.pixels[((box.y + y) * image.width + box.x + x) * 3 + c])
                    } }
                    out[oy][ox][c] = s
                }
            }
        }
        return out
    }

    private func render(_ r: ImageRender, _ image: RGBImage, mean: [Float] = [0, 0, 0], std: [Float] = [1, 1, 1]) -> [Float] {
        var out = [Float](repeating: .nan, count: 3 * r.window.width * r.window.height)
        out.withUnsafeMutableBufferPointer { r.render(image, mean: mean, std: std, into: $0) }
        return out
    }

    // MARK: Decoding

    func testDecodeGivesTheEncodedPixelsWithinJPEGTolerance() throws {
        // Flat 8×8 blocks of known colours: JPEG keeps a flat block's colour almost exactly.
        let colours = [[200, 30, 40], [20, 180, 60], [10, 20, 220], [128, 128, 128]]
        let original = image(width: 16, height: 16) { x, y, c in colours[(y / 8) * 2 + x / 8][c] }
        let path = try writeJPEG("flat.jpg", original, quality: 100)
        let decoded = try JPEG.decode(file: path)
        XCTAssertEqual(decoded.width, 16); XCTAssertEqual(decoded.height, 16)
        for (a, b) in zip(decoded.pixels, original.pixels) { XCTAssertLessThanOrEqual(abs(Int(a) - Int(b)), 3) }
        // A smooth picture at quality 95: small errors everywhere.
        let smooth = picture(width: 64, height: 48, seed: 1)
        let back = try JPEG.decode(file: writeJPEG("smooth.jpg", smooth))
        let worst = zip(back.pixels, smooth.pixels).map { abs(Int($0) - Int($1)) }.max()!
        XCTAssertLessThanOrEqual(worst, 12)
        let mean = Double(zip(back.pixels, smooth.pixels).map { abs(Int($0) - Int($1)) }.reduce(0, +)) / Double(smooth.pixels.count)
        XCTAssertLessThan(mean, 2)
    }

    func testGreyJPEGDecodesToEqualChannels() throws {
        let grey = image(width: 24, height: 16) { x, _, _ in 10 * x }
        let decoded = try JPEG.decode(file: writeJPEG("grey.jpg", grey, quality: 100, grey: true))
        for p in 0..<(24 * 16) {
            XCTAssertEqual(decoded.pixels[3 * p], decoded.pixels[3 * p + 1])
            XCTAssertEqual(decoded.pixels[3 * p], decoded.pixels[3 * p + 2])
            XCTAssertLessThanOrEqual(abs(Int(decoded.pixels[3 * p]) - 10 * ((p % 24))), 3)
        }
    }

    // MARK: Geometry

    func testResizeAndCenterCropFollowTorchvisionsRounding() {
        // 500×375: shorter side 375 → 256, longer int(256·500/375) = 341; crop offset round(58.5) = 58 (half to even).
        XCTAssertTrue(ImageGeometry.resized(width: 500, height: 375, shorter: 256) == (341, 256))
        XCTAssertTrue(ImageGeometry.resized(width: 375, height: 500, shorter: 256) == (256, 341))
        XCTAssertTrue(ImageGeometry.centerCropOrigin(width: 341, height: 256, size: 224) == (58, 16))
        XCTAssertTrue(ImageGeometry.centerCropOrigin(width: 343, height: 256, size: 224) == (60, 16))  // round(59.5) = 60
        let r = ImageRender.evaluation(width: 500, height: 375, resize: 256, size: 224)
        XCTAssertEqual(r.window, PixelBox(x: 58, y: 16, width: 224, height: 224))
        XCTAssertEqual(r.gridWidth, 341); XCTAssertEqual(r.gridHeight, 256)
    }

    func testEvaluationRenderMatchesAReferenceResizeThenCrop() {
        let source = picture(width: 50, height: 37, seed: 2)
        // Shrink (scale > 1: widened filter) and enlarge (plain bilinear).
        for (resize, size) in [(20, 16), (80, 64)] {
            let r = ImageRender.evaluation(width: 50, height: 37, resize: resize, size: size)
            let mean: [Float] = [0.485, 0.456, 0.406], std: [Float] = [0.229, 0.224, 0.225]
            let got = render(r, source, mean: mean, std: std)
            let full = referenceResize(source, box: PixelBox(x: 0, y: 0, width: 50, height: 37), toWidth: r.gridWidth, height: r.gridHeight)
            for c in 0..<3 { for y in 0..<size { for x in 0..<size {
                let want = (full[r.window.y + y][r.window.x + x][c] / 255 - Double(mean[c])) / Double(std[c])
                XCTAssertEqual(Double(got[(c * size + y) * size + x]), want, accuracy: 1e-4, "resize \(resize) c\(c) (\(x), \(y))")
            } } }
        }
    }

    func testTrainingRenderIsAResizedCropOfTheRandomBoxMirroredWhenDrawn() {
        let source = picture(width: 60, height: 45, seed: 3)
        var flips = 0
        for seed in 0..<12 {
            var rng = RandomSource(seed: UInt64(seed))
            let r = ImageRender.training(width: 60, height: 45, size: 16, flip: true, rng: &rng)
            let b = r.box
            XCTAssertTrue(b.x >= 0 && b.y >= 0 && b.x + b.width <= 60 && b.y + b.height <= 45, "\(b)")
            if r.flip { flips += 1 }
            let got = render(r, source)
            let ref = referenceResize(source, box: b, toWidth: 16, height: 16)
            for c in 0..<3 { for y in 0..<16 { for x in 0..<16 {
                let sx = r.flip ? 15 - x : x
                XCTAssertEqual(Double(got[(c * 16 + y) * 16 + x]), ref[y][sx][c] / 255, accuracy: 1e-5)
            } } }
            // The same seed gives the same transform.
            var again = RandomSource(seed: UInt64(seed))
            XCTAssertEqual(ImageRender.training(width: 60, height: 45, size: 16, flip: true, rng: &again), r)
        }
        XCTAssertTrue(flips > 0 && flips < 12, "\(flips) of 12 flipped")
    }

    func testRandomResizedCropBoxesFollowTheScaleAndRatioRanges() {
        var rng = RandomSource(seed: 5)
        for _ in 0..<500 {
            let b = ImageGeometry.randomResizedCrop(width: 500, height: 375, rng: &rng)
            let area = Double(b.width * b.height) / Double(500 * 375), ratio = Double(b.width) / Double(b.height)
            XCTAssertTrue(b.x >= 0 && b.y >= 0 && b.x + b.width <= 500 && b.y + b.height <= 375, "\(b)")
            XCTAssertTrue(area > 0.075 && area <= 1.0, "area \(area)")
            XCTAssertTrue(ratio > 0.74 && ratio < 1.34, "ratio \(ratio)")
        }
        // A strip no box of ratio ¾…4⁄3 and ≥ 8 % of the area fits: the centred fallback (h 10, w round(13.33)).
        XCTAssertEqual(ImageGeometry.randomResizedCrop(width: 1000, height: 10, rng: &rng), PixelBox(x: 493, y: 0, width: 13, height: 10))
        XCTAssertEqual(ImageGeometry.randomResizedCrop(width: 10, height: 1000, rng: &rng), PixelBox(x: 0, y: 493, width: 10, height: 13))
    }

    func testCenterCropOfASmallImagePadsWithZeroPixels() {
        // A 20×10 image resized to shorter side 8 (16×8) and cropped to 12: zero-pixel padding above and below.
        let source = image(width: 20, height: 10) { _, _, _ in 255 }
        let r = ImageRender.evaluation(width: 20, height: 10, resize: 8, size: 12)
        XCTAssertEqual(r.window, PixelBox(x: 2, y: -2, width: 12, height: 12))
        // Odd padding: torchvision puts (12 − 9) // 2 = 1 row above, 2 below.
        XCTAssertTrue(ImageGeometry.centerCropOrigin(width: 9, height: 9, size: 12) == (-1, -1))
        let got = render(r, source, mean: [0.5, 0.5, 0.5], std: [0.5, 0.5, 0.5])
        for y in 0..<12 {
            let want: Float = (y < 2 || y >= 10) ? -1 : 1
            for x in 0..<12 { XCTAssertEqual(got[y * 12 + x], want, accuracy: 1e-5, "(\(x), \(y))") }
        }
    }

    // MARK: Folders

    /// train/ and val/ with classes given as (name, image count).
    private func makeDataset(_ classes: [(String, Int)], side: (Int, Int) = (40, 30)) throws -> String {
        for split in ["train", "val"] {
            for (k, (name, n)) in classes.enumerated() {
                for i in 0..<n {
                    try writeJPEG("data/\(split)/\(name)/\(i).jpg", picture(width: side.0, height: side.1, seed: 10 * k + i))
                }
            }
        }
        return scratch.url.path + "/data"
    }

    func testClassesAreTheSortedFolderNamesAndFilesAreListedRecursively() throws {
        let root = try makeDataset([("b", 2), ("a", 1), ("Zebra", 3)])
        try writeJPEG("data/train/a/nested/x.JPEG", picture(width: 8, height: 8, seed: 0))
        try Data("hidden".utf8).write(to: URL(fileURLWithPath: root + "/train/.DS_Store"))
        let folder = try ImageFolder(directory: root + "/train")
        XCTAssertEqual(folder.classNames, ["Zebra", "a", "b"])  // by code point, as Python's sorted
        XCTAssertEqual(folder.labels, [0, 0, 0, 1, 1, 2, 2])
        XCTAssertEqual(folder.files.map { $0.replacingOccurrences(of: root + "/train/", with: "") },
                       ["Zebra/0.jpg", "Zebra/1.jpg", "Zebra/2.jpg", "a/0.jpg", "a/nested/x.JPEG", "b/0.jpg", "b/1.jpg"])
        XCTAssertEqual(folder.count, 7); XCTAssertEqual(folder.classes, 3)
        XCTAssertEqual(folder.channels, 3); XCTAssertEqual(folder.height, 224)
        for n in [0, 1, 3, 4, 7, 9] {
            let limited = try ImageFolder(directory: root + "/train", limit: n)
            XCTAssertEqual(limited.files, folder.prefix(n).files); XCTAssertEqual(limited.labels, folder.prefix(n).labels)
            XCTAssertEqual(limited.classNames, folder.classNames)
        }
        let (train, test) = try DatasetCatalog.loadSources("imagefolder", directory: root, imageSize: 16)
        XCTAssertEqual(train.count, 7); XCTAssertEqual(test.count, 6); XCTAssertEqual(test.width, 16)
        XCTAssertEqual((test as? ImageFolder)?.resizeSize, 18)  // round(16·256/224)
    }

    func testLoaderBatchesAreSeededDeterministicAndIndependentOfPartsAndWorkers() throws {
        let root = try makeDataset([("a", 4), ("b", 4), ("c", 4)])
        let folder = try ImageFolder(directory: root + "/train", size: 12, resizeSize: 14)
        let flip = DatasetCatalog.augmentation(for: "imagefolder")
        let loader = try DataLoader(dataset: folder, batchSize: 6, augmentation: flip, seed: 3)
        let order = loader.order(epoch: 1)
        let whole = try loader.makeBatch(epoch: 1, index: 1, order: order)
        XCTAssertEqual(whole.labels, order[6..<12].map { folder.labels[$0] })
        XCTAssertEqual(try loader.makeBatch(epoch: 1, index: 1, order: order).images, whole.images)
        let size = folder.imageSize
        for part in [0..<2, 2..<6] {
            let piece = try loader.makeBatch(epoch: 1, index: 1, order: order, part: part)
            XCTAssertEqual(piece.images, Array(whole.images[(part.lowerBound * size)..<(part.upperBound * size)]))
        }
        var parallel = loader
        parallel.workers = 3
        XCTAssertEqual(try parallel.makeBatch(epoch: 1, index: 1, order: order).images, whole.images)
        let streamed = Array(parallel.batches(epoch: 1))
        XCTAssertEqual(streamed.count, 2)
        XCTAssertEqual(streamed[1].images, whole.images)
        let other = try DataLoader(dataset: folder, batchSize: 6, augmentation: flip, seed: 4)
        XCTAssertNotEqual(try other.makeBatch(epoch: 1, index: 1, order: order).images, whole.images)
        // Without augmentation: the evaluation transform of each decoded file.
        let plain = try DataLoader(dataset: folder, batchSize: 6, shuffle: false)
        let first = try plain.makeBatch(epoch: 0, index: 0, order: plain.order(epoch: 0))
        let decoded = try JPEG.decode(file: folder.files[0])
        var want = [Float](repeating: 0, count: size)
        want.withUnsafeMutableBufferPointer {
            ImageRender.evaluation(width: 40, height: 30, resize: 14, size: 12)
                .render(decoded, mean: ImageFolder.imageNetMean, std: ImageFolder.imageNetStd, into: $0)
        }
        XCTAssertEqual(Array(first.images[0..<size]), want)
        XCTAssertThrowsError(try DataLoader(dataset: folder, batchSize: 6, augmentation: Augmentation(cropPadding: 2)))
    }

    func testTrainingAndEvaluationRunOnAFolder() throws {
        let root = try makeDataset([("a", 4), ("b", 4)])
        var options = TrainingOptions(model: .relu, dataset: "imagefolder", dataDirectory: root, epochs: 1, batchSize: 4)
        options.imageSize = 16
        let (prepared, train, test) = try DatasetCatalog.prepareSources(options)
        XCTAssertEqual(prepared.normalizationMean, ImageFolder.imageNetMean)
        var opts = prepared
        opts.model = try .named("cnn", stem: nil, width: 2, inputChannels: 3, height: 16, imageWidth: 16, classes: 2)
        opts.augmentation = DatasetCatalog.augmentation(for: "imagefolder")
        var trainer = try Trainer(options: opts, train: train, test: test)
        XCTAssertEqual(try trainer.run(runDirectory: nil), .finished)
        XCTAssertEqual(trainer.step, 2)
        let r = try Trainer.evaluate(trainer.model, on: test, batchSize: 3, workers: 2)
        XCTAssertEqual(r.images, 8)
    }

    // MARK: Errors

    func testBrokenFoldersAreReportedByPath() throws {
        let missing = scratch.url.path + "/none"
        XCTAssertThrowsError(try ImageFolder(directory: missing)) { XCTAssertEqual($0 as? NNError, .fileNotFound(path: missing)) }
        let root = try makeDataset([("a", 1), ("b", 1)])
        try FileManager.default.createDirectory(atPath: root + "/train/c", withIntermediateDirectories: true)
        XCTAssertThrowsError(try ImageFolder(directory: root + "/train")) {
            XCTAssertEqual("\($0)", "\(root)/train/c: corrupt file: class folder holds no JPEG files")
        }
        try Data("x".utf8).write(to: URL(fileURLWithPath: root + "/val/a/notes.txt"))
        XCTAssertThrowsError(try ImageFolder(directory: root + "/val")) { XCTAssertTrue("\($0)".hasPrefix("\(root)/val/a/notes.txt: "), "\($0)") }
        try Data("x".utf8).write(to: URL(fileURLWithPath: root + "/train/README"))
        XCTAssertThrowsError(try ImageFolder(directory: root + "/train")) { XCTAssertTrue("\($0)".contains("train/README: corrupt file: not a class folder"), "\($0)") }
        let empty = scratch.url.path + "/empty"
        try FileManager.default.createDirectory(atPath: empty + "/train", withIntermediateDirectories: true)
        XCTAssertThrowsError(try ImageFolder.splits(of: empty)) { XCTAssertTrue("\($0)".contains("no val/ or test/ folder"), "\($0)") }
        XCTAssertThrowsError(try ImageFolder(directory: empty + "/train")) { XCTAssertTrue("\($0)".contains("no class folders"), "\($0)") }
        XCTAssertThrowsError(try DatasetCatalog.loadSources("imagefolder", directory: nil)) { XCTAssertTrue("\($0)".contains("--data-dir is required"), "\($0)") }
    }

    func testCorruptAndTruncatedFilesAreErrorsNamingTheFileNotCrashes() throws {
        let root = try makeDataset([("a", 3), ("b", 3)], side: (64, 48))
        let good = try Data(contentsOf: URL(fileURLWithPath: root + "/train/a/0.jpg"))
        let text = root + "/train/a/1.jpg", truncated = root + "/train/b/2.jpg"
        try Data("not a picture".utf8).write(to: URL(fileURLWithPath: text))
        try good.prefix(good.count / 2).write(to: URL(fileURLWithPath: truncated))
        XCTAssertThrowsError(try JPEG.decode(file: text)) { XCTAssertTrue("\($0)".hasPrefix("\(text): corrupt file: not a JPEG file"), "\($0)") }
        XCTAssertThrowsError(try JPEG.decode(file: truncated)) { XCTAssertTrue("\($0)".hasPrefix("\(truncated): corrupt file: truncated JPEG"), "\($0)") }
        XCTAssertThrowsError(try JPEG.decode(Array(good.prefix(40)), path: "head.jpg")) { XCTAssertTrue("\($0)".hasPrefix("head.jpg: corrupt file:"), "\($0)") }
        XCTAssertThrowsError(try JPEG.decode([], path: "empty.jpg"))

        // Through the background loader: the batches before the bad one arrive, then the stream reports it.
        let folder = try ImageFolder(directory: root + "/train", size: 8, resizeSize: 8)
        let loader = try DataLoader(dataset: folder, batchSize: 1, shuffle: false)
        let stream = loader.batches(epoch: 0)
        XCTAssertEqual(Array(stream).count, 1)
        XCTAssertThrowsError(try stream.checkError()) { XCTAssertTrue("\($0)".hasPrefix("\(text): corrupt file"), "\($0)") }
        // Training stops with it too, as does evaluation.
        var options = TrainingOptions(model: .relu, dataset: "imagefolder", epochs: 1, batchSize: 2)
        options.model = try .named("mlp", stem: nil, width: 4, inputChannels: 3, height: 8, imageWidth: 8, classes: 2)
        var trainer = try Trainer(options: options, train: folder, test: nil)
        XCTAssertThrowsError(try trainer.run(runDirectory: nil)) { XCTAssertTrue("\($0)".contains("corrupt file"), "\($0)") }
        XCTAssertThrowsError(try Trainer.evaluate(trainer.model, on: folder, batchSize: 2)) { XCTAssertTrue("\($0)".contains("corrupt file"), "\($0)") }
    }
}
