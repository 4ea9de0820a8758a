import XCTest

@testable import Netlist

/// Issue 14 §1 "Nothing silent": every construct of a real ngspice deck is either implemented as
/// ngspice does or reported with its location, never dropped silently.
final class NothingSilentTests: XCTestCase {
    func testSineIsAnAliasOfSin() throws {
        let deck = try parseDeck("t\nv1 a 0 sine(0 1 1k 0 0 90)\nv2 b 0 SINE 0 1 1k\nr1 a b 1\n.tran 1u 1m\n")
        for element in deck.elements.prefix(2) {
            guard case .voltageSource(let source) = element.kind, case .sin(let values)? = source.waveform else {
                return XCTFail("\(element.name) is not a sin source")
            }
            XCTAssertEqual(values.prefix(3), [0, 1, 1000])
        }
    }

    func testEndsWithAnotherNameClosesTheSubcircuitWithAWarning() throws {
        let deck = try parseDeck("t\n.subckt s a\nr1 a 0 1\n.ends other\nx1 n s\n.op\n")
        XCTAssertEqual(deck.elements.map(\.name), ["r.x1.r1"])
        XCTAssertEqual(deck.warnings.count, 1)
        XCTAssertTrue(deck.warnings[0].hasPrefix("test.cir:4:7: warning:"), deck.warnings[0])
        XCTAssertTrue(deck.warnings[0].hasSuffix("('other')"), deck.warnings[0])
        XCTAssertTrue(try parseDeck("t\n.subckt s a\nr1 a 0 1\n.ends s\nx1 n s\n").warnings.isEmpty)
    }

    func testDeckWithoutAnalysisIsAnError() throws {
        let plain = try parseDeck("no analysis\nr1 a 0 1\n")
        XCTAssertThrowsError(try plain.requireAnalysis()) { error in
            guard let error = error as? NetlistError else { return XCTFail("\(error)") }
            assertDescription(error, at: "test.cir:1:1", token: "no analysis", message: "no analysis to run")
        }
        // A .control block that runs an analysis is enough; one that runs none is an error at it.
        XCTAssertNoThrow(try parseDeck("t\nv1 a 0 1\nr1 a 0 1\n.control\nop\nprint v(a)\n.endc\n").requireAnalysis())
        let control = try parseDeck("t\nv1 a 0 1\nr1 a 0 1\n.control\necho hi\n.endc\n")
        XCTAssertThrowsError(try control.requireAnalysis()) { error in
            guard let error = error as? NetlistError else { return XCTFail("\(error)") }
            assertDescription(error, at: "test.cir:4:1", token: ".control", message: "runs none")
        }
        XCTAssertNoThrow(try parseDeck("t\nr1 a 0 1\n.op\n").requireAnalysis())
    }

    func testMistypedDotCardIsAnErrorWithASuggestion() {
        assertParseError(
            "t\nr1 a 0 1\n.opp\n", at: "test.cir:3:1", token: ".opp", message: "did you mean `.op`?")
        assertParseError(
            "t\nr1 a 0 1\n  .trann 1u 1m\n", at: "test.cir:3:3", token: ".trann", message: "did you mean `.tran`?")
        assertParseError("t\n.modle d d\n", at: "test.cir:2:1", token: ".modle", message: "did you mean `.model`?")
        guard let error = parseError("t\n.frobnicate 1\n") else { return }
        XCTAssertEqual(error.message, "unknown dot card")
    }

    func testUnknownModelParameterIsALocatedWarning() throws {
        let deck = try parseDeck(
            "t\n.model q1 NPN(BFF=20 BF=50)\n.model d1 d(is=1e-14 kf=1e-3)\nq1 c b 0 q1\nd1 a 0 d1\n"
                + ".subckt s a\nq1 a a 0 q1\n.ends\nx1 n s\nx2 m s\n.op\n")
        XCTAssertEqual(
            deck.warnings,
            ["test.cir:2:15: warning: unknown BJT model parameter, ignored (as ngspice's \"unrecognized parameter\") ('bff')"])
        guard case .bjt(let model, _) = deck.elements[0].kind else { return XCTFail("not a BJT") }
        XCTAssertEqual(model.parameters["bf"], 50)
    }

