import TestSupport
import XCTest

@testable import Netlist

final class ElementTests: XCTestCase {
    func testPassives() throws {
        let deck = try parseDeck(
            """
            passives
            .param rval=2k
            R1 a b 1k
            R2 a b r=3k
            R3 a b {2*rval}
            R4 a b 1k m=2
            C1 a 0 1u
            C2 a 0 2p ic=1.5
            L1 a b 1m
            L2 a b 10n ic=2m
            """)
        XCTAssertEqual(deck.elements.map(\.name), ["r1", "r2", "r3", "r4", "c1", "c2", "l1", "l2"])
        XCTAssertEqual(deck.resistance("r1"), 1000)
        XCTAssertEqual(deck.resistance("r2"), 3000)
        XCTAssertEqual(deck.resistance("r3"), 4000)
        XCTAssertEqual(deck.resistance("r4"), 500)
        XCTAssertEqual(deck.element("r1")?.nodes, ["a", "b"])
        guard case .capacitor(let c1, let ic1)? = deck.element("c1")?.kind else { return XCTFail() }
        assertClose(c1, 1e-6, relative: 1e-12)
        XCTAssertNil(ic1)
        guard case .capacitor(let c2, let ic2)? = deck.element("c2")?.kind else { return XCTFail() }
        assertClose(c2, 2e-12, relative: 1e-12)
        XCTAssertEqual(ic2, 1.5)
        guard case .inductor(let l1, nil)? = deck.element("l1")?.kind else { return XCTFail() }
        assertClose(l1, 1e-3, relative: 1e-12)
        guard case .inductor(_, let ic)? = deck.element("l2")?.kind else { return XCTFail() }
        assertClose(try XCTUnwrap(ic), 2e-3, relative: 1e-12)
    }

    func testDCAndACSources() throws {
        let deck = try parseDeck(
            """
            sources
            V1 a 0 DC 5
            V2 b 0 3.3
            V3 c 0 DC 1 AC 1 45
            I1 d 0 AC 2
            V4 e 0
            I2 0 f dc={1+1}
            V5 g 0 ac
            """)
        guard case .voltageSource(let v1)? = deck.element("v1")?.kind else { return XCTFail() }
        XCTAssertEqual(v1.dc, 5)
        XCTAssertEqual(v1.acMagnitude, 0)
        XCTAssertNil(v1.waveform)
        guard case .voltageSource(let v2)? = deck.element("v2")?.kind else { return XCTFail() }
        XCTAssertEqual(v2.dc, 3.3)
        guard case .voltageSource(let v3)? = deck.element("v3")?.kind else { return XCTFail() }
        XCTAssertEqual(v3.dc, 1)
        XCTAssertEqual(v3.acMagnitude, 1)
        XCTAssertEqual(v3.acPhase, 45)
        guard case .currentSource(let i1)? = deck.element("i1")?.kind else { return XCTFail() }
        XCTAssertEqual(i1.acMagnitude, 2)
        XCTAssertEqual(i1.dc, 0)
        guard case .voltageSource(let v4)? = deck.element("v4")?.kind else { return XCTFail() }
        XCTAssertEqual(v4.dc, 0)
        guard case .currentSource(let i2)? = deck.element("i2")?.kind else { return XCTFail() }
        XCTAssertEqual(i2.dc, 2)
        XCTAssertEqual(deck.element("i2")?.nodes, ["0", "f"])
        guard case .voltageSource(let v5)? = deck.element("v5")?.kind else { return XCTFail() }
        XCTAssertEqual(v5.acMagnitude, 1)
    }

