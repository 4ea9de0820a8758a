import Foundation
import Netlist
import TestSupport
import XCTest

@testable import Simulator

/// Checks the analog computing cells in netlists/ against the ideal math they implement
/// (FixtureTests checks the same decks against ngspice; this checks they compute the right thing).
///
/// The op-amp macro (netlists/opamp.lib) has open-loop gain A = 1e5, 1 MΩ input resistance,
/// 50 Ω output resistance inside the feedback loop and a soft diode clamp at about ±12 V.
/// A closed-loop inverting stage with noise gain 1 + Σ Rf/Ri is then off by ≈ (1 + Σ Rf/Ri)/A
/// relative (≤ 3e-5 for these cells); the tolerances below leave a few times that.
final class CellTests: XCTestCase {
    static var cellsDirectory: URL { CellDecks.cellsDirectory }
    static var thermalVoltage: Double { CellDecks.thermalVoltage }

    /// Inverting summer: vout = −RF·(v1/R1 + v2/R2 + v3/R3) while |vout| ≤ 11 V,
    /// within 1e-4·|ideal| + 0.1 mV (finite gain: 2.7e-5 relative). Beyond ±13 V ideal the
    /// output must sit on the clamp, 11.5 V ≤ |vout| ≤ 12.8 V, with the ideal's sign.
    func testSummingAmplifier() throws {
        let (deck, results) = try CellDecks.simulate("summing_amplifier.cir")
        let dc = try CellDecks.result(results, "dc1")
        let (r1, r2, r3, rf) = try (
            CellDecks.resistance(deck, "r1"), CellDecks.resistance(deck, "r2"), CellDecks.resistance(deck, "r3"), CellDecks.resistance(deck, "rf"))
        let (v2, v3) = try (CellDecks.sourceValue(deck, "v2"), CellDecks.sourceValue(deck, "v3"))
        let sweep = try CellDecks.column(dc, "v-sweep"), out = try CellDecks.column(dc, "v(out)")
        var checkedLinear = 0, checkedClamp = 0
        for (v1, vout) in zip(sweep, out) {
            let ideal = -rf * (v1 / r1 + v2 / r2 + v3 / r3)
            if abs(ideal) <= 11 {
                assertClose(vout, ideal, relative: 1e-4, absolute: 1e-4, "summer at v1 = \(v1)")
                checkedLinear += 1
            } else if abs(ideal) >= 13 {
                XCTAssert(
                    (11.5...12.8).contains(abs(vout)) && vout.sign == ideal.sign,
                    "summer at v1 = \(v1): \(vout) V is not on the ±12 V clamp")
                checkedClamp += 1
            }
        }
        XCTAssertGreaterThan(checkedLinear, 20)
        XCTAssertGreaterThan(checkedClamp, 4)
    }

    /// Log converter: vout = −N·Vt·ln(vin/(RIN·IS)). The diode's series resistance adds −RS·iin
    /// (≤ 1 mV at 1 mA). The finite gain leaves the virtual ground at −vout/A ≈ 4…7 µV, which
    /// lowers iin by 0.4 % at vin = 1 mV, i.e. shifts vout by ≈ 0.1 mV; the Shockley "−1" and
    /// gmin are below 10 µV. Tolerance: RS·iin + 0.5 mV, over vin = 1 mV … 10 V.
    func testLogConverter() throws {
        let (deck, results) = try CellDecks.simulate("log_converter.cir")
        let dc = try CellDecks.result(results, "dc1")
        let rin = try CellDecks.resistance(deck, "rin")
        let model = try CellDecks.diodeModel(deck, "d1")
        let isat = model.value("is", default: 1e-14), n = model.value("n", default: 1), rs = model.value("rs", default: 0)
        let sweep = try CellDecks.column(dc, "v-sweep"), out = try CellDecks.column(dc, "v(out)")
        XCTAssertGreaterThanOrEqual((sweep.max() ?? 0) / (sweep.min() ?? 1), 1000, "the sweep spans fewer than 3 decades")
        for (vin, vout) in zip(sweep, out) where vin > 0 {
            let iin = vin / rin
            let ideal = -n * Self.thermalVoltage * log(iin / isat)
            assertClose(vout, ideal, relative: 0, absolute: rs * iin + 5e-4, "log converter at vin = \(vin)")
        }
    }

