import Foundation
import LinearAlgebra
import Netlist
import TestSupport
import XCTest

@testable import Simulator

/// BJT, MOSFET and switch models: Jacobians against finite differences, and DC curves against
/// ngspice-39 (decks and references in Tests/Fixtures/dev, tolerance 0.1 % of the value plus
/// 1e-5 of the column's full scale).
final class DeviceTests: XCTestCase {
    private func model(_ name: String, _ type: String, _ p: [String: Double]) -> Model {
        Model(name: name, type: type, parameters: p, location: TestDeck.here)
    }

    /// `dF/dx` and `dQ/dx` of every device of `deck` at `x` against central differences.
    private func checkJacobian(_ deck: Deck, x: [Double], file: StaticString = #filePath, line: UInt = #line) throws {
        let circuit = try Circuit(deck: deck)
        let n = circuit.dimension
        XCTAssertEqual(x.count, n, file: file, line: line)
        func load(_ x: [Double], state: [Double]) -> LoadBuffer {
            var buffer = LoadBuffer(dimension: n, slots: circuit.pattern.count, states: circuit.stateCount)
            let context = LoadContext(x: x, previousState: state, gmin: 1e-12)
            for d in circuit.devices { d.load(context, into: &buffer) }
            return buffer
        }
        // Repeated loads leave the device's own voltages as state, so no limiting acts below.
        var state = Array(repeating: 0.0, count: circuit.stateCount)
        for _ in 0..<30 { state = load(x, state: state).state }
        let base = load(x, state: state)
        XCTAssertEqual(base.limited, 0, "limiting acted", file: file, line: line)
        var jf = DenseMatrix(rows: n, columns: n), jq = DenseMatrix(rows: n, columns: n)
        for (k, e) in circuit.pattern.enumerated() {
            jf[e.row, e.column] += base.jacobianF[k]
            jq[e.row, e.column] += base.jacobianQ[k]
        }
        for j in 0..<n {
            let h = 1e-7
            var xp = x, xm = x
            xp[j] += h
            xm[j] -= h
            let p = load(xp, state: state), m = load(xm, state: state)
            for i in 0..<n {
                let df = (p.f[i] - m.f[i]) / (2 * h), dq = (p.q[i] - m.q[i]) / (2 * h)
                assertClose(jf[i, j], df, relative: 1e-4, absolute: 1e-9,
                            "dF[\(circuit.label(i))]/d\(circuit.label(j))", file: file, line: line)
                assertClose(jq[i, j], dq, relative: 1e-4, absolute: 1e-16,
                            "dQ[\(circuit.label(i))]/d\(circuit.label(j))", file: file, line: line)
            }
        }
    }

    func testBJTJacobianMatchesFiniteDifferences() throws {
        let full: [String: Double] = [
            "is": 1e-15, "bf": 120, "br": 2, "nf": 1.02, "nr": 1.01, "vaf": 60, "var": 20, "ikf": 0.05, "ikr": 0.01,
            "ise": 1e-13, "ne": 1.6, "isc": 1e-13, "nc": 1.8, "rb": 50, "rc": 5, "re": 1, "cje": 1e-12, "cjc": 0.5e-12,
            "tf": 0.3e-9, "tr": 10e-9, "vje": 0.8, "mje": 0.4, "vjc": 0.6, "mjc": 0.3,
            "xcjc": 0.7, "cjs": 1e-12, "mjs": 0.3, "vjs": 0.6, "xtf": 2, "vtf": 4, "itf": 1e-4,
        ]
        var lateral = full
        lateral["subs"] = -1
        lateral["rbm"] = 10
        var modulated = full
        modulated["rbm"] = 10
        modulated["irb"] = 1e-4
        var t = TestDeck()
        t.v("vb", "b", "0", 0.7)
        t.v("vc", "c", "0", 2)
        t.add("q1", ["c", "b", "0", "e"], .bjt(model: model("qn", "npn", modulated), instance: ["area": 1.5]))
        t.add("q2", ["e", "c", "b"], .bjt(model: model("qp", "pnp", lateral), instance: [:]))
        t.r("r1", "e", "0", 1e3)
        let circuit = try Circuit(deck: t.deck)
        // Unknowns: b, c, e, then branches and the internal nodes of q1 and q2 (c', b', e' each).
        var rng = SeededGenerator(seed: 11)
        let x = (0..<circuit.dimension).map { k -> Double in
            circuit.unknownKinds[k] == .branch ? Double.random(in: -1e-3...1e-3, using: &rng)
                : Double.random(in: -0.2...0.75, using: &rng)
        }
        try checkJacobian(t.deck, x: x)
        // Forward active with high injection and a forward-biased b-c junction (FC region).
        let x2 = (0..<circuit.dimension).map { k -> Double in
            circuit.unknownKinds[k] == .branch ? 0 : [0.85, 0.2, 0.6, 0.82, 0.1, 0.3, 0.5, 0.9, 0.05][k % 9]
        }
        try checkJacobian(t.deck, x: x2)
    }

