import Foundation
import Netlist
import TestSupport
import XCTest
@testable import Simulator

final class WriterTests: XCTestCase {
    let sample = SimulationResult(
        name: "dc1", plotName: "DC transfer characteristic", title: "writer test",
        variables: ["v-sweep", "v(a)", "v(x1.n1)", "i(v1)"],
        rows: [[0, 0, 0, 0], [0.5, 0.123456789012345, -1.5e-7, -2.5e-3]], newtonIterations: 4)

    func testCSV() {
        let text = CSVWriter.string(sample)
        let lines = text.split(separator: "\n")
        XCTAssertEqual(lines.first, "v-sweep,v(a),v(x1.n1),i(v1)")
        XCTAssertEqual(lines[2], "0.5,0.123456789012,-1.5e-07,-0.0025")
        XCTAssertEqual(lines.count, 3)
    }

    /// A result file replaces an existing regular file (new inode, same permission bits) and is
    /// written through a symbolic link, which stays a link (`OutputFile.create`).
    func testOutputFileReplacesFilesAndWritesThroughLinks() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("kelvin-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let path = folder + "/dc1.csv"
        try "old text that is longer than the new one\n".write(toFile: path, atomically: false, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: path)
        try CSVWriter.write(sample, to: path)
        XCTAssertEqual(try String(contentsOfFile: path, encoding: .utf8), CSVWriter.string(sample))
        let mode = try XCTUnwrap(FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? NSNumber)
        XCTAssertEqual(mode.intValue & 0o777, 0o600)

        let target = folder + "/target.csv", link = folder + "/link.csv"
        try "old\n".write(toFile: target, atomically: false, encoding: .utf8)
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: target)
        try CSVWriter.write(sample, to: link)
        XCTAssertEqual(try FileManager.default.destinationOfSymbolicLink(atPath: link), target)
        XCTAssertEqual(try String(contentsOfFile: target, encoding: .utf8), CSVWriter.string(sample))
        XCTAssertEqual(OutputFile.write(Array("x\n".utf8), to: folder + "/missing/meas.csv"), ENOENT)
    }

    func testRawfileRoundTrip() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("kelvin-\(UUID().uuidString).raw").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        var op = sample
        op.name = "op1"
        op.plotName = "Operating Point"
        op.variables = Array(sample.variables.dropFirst())
        op.rows = [Array(sample.rows[1].dropFirst())]
        try Rawfile.write([sample, op], to: path)
        let text = try String(contentsOfFile: path, encoding: .utf8)
        XCTAssertTrue(text.hasPrefix("Title: writer test\nDate: "))
        XCTAssertTrue(text.contains("\t0\tv(v-sweep)\tvoltage\n"))
        XCTAssertTrue(text.contains("\t3\ti(v1)\tcurrent\n"))
        let back = try Rawfile.read(path: path)
        XCTAssertEqual(back.map(\.name), ["dc1", "op1"])
        XCTAssertEqual(back[0].variables, sample.variables)
        XCTAssertEqual(back[0].rows, sample.rows)
        XCTAssertEqual(back[1].rows, op.rows)
        XCTAssertEqual(back[0].title, "writer test")
    }

    func testMalformedRawfile() {
        XCTAssertThrowsError(try Rawfile.parse("Title: x\nNo. Variables: 2\n", path: "bad.raw"))
        XCTAssertThrowsError(try Rawfile.read(path: "/nonexistent/kelvin.raw"))
    }

    /// A file that is not UTF-8 text is refused by name (a binary ngspice rawfile, say).
    func testRawfileThatIsNotUTF8IsRefusedByName() throws {
        let path = NSTemporaryDirectory() + "kelvin-bad-\(UUID().uuidString).raw"
        try Data([0x54, 0x69, 0x74, 0x6c, 0x65, 0x3a, 0x20, 0xff, 0xfe, 0x0a]).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        XCTAssertThrowsError(try Rawfile.read(path: path)) { error in
            XCTAssertTrue("\(error)".contains(path) && "\(error)".contains("not UTF-8"), "\(error)")
        }
    }

    /// ngspice must `load` Kelvin's rawfile and print the same values.
    func testNgspiceLoadsRawfile() throws {
        try XCTSkipIf(NgspiceRunner.executable == nil, "ngspice is not installed")
        var t = TestDeck("loaded by ngspice")
        t.v("v1", "in", "0", 0)
        t.r("r1", "in", "out", 1e3)
        t.r("r2", "out", "0", 3e3)
        t.dc(SweepSpec(source: "v1", start: 0, stop: 4, step: 1))
        let results = try t.run()
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("kelvin-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        try Rawfile.write(results, to: dir.appendingPathComponent("kelvin.raw").path)
        let script = """
            load test
            .control
            load \(dir.path)/kelvin.raw
            print v(out)[4] i(v1)[2]
            .endc
            .end

            """
        let (output, runDir) = try NgspiceRunner.run(script)
        defer { try? FileManager.default.removeItem(at: runDir) }
        func value(_ name: String) -> Double? {
            for line in output.split(separator: "\n") {
                let parts = line.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
                if parts.count == 2, parts[0] == name { return Double(parts[1]) }
            }
            return nil
        }
        let vout = try XCTUnwrap(value("v(out)[4]"), output)
        assertClose(vout, 3, relative: 1e-12)
        let i = try XCTUnwrap(value("i(v1)[2]"), output)
        assertClose(i, -0.5e-3, relative: 1e-12)
    }
}