    func testUnsupportedModelLevelIsALocatedError() {
        assertParseError(
            "t\n.model d1 D(level=3 IS=1e-14)\nd1 a 0 d1\n", at: "test.cir:2:19", token: "level=3",
            message: "diode model level 3")
        assertParseError(
            "t\nm1 d g 0 0 nch\n.model nch nmos level=49\n", at: "test.cir:3:23", token: "level=49",
            message: "MOSFET model level 49")
        assertParseError(
            "t\nq1 c b 0 qn\n.model qn npn(level=4)\n", at: "test.cir:3:21", token: "level=4",
            message: "BJT model level 4")
        XCTAssertNoThrow(try parseDeck("t\n.model d1 D(level=1)\nd1 a 0 d1\n"))
    }

    func testResistorTemperatureCoefficients() throws {
        let deck = try parseDeck(
            "t\nr1 a 0 1k tc1=0.01 tc2=1e-4\nr2 a 0 1k tc=0.01 dtemp=10\nr3 a 0 1k tc1=0.01 temp=27\n"
                + "r4 a 0 1k tce=2\n.temp 77\n.op\n")
        let resistances = deck.elements.map { element -> Double in
            guard case .resistor(let r) = element.kind else { return .nan }
            return r
        }
        XCTAssertEqual(resistances[0], 1750, accuracy: 1e-9)
        XCTAssertEqual(resistances[1], 1600, accuracy: 1e-9)
        XCTAssertEqual(resistances[2], 1000, accuracy: 1e-9)
        XCTAssertEqual(resistances[3], 1000 * pow(1.01, 100), accuracy: 1e-6)
        let tnom = try parseDeck("t\n.options tnom=50\nr1 a 0 1k tc1=0.01\n")
        guard case .resistor(let r) = tnom.elements[0].kind else { return XCTFail() }
        XCTAssertEqual(r, 770, accuracy: 1e-9)
    }

    func testResistorACAndUnknownParametersAreLocatedErrors() {
        assertParseError("t\nr1 a 0 1k ac=2k\n", at: "test.cir:2:11", token: "ac", message: "'ac='")
        assertParseError("t\nr1 a 0 1k foo=3\n", at: "test.cir:2:11", token: "foo", message: "unknown resistor parameter")
        assertParseError("t\nc1 a 0 1p bar=3\n", at: "test.cir:2:11", token: "bar", message: "unknown capacitor parameter")
        assertParseError("t\nr1 a 0 1k tc=1,2\n", at: "test.cir:2:16", token: "2", message: "'tc='")
    }

    /// D, Q, M, S and W instance parameters: unknown names stop as in ngspice-39 ("unknown
    /// parameter (foo)"); names ngspice knows but Kelvin does not model warn at the name.
    func testDeviceInstanceParametersAreCheckedByName() throws {
        let models = ".model dm d\n.model qm npn\n.model nm nmos\n.model sm sw\n"
        assertParseError("t\n\(models)d1 a 0 dm foo=2\n", at: "test.cir:6:11", token: "foo", message: "unknown diode instance parameter")
        assertParseError("t\n\(models)q1 c b 0 qm area=2 foo=1\n", at: "test.cir:6:20", token: "foo", message: "unknown BJT instance parameter")
        assertParseError("t\n\(models)m1 d g 0 0 nm w=1u zz=3\n", at: "test.cir:6:20", token: "zz", message: "unknown MOSFET instance parameter")
        assertParseError("t\n\(models)s1 a 0 c 0 sm m=2\n", at: "test.cir:6:15", token: "m", message: "unknown switch instance parameter")
        let deck = try parseDeck("t\n\(models)d1 a 0 dm area=2 m=2 temp=50 pj=1u\nq1 c b 0 qm areab=2 icvbe=0.6\n"
            + "m1 d g 0 0 nm w=1u l=1u ad=1p as=1p pd=1u ps=1u nrd=1 nrs=1 dtemp=5 ic=1,2,3\n")
        XCTAssertEqual(deck.warnings, [
            "test.cir:6:30: warning: diode parameter 'pj' (not modelled) is not used by Kelvin, ignored ('pj')",
            "test.cir:7:21: warning: BJT parameter 'icvbe' (an initial condition for UIC) is not used by Kelvin, ignored ('icvbe')",
            "test.cir:8:69: warning: MOSFET parameter 'ic' (an initial condition for UIC) is not used by Kelvin, ignored ('ic')",
        ])
    }

