import Foundation
import XCTest
@testable import NN

/// The safetensors reader and writer: round trips, every element type, and every malformed input.
final class SafetensorsTests: XCTestCase {
    private var dir = ""
    override func setUpWithError() throws {
        dir = NSTemporaryDirectory() + "kelvin-st-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(atPath: dir) }

    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().path + "/Fixtures"

    private func sample() -> Safetensors {
        Safetensors(entries: [
            .init(name: "conv.weight", shape: [2, 1, 3], values: [1, -2.5, .pi, 0, -0.0, 1e-30]),
            .init(name: "bn.num_batches_tracked", shape: [], values: [Int64(7)]),
            .init(name: "empty", shape: [0, 3], values: [Float]()),
            .init(name: "a\"quoted/name", shape: [1], values: [Float.greatestFiniteMagnitude]),
        ], metadata: ["format": "pt"])
    }

    func testRoundTripKeepsOrderValuesAndTypes() throws {
        let path = dir + "/s.safetensors"
        try sample().write(to: path)
        let back = try Safetensors(path: path)
        XCTAssertEqual(back, sample())
        XCTAssertEqual(back.entry("bn.num_batches_tracked")?.dtype, .i64)
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        XCTAssertEqual(Int(LittleEndianBytes.uint64(bytes, at: 0)) % 8, 0, "header padded to 8 bytes")
        XCTAssertEqual(bytes.count, 8 + Int(LittleEndianBytes.uint64(bytes, at: 0)) + 6 * 4 + 8 + 4)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir), ["s.safetensors"])
    }

    /// F16 (a subnormal included), BF16 and F64 convert to the float32 values PyTorch gives; I64 stays exact.
    func testReadsEveryDTypeLikePyTorch() throws {
        let file = try Safetensors(path: Self.fixtures + "/dtypes.safetensors")
        let data = try Data(contentsOf: URL(fileURLWithPath: Self.fixtures + "/dtypes.json"))
        let expected = try XCTUnwrap(try JSONSerialization.jsonObject(with: data) as? [String: [String: Any]])
        for (name, dtype) in [("half", Safetensors.DType.f16), ("bfloat", .bf16), ("double", .f64)] {
            let e = try XCTUnwrap(file.entry(name), name)
            XCTAssertEqual(e.dtype, dtype)
            XCTAssertEqual(e.shape, try XCTUnwrap(expected[name]?["shape"] as? [Int]))
            let values = try XCTUnwrap(expected[name]?["values"] as? [Double]).map(Float.init)
            XCTAssertEqual(e.namedArray?.values.map(\.bitPattern), values.map(\.bitPattern), name)
        }
        XCTAssertEqual(file.entry("count")?.values, .int64([-2, 0, 5]))
        XCTAssertEqual(file.entry("scalar")?.shape, [])
        XCTAssertEqual(file.entry("scalar")?.values, .int64([42]))
    }

    func testHalfConversionEdgeCases() {
        XCTAssertEqual(LittleEndianBytes.halfToFloat(0x3c00), 1)
        XCTAssertEqual(LittleEndianBytes.halfToFloat(0xc000), -2)
        XCTAssertEqual(LittleEndianBytes.halfToFloat(0x7bff), 65504)
        XCTAssertEqual(LittleEndianBytes.halfToFloat(0x0001), 0x1p-24)
        XCTAssertEqual(LittleEndianBytes.halfToFloat(0x7c00), .infinity)
        XCTAssertEqual(LittleEndianBytes.halfToFloat(0xfc00), -.infinity)
        XCTAssertTrue(LittleEndianBytes.halfToFloat(0x7e00).isNaN)
        XCTAssertEqual(LittleEndianBytes.halfToFloat(0x8000).sign, .minus)
    }

    // MARK: - Malformed input

    /// A file with `header` as its JSON and `data` as its data section.
    private func file(_ header: String, data: [UInt8] = [], length: UInt64? = nil) -> [UInt8] {
        let json = [UInt8](header.utf8)
        var out = [UInt8]()
        LittleEndianBytes.append(&out, length ?? UInt64(json.count))
        return out + json + data
    }

    private func expectCorrupt(_ bytes: [UInt8], _ reason: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let path = dir + "/bad.safetensors"
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        XCTAssertThrowsError(try Safetensors(path: path), file: file, line: line) { error in
            guard case .corruptFile(let p, let r)? = error as? NNError else {
                return XCTFail("not a corruptFile error: \(error)", file: file, line: line)
            }
            XCTAssertEqual(p, path, file: file, line: line)
            XCTAssertTrue(r.contains(reason), "'\(r)' lacks '\(reason)'", file: file, line: line)
            XCTAssertTrue("\(error)".hasPrefix(path + ": corrupt file: "), "\(error)", file: file, line: line)
        }
    }

    private let one = #"{"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}}"#

    func testTruncatedFilesRejected() throws {
        try expectCorrupt([], "truncated: 0 bytes")
        try expectCorrupt([1, 0, 0], "truncated: 3 bytes")
        try expectCorrupt(file(one, data: [], length: 500), "truncated: header needs 500 bytes")
        try expectCorrupt(file(one, data: [0, 0, 0, 0]), "beyond the 4 data bytes")
        let good = try sample().encoded()
        for cut in [1, 4, good.count - 9] {
            try expectCorrupt(Array(good.prefix(good.count - cut)), "truncated")
        }
        try expectCorrupt(file(one, data: [], length: UInt64.max), "exceeds the limit")
    }

    func testBadJSONRejected() throws {
        try expectCorrupt(file(#"{"a": {"dtype": "F32", "#), "invalid JSON header")
        try expectCorrupt(file("[1, 2, 3]"), "invalid JSON header")
        try expectCorrupt(file(#"{"a": 3}"#), "tensor 'a' is not a JSON object")
        try expectCorrupt(file(#"{"a": {"shape": [1], "data_offsets": [0, 4]}}"#, data: [0, 0, 0, 0]), "tensor 'a' has no dtype")
        try expectCorrupt(file(#"{"a": {"dtype": "F32", "shape": [1.5], "data_offsets": [0, 4]}}"#, data: [0, 0, 0, 0]),
                          "tensor 'a' has no shape")
        try expectCorrupt(file(#"{"a": {"dtype": "F32", "shape": [1], "data_offsets": [-1, 4]}}"#, data: [0, 0, 0, 0]),
                          "tensor 'a' has no data_offsets")
        try expectCorrupt(file(#"{"__metadata__": {"n": 3}}"#), "__metadata__ is not a map")
        try expectCorrupt(file("{"), "header of 1 bytes")
    }

    func testOffsetsOutOfRangeOverlappingOrWithGapsRejected() throws {
        let eight = [UInt8](repeating: 0, count: 8)
        try expectCorrupt(file(#"{"a": {"dtype": "F32", "shape": [2], "data_offsets": [4, 12]}}"#, data: eight), "beyond the 8 data bytes")
        try expectCorrupt(file(#"{"a": {"dtype": "F32", "shape": [0], "data_offsets": [8, 0]}}"#, data: eight), "run backwards")
        try expectCorrupt(file(#"{"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8, 9]}}"#, data: eight), "3 data offsets")
        try expectCorrupt(file(#"""
            {"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}, "b": {"dtype": "F32", "shape": [1], "data_offsets": [4, 8]}}
            """#, data: eight), "overlaps")
        try expectCorrupt(file(#"{"a": {"dtype": "F32", "shape": [1], "data_offsets": [4, 8]}}"#, data: eight), "4 unused data bytes before tensor 'a'")
        try expectCorrupt(file(#"{"a": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}}"#, data: eight), "4 unexpected bytes after the last tensor")
    }

    func testUnknownDTypeAndShapeMismatchRejected() throws {
        let eight = [UInt8](repeating: 0, count: 8)
        try expectCorrupt(file(#"{"a": {"dtype": "I8", "shape": [8], "data_offsets": [0, 8]}}"#, data: eight),
                          "tensor 'a' has unsupported dtype 'I8' (this reader takes F64, F32, F16, BF16, I64)")
        try expectCorrupt(file(#"{"a": {"dtype": "F32", "shape": [3], "data_offsets": [0, 8]}}"#, data: eight),
                          "tensor 'a' has 8 bytes for shape [3] of F32 (needs 12)")
        try expectCorrupt(file(#"{"a": {"dtype": "F16", "shape": [2, -2], "data_offsets": [0, 8]}}"#, data: eight), "negative dimension")
        try expectCorrupt(file(#"{"a": {"dtype": "F64", "shape": [4294967296, 4294967296], "data_offsets": [0, 8]}}"#, data: eight),
                          "larger than the file")
    }

    func testMissingFileAndUnwritableDestination() throws {
        XCTAssertThrowsError(try Safetensors(path: dir + "/none.safetensors")) { e in
            XCTAssertEqual(e as? NNError, .fileNotFound(path: self.dir + "/none.safetensors"))
        }
        XCTAssertThrowsError(try sample().write(to: dir + "/no/such/dir/x.safetensors")) { e in
            guard case .writeFailed? = e as? NNError else { return XCTFail("\(e)") }
        }
        let bad = Safetensors(entries: [.init(name: "a", shape: [3], values: [Float(1)])])
        XCTAssertThrowsError(try bad.encoded()) { e in XCTAssertTrue("\(e)".contains("'a' has 1 values for shape [3]"), "\(e)") }
        let twice = Safetensors(entries: [.init(name: "a", shape: [], values: [Float(1)]), .init(name: "a", shape: [], values: [Float(2)])])
        XCTAssertThrowsError(try twice.encoded()) { e in XCTAssertTrue("\(e)".contains("used twice"), "\(e)") }
    }
}