    /// 4×4 crossbar: y = −RF·G·x with G[i][j] = 1/Rij. Tolerance 2e-4·|y| + 0.2 mV
    /// (finite gain: (1 + RF·Σ_j G[i][j])/A ≤ 3e-5 relative).
    func testCrossbar() throws {
        let (deck, results) = try CellDecks.simulate("crossbar_4x4.cir")
        let op = try CellDecks.result(results, "op1")
        let x = try (1...4).map { try CellDecks.sourceValue(deck, "vx\($0)") }
        for i in 1...4 {
            let rf = try CellDecks.resistance(deck, "rf\(i)")
            var ideal = 0.0
            for j in 1...4 {
                ideal -= rf / (try CellDecks.resistance(deck, "r\(i)\(j)")) * x[j - 1]
            }
            let y = try CellDecks.column(op, "v(y\(i))")[0]
            assertClose(y, ideal, relative: 2e-4, absolute: 2e-4, "crossbar output y\(i)")
        }
    }

    /// Every cell in netlists/ (including those AnalogCellTests simulates once transient, AC,
    /// BJT, MOSFET and switches land) parses in Kelvin's dialect, has an analysis, documents
    /// what it computes in its header, and has an ngspice reference in Tests/Fixtures or
    /// Tests/Fixtures/analog.
    func testEveryCellDeckParsesAndHasAReference() throws {
        let cells = try FileManager.default.contentsOfDirectory(atPath: CellDecks.cellsDirectory.path)
            .filter { $0.hasSuffix(".cir") }.sorted()
        XCTAssertGreaterThanOrEqual(cells.count, 19)
        for cell in cells {
            let path = CellDecks.cellsDirectory.appendingPathComponent(cell).path
            let deck: Deck
            do {
                deck = try NetlistParser.parse(file: path)
            } catch {
                XCTFail("\(cell): \(error)")
                continue
            }
            XCTAssertFalse(deck.analyses.isEmpty, "\(cell) has no analysis")
            let text = try String(contentsOfFile: path, encoding: .utf8)
            XCTAssert(text.contains("* What it computes"), "\(cell) does not say what it computes")
            let stem = String(cell.dropLast(4))
            let references = [CellDecks.fixturesDirectory, CellDecks.analogFixturesDirectory].flatMap { dir in
                ((try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? [])
                    .filter { $0.hasPrefix(stem + ".") && $0.hasSuffix(".csv") }
            }
            XCTAssertFalse(references.isEmpty, "\(cell) has no ngspice reference; run Tests/Fixtures/generate.py")
        }
    }

    /// Precision half-wave rectifier: vout = max(0, −vin)·RF/R1 (an inverting ReLU).
    /// Tolerance 2e-4·|ideal| + 0.5 mV: the finite gain costs 2e-5 relative and the diodes'
    /// drops are divided by the gain (≈ 6 µV); ngspice's worst error on this deck is 0.12 mV.
    func testPrecisionRectifier() throws {
        let (deck, results) = try CellDecks.simulate("precision_rectifier.cir")
        let dc = try CellDecks.result(results, "dc1")
        let gain = try CellDecks.resistance(deck, "rf") / CellDecks.resistance(deck, "r1")
        let sweep = try CellDecks.column(dc, "v-sweep"), out = try CellDecks.column(dc, "v(out)")
        XCTAssert(sweep.contains { $0 < -4 } && sweep.contains { $0 > 4 })
        for (vin, vout) in zip(sweep, out) {
            assertClose(vout, max(0, -vin) * gain, relative: 2e-4, absolute: 5e-4, "ReLU at vin = \(vin)")
        }
    }

    /// Absolute value: vout = |vin|. Tolerance 2e-4·|vin| + 1 mV: the summer's noise gain is 4
    /// (4e-5 relative), the half-wave stage's error is doubled by the summer's weight 2 (≈ 0.1 mV);
    /// ngspice's worst error on this deck is 0.43 mV.
    func testAbsoluteValue() throws {
        let (_, results) = try CellDecks.simulate("absolute_value.cir")
        let dc = try CellDecks.result(results, "dc1")
        let sweep = try CellDecks.column(dc, "v-sweep"), out = try CellDecks.column(dc, "v(out)")
        XCTAssert(sweep.contains { $0 < -4 } && sweep.contains { $0 > 4 })
        for (vin, vout) in zip(sweep, out) {
            assertClose(vout, abs(vin), relative: 2e-4, absolute: 1e-3, "|vin| at vin = \(vin)")
        }
    }

    /// 32×32 crossbar (generated by Cells.RandomCrossbar): y = −RF·G·x at the operating point
    /// and along the .dc sweep of x1. Tolerance 2e-4·|y| + 0.2 mV: the finite gain against a noise
    /// gain ≤ 3.1 costs ≤ 3.1e-5 relative. (FixtureTests compares every node with ngspice.)
    func testCrossbar32x32() throws {
        let (deck, results) = try CellDecks.simulate("crossbar_32x32.cir")
        let n = 32
        let x = try (1...n).map { try CellDecks.sourceValue(deck, "vx\($0)") }
        var weights = [[Double]](repeating: [Double](repeating: 0, count: n), count: n)
        for i in 1...n {
            let rf = try CellDecks.resistance(deck, "rf\(i)")
            for j in 1...n {
                weights[i - 1][j - 1] = rf / (try CellDecks.resistance(deck, "r\(i)_\(j)"))
            }
        }
        func ideal(_ i: Int, _ inputs: [Double]) -> Double {
            -zip(weights[i], inputs).reduce(0) { $0 + $1.0 * $1.1 }
        }
        let op = try CellDecks.result(results, "op1")
        for i in 0..<n {
            let y = try CellDecks.column(op, "v(y\(i + 1))")[0]
            assertClose(y, ideal(i, x), relative: 2e-4, absolute: 2e-4, "crossbar output y\(i + 1)")
        }
        let dc = try CellDecks.result(results, "dc1")
        let sweep = try CellDecks.column(dc, "v-sweep")
        XCTAssertEqual(sweep.count, 21)
        for i in 0..<n {
            let y = try CellDecks.column(dc, "v(y\(i + 1))")
            for (k, x1) in sweep.enumerated() {
                var inputs = x
                inputs[0] = x1
                assertClose(y[k], ideal(i, inputs), relative: 2e-4, absolute: 2e-4, "y\(i + 1) at x1 = \(x1)")
            }
        }
    }
}

/// What CellTests and AnalogCellTests share: where the cells and their references are, how to
/// simulate a cell, read columns and references, and compare waveforms with ngspice's.
enum CellDecks {
    /// netlists/, found from this file's path.
    static let cellsDirectory = packageRoot.appendingPathComponent("netlists")
    /// Tests/Fixtures: references of the cells that need only .op/.dc and R, C, L, V, I, E, F, G, H, D.
    static let fixturesDirectory = packageRoot.appendingPathComponent("Tests/Fixtures")
    /// Tests/Fixtures/analog: references of the cells that need .tran, .ac, Q, M, S or W (generate.py
    /// puts a cell there when its deck uses one of them).
    static let analogFixturesDirectory = packageRoot.appendingPathComponent("Tests/Fixtures/analog")

