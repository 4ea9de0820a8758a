import Foundation
import Netlist
import XCTest

@testable import Simulator

/// Coupled inductors (K) in `.tran` and `.ac`, and the `.tf`, `.sens` and `.noise` analyses against
/// ngspice-39 (decks and references in Tests/Fixtures/dev, by generate_dev.py), at the dev fixtures'
/// tolerance: 0.1 % of the value plus 1e-5 of the column's full scale.
final class SmallSignalAnalysisTests: XCTestCase {
    private func parse(_ text: String) throws -> Deck {
        try NetlistParser.parse(text: text, fileName: "<deck>", directory: NSTemporaryDirectory())
    }

    // MARK: K

    /// Transformer (k = 0.95) with a resistive load and a sine drive: both sides over 3 periods,
    /// Kelvin interpolated onto ngspice's time points, within 0.2 % of the swing + 1 mV (the
    /// transient tests' tolerance).
    func testTransformerTransientMatchesNgspice() throws {
        let r = try XCTUnwrap(DevFixtures.simulate("transformer_tran.cir").first)
        let ref = try DevFixtures.reference("transformer_tran.tran1.csv")
        let t = try XCTUnwrap(r.column("time"))
        for name in ["v(p)", "v(s)", "i(l1)", "i(l2)"] {
            let k = try XCTUnwrap(ref.header.firstIndex(of: name), name)
            let v = try XCTUnwrap(r.column(name), name)
            let expected = ref.rows.map { $0[k] }
            let swing = (expected.max() ?? 0) - (expected.min() ?? 0)
            let floor = name.hasPrefix("i") ? 1e-6 : 1e-3
            var worst = 0.0
            for row in ref.rows {
                let x = row[0]
                var j = max(t.firstIndex { $0 >= x } ?? t.count - 1, 1)
                j = min(j, t.count - 1)
                let a = t[j] > t[j - 1] ? v[j - 1] + (v[j] - v[j - 1]) * (x - t[j - 1]) / (t[j] - t[j - 1]) : v[j]
                worst = max(worst, abs(a - row[k]) / (0.002 * swing + floor))
            }
            print("transformer_tran \(name): worst |Δ|/allowed \(String(format: "%.3g", worst))")
            XCTAssertLessThanOrEqual(worst, 1, name)
        }
    }

    /// Three coupled inductors (two K on one, one with negative k), a tuned secondary, 100 Hz–1 MHz.
    func testCoupledInductorsACMatchNgspice() throws {
        try DevFixtures.compare("transformer_ac.cir", analysis: "ac1")
    }

    /// An ideal transformer (k = 1) passes DC as shorts; the voltage ratio is √(L2/L1) in `.ac`.
    func testIdealTransformerRatio() throws {
        let deck = try parse(
            """
                ideal transformer
                v1 in 0 dc 1 ac 1
                r1 in p 1m
                l1 p 0 1
                l2 s 0 4
                k1 l1 l2 1
                rl s 0 1meg
                .ac lin 1 1k 1k
                .op
                .end
                """)
        let results = try Simulation(deck: deck).run()
        let ac = try XCTUnwrap(results.first(where: { $0.name == "ac1" }))
        XCTAssertEqual(try XCTUnwrap(ac.value("vr(s)")), 2, accuracy: 1e-3)
        let op = try XCTUnwrap(results.first(where: { $0.name == "op1" }))
        XCTAssertEqual(try XCTUnwrap(op.value("v(s)")), 0, accuracy: 1e-12)
    }

    /// |k| > 1 is a located error at the value; a K naming something other than an inductor is one at the card.
    func testCouplingErrors() throws {
        XCTAssertThrowsError(try parse( "t\nl1 a 0 1m\nl2 b 0 1m\nk1 l1 l2 1.5\nr1 a 0 1\nr2 b 0 1\n.op\n"))
        { error in
            XCTAssertEqual((error as? NetlistError)?.location.line, 4)
            XCTAssertEqual((error as? NetlistError)?.location.column, 10)
            XCTAssertTrue("\(error)".contains("|k| ≤ 1"), "\(error)")
        }
        let deck = try parse( "t\nv1 a 0 1\nl1 a 0 1m\nk1 l1 lx 0.5\n.op\n")
        XCTAssertThrowsError(try Simulation(deck: deck)) { error in
            XCTAssertTrue("\(error)".contains(":4:1: k1: 'lx' is not an inductor"), "\(error)")
        }
    }

    // MARK: .tf

    /// Inverting amplifier with a finite-gain E op-amp: gain, input and output resistance.
    func testTransferFunctionOfOpAmpMatchesNgspice() throws {
        try DevFixtures.compare("tf_opamp.cir", analysis: "tf1")
    }