    func testMOSFETJacobianMatchesFiniteDifferences() throws {
        let p: [String: Double] = [
            "vto": 0.7, "kp": 110e-6, "gamma": 0.45, "phi": 0.7, "lambda": 0.04, "rd": 10, "rs": 5,
            "cgso": 0.2e-9, "cgdo": 0.25e-9, "cgbo": 0.1e-9, "cj": 0.3e-3, "cjsw": 0.2e-9, "mjsw": 0.33, "is": 1e-14,
        ]
        let inst: InstanceParameters = ["w": 20e-6, "l": 2e-6, "ad": 40e-12, "as": 40e-12, "pd": 24e-6, "ps": 24e-6]
        var t = TestDeck()
        t.v("vg", "g", "0", 2)
        t.add("m1", ["d", "g", "s", "b"], .mosfet(model: model("nm", "nmos", p), instance: inst))
        var pp = p
        pp["vto"] = -0.8
        t.add("m2", ["s", "d", "g", "bp"], .mosfet(model: model("pm", "pmos", pp), instance: inst))
        t.r("r1", "d", "0", 1e3)
        t.r("r2", "s", "0", 1e3)
        t.r("r3", "b", "0", 1e3)
        t.r("r4", "bp", "0", 1e3)
        let circuit = try Circuit(deck: t.deck)
        // Saturation, linear, reversed (vds < 0) and cut-off regions across the random points; the
        // bulks sit below (NMOS) and above (PMOS) every other node, mildly forward for one seed.
        for (seed, offset) in [(3, 0.0), (5, 0.0), (8, 0.0), (13, 0.0), (21, 0.9)] as [(UInt64, Double)] {
            var rng = SeededGenerator(seed: seed)
            let x = (0..<circuit.dimension).map { k -> Double in
                switch circuit.unknownNames[k] {
                case "b": return -1.6 + offset
                case "bp": return 3.1 - offset
                default: return circuit.unknownKinds[k] == .branch ? 0 : Double.random(in: -1.5...3, using: &rng)
                }
            }
            try checkJacobian(t.deck, x: x)
        }
    }

    func testSwitchJacobiansMatchFiniteDifferences() throws {
        var t = TestDeck()
        t.v("vc", "c", "0", 2)
        t.r("r1", "a", "b", 1e3)
        t.r("r2", "b", "0", 1e3)
        t.add("s1", ["a", "b", "c", "0"], .voltageSwitch(
            model: model("sw", "sw", ["vt": 1, "vh": 0.1, "ron": 10, "roff": 1e6]), instance: [:]))
        t.add("w1", ["b", "0", "vc"], .currentSwitch(
            controllingSource: "vc", model: model("cs", "csw", ["it": 1e-3, "ron": 3]), instance: [:]))
        try checkJacobian(t.deck, x: [0.5, 1.0, 3.0, 0.2, 2e-3])
    }

    // MARK: - Against ngspice