    static let packageRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()  // Tests/SimulatorTests
        .deletingLastPathComponent()  // Tests
        .deletingLastPathComponent()  // package root

    /// Thermal voltage kT/q at 27 °C (300.15 K), SI-2019 constants (ngspice: 25.865 mV).
    static let thermalVoltage = 1.380649e-23 * 300.15 / 1.602176634e-19

    /// Parses netlists/FILE and runs every analysis.
    static func simulate(_ file: String) throws -> (Deck, [SimulationResult]) {
        let deck = try NetlistParser.parse(file: cellsDirectory.appendingPathComponent(file).path)
        return (deck, try Simulation(deck: deck).run())
    }

    /// Simulates netlists/CELL.cir and returns its deck, its `tran1` result and ngspice's reference.
    static func transient(_ cell: String) throws -> (Deck, SimulationResult, CellReference) {
        let (deck, results) = try simulate("\(cell).cir")
        return (deck, try result(results, "tran1"), try reference(cell, "tran1"))
    }

    /// The value of column `name` of a transient result at time t (linear interpolation).
    static func value(_ result: SimulationResult, _ name: String, at t: Double) throws -> Double {
        interpolate(try column(result, "time"), try column(result, name), at: t)
    }

    static func result(_ results: [SimulationResult], _ name: String) throws -> SimulationResult {
        try XCTUnwrap(results.first { $0.name == name }, "no analysis \(name) in \(results.map(\.name))")
    }

