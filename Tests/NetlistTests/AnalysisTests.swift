import TestSupport
import XCTest

@testable import Netlist

final class AnalysisTests: XCTestCase {
    func testAnalyses() throws {
        let deck = try parseDeck(
            """
            analyses
            V1 in 0 1
            I1 0 in 1m
            R1 in 0 1k
            .op
            .dc V1 0 5 0.1
            .dc v1 0 1 0.5 I1 0 1m 0.5m
            .tran 1n 100n
            .tran 1n 100n 10n 0.5n UIC
            .ac dec 10 1 1G
            .ac lin 100 1k 2k
            .ac oct 5 {1*10} 1k
            """)
        XCTAssertEqual(deck.analyses.count, 8)
        guard case .operatingPoint = deck.analyses[0].kind else { return XCTFail() }
        XCTAssertEqual(deck.analyses[0].location, SourceLocation(file: "test.cir", line: 5, column: 1))
        guard case .dcSweep(let s1) = deck.analyses[1].kind else { return XCTFail() }
        XCTAssertEqual(s1.count, 1)
        XCTAssertEqual(s1[0].source, "v1")
        XCTAssertEqual(s1[0].stop, 5)
        XCTAssertEqual(s1[0].step, 0.1)
        guard case .dcSweep(let s2) = deck.analyses[2].kind else { return XCTFail() }
        XCTAssertEqual(s2.map(\.source), ["v1", "i1"])
        XCTAssertEqual(s2[1].stop, 1e-3)
        guard case .transient(let step, let stop, let start, let maxStep, let uic) = deck.analyses[3].kind else {
            return XCTFail()
        }
        XCTAssertEqual(step, 1e-9)
        assertClose(stop, 100e-9, relative: 1e-12)
        XCTAssertEqual(start, 0)
        XCTAssertNil(maxStep)
        XCTAssertFalse(uic)
        guard case .transient(_, _, let start2, let max2, let uic2) = deck.analyses[4].kind else { return XCTFail() }
        assertClose(start2, 10e-9, relative: 1e-12)
        assertClose(try XCTUnwrap(max2), 0.5e-9, relative: 1e-12)
        XCTAssertTrue(uic2)
        guard case .ac(let variation, let points, let fstart, let fstop) = deck.analyses[5].kind else {
            return XCTFail()
        }
        XCTAssertEqual(variation, .decade)
        XCTAssertEqual(points, 10)
        XCTAssertEqual(fstart, 1)
        XCTAssertEqual(fstop, 1e9)
        guard case .ac(.linear, 100, _, _) = deck.analyses[6].kind else { return XCTFail() }
        guard case .ac(.octave, 5, 10, 1000) = deck.analyses[7].kind else { return XCTFail() }
    }

    func testAnalysisErrors() {
        assertParseError("t\nv1 a 0 1\n.dc v1 0 1\n", at: "test.cir:3:1", token: ".dc")
        assertParseError("t\nv1 a 0 1\n.dc vx 0 1 0.1\n", at: "test.cir:3:5", token: "vx", message: "sweep source")
        assertParseError("t\n.tran 1n\n", at: "test.cir:2:1", token: ".tran")
        assertParseError("t\n.tran 1n x\n", at: "test.cir:2:10", token: "x", message: "expected a number")
        assertParseError("t\n.ac log 10 1 10\n", at: "test.cir:2:5", token: "log")
        assertParseError("t\n.ac dec 2.5 1 10\n", at: "test.cir:2:9", token: "2.5")
    }

    func testDCSweepOfTemperatureIsAllowed() throws {
        let deck = try parseDeck("t\n.dc temp 0 100 10\n")
        guard case .dcSweep(let s)? = deck.analyses.first?.kind else { return XCTFail() }
        XCTAssertEqual(s[0].source, "temp")
    }

    func testOptionsAndTemp() throws {
        let deck = try parseDeck(
            """
            options
            .options reltol=1e-4 METHOD=Gear noacct
            .option abstol = 1p itl1=200
            .temp 50
            """)
        XCTAssertEqual(deck.options.reltol, 1e-4)
        XCTAssertEqual(deck.options.abstol, 1e-12)
        XCTAssertEqual(deck.options.itl1, 200)
        XCTAssertEqual(deck.options.method, "gear")
        XCTAssertEqual(deck.options.text["method"], "gear")
        XCTAssertEqual(deck.options.values["noacct"], 1)
        XCTAssertEqual(deck.options.temp, 50)
        XCTAssertEqual(deck.options.tnom, 27)
    }

