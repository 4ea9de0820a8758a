import Foundation
import TestSupport
import TransferCurves
import XCTest

/// The `.lut` file: bit-exact round trips, and clear errors for damaged files.
final class LookupTableFileTests: XCTestCase {
    private var scratch: ScratchDirectory!
    private var directory: URL { scratch.url }

    override func setUpWithError() throws { scratch = try ScratchDirectory("lut") }
    override func tearDownWithError() throws { scratch.remove() }

    static func provenance() -> Provenance {
        Provenance(
            cell: "test_cell", netlistPath: "netlists/test_cell.cir", netlistSHA256: SHA256.hex(text: "netlist"),
            includedSHA256: ["opamp.lib": SHA256.hex(text: "lib")], modelParameters: ["dlog": ["is": 1e-14, "n": 1.0000001]],
            temperature: 27, grid: "v1=-1:1:5", ideal: "-(x + 0.1)", kelvinVersion: "test", date: "2026-01-01T00:00:00Z",
            command: "kelvin characterize test_cell")
    }

    /// Awkward doubles: −0, subnormals, extremes, non-terminating binary fractions, random bit patterns.
    static func awkward(_ n: Int, seed: UInt64) -> [Double] {
        var rng = SeededGenerator(seed: seed)
        let specials: [Double] = [-0.0, .leastNonzeroMagnitude, .greatestFiniteMagnitude, 0.1, -1.0 / 3, .pi, 1e-300]
        return (0..<n).map { k in
            if k < specials.count { return specials[k] }
            let d = Double(bitPattern: rng.next())
            return d.isFinite ? d : Double(k) * 0.1
        }
    }

    static func table1D() throws -> LookupTable {
        let mc = MonteCarloStatistics(
            instances: 3, failedInstances: 1, seed: .max, tolerances: ["r": 0.01, "is": 0.05], mean: awkward(5, seed: 2),
            standardDeviation: awkward(5, seed: 3), gain: [1.01, 0.99, 1 + 1e-16], offset: [1e-3, -2e-3, 0.1],
            residual: [1e-9, 2e-9, 3e-9], fitRange: -0.5...(1.0 / 3))
        return try LookupTable(
            provenance: provenance(), axes: [Axis(name: "v1", unit: "V", values: [-1, -0.5, 0.1, 0.7, 1])],
            output: Quantity(name: "v(out)", unit: "V"), values: awkward(5, seed: 1), monteCarlo: mc,
            dynamics: Dynamics(
                settlingTime: 1.234e-6, operationTime: 1.234e-6, operationTimeStated: false, quiescentPower: 1.0 / 3,
                staticEnergy: 1.234e-6 / 3, dynamicEnergy: -1e-13, energyPerOperation: 1.234e-6 / 3 - 1e-13, stepFrom: -1,
                stepTo: 1, supplies: ["vcc"], holdTimeConstant: 0.98908470507, holdWindow: 0.75e-3...1.25e-3))
    }

    static func table2D() throws -> LookupTable {
        let x = [-1.0, 0, 0.5, 1], w = [-2.0, 1.0 / 3, 2]
        let values = x.flatMap { xv in w.map { xv * $0 / 10 + 0.01 * xv * xv } }
        let fit = try SeparableFit.fit(x: x, w: w, values: values, target: 1e-12)
        return try LookupTable(
            provenance: provenance(), axes: [Axis(name: "vx", unit: "V", values: x), Axis(name: "vw", unit: "V", values: w)],
            output: Quantity(name: "v(out)", unit: "V"), values: values, separableFit: fit)
    }

    private func assertBitEqual(_ a: [Double], _ b: [Double], file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(a.map(\.bitPattern), b.map(\.bitPattern), file: file, line: line)
    }

