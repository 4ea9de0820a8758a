import Foundation
import TransferCurves
import XCTest

/// The checked-in tables (Tests/Fixtures/tables, made by its regenerate.sh) are format-v1 golden
/// files: they must decode, re-encode to the same bytes, and carry their provenance.
final class LookupTableFixtureTests: XCTestCase {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/tables")

    func testFixtureTablesDecodeAndReencodeIdentically() throws {
        for cell in ["summing_amplifier", "log_converter"] {
            let url = Self.directory.appendingPathComponent("\(cell).lut")
            let bytes = [UInt8](try Data(contentsOf: url))
            let table = try LookupTable.decode(bytes, path: url.path)
            XCTAssertEqual(try table.encoded(), bytes, cell)
            XCTAssertEqual(table.provenance.cell, cell)
            XCTAssertEqual(table.provenance.netlistSHA256.count, 64)
            XCTAssertEqual(table.monteCarlo?.instances, 50)
            XCTAssertNotNil(table.provenance.ideal)
            XCTAssertNotNil(table.curve)
            if cell == "summing_amplifier" { XCTAssertNotNil(table.dynamics?.settlingTime) }
        }
    }
}