    /// `Deck.at(temperature:)` (a `.dc TEMP` point): the temp option set, resistors with
    /// coefficients rescaled from the deck's temperature (a changed value keeps its ratio), an
    /// instance `temp=` fixed.
    func testDeckAtAnotherTemperatureRescalesResistors() throws {
        var deck = try parseDeck("t\nr1 a 0 1k tc1=0.01\nr2 a 0 1k tc1=0.01 temp=77\nr3 a 0 1k\n.temp 37\n")
        XCTAssertEqual(try XCTUnwrap(deck.resistance("r1")), 1100, accuracy: 1e-9)
        deck.elements[0].kind = .resistor(resistance: 2200)  // as `alter r1 2200` at 37 °C
        let hot = try deck.at(temperature: 127)
        XCTAssertEqual(hot.options.temp, 127)
        XCTAssertEqual(try XCTUnwrap(hot.resistance("r1")), 2200 * 2 / 1.1, accuracy: 1e-9)
        XCTAssertEqual(try XCTUnwrap(hot.resistance("r2")), 1500, accuracy: 1e-9)
        XCTAssertEqual(hot.resistance("r3"), 1000)
        XCTAssertThrowsError(try deck.at(temperature: -73)) { error in
            XCTAssertTrue("\(error)".hasPrefix("test.cir:2:1"), "\(error)")
        }
    }

    /// An option Kelvin neither reads nor may ignore (ngspice's `rshunt` adds a resistor from every
    /// node to ground) is a located warning; read and inert ones (`reltol`, `klu`) pass silently.
    func testUnimplementedOptionsAreLocatedWarnings() throws {
        let deck = try parseDeck("t\nr1 a 0 1k\n.options reltol=1e-4 klu rshunt=1e9 numdgt=8 foo\n")
        XCTAssertEqual(deck.warnings, [
            "test.cir:3:26: warning: option 'rshunt' is not implemented by Kelvin, ignored ('rshunt')",
            "test.cir:3:46: warning: option 'foo' is not implemented by Kelvin, ignored ('foo')",
        ])
        XCTAssertEqual(deck.options.reltol, 1e-4)
        let euler = try parseDeck("t\nr1 a 0 1k\n.options method=euler\n")
        XCTAssertEqual(euler.warnings, [
            "test.cir:3:17: warning: integration method 'euler' is not one Kelvin implements (trap, gear); trapezoidal is used ('euler')"
        ])
    }

    /// `.temp 0 50` (SPICE2's list; ngspice-39 runs it at 27 °C) is refused at the second value.
    func testTemperatureListIsALocatedError() {
        assertParseError("t\nr1 a 0 1k\n.temp 0 50\n", at: "test.cir:3:9", token: "50", message: "more than one temperature")
    }

    /// Analyses Kelvin does not run are errors at their card; output-only cards are notes.
    func testUnimplementedAnalysisCardsAreLocatedErrors() throws {
        for card in [".four 1k v(a)", ".disto dec 10 1k 100meg", ".pz a 0 b 0 vol pz", ".sp lin 10 1 10"] {
            let keyword = String(card.prefix(while: { $0 != " " }))
            assertParseError("t\nr1 a 0 1k\n\(card)\n.op\n", at: "test.cir:3:1", token: keyword, message: "not implemented")
        }
        let deck = try parseDeck("t\nr1 a 0 1k\n.plot dc v(a)\n.width out=80\n.op\n")
        XCTAssertEqual(deck.notes.count, 2, "\(deck.notes)")
    }

