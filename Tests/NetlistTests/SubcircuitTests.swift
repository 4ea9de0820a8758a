import TestSupport
import XCTest

@testable import Netlist

final class SubcircuitTests: XCTestCase {
    /// The same deck whose names were checked against ngspice-39 (`display` / `show` listing
    /// `v.x1.x2.vin#branch`, nodes `x1.n`, `x1.x2.m`, elements `r.x1.x2.r1`, `f.x1.x2.f1`).
    func testNgspiceNamingOfNestedInstances() throws {
        let deck = try parseDeck(
            """
            naming test
            .subckt inner a b
            vin a m 1
            r1 m b 1k
            f1 a b vin 2
            .ends
            .subckt outer p q
            x2 p n inner
            r2 n q 2k
            .ends
            x1 1 0 outer
            r9 1 0 1k
            .op
            """)
        XCTAssertEqual(deck.elements.map(\.name), ["v.x1.x2.vin", "r.x1.x2.r1", "f.x1.x2.f1", "r.x1.r2", "r9"])
        XCTAssertEqual(deck.element("v.x1.x2.vin")?.nodes, ["1", "x1.x2.m"])
        XCTAssertEqual(deck.element("r.x1.x2.r1")?.nodes, ["x1.x2.m", "x1.n"])
        XCTAssertEqual(deck.element("r.x1.r2")?.nodes, ["x1.n", "0"])
        guard case .cccs(let control, 2)? = deck.element("f.x1.x2.f1")?.kind else { return XCTFail() }
        XCTAssertEqual(control, "v.x1.x2.vin")
        // Elements keep the location of their card in the .subckt body.
        XCTAssertEqual(deck.element("r.x1.x2.r1")?.location, SourceLocation(file: "test.cir", line: 4, column: 1))
    }

    func testControllingSourcesOfHAndWAreFlattened() throws {
        let deck = try parseDeck(
            """
            ccvs
            .subckt s a b
            vs a c 0
            h1 c b vs 10
            w1 c b vs wm
            .model wm csw it=1m
            .ends
            xa n1 0 s
            """)
        guard case .ccvs(let hControl, _)? = deck.element("h.xa.h1")?.kind else { return XCTFail() }
        XCTAssertEqual(hControl, "v.xa.vs")
        guard case .currentSwitch(let wControl, _, _)? = deck.element("w.xa.w1")?.kind else { return XCTFail() }
        XCTAssertEqual(wControl, "v.xa.vs")
    }

    func testGroundIsGlobalAndUseBeforeDefinition() throws {
        let deck = try parseDeck(
            """
            ground
            X1 in out GND amp
            .SUBCKT amp i o g
            r1 i 0 1k
            r2 o gnd 1k
            r3 i g 1k
            r4 i internal 1k
            .ENDS amp
            """)
        XCTAssertEqual(deck.element("r.x1.r1")?.nodes, ["in", "0"])
        XCTAssertEqual(deck.element("r.x1.r2")?.nodes, ["out", "0"])
        XCTAssertEqual(deck.element("r.x1.r3")?.nodes, ["in", "0"])
        XCTAssertEqual(deck.element("r.x1.r4")?.nodes, ["in", "x1.internal"])
    }

    func testParametersDefaultsOverridesAndExpressions() throws {
        let deck = try parseDeck(
            """
            subckt params
            .param scale=2
            .subckt load a b params: r=1k c={r*1n}
            .param twice={2*r}
            r1 a b {r}
            r2 a b {twice*scale}
            c1 a b {c}
            .ends
            .subckt load2 a b r=5
            r1 a b r
            .ends
            x1 n 0 load
            x2 n 0 load r={scale*3k}
            x3 n 0 load params: r=10 c=1
            x4 n 0 load2
            x5 n 0 load2 r=7
            """)
        XCTAssertEqual(deck.resistance("r.x1.r1"), 1000)
        XCTAssertEqual(deck.resistance("r.x1.r2"), 4000)
        guard case .capacitor(let c1, _)? = deck.element("c.x1.c1")?.kind else { return XCTFail() }
        assertClose(c1, 1e-6, relative: 1e-12)
        XCTAssertEqual(deck.resistance("r.x2.r1"), 6000)
        guard case .capacitor(let c2, _)? = deck.element("c.x2.c1")?.kind else { return XCTFail() }
        assertClose(c2, 6e-6, relative: 1e-12)
        XCTAssertEqual(deck.resistance("r.x3.r2"), 40)
        guard case .capacitor(1, _)? = deck.element("c.x3.c1")?.kind else { return XCTFail() }
        XCTAssertEqual(deck.resistance("r.x4.r1"), 5)
        XCTAssertEqual(deck.resistance("r.x5.r1"), 7)
    }

    func testSubcircuitParametersAreLocal() {
        assertParseError(
            """
            local
            .subckt s a params: w=1
            r1 a 0 {w}
            .ends
            x1 n s
            r2 n 0 {w}
            """, at: "test.cir:6:9", token: "w", message: "undefined parameter")
    }