    func testWaveforms() throws {
        let deck = try parseDeck(
            """
            waveforms
            .param vhi=2
            V1 a 0 PULSE(0 {vhi} 1n 1n 1n 5n 10n)
            V2 a 0 pulse 0 1 0 1n 1n 5n 10n DC 0.5
            V3 a 0 DC 0 SIN(0, 1, 1k)
            V4 a 0 sin (0 1 1MEG 0 0 90) ac 1
            V5 a 0 PWL(0 0 1m 1 2m 0) r=0 td=1u
            V6 a 0 PWL(0,0, 1,1 r=1 td=2)
            I1 a 0 EXP(0 1 1n 10n 50n 20n)
            V7 a 0 pwl 0 0 1 1
            """)
        guard case .voltageSource(let v1)? = deck.element("v1")?.kind, case .pulse(let p1)? = v1.waveform else {
            return XCTFail("v1")
        }
        XCTAssertNil(v1.dc)
        XCTAssertEqual(p1.count, 7)
        XCTAssertEqual(p1[1], 2)
        assertClose(p1[6], 10e-9, relative: 1e-12)
        guard case .voltageSource(let v2)? = deck.element("v2")?.kind, case .pulse(let p2)? = v2.waveform else {
            return XCTFail("v2")
        }
        XCTAssertEqual(p2.count, 7)
        XCTAssertEqual(v2.dc, 0.5)
        guard case .voltageSource(let v3)? = deck.element("v3")?.kind, case .sin(let s3)? = v3.waveform else {
            return XCTFail("v3")
        }
        XCTAssertEqual(s3, [0, 1, 1000])
        XCTAssertEqual(v3.dc, 0)
        guard case .voltageSource(let v4)? = deck.element("v4")?.kind, case .sin(let s4)? = v4.waveform else {
            return XCTFail("v4")
        }
        XCTAssertEqual(s4, [0, 1, 1e6, 0, 0, 90])
        XCTAssertEqual(v4.acMagnitude, 1)
        guard case .voltageSource(let v5)? = deck.element("v5")?.kind,
            case .pwl(let points, let repeatFrom, let delay)? = v5.waveform
        else { return XCTFail("v5") }
        XCTAssertEqual(points.map(\.time), [0, 1e-3, 2e-3])
        XCTAssertEqual(points.map(\.value), [0, 1, 0])
        XCTAssertEqual(repeatFrom, 0)
        assertClose(delay, 1e-6, relative: 1e-12)
        guard case .voltageSource(let v6)? = deck.element("v6")?.kind,
            case .pwl(let points6, let repeat6, let delay6)? = v6.waveform
        else { return XCTFail("v6") }
        XCTAssertEqual(points6.count, 2)
        XCTAssertEqual(repeat6, 1)
        XCTAssertEqual(delay6, 2)
        guard case .currentSource(let i1)? = deck.element("i1")?.kind, case .exp(let e1)? = i1.waveform else {
            return XCTFail("i1")
        }
        XCTAssertEqual(e1.count, 6)
        guard case .voltageSource(let v7)? = deck.element("v7")?.kind,
            case .pwl(let points7, nil, 0)? = v7.waveform
        else { return XCTFail("v7") }
        XCTAssertEqual(points7.count, 2)
    }

    func testWaveformErrors() {
        assertParseError("t\nv1 a 0 pwl(0 0 1)\n", at: "test.cir:2:8", token: "pwl", message: "pairs")
        assertParseError("t\nv1 a 0 pwl(0 0 2 1 1 0)\n", at: "test.cir:2:20", token: "1", message: "decrease")
        assertParseError("t\nv1 a 0 pulse(0)\n", at: "test.cir:2:8", token: "pulse")
        assertParseError("t\nv1 a 0 sffm(0 1 1k)\n", at: "test.cir:2:8", token: "sffm", message: "unsupported")
        assertParseError("t\nv1 a 0 pulse(0 1\n", at: "test.cir:2:13", token: "(")
        assertParseError("t\nv1 a 0 1 2\n", at: "test.cir:2:10", token: "2", message: "twice")
    }

    func testControlledSources() throws {
        let deck = try parseDeck(
            """
            controlled
            E1 out 0 in 0 10
            G1 out 0 in 0 1m
            Vsense in x 0
            F1 out 0 Vsense 2
            H1 out 0 vsense 100
            """)
        guard case .vcvs(let e)? = deck.element("e1")?.kind else { return XCTFail() }
        XCTAssertEqual(e, 10)
        XCTAssertEqual(deck.element("e1")?.nodes, ["out", "0", "in", "0"])
        guard case .vccs(let g)? = deck.element("g1")?.kind else { return XCTFail() }
        XCTAssertEqual(g, 1e-3)
        guard case .cccs(let fc, let fg)? = deck.element("f1")?.kind else { return XCTFail() }
        XCTAssertEqual(fc, "vsense")
        XCTAssertEqual(fg, 2)
        XCTAssertEqual(deck.element("f1")?.nodes, ["out", "0"])
        guard case .ccvs(let hc, let hr)? = deck.element("h1")?.kind else { return XCTFail() }
        XCTAssertEqual(hc, "vsense")
        XCTAssertEqual(hr, 100)
    }

    func testValueOnFAndHIsUnsupported() {
        // ngspice has `value=` on E and G only (BehavioralTests covers B, E/G value/table and POLY).
        assertParseError("t\nf1 a 0 value={i(v1)*2}\n", at: "test.cir:2:8", token: "value", message: "unsupported")
    }