    /// Current-source input and a current output (ngspice's 1e20 Ω output impedance).
    func testTransferFunctionWithCurrentsMatchesNgspice() throws {
        try DevFixtures.compare("tf_current.cir", analysis: "tf1")
    }

    /// A differential output around a diode's operating point.
    func testTransferFunctionOfDifferentialOutputMatchesNgspice() throws {
        try DevFixtures.compare("tf_diff.cir", analysis: "tf1")
    }

    // MARK: .sens

    /// Every R, C, L, V and I parameter ngspice reports, by name.
    func testSensitivityOfDividerMatchesNgspice() throws {
        try DevFixtures.compare("sens_divider.cir", analysis: "sens1")
        let result = try XCTUnwrap(DevFixtures.simulate("sens_divider.cir").first)
        let ref = try DevFixtures.reference("sens_divider.sens1.csv")
        XCTAssertEqual(Set(result.variables), Set(ref.header))
    }

    /// The gains of E, F, G and H (`NAME_gain`), with the R and V parameters around them.
    func testSensitivityToControlledSourcesMatchesNgspice() throws {
        try DevFixtures.compare("sens_controlled.cir", analysis: "sens1")
    }

    /// The sensitivity to a resistor equals the finite difference of two operating points.
    func testSensitivityMatchesFiniteDifference() throws {
        func vout(_ r2: Double) throws -> Double {
            let deck = try parse( "t\nv1 in 0 5\nr1 in out 1k\nr2 out 0 \(r2)\nd1 out 0 dm\n.model dm d\n.op\n")
            return try XCTUnwrap(Simulation(deck: deck).run()[0].value("v(out)"))
        }
        let deck = try parse( "t\nv1 in 0 5\nr1 in out 1k\nr2 out 0 2k\nd1 out 0 dm\n.model dm d\n.sens v(out)\n")
        let sens = try Simulation(deck: deck).run()[0]
        let h = 1e-3
        let fd = (try vout(2000 + h) - vout(2000 - h)) / (2 * h)
        XCTAssertEqual(try XCTUnwrap(sens.value("r2")), fd, accuracy: 1e-4 * abs(fd))
        XCTAssertTrue(deck.warnings.contains { $0.contains(".sens") && $0.contains("d1") }, "\(deck.warnings)")
    }

    // MARK: .noise

    /// RC low-pass: resistor thermal noise, densities and totals.
    func testNoiseOfRCFilterMatchesNgspice() throws {
        try DevFixtures.compare("noise_rc.cir", analysis: "noise1")
        try DevFixtures.compare("noise_rc.cir", analysis: "noise2")
    }

    /// Forward-biased diode with RS, shot and flicker noise, driven by an I source (input noise in A/√Hz).
    func testNoiseOfDiodeMatchesNgspice() throws {
        try DevFixtures.compare("noise_diode.cir", analysis: "noise1")
        try DevFixtures.compare("noise_diode.cir", analysis: "noise2")
    }

    /// Common-emitter amplifier: collector and base shot noise, flicker noise, RB/RC/RE and resistors.
    func testNoiseOfCommonEmitterAmplifierMatchesNgspice() throws {
        try DevFixtures.compare("noise_bjt_ce.cir", analysis: "noise1")
        try DevFixtures.compare("noise_bjt_ce.cir", analysis: "noise2")
    }

    /// Level-1 NMOS common-source stage: channel thermal `8kT·gm/3`, flicker, RD and RS.
    func testNoiseOfCommonSourceStageMatchesNgspice() throws {
        try DevFixtures.compare("noise_mos_cs.cir", analysis: "noise1")
        try DevFixtures.compare("noise_mos_cs.cir", analysis: "noise2")
    }

    /// A voltage switch in its on state is a 1 kΩ resistor (RON) for noise: with a 1 kΩ load the
    /// output density is `4kT·500 Ω`. (ngspice-39's `.ac` and `.noise` load an S or W with ROFF even
    /// when its operating point is on, so there is no ngspice reference for switch noise.)
    func testNoiseOfSwitchUsesItsOperatingState() throws {
        let deck = try parse(
            "t\nv1 in 0 dc 0 ac 1\nvc ctl 0 dc 2\ns1 in out ctl 0 swon\nr1 out 0 1k\n"
                + ".model swon sw(vt=1 vh=0.1 ron=1k roff=1meg)\n.noise v(out) v1 lin 2 1k 2k\n")
        let results = try Simulation(deck: deck).run()
        let onoise = try XCTUnwrap(results[0].value("onoise_spectrum"))
        XCTAssertEqual(onoise, (4 * Physics.boltzmann * 300.15 * 500).squareRoot(), accuracy: 1e-9 * onoise)
    }

