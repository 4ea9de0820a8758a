import NN
import XCTest

/// A rank's part of a batch, built alone, is exactly those rows of the whole batch.
final class DataLoaderPartTests: XCTestCase {
    func testAPartHasTheImagesLabelsAndAugmentationItHasInTheWholeBatch() throws {
        let data = ImageDataset.synthetic(count: 40, channels: 3, height: 6, width: 6, classes: 5, seed: 4)
        for augmentation in [Augmentation.none, Augmentation(cropPadding: 2, horizontalFlip: true), Augmentation(horizontalFlip: true)] {
            let loader = try DataLoader(dataset: data, batchSize: 12, augmentation: augmentation, seed: 9)
            let order = loader.order(epoch: 1)
            let whole = try loader.makeBatch(epoch: 1, index: 2, order: order)
            XCTAssertNil(whole.part)
            let size = data.imageSize
            var covered = 0
            for part in [0..<3, 3..<6, 6..<9, 9..<12] {
                let piece = try loader.makeBatch(epoch: 1, index: 2, order: order, part: part)
                XCTAssertEqual(piece.part, part)
                XCTAssertEqual(piece.index, 2)
                XCTAssertEqual(piece.labels, Array(whole.labels[part]), "\(augmentation) \(part)")
                XCTAssertEqual(piece.images, Array(whole.images[(part.lowerBound * size)..<(part.upperBound * size)]), "\(augmentation) \(part)")
                covered += piece.count
            }
            XCTAssertEqual(covered, 12)
            // The producer thread builds the same part.
            if !augmentation.isIdentity {
                let streamed = Array(loader.batches(epoch: 1, startingAt: 2, part: 6..<9).prefix(1))
                XCTAssertEqual(streamed.first?.images, Array(whole.images[(6 * size)..<(9 * size)]))
            }
        }
    }
}