    func testRoundTripIsBitExact() throws {
        for table in [try Self.table1D(), try Self.table2D()] {
            let path = directory.appendingPathComponent("t.lut").path
            try table.write(to: path)
            let back = try LookupTable.read(from: path)
            XCTAssertEqual(back, table)
            assertBitEqual(back.values, table.values)
            for (a, b) in zip(back.axes, table.axes) { assertBitEqual(a.values, b.values) }
            if let m = table.monteCarlo, let n = back.monteCarlo {
                assertBitEqual(n.mean, m.mean)
                assertBitEqual(n.standardDeviation, m.standardDeviation)
                assertBitEqual(n.gain + n.offset + n.residual, m.gain + m.offset + m.residual)
                XCTAssertEqual(n.seed, UInt64.max)
            }
            if let f = table.separableFit, let g = back.separableFit {
                assertBitEqual(g.g.flatMap { $0 } + g.h.flatMap { $0 }, f.g.flatMap { $0 } + f.h.flatMap { $0 })
                assertBitEqual([g.relativeResidual, g.maxAbsoluteError], [f.relativeResidual, f.maxAbsoluteError])
            }
            // Writing what was read gives the same bytes.
            XCTAssertEqual(try back.encoded(), try table.encoded())
        }
    }

    func testFileIsSmall() throws {
        let bytes = try Self.table1D().encoded()
        XCTAssertLessThan(bytes.count, 4096)
    }

    private func expectError(
        _ bytes: [UInt8], _ check: (TransferCurvesError) -> Bool, _ reason: String, file: StaticString = #filePath,
        line: UInt = #line
    ) throws {
        let path = directory.appendingPathComponent("bad.lut").path
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        XCTAssertThrowsError(try LookupTable.read(from: path), file: file, line: line) { error in
            guard let e = error as? TransferCurvesError else { return XCTFail("\(error)", file: file, line: line) }
            XCTAssertTrue(check(e), "unexpected error \(e)", file: file, line: line)
            XCTAssertTrue(e.description.hasPrefix(path + ": error: "), e.description, file: file, line: line)
            XCTAssertTrue(e.description.contains(reason), e.description, file: file, line: line)
        }
    }

    func testTruncatedFilesAreRejected() throws {
        let bytes = try Self.table1D().encoded()
        for length in [0, 5, 10, 14, 40, bytes.count / 2, bytes.count - 33, bytes.count - 1] {
            try expectError(Array(bytes.prefix(length)), {
                if case .truncated = $0 { return true }
                return false
            }, "truncated")
        }
    }

    func testCorruptFilesAreRejected() throws {
        let bytes = try Self.table1D().encoded()
        // A flipped bit in the payload, in the header, in the checksum.
        for position in [bytes.count - 40, 30, bytes.count - 1] {
            var damaged = bytes
            damaged[position] ^= 0x10
            try expectError(damaged, {
                if case .corrupt = $0 { return true }
                return false
            }, "checksum mismatch")
        }
        // Extra bytes after the checksum.
        try expectError(bytes + [0], {
            if case .corrupt = $0 { return true }
            return false
        }, "unexpected bytes")
        // A damaged header with a valid checksum: the JSON is rejected.
        var header = Array(bytes.dropLast(32))
        header[16] = UInt8(ascii: "[")
        try expectError(header + SHA256.digest(header), {
            if case .corrupt = $0 { return true }
            return false
        }, "bad header")
        // Not a table at all.
        try expectError(Array("title\nV1 1 0 1\n.end\n".utf8), {
            if case .notALookupTable = $0 { return true }
            return false
        }, "not a Kelvin lookup table")
    }

    func testWrongVersionIsRejected() throws {
        var bytes = try Self.table1D().encoded()
        XCTAssertEqual(LookupTable.fileVersion(bytes), 2)
        for version: UInt8 in [0, 3] {
            bytes[8] = version
            try expectError(
                bytes, { $0 == .unsupportedVersion(path: self.directory.appendingPathComponent("bad.lut").path, found: UInt32(version), supported: 2) },
                "unsupported format version \(version) (this Kelvin reads versions 1…2)")
        }
    }