    static func column(_ result: SimulationResult, _ name: String) throws -> [Double] {
        let index = try XCTUnwrap(result.variables.firstIndex(of: name), "no column \(name) in \(result.variables)")
        return result.rows.map { $0[index] }
    }

    static func element(_ deck: Deck, _ name: String) throws -> Element {
        try XCTUnwrap(deck.elements.first { $0.name == name }, "no element \(name) in the deck")
    }

    static func resistance(_ deck: Deck, _ name: String) throws -> Double {
        guard case .resistor(let r) = try element(deck, name).kind else {
            throw CellError("\(name) is not a resistor")
        }
        return r
    }

    static func capacitance(_ deck: Deck, _ name: String) throws -> Double {
        guard case .capacitor(let c, _) = try element(deck, name).kind else {
            throw CellError("\(name) is not a capacitor")
        }
        return c
    }

    static func sourceValue(_ deck: Deck, _ name: String) throws -> Double {
        guard case .voltageSource(let source) = try element(deck, name).kind else {
            throw CellError("\(name) is not a voltage source")
        }
        return try XCTUnwrap(source.dc, "\(name) has no DC value")
    }

    static func diodeModel(_ deck: Deck, _ name: String) throws -> Model {
        guard case .diode(let model, _) = try element(deck, name).kind else {
            throw CellError("\(name) is not a diode")
        }
        return model
    }

    // MARK: References and waveform comparison

    /// The ngspice reference NAME.ANALYSIS.csv of a cell (Tests/Fixtures or Tests/Fixtures/analog).
    static func reference(_ cell: String, _ analysis: String) throws -> CellReference {
        for directory in [analogFixturesDirectory, fixturesDirectory] {
            let url = directory.appendingPathComponent("\(cell).\(analysis).csv")
            if FileManager.default.fileExists(atPath: url.path) { return try CellReference(contentsOf: url) }
        }
        throw CellError("no reference \(cell).\(analysis).csv; run Tests/Fixtures/generate.py")
    }

    /// Linear interpolation of (xs, ys) at x; xs ascending. Clamps outside the range.
    static func interpolate(_ xs: [Double], _ ys: [Double], at x: Double) -> Double {
        guard let first = xs.first, let last = xs.last else { return .nan }
        if x <= first { return ys[0] }
        if x >= last { return ys[ys.count - 1] }
        var lo = 0, hi = xs.count - 1
        while hi - lo > 1 {
            let mid = (lo + hi) / 2
            if xs[mid] <= x { lo = mid } else { hi = mid }
        }
        let span = xs[hi] - xs[lo]
        return span > 0 ? ys[lo] + (ys[hi] - ys[lo]) * (x - xs[lo]) / span : ys[hi]
    }

    /// Times where ys crosses `level` (linear interpolation), rising (`up`) or falling.
    static func crossings(_ xs: [Double], _ ys: [Double], level: Double, rising up: Bool) -> [Double] {
        var out: [Double] = []
        for k in 1..<max(1, ys.count) {
            let a = ys[k - 1] - level, b = ys[k] - level
            if up ? (a < 0 && b >= 0) : (a > 0 && b <= 0) {
                out.append(xs[k - 1] + (xs[k] - xs[k - 1]) * a / (a - b))
            }
        }
        return out
    }