    /// ngspice-39 scopes parameters dynamically: `inner` (defined at the top level) sees the `w` of
    /// the `outer` instance that calls it, which hides the global `w` (checked with `ngspice -b`: v(n) = 5).
    func testParametersAreDynamicallyScopedLikeNgspice() throws {
        let deck = try parseDeck(
            """
            scope test
            .param w=1
            .subckt inner a
            r1 a 0 {w}
            .ends
            .subckt outer a params: w=5
            x1 a inner
            .ends
            x1 n outer
            x2 n inner
            """)
        XCTAssertEqual(deck.resistance("r.x1.x1.r1"), 5)
        XCTAssertEqual(deck.resistance("r.x2.r1"), 1)
    }

    /// ngspice-39 ignores an instance parameter the subcircuit does not declare; Kelvin warns.
    func testUnknownInstanceParameterIsAWarning() throws {
        let deck = try parseDeck("t\n.subckt s a params: w=1\nr1 a 0 {w}\n.ends\nx1 n s q=2\n")
        XCTAssertEqual(deck.resistance("r.x1.r1"), 1)
        XCTAssertEqual(
            deck.warnings, ["test.cir:5:8: warning: subcircuit 's' has no parameter 'q'; ignored as ngspice does ('q')"])
    }

    func testNestedDefinitionsAndLocalModels() throws {
        let deck = try parseDeck(
            """
            nested definitions
            .subckt outer a b
            .subckt inner p q
            d1 p q dm
            .ends inner
            x1 a m inner
            x2 m b inner
            .model dm d is=1e-15
            .ends outer
            .model dm d is=1e-12
            xo 1 0 outer
            d9 1 0 dm
            """)
        XCTAssertEqual(deck.elements.map(\.name), ["d.xo.x1.d1", "d.xo.x2.d1", "d9"])
        XCTAssertEqual(deck.element("d.xo.x1.d1")?.nodes, ["1", "xo.m"])
        XCTAssertEqual(deck.element("d.xo.x2.d1")?.nodes, ["xo.m", "0"])
        guard case .diode(let inner, _)? = deck.element("d.xo.x1.d1")?.kind,
            case .diode(let outer, _)? = deck.element("d9")?.kind
        else { return XCTFail() }
        XCTAssertEqual(inner.parameters["is"], 1e-15)
        XCTAssertEqual(outer.parameters["is"], 1e-12)
    }

    func testNestedDefinitionIsNotVisibleOutside() {
        assertParseError(
            "t\n.subckt outer a\n.subckt inner p\nr1 p 0 1\n.ends\n.ends\nx1 n inner\n", at: "test.cir:7:1",
            token: "inner", message: "undefined subcircuit")
    }

    func testModelParametersFromSubcircuitScope() throws {
        let deck = try parseDeck(
            """
            model scope
            .subckt cell a params: isat=1e-14
            .model dloc d is={isat}
            d1 a 0 dloc
            .ends
            x1 n cell
            x2 n cell isat=2e-14
            """)
        guard case .diode(let m1, _)? = deck.element("d.x1.d1")?.kind,
            case .diode(let m2, _)? = deck.element("d.x2.d1")?.kind
        else { return XCTFail() }
        XCTAssertEqual(m1.parameters["is"], 1e-14)
        XCTAssertEqual(m2.parameters["is"], 2e-14)
    }

    func testWrongNodeCount() {
        assertParseError(
            """
            nodes
            .subckt amp in out vdd
            r1 in out 1k
            .ends
            x1 a b amp
            """, at: "test.cir:5:1", token: "x1", message: "has 3 nodes, instance connects 2")
    }

    func testRecursiveSubcircuit() {
        let error = parseError(
            """
            recursion
            .subckt a p
            x1 p b
            .ends
            .subckt b p
            xa p a
            .ends
            xtop n a
            """)
        guard let error else { return }
        assertDescription(error, at: "test.cir:6:1", token: "a", message: "a -> b -> a")
        guard case .recursiveSubcircuit = error else { return XCTFail("\(error)") }
    }

    func testSelfRecursiveSubcircuit() {
        assertParseError("t\n.subckt s p\nx1 p s\n.ends\nx0 n s\n", at: "test.cir:3:1", token: "s", message: "s -> s")
    }

    func testDuplicateElementAfterFlattening() {
        // `r.x1.r1` written by hand collides with r1 inside x1.
        let error = parseError(
            """
            dup
            .subckt s a
            r1 a 0 1k
            .ends
            x1 n s
            r.x1.r1 n 0 1k
            """)
        guard let error else { return }
        assertDescription(error, at: "test.cir:6:1", token: "r.x1.r1", message: "first defined at test.cir:3:1")
    }

    func testSubcircuitStructureErrors() {
        assertParseError("t\n.subckt s a\nr1 a 0 1\n", at: "test.cir:2:1", token: "s", message: ".ends")
        assertParseError("t\n.ends\n", at: "test.cir:2:1", token: ".ends")
        assertParseError("t\nx1 a b\n", at: "test.cir:2:1", token: "b", message: "undefined subcircuit")
        assertParseError("t\nx1\n", at: "test.cir:2:1", token: "x1")
    }

    func testManyInstancesStayFast() throws {
        var text = "many\n.subckt cell a b params: r=1\nr1 a m {r}\nr2 m b {2*r}\n.ends\n"
        for i in 0..<2000 { text += "x\(i) n\(i) n\(i + 1) cell r=\(i + 1)\n" }
        let deck = try parseDeck(text)
        XCTAssertEqual(deck.elements.count, 4000)
        XCTAssertEqual(deck.resistance("r.x1999.r2"), 4000)
    }
}
