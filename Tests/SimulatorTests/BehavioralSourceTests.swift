import Foundation
import LinearAlgebra
import Netlist
import TestSupport
import XCTest

@testable import Simulator

/// B sources, behavioural E/G (`value=`, `table`) and POLY E/F/G/H in `.op`, `.dc`, `.tran` and
/// `.ac`, against ngspice-39 (decks and references in Tests/Fixtures/behavioral, made by
/// generate_behavioral.py) and against their own math.
final class BehavioralSourceTests: XCTestCase {
    private let folder = DevFixtures.behavioralDirectory

    /// DC and AC within DevFixtures' tolerance: 0.1 % of the value + 1e-5 of the column's full scale.
    private func compare(_ deck: String, _ analyses: [String], file: StaticString = #filePath, line: UInt = #line) throws {
        for analysis in analyses {
            try DevFixtures.compare(deck, analysis: analysis, in: folder, file: file, line: line)
        }
    }

    /// Squarer, multiplier, divider, an `I=` source, `temper` (`.temp 35`) and `i(vsense)`; the
    /// `.ac` is the products linearised at the operating point.
    func testMultiplierMatchesNgspice() throws {
        try compare("b_multiplier.cir", ["op1", "dc1", "ac1"])
    }

    /// Limiters and rectifiers from `?:`, min/max, uramp, u, sgn and abs.
    func testLimiterMatchesNgspice() throws {
        try compare("b_limiter.cir", ["dc1"])
    }

    /// A 12·tanh amplifier (gain 1e4) in an inverting loop with a pole: saturation in `.dc`, the
    /// closed-loop response in `.ac`.
    func testTanhAmplifierInFeedbackMatchesNgspice() throws {
        try compare("b_tanh_feedback.cir", ["op1", "dc1", "ac1"])
    }

    /// E and G with `value=`, `vol=`, `cur=` and `table` (flat outside its points).
    func testValueAndTableSourcesMatchNgspice() throws {
        try compare("eg_value_table.cir", ["op1", "dc1"])
    }

    /// POLY(2) multiplier E, a POLY(1) cubic E, POLY(1) F and H on a sense current, a POLY(2) G.
    func testPolynomialSourcesMatchNgspice() throws {
        try compare("poly_sources.cir", ["op1", "dc1"])
    }

    /// Time-dependent B sources (`time`): Kelvin's waveform interpolated onto ngspice's time points
    /// within TransientTests' tolerance (0.2 % of each column's swing + 1 mV), and about as many
    /// accepted points.
    func testTransientMatchesNgspice() throws {
        try compareTransient("b_transient")
    }

    /// A POLY squarer, a G table limiter, an F POLY and a G value driven by a SIN source: `.op`
    /// and `.ac` within DevFixtures' tolerance, `.tran` within TransientTests'.
    func testPolynomialAndTableSourcesInTransientAndACMatchNgspice() throws {
        try compare("poly_table_tran.cir", ["op1", "ac1"])
        try compareTransient("poly_table_tran")
    }

    /// The `.tran` of `deck` (no extension) against its reference (see `testTransientMatchesNgspice`).
    private func compareTransient(_ deck: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let results = try DevFixtures.simulate("\(deck).cir", in: folder)
        let r = try XCTUnwrap(results.first { $0.name == "tran1" }, file: file, line: line)
        let ref = try DevFixtures.reference("\(deck).tran1.csv", in: folder)
        let ratio = Double(r.rows.count) / Double(ref.rows.count)
        XCTAssertTrue(
            (0.85...1.15).contains(ratio), "\(deck): \(r.rows.count) time points, ngspice \(ref.rows.count)",
            file: file, line: line)
        let t = try XCTUnwrap(r.column("time"))
        var worst = 0.0
        for (c, name) in ref.header.enumerated() where name != "time" {
            let v = try XCTUnwrap(r.column(name), name, file: file, line: line)
            let expected = ref.rows.map { $0[c] }
            let allowed = 0.002 * ((expected.max() ?? 0) - (expected.min() ?? 0)) + (name.hasPrefix("i(") ? 1e-9 : 1e-3)
            for row in ref.rows {
                let x = row[0]
                var k = t.firstIndex { $0 >= x } ?? t.count - 1
                k = max(k, 1)
                let actual = t[k] > t[k - 1] ? v[k - 1] + (v[k] - v[k - 1]) * (x - t[k - 1]) / (t[k] - t[k - 1]) : v[k]
                XCTAssertEqual(actual, row[c], accuracy: allowed, "\(deck): \(name) at t = \(x)", file: file, line: line)
                worst = max(worst, abs(actual - row[c]) / allowed)
            }
        }
        print("\(deck).cir tran1: worst |Δ|/allowed \(String(format: "%.3g", worst))")
    }