    /// A version-1 file (same layout; `dynamics.energyPerOperation` meant the energy from the step
    /// to tstop) decodes, its energy kept as `legacyWindowEnergy`, never as energy per operation.
    func testVersion1DynamicsAreUpgraded() throws {
        let v1JSON = #"{"axes":[{"name":"v1","unit":"V","values":{"count":2,"offset":0}}],"#
            + #""dynamics":{"energyPerOperation":8e-08,"settlingTime":3e-07,"stepFrom":-5,"stepTo":5,"supplies":["vcc","vee"]},"#
            + #""output":{"name":"v(out)","unit":"V"},"provenance":{"cell":"c","date":"2026-01-01T00:00:00Z","grid":"v1=0:1:2","#
            + #""includedSHA256":{},"kelvinVersion":"old","modelParameters":{},"netlistPath":"c.cir","netlistSHA256":"00","temperature":27},"#
            + #""values":{"count":2,"offset":2}}"#
        var bytes = Array("KELVLUT\n".utf8)
        bytes.append(contentsOf: [1, 0, 0, 0])
        let json = Array(v1JSON.utf8)
        for b in 0..<4 { bytes.append(UInt8(truncatingIfNeeded: json.count >> (8 * b))) }
        bytes.append(contentsOf: json)
        bytes.append(contentsOf: [4, 0, 0, 0, 0, 0, 0, 0])
        for v in [0.0, 1, 0.5, -0.5] { for b in 0..<8 { bytes.append(UInt8(truncatingIfNeeded: v.bitPattern >> UInt64(8 * b))) } }
        bytes.append(contentsOf: SHA256.digest(bytes))
        XCTAssertEqual(LookupTable.fileVersion(bytes), 1)
        let table = try LookupTable.decode(bytes, path: "v1.lut")
        XCTAssertEqual(table.values, [0.5, -0.5])
        XCTAssertEqual(
            table.dynamics,
            Dynamics(settlingTime: 3e-7, stepFrom: -5, stepTo: 5, supplies: ["vcc", "vee"], legacyWindowEnergy: 8e-8))
        // Written back, it is a v2 file that keeps the legacy value under its own name.
        let again = try table.encoded()
        XCTAssertEqual(LookupTable.fileVersion(again), 2)
        XCTAssertEqual(try LookupTable.decode(again, path: "v2.lut"), table)
        // A damaged v1 dynamics section (with a valid checksum) names the file.
        var bad = Array(bytes.dropLast(32))
        let broken = Array(#""supplies":"vcc""#.utf8), original = Array(#""supplies":["vcc","vee"]"#.utf8)
        let at = try XCTUnwrap((0...(bad.count - original.count)).first { Array(bad[$0..<($0 + original.count)]) == original })
        bad.replaceSubrange(at..<(at + original.count), with: broken + Array(repeating: UInt8(ascii: " "), count: original.count - broken.count))
        try expectError(bad + SHA256.digest(bad), {
            if case .corrupt = $0 { return true }
            return false
        }, "corrupt file")
    }

    func testMissingFileNamesThePath() {
        XCTAssertThrowsError(try LookupTable.read(from: "/nonexistent/x.lut")) { error in
            XCTAssertTrue("\(error)".hasPrefix("/nonexistent/x.lut: error: cannot read"), "\(error)")
        }
    }

    func testInvalidShapesAreRejected() {
        XCTAssertThrowsError(
            try LookupTable(
                provenance: Self.provenance(), axes: [Axis(name: "v1", unit: "V", values: [0, 1, 1])],
                output: Quantity(name: "v(out)", unit: "V"), values: [0, 1, 2]))
        XCTAssertThrowsError(
            try LookupTable(
                provenance: Self.provenance(), axes: [Axis(name: "v1", unit: "V", values: [0, 1])],
                output: Quantity(name: "v(out)", unit: "V"), values: [0, 1, 2]))
    }
}