    /// One resistor R to ground from a 0-V source through R: onoise = √(4kTR/2·…) — closed form for a
    /// divider of two equal resistors: output density `4kT·R/2` (V²/Hz), input-referred `4kT·2R`.
    func testNoiseClosedFormOfDivider() throws {
        let deck = try parse( "t\nv1 in 0 dc 0 ac 1\nr1 in out 1k\nr2 out 0 1k\n.noise v(out) v1 lin 3 1k 3k\n")
        let results = try Simulation(deck: deck).run()
        XCTAssertEqual(results.map(\.name), ["noise1", "noise2"])
        let kT4 = 4 * Physics.boltzmann * 300.15
        let onoise = try XCTUnwrap(results[0].value("onoise_spectrum"))
        XCTAssertEqual(onoise, (kT4 * 500).squareRoot(), accuracy: 1e-6 * onoise)
        XCTAssertEqual(try XCTUnwrap(results[0].value("inoise_spectrum")), 2 * onoise, accuracy: 1e-6 * onoise)
        XCTAssertEqual(try XCTUnwrap(results[1].value("onoise_total")), (kT4 * 500 * 2000).squareRoot(),
                       accuracy: 1e-6 * onoise * 50)
    }

    /// Output and source names are checked with the card's location.
    func testNoiseAndTransferFunctionErrors() throws {
        for card in [".noise v(nowhere) v1 dec 10 1 1k", ".tf v(out) vmissing", ".sens i(vnone)", ".noise v(out) v1 lin 3 0 1k"] {
            let deck = try parse( "t\nv1 in 0 dc 0 ac 1\nr1 in out 1k\nr2 out 0 1k\n\(card)\n")
            XCTAssertThrowsError(try Simulation(deck: deck).run(), card) { error in
                XCTAssertTrue("\(error)".hasPrefix("<deck>:5:1: ."), "\(error)")
            }
        }
        XCTAssertThrowsError(try parse( "t\nr1 a 0 1\n.noise i(v1) v1 dec 10 1 1k\n")) { error in
            XCTAssertTrue("\(error)".contains("voltage output"), "\(error)")
        }
        XCTAssertThrowsError(try parse( "t\nr1 a 0 1\n.noise v(a) v1 dec 10 1 1k 3\n")) { error in
            XCTAssertEqual((error as? NetlistError)?.location.column, 28, "\(error)")
        }
    }

    /// Kelvin's rawfile of `.tf`, `.sens` and `.noise` plots reads back with the same names; an
    /// ngspice rawfile of the same deck reads with Kelvin's names and plot numbering, and agrees.
    func testNamedPlotsRoundTripThroughRawfiles() throws {
        let text = """
            named plots
            v1 in 0 dc 1 ac 1
            r1 in out 1k
            r2 out 0 2k
            c1 out 0 1u
            .tf v(out) v1
            .sens v(out)
            .noise v(out) v1 dec 2 10 10k
            .end

            """
        let ours = try Simulation(deck: parse(text)).run()
        XCTAssertEqual(ours.map(\.name), ["tf1", "sens1", "noise1", "noise2"])
        let back = try Rawfile.parse(Rawfile.string(ours), path: "<raw>")
        XCTAssertEqual(back.map(\.name), ours.map(\.name))
        XCTAssertEqual(back.map(\.variables), ours.map(\.variables))
        try XCTSkipIf(NgspiceRunner.executable == nil, "ngspice is not installed")
        let theirs = try NgspiceRunner.results(text)
        for result in ours {
            let other = try XCTUnwrap(theirs.first { $0.name == result.name }, "ngspice has no \(result.name)")
            for (k, name) in result.variables.enumerated() {
                let j = try XCTUnwrap(other.variables.firstIndex(of: name), "\(result.name): ngspice has no \(name)")
                for (a, b) in zip(result.rows, other.rows) {
                    XCTAssertEqual(a[k], b[j], accuracy: 1e-3 * abs(b[j]) + 1e-15, "\(result.name) \(name)")
                }
            }
        }
    }

    /// The `.control` interpreter runs `noise`, `tf` and `sens` and names the plots as ngspice.
    func testControlCommandsRunSmallSignalAnalyses() throws {
        let deck = try parse(
            """
                control
                v1 in 0 dc 1 ac 1
                r1 in out 1k
                r2 out 0 2k
                .control
                tf v(out) v1
                sens v(out)
                noise v(out) v1 dec 2 10 10k
                print onoise_total
                .endc
                .end
                """)
        var control = ControlInterpreter(deck: deck) { _ in deck }
        var output = ""
        control.write = { output += $0 }
        try control.run()
        XCTAssertTrue(output.contains("onoise_total = "), output)
        XCTAssertEqual(control.results.map(\.name), ["tf1", "sens1", "noise1", "noise2"])
        XCTAssertEqual(try XCTUnwrap(control.results[0].value("transfer_function")), 2.0 / 3, accuracy: 1e-12)
    }
}