    /// Prints the worst |Δ|/allowed of a comparison (as FixtureTests does), to see the margins.
    static func report(_ label: String, _ summary: (ratio: Double, column: String)) {
        print("ngspice agreement \(label): worst \(String(format: "%.3g", summary.ratio)) of the tolerance"
            + (summary.column.isEmpty ? "" : " (\(summary.column))"))
    }

    /// Compares a DC/OP result point by point with its reference (same sweep points): every
    /// reference column within 0.002·|ref| + 1 mV (voltages) or + 1 nA (currents), as FixtureTests.
    static func assertMatchesPointwise(
        _ result: SimulationResult, _ reference: CellReference, _ label: String,
        file: StaticString = #filePath, line: UInt = #line
    ) {
        guard result.rows.count == reference.rows.count else {
            XCTFail("\(label): \(result.rows.count) points, ngspice has \(reference.rows.count)", file: file, line: line)
            return
        }
        var summary = (ratio: 0.0, column: "")
        defer { report(label, summary) }
        for (c, name) in reference.header.enumerated() {
            guard let mine = result.variables.firstIndex(of: name) else {
                XCTFail("\(label): no column \(name)", file: file, line: line)
                continue
            }
            let absolute = name.hasPrefix("i") ? 1e-9 : 1e-3
            var worst = 0.0, worstRow = 0
            defer { if !(worst <= summary.ratio) { summary = (worst, name) } }
            for (r, row) in reference.rows.enumerated() {
                let ratio = abs(result.rows[r][mine] - row[c]) / (0.002 * abs(row[c]) + absolute)
                if !(ratio <= worst) { worst = ratio; worstRow = r }
            }
            if !(worst <= 1) {
                XCTFail("\(label) \(name) row \(worstRow): kelvin \(result.rows[worstRow][mine]), ngspice "
                    + "\(reference.rows[worstRow][c]) (\(worst)× the tolerance)", file: file, line: line)
            }
        }
    }

    /// Compares an AC result with its reference at the same frequencies: for every node and
    /// source, |(vr, vi) − (vr, vi)_ngspice| ≤ 0.002·|ref| + 1e-6 (per volt of AC drive), or 1e-12 A
    /// for currents (ir/ii).
    static func assertMatchesAC(
        _ result: SimulationResult, _ reference: CellReference, _ label: String,
        file: StaticString = #filePath, line: UInt = #line
    ) {
        guard result.rows.count == reference.rows.count else {
            XCTFail("\(label): \(result.rows.count) frequencies, ngspice has \(reference.rows.count)", file: file, line: line)
            return
        }
        var summary = (ratio: 0.0, column: "")
        defer { report(label, summary) }
        for (c, name) in reference.header.enumerated() where name.hasPrefix("vr(") || name.hasPrefix("ir(") {
            let inner = name.dropFirst(2)
            let imagName = String(name.prefix(1)) + "i" + inner
            guard let cImag = reference.header.firstIndex(of: imagName),
                let mr = result.variables.firstIndex(of: name), let mi = result.variables.firstIndex(of: imagName)
            else {
                XCTFail("\(label): no columns \(name)/\(imagName) in Kelvin's result", file: file, line: line)
                continue
            }
            let absolute = name.hasPrefix("i") ? 1e-12 : 1e-6
            for (r, row) in reference.rows.enumerated() {
                let dr = result.rows[r][mr] - row[c], di = result.rows[r][mi] - row[cImag]
                let allowed = 0.002 * (row[c] * row[c] + row[cImag] * row[cImag]).squareRoot() + absolute
                let ratio = (dr * dr + di * di).squareRoot() / allowed
                if !(ratio <= summary.ratio) { summary = (ratio, name) }
                if !(ratio <= 1) {
                    XCTFail("\(label) \(name) at \(row[0]) Hz: kelvin (\(result.rows[r][mr]), \(result.rows[r][mi])), "
                        + "ngspice (\(row[c]), \(row[cImag]))", file: file, line: line)
                    break
                }
            }
        }
    }