    func testSemiconductors() throws {
        let deck = try parseDeck(
            """
            semis
            D1 a k dmod
            D2 a k dmod 2 off ic=0.6
            Q1 c b e qmod
            Q2 c b e s qmod 1.5 ic=0.7,5
            M1 d g s b nmod w=10u l=1u m=2
            M2 d g s b pmod L=2u W=20u ad=1p as=1p pd=4u ps=4u nrd=1 nrs=1 off
            S1 a b c 0 smod on
            W1 a b vctl wmod off
            vctl c 0 0
            .model dmod d(is=1e-14 n=1.05 rs=10)
            .model qmod npn(bf=100 is=1e-16)
            .model nmod nmos level=1 vto=0.7 kp=1e-4
            .model pmod pmos (level=1, vto=-0.7, kp=5e-5)
            .model smod sw vt=1 vh=0.1 ron=1 roff=1meg
            .model wmod csw it=1m ih=0.1m ron=1 roff=1meg
            """)
        guard case .diode(let dm, let d1)? = deck.element("d1")?.kind else { return XCTFail("d1") }
        XCTAssertEqual(dm.type, "d")
        XCTAssertEqual(dm.parameters, ["is": 1e-14, "n": 1.05, "rs": 10])
        XCTAssertEqual(dm.value("bv", default: 1e99), 1e99)
        XCTAssertTrue(d1.isEmpty)
        guard case .diode(_, let d2)? = deck.element("d2")?.kind else { return XCTFail("d2") }
        XCTAssertEqual(d2, ["area": 2, "off": 1, "ic": 0.6])
        guard case .bjt(let qm, let q1)? = deck.element("q1")?.kind else { return XCTFail("q1") }
        XCTAssertEqual(qm.type, "npn")
        XCTAssertEqual(qm.parameters["bf"], 100)
        XCTAssertTrue(q1.isEmpty)
        XCTAssertEqual(deck.element("q1")?.nodes, ["c", "b", "e"])
        guard case .bjt(_, let q2)? = deck.element("q2")?.kind else { return XCTFail("q2") }
        XCTAssertEqual(deck.element("q2")?.nodes, ["c", "b", "e", "s"])
        XCTAssertEqual(q2, ["area": 1.5, "ic": 0.7, "ic2": 5])
        guard case .mosfet(let mm, let m1)? = deck.element("m1")?.kind else { return XCTFail("m1") }
        XCTAssertEqual(mm.type, "nmos")
        XCTAssertEqual(mm.parameters, ["level": 1, "vto": 0.7, "kp": 1e-4])
        XCTAssertEqual(deck.element("m1")?.nodes, ["d", "g", "s", "b"])
        assertClose(try XCTUnwrap(m1["w"]), 10e-6, relative: 1e-12)
        assertClose(try XCTUnwrap(m1["l"]), 1e-6, relative: 1e-12)
        XCTAssertEqual(m1["m"], 2)
        guard case .mosfet(let pm, let m2)? = deck.element("m2")?.kind else { return XCTFail("m2") }
        XCTAssertEqual(pm.parameters["vto"], -0.7)
        XCTAssertEqual(Set(m2.keys), ["l", "w", "ad", "as", "pd", "ps", "nrd", "nrs", "off"])
        guard case .voltageSwitch(let sm, let s1)? = deck.element("s1")?.kind else { return XCTFail("s1") }
        XCTAssertEqual(sm.type, "sw")
        XCTAssertEqual(sm.parameters["roff"], 1e6)
        XCTAssertEqual(s1, ["on": 1])
        XCTAssertEqual(deck.element("s1")?.nodes, ["a", "b", "c", "0"])
        guard case .currentSwitch(let control, let wm, let w1)? = deck.element("w1")?.kind else { return XCTFail("w1") }
        XCTAssertEqual(control, "vctl")
        XCTAssertEqual(wm.type, "csw")
        XCTAssertEqual(w1, ["off": 1])
    }

    func testModelTypeMismatch() {
        assertParseError(
            "t\nd1 a 0 qm\n.model qm npn\n", at: "test.cir:2:8", token: "qm", message: "expected 'd'")
    }

    func testModelWithoutParametersAndRedefinition() throws {
        let deck = try parseDeck("t\nd1 a 0 dm\n.model dm d\n.model dm d(is=2e-14)\n")
        guard case .diode(let m, _)? = deck.element("d1")?.kind else { return XCTFail() }
        XCTAssertEqual(m.parameters["is"], 2e-14)
        XCTAssertTrue(deck.notes.contains { $0.contains("redefined") })
    }

    func testModelParametersUseParams() throws {
        let deck = try parseDeck("t\n.param isat=1e-15\n.model dm d is={isat*10} n=2\nd1 a 0 dm\n")
        guard case .diode(let m, _)? = deck.element("d1")?.kind else { return XCTFail() }
        assertClose(try XCTUnwrap(m.parameters["is"]), 1e-14, relative: 1e-12)
        XCTAssertEqual(m.location, SourceLocation(file: "test.cir", line: 3, column: 1))
    }
}