    func testBJTGummelPlotMatchesNgspice() throws { try DevFixtures.compare("bjt_gummel.cir", analysis: "dc1") }
    func testBJTOutputCurvesMatchNgspice() throws { try DevFixtures.compare("bjt_output.cir", analysis: "dc1") }
    func testPNPOutputCurvesMatchNgspice() throws { try DevFixtures.compare("bjt_pnp.cir", analysis: "dc1") }
    func testNMOSOutputCurvesMatchNgspice() throws { try DevFixtures.compare("nmos_output.cir", analysis: "dc1") }
    /// `l=`/`w=` on the `.model` line are instance defaults (issue 14), below instance values and
    /// above `.options defl/defw`.
    func testMOSFETModelLengthAndWidthAreInstanceDefaults() throws {
        try DevFixtures.compare("mos_model_lw.cir", analysis: "dc1")
    }
    func testNMOSTransferCurvesWithBodyEffectMatchNgspice() throws {
        try DevFixtures.compare("nmos_transfer.cir", analysis: "dc1")
    }
    func testMOSFETReversedDrainSourceMatchesNgspice() throws {
        try DevFixtures.compare("mos_reverse.cir", analysis: "dc1")
    }
    func testPMOSOutputCurvesMatchNgspice() throws { try DevFixtures.compare("pmos_output.cir", analysis: "dc1") }
    func testCMOSInverterMatchesNgspice() throws { try DevFixtures.compare("cmos_inverter.cir", analysis: "dc1") }
    func testBJTDifferentialPairMatchesNgspice() throws { try DevFixtures.compare("bjt_diffpair.cir", analysis: "dc1") }
    func testBJTSchmittTriggerMatchesNgspice() throws { try DevFixtures.compare("schmitt_bjt.cir", analysis: "dc1") }
    /// A transdiode BJT log converter feeding an antilog converter (behavioural op-amps), four decades.
    func testBJTLogAntilogChainMatchesNgspice() throws {
        try DevFixtures.compare("bjt_log_antilog.cir", analysis: "dc1")
    }
    /// Temperature scaling (TEMP 85 °C against TNOM 27 °C): IS, BF/BR (XTB), ISE, ISC.
    func testBJTAtHighTemperatureMatchesNgspice() throws { try DevFixtures.compare("bjt_temp.cir", analysis: "dc1") }
    /// Temperature scaling of level 1 (100 °C against TNOM 27 °C): KP, PHI, VTO, IS; NMOS and PMOS.
    func testMOSFETAtHighTemperatureMatchesNgspice() throws { try DevFixtures.compare("mos_temp.cir", analysis: "dc1") }
    /// `.dc TEMP -40 125 15`: the diode, BJT and MOSFET models, resistors with TC1/TC2, TCE, an
    /// instance `temp=` (fixed) and `dtemp=`, and `temper` in a B source, all re-evaluated at every
    /// temperature point as ngspice's `CKTtemp` does; the scale is ngspice's `temp-sweep`.
    func testTemperatureSweepMatchesNgspice() throws {
        try DevFixtures.compare("dc_temp_devices.cir", analysis: "dc1")
    }
    /// A temperature sweep's rawfile names its scale `temp-sweep` (type `temp-sweep`), as ngspice's,
    /// and reads back to the same plot.
    func testTemperatureSweepRawfileRoundTrips() throws {
        let results = try DevFixtures.simulate("dc_temp_devices.cir")
        let text = Rawfile.string(results)
        XCTAssertTrue(text.contains("\t0\ttemp-sweep\ttemp-sweep\n"), text)
        let back = try XCTUnwrap(Rawfile.parse(text, path: "<raw>").first)
        XCTAssertEqual(back.variables, results[0].variables)
        XCTAssertEqual(back.rows.map { $0[0] }, results[0].rows.map { $0[0] })
    }
    /// `.dc V1 ... TEMP ...`: a source swept inside a temperature sweep.
    func testSourceSweepInsideTemperatureSweepMatchesNgspice() throws {
        try DevFixtures.compare("dc_temp_nested.cir", analysis: "dc1")
    }
    /// Process-parameter models: PHI, GAMMA, VTO from NSUB/NSS/TPG and KP from U0/TOX.
    func testMOSFETProcessParametersMatchNgspice() throws { try DevFixtures.compare("mos_nsub.cir", analysis: "dc1") }
    /// Transistor-level two-stage CMOS op-amp as a unity-gain follower over ±1.5 V.
    func testCMOSOpAmpFollowerMatchesNgspice() throws { try DevFixtures.compare("cmos_opamp.cir", analysis: "dc1") }
    /// BJT differential pair with a PNP mirror load (gain ≈ 2000 at the crossing: 0.2 % there).
    func testBJTMirrorLoadedPairMatchesNgspice() throws {
        try DevFixtures.compare("bjt_mirror_amp.cir", analysis: "dc1", relative: 2e-3)
    }
    /// Base-resistance modulation: RBM with IRB, and RBM with the qb form, up to high injection.
    func testBJTBaseResistanceModulationMatchesNgspice() throws {
        try DevFixtures.compare("bjt_rbmod.cir", analysis: "dc1")
    }
    func testCurrentSwitchMatchesNgspice() throws { try DevFixtures.compare("cswitch.cir", analysis: "dc1") }