    /// Compares a transient result with its reference: Kelvin's waveform is interpolated linearly
    /// onto ngspice's time points (the time steps differ) and every listed column (all reference
    /// columns when `columns` is nil) must lie within 0.002 × the column's full-scale swing in the
    /// reference + 1 mV (voltages) or + `currentFloor` (currents, default 1 nA); by default all
    /// reference columns but the currents of sources inside subcircuits. Reference points
    /// closer than `guardTime` to a time in `edges` are skipped, as are points before `from`
    /// (sharp edges: a small shift in time is a large difference in value there).
    static func assertMatchesTransient(
        _ result: SimulationResult, _ reference: CellReference, _ label: String,
        columns: [String]? = nil, edges: [Double] = [], guardTime: Double = 0, from: Double = -.infinity,
        currentFloor: Double = 1e-9, file: StaticString = #filePath, line: UInt = #line
    ) {
        guard let myTime = result.variables.firstIndex(of: "time"), reference.header.first == "time" else {
            XCTFail("\(label): no time scale", file: file, line: line)
            return
        }
        let kelvinTime = result.rows.map { $0[myTime] }
        let referenceTime = reference.rows.map { $0[0] }
        if let last = kelvinTime.last, let refLast = referenceTime.last {
            assertClose(last, refLast, relative: 1e-9, absolute: 1e-15, "\(label): last time point", file: file, line: line)
        }
        let keep = referenceTime.map { t in t >= from && !edges.contains { abs($0 - t) < guardTime } }
        // By default every column except the currents of sources inside subcircuits: those are the
        // op-amp macro's clamp-diode currents, exponentials of a node near 12 V that ngspice
        // converges only to RELTOL·12 V (12 mV, i.e. tens of percent of the current).
        let names = columns ?? reference.header.dropFirst().filter { !($0.hasPrefix("i(") && $0.contains(".")) }
        var compared = 0
        var summary = (ratio: 0.0, column: "")
        defer { report(label, summary) }
        for name in names {
            guard let c = reference.header.firstIndex(of: name), let mine = result.variables.firstIndex(of: name) else {
                XCTFail("\(label): column \(name) missing (kelvin or ngspice)", file: file, line: line)
                continue
            }
            let ref = reference.rows.map { $0[c] }
            let kelvin = result.rows.map { $0[mine] }
            let swing = (ref.max() ?? 0) - (ref.min() ?? 0)
            let allowed = 0.002 * swing + (name.hasPrefix("i") ? currentFloor : 1e-3)
            var worst = 0.0, worstIndex = -1
            for (k, t) in referenceTime.enumerated() where keep[k] {
                let difference = abs(interpolate(kelvinTime, kelvin, at: t) - ref[k])
                if !(difference <= worst) { worst = difference; worstIndex = k }
                compared += 1
            }
            if !(worst / allowed <= summary.ratio) { summary = (worst / allowed, name) }
            if worstIndex >= 0, !(worst <= allowed) {
                let t = referenceTime[worstIndex]
                XCTFail("\(label) \(name) at t = \(t): kelvin \(interpolate(kelvinTime, kelvin, at: t)), ngspice "
                    + "\(ref[worstIndex]) (allowed \(allowed))", file: file, line: line)
            }
        }
        XCTAssertGreaterThan(compared, 0, "\(label): nothing compared", file: file, line: line)
    }
}

/// An ngspice reference CSV (Kelvin's format): a header of column names, then rows of numbers.
struct CellReference {
    var header: [String]
    var rows: [[Double]]

    init(contentsOf url: URL) throws {
        let text = try String(contentsOf: url, encoding: .utf8)
        let lines = text.split(whereSeparator: \.isNewline).filter { !$0.isEmpty }
        guard let first = lines.first else { throw CellError("\(url.lastPathComponent) is empty") }
        header = first.split(separator: ",").map { String($0) }
        rows = try lines.dropFirst().map { line in
            let values = line.split(separator: ",").compactMap { Double($0) }
            guard values.count == first.split(separator: ",").count else {
                throw CellError("\(url.lastPathComponent): bad row \(line)")
            }
            return values
        }
    }

    func column(_ name: String) throws -> [Double] {
        let index = try XCTUnwrap(header.firstIndex(of: name), "no column \(name) in the reference")
        return rows.map { $0[index] }
    }
}

/// A cell deck that does not have the shape the test expects.
struct CellError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
