import Foundation
import TestSupport
import XCTest

@testable import NN

/// Inputs found by the fuzz targets (`make fuzz`, Fuzz/) and the run-directory crash of issue 14
/// §4: each must be a located error naming the file, never a trap.
final class ReaderFuzzRegressionTests: XCTestCase {
    /// A checkpoint file around `header` (JSON) and `floats` values, with a valid CRC-32.
    private func checkpoint(header: String, floats: Int = 0) -> [UInt8] {
        let json = Array(header.utf8)
        var bytes = Checkpoint.magic + [2, 0, 0, 0]
        for i in 0..<8 { bytes.append(UInt8(truncatingIfNeeded: UInt64(json.count) >> (8 * UInt64(i)))) }
        bytes += json + [UInt8](repeating: 0, count: 4 * floats)
        let crc = bytes.withUnsafeBytes { crc32Checksum($0) }
        for i in 0..<4 { bytes.append(UInt8(truncatingIfNeeded: crc >> (8 * UInt32(i)))) }
        return bytes
    }

    private func header(entries: String, normalization: String = "null", channels: Int = 1) -> String {
        """
        {"batchInEpoch":0,"entries":\(entries),"epoch":0,"metadata":{},\
        "model":{"type":"linear","in":\(channels),"out":1,"bias":false},"normalization":\(normalization),\
        "optimizer":{"dampening":0,"learningRate":0.1,"momentum":0.9,"nesterov":false,"weightDecay":0},\
        "progress":{"correct":0,"lossSum":0,"seconds":0,"seen":0},"rngState":0,"step":0}
        """
    }

    private func assertNamed(_ bytes: [UInt8], _ fragment: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try Checkpoint(bytes: bytes, path: "found.ckpt"), file: file, line: line) { error in
            let text = "\(error)"
            XCTAssertTrue(text.contains("found.ckpt") && text.contains(fragment), text, file: file, line: line)
        }
    }

    func testValidHandMadeCheckpointReads() throws {
        let bytes = checkpoint(header: header(entries: #"[{"name":"w","shape":[1,1],"offset":0,"count":1}]"#), floats: 1)
        XCTAssertEqual(try Checkpoint(bytes: bytes, path: "ok.ckpt").arrays.count, 1)
    }

    /// Found by fuzz-checkpoint: an input normalisation with fewer values than the model's input
    /// channels was accepted, to be indexed past its end at evaluation.
    func testNormalizationThatDoesNotFitTheModelNamesTheFile() {
        let model = #"{"type":"conv2d","in":2,"out":1,"kernel":1,"stride":1,"padding":0,"bias":false}"#
        let text = header(entries: "[]", normalization: #"{"mean":[0.5],"std":[0.2]}"#)
            .replacingOccurrences(of: #"{"type":"linear","in":1,"out":1,"bias":false}"#, with: model)
        assertNamed(checkpoint(header: text), "input channels")
    }

    /// Sizes from the file overflowed `Int` arithmetic (a trap) instead of failing.
    func testHugeCountsAndShapesAreErrorsNotTraps() {
        assertNamed(checkpoint(header: header(entries: #"[{"name":"w","shape":[1],"offset":0,"count":9223372036854775807}]"#)),
                    "bad entry for array 'w'")
        assertNamed(checkpoint(header: header(entries: """
            [{"name":"a","shape":[1],"offset":0,"count":4611686018427387904},\
            {"name":"b","shape":[1],"offset":0,"count":4611686018427387904}]
            """)), "bad entry")
        assertNamed(checkpoint(header: header(entries: #"[{"name":"w","shape":[4294967296,4294967296],"offset":0,"count":1}]"#),
                               floats: 1), "bad shape")
        assertNamed(checkpoint(header: header(entries: #"[{"name":"w","shape":[1],"offset":9223372036854775807,"count":1}]"#),
                               floats: 1), "bad entry")
    }

    /// Issue 14 §4: `nan` or `1e30` in the step column trapped `kelvin plot` (Int(Double)).
    func testStepLogRejectsNonIntegerSteps() throws {
        for bad in ["nan", "1e30", "-1", "2.5", "inf"] {
            let text = "\(StepLog.header)\n\(bad),1,2.3,0.1,0.01,50,2.2\n"
            XCTAssertThrowsError(try StepLog.parse(Data(text.utf8), path: "run/steps.csv")) { error in
                XCTAssertTrue("\(error)".contains("run/steps.csv") && "\(error)".contains("line 2"), "\(error)")
            }
        }
        let old = "step,epoch,loss,accuracy,learning_rate,images_per_s\n1,1,2.3,0.1,0.01,50\n"
        XCTAssertEqual(try StepLog.parse(Data(old.utf8), path: "old.csv").first?.stepLoss, nil)
        let new = "\(StepLog.header)\n1,1,2.3,0.1,0.01,50,2.25\n2,1,2.3,0.1,0.01,50,\n"
        XCTAssertEqual(try StepLog.parse(Data(new.utf8), path: "new.csv").map(\.stepLoss), [2.25, nil])
    }
}