    /// The same switch swept up and down: on above VT + VH = 1.2 V going up, off below
    /// VT − VH = 0.8 V going down, so at 1.0 V the two sweeps disagree (the hysteresis), as in ngspice.
    func testSwitchHysteresisMatchesNgspice() throws {
        try DevFixtures.compare("switch_up.cir", analysis: "dc1")
        try DevFixtures.compare("switch_down.cir", analysis: "dc1")
        let up = try XCTUnwrap(DevFixtures.simulate("switch_up.cir").first)
        let down = try XCTUnwrap(DevFixtures.simulate("switch_down.cir").first)
        func out(_ r: SimulationResult, at vc: Double) throws -> Double {
            let sweep = try XCTUnwrap(r.column("v-sweep")), v = try XCTUnwrap(r.column("v(out)"))
            let k = try XCTUnwrap(sweep.firstIndex { abs($0 - vc) < 1e-9 })
            return v[k]
        }
        XCTAssertGreaterThan(try out(up, at: 1.0), 4.9)   // still off (1 MΩ against 1 kΩ)
        XCTAssertLessThan(try out(down, at: 1.0), 0.1)   // still on (10 Ω)
        XCTAssertGreaterThan(try out(up, at: 1.15), 4.9)
        XCTAssertLessThan(try out(up, at: 1.25), 0.1)
        XCTAssertLessThan(try out(down, at: 0.85), 0.1)
        XCTAssertGreaterThan(try out(down, at: 0.75), 4.9)
    }

    /// A switch that opens its own control (on → control near 0 → off → control at 5 V → on) must not
    /// stall Newton: after repeated flips the state is held and the operating point completes.
    func testChatteringSwitchDoesNotStall() throws {
        var t = TestDeck()
        t.v("v1", "in", "0", 5)
        t.r("r1", "in", "c", 1e3)
        t.add("s1", ["c", "0", "c", "0"], .voltageSwitch(
            model: model("sw", "sw", ["vt": 1, "vh": 0, "ron": 10, "roff": 1e6]), instance: [:]))
        t.op()
        let r = try XCTUnwrap(t.run().first)
        let v = try XCTUnwrap(r.value("v(c)"))
        XCTAssertTrue(abs(v - 5 * 10 / 1010) < 1e-6 || abs(v - 5 * 1e6 / (1e6 + 1e3)) < 1e-6, "v(c) = \(v)")
        XCTAssertLessThan(r.newtonIterations, 200)
    }

    func testBadDeviceParametersAreReported() throws {
        var t = TestDeck()
        t.v("v1", "a", "0", 1)
        t.add("q1", ["a", "a", "0"], .bjt(model: model("qn", "npn", ["is": -1]), instance: [:]))
        t.op()
        XCTAssertThrowsError(try t.run()) { error in
            XCTAssertTrue("\(error)".contains("q1"), "\(error)")
        }
        var m = TestDeck()
        m.v("v1", "a", "0", 1)
        m.add("m1", ["a", "a", "0", "0"], .mosfet(model: model("nm", "nmos", ["ld": 1e-6]), instance: ["l": 1e-6]))
        m.op()
        XCTAssertThrowsError(try m.run()) { error in
            XCTAssertTrue("\(error)".contains("m1"), "\(error)")
        }
    }
}