    /// `distof1`/`distof2` only feed `.disto`: a located warning, the rest of the source is read.
    func testDistortionInputsAreWarnings() throws {
        let deck = try parseDeck("t\nv1 a 0 dc 1 distof1 0.1 90 ac 1\nr1 a 0 1k\n")
        XCTAssertEqual(deck.warnings, [
            "test.cir:2:13: warning: 'distof1' is an input of .disto, which Kelvin does not run; ignored ('distof1')"
        ])
        guard case .voltageSource(let source) = deck.elements[0].kind else { return XCTFail() }
        XCTAssertEqual(source.dc, 1)
        XCTAssertEqual(source.acMagnitude, 1)
    }

    /// `.ic`/`.nodeset` on a node no element connects: a located warning (ngspice warns too).
    func testInitialConditionOnAMissingNodeIsALocatedWarning() throws {
        let deck = try parseDeck("t\nr1 a 0 1k\n.ic v(a)=1 v(zz)=2\n.nodeset v(yy)=3\n")
        XCTAssertEqual(deck.warnings, [
            "test.cir:3:14: warning: .ic on a node no element connects, ignored ('zz')",
            "test.cir:4:12: warning: .nodeset on a node no element connects, ignored ('yy')",
        ])
    }

    func testInstanceParameterOverridesTheSubcircuitsOwnParam() throws {
        let deck = try parseDeck(
            "t\n.subckt s a params: rint=5\n.param rint=6\nr1 a 0 {rint}\n.ends\n"
                + ".subckt s2 a\n.param rint=5\nr1 a 0 {rint}\n.ends\n"
                + "x1 n s rint=7\nx2 n s\nx3 n s2 rint=7\nx4 n s2\n")
        XCTAssertEqual(deck.resistance("r.x1.r1"), 7)
        XCTAssertEqual(deck.resistance("r.x2.r1"), 6)
        XCTAssertEqual(deck.resistance("r.x3.r1"), 7)
        XCTAssertEqual(deck.resistance("r.x4.r1"), 5)
        XCTAssertTrue(deck.warnings.isEmpty, "\(deck.warnings)")
    }

    func testIfSectionsKeepOnlyTheTakenBranch() throws {
        let text = """
            t
            .param sel=2
            .if (sel == 1)
            r1 a 0 1
            .elseif (sel == 2)
            r1 a 0 2
            .if (sel > 5)
            r3 a 0 1
            .endif
            .else
            r1 a 0 3
            .endif
            .if (sel > 1)
            .param k=10
            .endif
            r2 a 0 {k}
            """
        let deck = try parseDeck(text)
        XCTAssertEqual(deck.elements.map(\.name), ["r1", "r2"])
        XCTAssertEqual(deck.resistance("r1"), 2)
        XCTAssertEqual(deck.resistance("r2"), 10)
        let other = try parseDeck(text.replacingOccurrences(of: "sel=2", with: "sel=7"))
        XCTAssertEqual(other.resistance("r1"), 3)
    }

    func testIfSectionErrorsAreLocated() {
        assertParseError("t\n.if (1)\nr1 a 0 1\n", at: "test.cir:2:1", token: ".if", message: ".endif")
        assertParseError("t\n.else\n", at: "test.cir:2:1", token: ".else", message: "without '.if'")
        assertParseError("t\n.endif\n", at: "test.cir:2:1", token: ".endif", message: "without '.if'")
        assertParseError("t\n.if (x > 1)\n.endif\n", at: "test.cir:2:6", token: "x", message: "undefined parameter")
        assertParseError(
            "t\n.subckt s a\n.if (1)\n.endif\n.ends\n", at: "test.cir:3:1", token: ".if", message: "inside a '.subckt'")
    }
}