    /// Every deck in Tests/Fixtures/behavioral has its references and is tested above.
    func testEveryDeckHasReferences() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path)
        let decks = files.filter { $0.hasSuffix(".cir") }.sorted()
        XCTAssertEqual(
            decks,
            ["b_limiter.cir", "b_multiplier.cir", "b_tanh_feedback.cir", "b_transient.cir", "eg_value_table.cir",
             "poly_sources.cir", "poly_table_tran.cir"])
        for deck in decks {
            let stem = deck.dropLast(4)
            XCTAssertTrue(files.contains { $0.hasPrefix(stem + ".") && $0.hasSuffix(".csv") }, "\(deck) has no reference")
        }
    }

    private func run(_ text: String) throws -> [SimulationResult] {
        try Simulation(deck: NetlistParser.parse(text: text, fileName: "test.cir", directory: "/nonexistent")).run()
    }

    /// `limit`, `if` and `pwrs` (not in ngspice-39's B source, so checked against their definitions).
    func testKelvinFunctionsAgainstTheirDefinitions() throws {
        let results = try run(
            """
            kelvin functions
            vin in 0 0
            rin in 0 1k
            b1 lim 0 V=limit(v(in), -1, 0.5)
            b2 sel 0 V=if(v(in) > 0, 2*v(in), -v(in)/2)
            b3 cub 0 V=pwrs(v(in), 3) + pwrs(v(in), 0.5)
            .dc vin -2 2 0.25
            .end
            """)
        let r = try XCTUnwrap(results.first)
        let x = try XCTUnwrap(r.column("v-sweep"))
        let (lim, sel, cub) = (try XCTUnwrap(r.column("v(lim)")), try XCTUnwrap(r.column("v(sel)")), try XCTUnwrap(r.column("v(cub)")))
        for k in x.indices {
            let v = x[k]
            XCTAssertEqual(lim[k], min(max(v, -1), 0.5), accuracy: 1e-12)
            XCTAssertEqual(sel[k], v > 0 ? 2 * v : -v / 2, accuracy: 1e-12)
            let s = v < 0 ? -1.0 : 1.0
            XCTAssertEqual(cub[k], v * v * v + s * abs(v).squareRoot(), accuracy: 1e-9)
        }
    }

    /// `.ac` of a B squarer is the derivative at the operating point: 2·v(x) times the excitation,
    /// and of an `I=` source a transconductance.
    func testACIsTheLinearisationAtTheOperatingPoint() throws {
        let results = try run(
            """
            ac
            vx x 0 dc 1.5 ac 1
            b1 sq 0 V=v(x)^2
            b2 0 i I=1m*exp(v(x))
            ri i 0 1k
            .ac lin 2 1 10
            .end
            """)
        let r = try XCTUnwrap(results.first)
        XCTAssertEqual(try XCTUnwrap(r.column("vr(sq)"))[0], 3, accuracy: 1e-12)
        XCTAssertEqual(try XCTUnwrap(r.column("vi(sq)"))[0], 0, accuracy: 1e-15)
        XCTAssertEqual(try XCTUnwrap(r.column("vr(i)"))[0], 1e-3 * exp(1.5) * 1e3, accuracy: 1e-9)
    }

    /// The loaded Jacobian of both behavioural devices equals central differences of their `F`.
    func testJacobianMatchesFiniteDifferences() throws {
        let deck = try NetlistParser.parse(
            text: """
                jacobian
                v1 a 0 1
                r1 a b 1k
                b1 c 0 V=v(a)*tanh(v(b)) + i(v1)*100 + pwl(v(b), 0, 0, 1, 2) + time
                b2 b c I=1m*(v(a,c)^2 + exp(-v(b))) + 1m*sin(i(b1)*1k)
                e1 d 0 table {v(b) - v(c)} = (-1, -1) (0, 0) (1, 3)
                g1 d 0 poly(2) a 0 b c 0 1m 2m 0 3m 0
                f1 c d poly(1) v1 0 0.5 10
                r2 d 0 1k
                r3 c 0 1k
                .op
                .end
                """, fileName: "test.cir", directory: "/nonexistent")
        let circuit = try Circuit(deck: deck)
        let n = circuit.dimension
        var rng = SeededGenerator(seed: 11)
        let x = (0..<n).map { _ in Double.random(in: -0.6...0.8, using: &rng) }
        func load(_ x: [Double]) -> LoadBuffer {
            var buffer = LoadBuffer(dimension: n, slots: circuit.pattern.count, states: circuit.stateCount)
            var context = LoadContext(x: x, previousState: Array(repeating: 0, count: circuit.stateCount), gmin: 1e-12)
            context.time = 1e-3
            for d in circuit.devices { d.load(context, into: &buffer) }
            return buffer
        }
        let base = load(x)
        var jf = DenseMatrix(rows: n, columns: n)
        for (k, e) in circuit.pattern.enumerated() { jf[e.row, e.column] += base.jacobianF[k] }
        for j in 0..<n {
            let h = 1e-7
            var xp = x, xm = x
            xp[j] += h
            xm[j] -= h
            let p = load(xp), m = load(xm)
            for i in 0..<n {
                let df = (p.f[i] - m.f[i]) / (2 * h)
                assertClose(jf[i, j], df, relative: 1e-5, absolute: 1e-9, "dF[\(circuit.label(i))]/d\(circuit.label(j))")
            }
        }
    }

    /// Reading a node no element connects, or the current of an element without a branch, is an
    /// error naming the element and its location; a value that is not finite stops Newton with
    /// an error, not a crash.
    func testErrors() throws {
        XCTAssertThrowsError(try run("t\nv1 a 0 1\nb1 o 0 V=v(nowhere)\nr1 o 0 1\n.op\n")) { error in
            let text = "\(error)"
            XCTAssertTrue(text.contains("b1") && text.contains("nowhere") && text.contains("test.cir:3:1"), text)
        }
        XCTAssertThrowsError(try run("t\nv1 a 0 1\nr1 a 0 1\nb1 o 0 V=i(r1)\nr2 o 0 1\n.op\n")) { error in
            let text = "\(error)"
            XCTAssertTrue(text.contains("b1") && text.contains("r1") && text.contains("test.cir:4:1"), text)
        }
        XCTAssertThrowsError(try run("t\nv1 a 0 -1\nb1 o 0 V=sqrt(v(a))\nr1 o 0 1\n.op\n")) { error in
            XCTAssertTrue(error is SimulatorError, "\(error)")
        }
    }
}