    func testInitialConditionsAndNodesets() throws {
        let deck = try parseDeck(
            """
            ic
            .ic v(out)=1.5 V(In)=0
            .nodeset v(a)=2m
            .ic v(gnd2)={1+1}
            """)
        XCTAssertEqual(deck.initialConditions, ["out": 1.5, "in": 0, "gnd2": 2])
        XCTAssertEqual(deck.nodeSets, ["a": 2e-3])
        assertParseError("t\n.ic v(a)\n", at: "test.cir:2:5", token: "v")
        assertParseError("t\n.ic out=1\n", at: "test.cir:2:5", token: "out")
    }

    func testControlBlockCollectedAndEndStops() throws {
        let deck = try parseDeck(
            """
            control
            r1 a 0 1k
            .control
            run
            let x = v(a) $ not a card
            print 'unbalanced
            .endc
            r2 a 0 2k
            .end
            r3 a 0 garbage!!
            """)
        XCTAssertEqual(deck.elements.map(\.name), ["r1", "r2"])
        XCTAssertEqual(deck.controlBlocks.map(\.description), ["test.cir:3:1"])
        // Control lines keep `$` (a variable there, not a comment) and their locations.
        XCTAssertEqual(deck.control.map(\.text), ["run", "let x = v(a) $ not a card", "print 'unbalanced"])
        XCTAssertEqual(deck.control.map(\.location.description), ["test.cir:4:1", "test.cir:5:1", "test.cir:6:1"])
        XCTAssertEqual(deck.control[1].command, "let")
    }

    func testIgnoredAndUnknownDotCardsAreNotes() throws {
        let deck = try parseDeck(
            """
            notes
            r1 a 0 1
            .save v(a) i(v1)
            .print tran v(a) vdb(b, c)
            .plot dc v(a)
            .probe v(a)
            .width out=80
            .meas tran x max v(a) from = 1u
            """)
        XCTAssertEqual(deck.notes.count, 3)
        XCTAssertTrue(deck.notes[0].hasPrefix("test.cir:5:1: note:"))
        XCTAssertEqual(deck.saves, ["v(a)", "i(v1)"])
        let device = try parseDeck("t\nr1 a 0 1\n.save v(a) @r1[i]\n")
        XCTAssertEqual(device.saves, ["v(a)"])
        XCTAssertEqual(device.warnings, ["test.cir:3:1: warning: .save of a device quantity is not supported by Kelvin, ignored ('@r1[i]')"])
        XCTAssertEqual(deck.prints.map(\.analysis), ["tran"])
        XCTAssertEqual(deck.prints.first?.vectors, ["v(a)", "vdb(b,c)"])
        XCTAssertEqual(deck.measurements.map(\.text), ["tran x max v(a) from = 1u"])
        XCTAssertEqual(deck.measurements.first?.location.description, "test.cir:8:7")
        assertParseError("t\nr1 a 0 1\n.print v(a)\n", at: "test.cir:3:1", token: ".print")
        assertParseError(
            "t\nr1 a 0 1\n.step param r 1 2 1\n", at: "test.cir:3:1", token: ".step", message: "LTspice's")
        assertParseError("t\nr1 a 0 1\n.frobnicate 1 2 3\n", at: "test.cir:3:1", token: ".frobnicate")
    }

    func testGlobalNodes() throws {
        let deck = try parseDeck(
            """
            global
            .global vdd
            .subckt inv in out
            r1 vdd out 1k
            r2 in out 1k
            .ends
            x1 a b inv
            """)
        XCTAssertEqual(deck.element("r.x1.r1")?.nodes, ["vdd", "b"])
    }

    func testDotCardsInsideSubcircuits() throws {
        let deck = try parseDeck(
            """
            inside
            .subckt s a
            .ic v(a)=1 v(m)=2
            .save v(a)
            r1 a m 1
            .ends
            x1 n s
            x2 p s
            """)
        XCTAssertTrue(deck.analyses.isEmpty)
        XCTAssertEqual(deck.initialConditions, ["n": 1, "x1.m": 2, "p": 1, "x2.m": 2])
        XCTAssertEqual(deck.notes, [])
        // An analysis, option or measurement card inside a subcircuit is refused at the card.
        for card in [".op", ".tran 1u 2u", ".options reltol=1e-4", ".temp 50", ".meas tran x max v(a)"] {
            let keyword = String(card.prefix(while: { $0 != " " }))
            assertParseError("t\n.subckt s a\n\(card)\nr1 a 0 1\n.ends\nx1 n s\n", at: "test.cir:3:1", token: keyword,
                             message: "inside a .subckt")
        }
    }
}
