import Foundation
import TestSupport
import XCTest

/// `kelvin sim` on the decks of Tests/Fixtures/control against ngspice-39's references made by
/// `generate_control.py`: the printed text (`print` tables and lines, `echo`, measurement lines)
/// line by line, every measurement of `meas.csv`, and every file `wrdata` wrote.
///
/// Text is compared exactly except numbers, which must have ngspice's form (sign, digits, exponent)
/// and agree within 0.2 % + 1e-9 of the reference (diode points: ngspice stops Newton at RELTOL);
/// a number below 1e-9 in both may differ in sign and form (a zero that is 1e-16 in one of them).
final class ControlFixtureTests: XCTestCase {
    private var scratch: ScratchDirectory!

    override func setUpWithError() throws { scratch = try ScratchDirectory("control") }
    override func tearDownWithError() throws { scratch.remove() }

    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Fixtures/control")

    static let number = try! NSRegularExpression(pattern: #"[-+]?\d+\.\d+[eE][-+]\d+"#)
    static let date = try! NSRegularExpression(
        pattern: #"[A-Z][a-z]{2} [A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d  \d{4}"#)

    /// generate_control.py's normalisation: no blank lines, dates replaced (Kelvin prints no
    /// progress lines); Kelvin's own `wrote` and summary lines dropped.
    static func normalise(_ text: String) -> [String] {
        text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init).filter {
            !$0.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty && !$0.hasPrefix("wrote ")
                && $0.range(of: #"^\d+ analys[ie]s"#, options: .regularExpression) == nil
        }.map {
            date.stringByReplacingMatches(in: $0, range: NSRange($0.startIndex..., in: $0), withTemplate: "DATE")
        }
    }

    /// Splits a line into its text between numbers and its numbers.
    static func split(_ line: String) -> (text: [String], numbers: [String]) {
        let ns = line as NSString
        var text: [String] = []
        var numbers: [String] = []
        var last = 0
        for m in number.matches(in: line, range: NSRange(location: 0, length: ns.length)) {
            text.append(ns.substring(with: NSRange(location: last, length: m.range.location - last)))
            numbers.append(ns.substring(with: m.range))
            last = m.range.location + m.range.length
        }
        text.append(ns.substring(from: last))
        return (text, numbers)
    }

    static func shape(_ s: String) -> String {
        String(s.map { $0.isNumber ? "9" : $0 })
    }

    func assertSameLines(_ kelvin: [String], _ ngspice: [String], _ what: String, file: StaticString = #filePath,
                         line: UInt = #line) {
        XCTAssertEqual(kelvin.count, ngspice.count, "\(what): line count", file: file, line: line)
        var failures = 0
        for (k, (a, b)) in zip(kelvin, ngspice).enumerated() where failures < 5 {
            let (ta, na) = Self.split(a), (tb, nb) = Self.split(b)
            guard ta == tb, na.count == nb.count else {
                XCTFail("\(what) line \(k + 1):\n kelvin:  \(a)\n ngspice: \(b)", file: file, line: line)
                failures += 1
                continue
            }
            for (x, y) in zip(na, nb) {
                guard let u = Double(x), let v = Double(y) else { continue }
                let small = abs(u) < 1e-9 && abs(v) < 1e-9
                if !small && (Self.shape(x) != Self.shape(y) || abs(u - v) > 2e-3 * abs(v) + 1e-9) {
                    XCTFail("\(what) line \(k + 1): \(x) vs ngspice \(y)\n kelvin:  \(a)\n ngspice: \(b)",
                            file: file, line: line)
                    failures += 1
                    break
                }
            }
        }
    }

    /// Runs one deck in a fresh folder (so `wrdata` writes there) and compares everything.
    func check(_ name: String, out: Bool = true) throws {
        let deck = Self.fixtures.appendingPathComponent("\(name).cir")
        let copy = scratch.url.appendingPathComponent("\(name).cir")
        try FileManager.default.copyItem(at: deck, to: copy)
        let outDir = scratch.url.appendingPathComponent("out").path
        let result = try KelvinProcess.run(["sim", copy.path] + (out ? ["--out", outDir] : []), in: scratch.url)
        XCTAssertEqual(result.status, 0, result.stderr)

        let reference = try String(contentsOf: Self.fixtures.appendingPathComponent("\(name).stdout"), encoding: .utf8)
        assertSameLines(Self.normalise(result.stdout), Self.normalise(reference), "\(name) stdout")

        let expected = try Self.measurements(
            String(contentsOf: Self.fixtures.appendingPathComponent("\(name).meas.csv"), encoding: .utf8))
        if out && !expected.isEmpty {
            let measured = try Self.measurements(String(contentsOfFile: outDir + "/meas.csv", encoding: .utf8))
            XCTAssertEqual(Set(measured.keys), Set(expected.keys), "\(name): measurement names")
            for (key, references) in expected {
                guard let values = measured[key] else { continue }
                XCTAssertEqual(values.count, references.count, "\(name): \(key) count")
                for (value, reference) in zip(values, references) {
                    if let r = Double(reference), let v = Double(value) {
                        XCTAssertEqual(v, r, accuracy: 2e-3 * abs(r) + 1e-12, "\(name): \(key)")
                    } else {
                        XCTAssertEqual(value, reference, "\(name): \(key)")
                    }
                }
            }
        }

        for file in try FileManager.default.contentsOfDirectory(atPath: Self.fixtures.path)
        where file.hasPrefix("\(name).") && ![".cir", ".stdout", ".meas.csv"].contains(where: { file.hasSuffix($0) }) {
            let written = String(file.dropFirst(name.count + 1))
            let kelvin = try Data(contentsOf: scratch.url.appendingPathComponent(written))
            let ngspice = try Data(contentsOf: Self.fixtures.appendingPathComponent(file))
            let (kelvinText, kelvinBinary) = Self.rawfileParts(kelvin)
            let (ngspiceText, ngspiceBinary) = Self.rawfileParts(ngspice)
            assertSameLines(Self.dated(kelvinText), Self.dated(ngspiceText), "\(name): \(written)")
            XCTAssertEqual(kelvinBinary.count, ngspiceBinary.count, "\(name): \(written): binary values")
            for (k, (a, b)) in zip(kelvinBinary, ngspiceBinary).enumerated() where abs(a - b) > 2e-3 * abs(b) + 1e-9 {
                XCTFail("\(name): \(written): binary value \(k): \(a) vs ngspice \(b)")
                break
            }
        }
    }

    /// A file's text lines, and the float64 values after a binary rawfile's `Binary:` line.
    static func rawfileParts(_ data: Data) -> (text: String, binary: [Double]) {
        guard let marker = data.range(of: Data("Binary:\n".utf8)) else {
            return (String(decoding: data, as: UTF8.self), [])
        }
        let values = data[marker.upperBound...].withUnsafeBytes { raw in
            (0..<raw.count / 8).map { raw.loadUnaligned(fromByteOffset: $0 * 8, as: Double.self) }
        }
        return (String(decoding: data[..<marker.upperBound], as: UTF8.self), values)
    }

    /// Lines with plot dates replaced (rawfile `Date:` lines).
    static func dated(_ text: String) -> [String] {
        text.components(separatedBy: "\n").map {
            date.stringByReplacingMatches(in: $0, range: NSRange($0.startIndex..., in: $0), withTemplate: "DATE")
        }
    }

    /// `name,analysis,value` rows keyed by `name analysis`, the values of a name in file order
    /// (a `meas` in a `foreach` loop measures one name several times).
    static func measurements(_ csv: String) throws -> [String: [String]] {
        var result: [String: [String]] = [:]
        for line in csv.split(separator: "\n").dropFirst() {
            let f = line.split(separator: ",").map(String.init)
            guard f.count == 3 else { throw CocoaError(.fileReadCorruptFile) }
            result["\(f[0]) \(f[1])", default: []].append(f[2])
        }
        return result
    }

    func testTransientMeasurementsPrintAndWrdata() throws { try check("meas_tran") }
    func testACMeasurementsComplexPrintAndWrdata() throws { try check("meas_ac") }
    func testDCMeasurementsNumdgtAndWrdata() throws { try check("meas_dc") }
    func testForeachRepeatAlterAlterparamReset() throws { try check("loops") }
    func testPrintAndMeasCardsWithoutControl() throws { try check("print_cards", out: false) }
    func testWriteRawfilesAsciiAndBinary() throws { try check("write_raw") }
    func testPrintCardsOfAnACWithVdbVpVm() throws { try check("print_ac", out: false) }
    func testEchoSetQuotesAndOperatingPointWrdata() throws { try check("op_echo") }
    func testParameterSweepWithAlterparamResetAndMeas() throws { try check("param_sweep") }
    func testPlotQualifiedVectorsAndSetplot() throws { try check("plot_names") }
    func testRunDoesTheCardsInNgspicesOrder() throws { try check("run_order") }
    func testOptionAndDestroy() throws { try check("option_destroy") }
    func testTransferFunctionSensitivityAndNoiseCommands() throws { try check("small_signal") }
    /// `dc temp`, `option temp=` in a `foreach`, `set temp=`, `option tnom=`, and `set gmin=`
    /// setting the simulator option as ngspice's `set` does.
    func testTemperatureSweepsAndOptionsThroughSetAndOption() throws { try check("temperature") }
}
