import Foundation
import XCTest

@testable import Netlist

/// B sources, behavioural E/G (`value=`, `vol=`, `cur=`, `table`) and POLY E/F/G/H: parsing,
/// binding to the flattened circuit, values and exact derivatives, and located errors.
final class BehavioralTests: XCTestCase {
    /// The expression of element `name`, and whether it is a voltage source.
    private func expression(_ deck: Deck, _ name: String, file: StaticString = #filePath, line: UInt = #line)
        -> (BehavioralExpression, voltage: Bool)?
    {
        switch deck.element(name)?.kind {
        case .behavioralVoltage(let f)?: return (f, true)
        case .behavioralCurrent(let f)?: return (f, false)
        default:
            XCTFail("\(name) is not behavioural", file: file, line: line)
            return nil
        }
    }

    /// `f` at the named control values (`v(a)` → 2, ...).
    private func value(_ f: BehavioralExpression, _ values: [String: Double]) -> (Double, [Double]) {
        f.evaluate(f.controls.map { values[$0.description] ?? 0 })
    }

    func testBSourceForms() throws {
        let deck = try parseDeck(
            """
            b sources
            .param k=2
            B1 out 0 V=v(a)*k + 1
            b2 n+1 0 i = {v(a, b)^2}
            B3 c 0 V='i(vsense)*1k + time + temper'
            vsense a b 0
            .end
            """)
        let (b1, v1) = try XCTUnwrap(expression(deck, "b1"))
        XCTAssertTrue(v1)
        XCTAssertEqual(deck.element("b1")?.nodes, ["out", "0"])
        XCTAssertEqual(b1.controls, [.voltage("a")])
        XCTAssertEqual(value(b1, ["v(a)": 3]).0, 7)
        XCTAssertEqual(value(b1, ["v(a)": 3]).1, [2])
        let (b2, v2) = try XCTUnwrap(expression(deck, "b2"))
        XCTAssertFalse(v2)
        XCTAssertEqual(deck.element("b2")?.nodes, ["n+1", "0"])
        XCTAssertEqual(b2.controls, [.voltage("a"), .voltage("b")])
        let (y, dy) = value(b2, ["v(a)": 3, "v(b)": 1])
        XCTAssertEqual(y, 4)
        XCTAssertEqual(dy, [4, -4])
        let (b3, _) = try XCTUnwrap(expression(deck, "b3"))
        XCTAssertEqual(b3.controls, [.current("vsense"), .time, .temperature])
        XCTAssertEqual(b3.evaluate([1e-3, 0.5, 27]).value, 28.5, accuracy: 1e-12)
    }

    /// ngspice-39's B-source meanings, checked against ngspice runs (see Tests/Fixtures/behavioral).
    func testNgspiceSemantics() throws {
        let cases: [(String, Double)] = [
            ("v(a)^3", 8), ("v(a)**3", 8), ("pow(v(a),3)", 8), ("pwr(v(a),3)", -8), ("pwrs(v(a),3)", -8),
            ("2^3^2", 64), ("-v(a)^2", -4), ("u(0) + 10*u(v(a)) + 100*uramp(v(a))", 0.5),
            ("nint(2.5) + 10*nint(-2.5)", -18), ("u2(0.5)", 0.5), ("e", M_E),
            ("v(a) < 0 ? 9 : 10", 9), ("if(v(a) > 0, 1, 2)", 2), ("ternary_fcn(v(a) > 0, 1, 2)", 2),
            ("limit(5, -1, 1) + 10*limit(-5, -1, 1) + 100*limit(0.25, -1, 1)", 1 - 10 + 25),
            ("pwl(3, 0,0, 1,2)", 6), ("min(v(a), 1) + 10*max(v(a), 1)", 8),
        ]
        for (text, expected) in cases {
            let deck = try parseDeck("t\nva a 0 -2\nb1 o 0 v=\(text)\n")
            let (f, _) = try XCTUnwrap(expression(deck, "b1"))
            XCTAssertEqual(value(f, ["v(a)": -2]).0, expected, accuracy: 1e-12, text)
        }
    }

    /// Every function's partials against central differences, at points where it is smooth.
    func testDerivativesMatchFiniteDifferences() throws {
        let texts = [
            "exp(v(a))", "ln(v(a))", "log(v(a))", "log10(v(a))", "sqrt(v(a))", "abs(v(a)-2)", "sin(v(a))",
            "cos(v(a))", "tan(v(a))", "asin(v(a)/2)", "acos(v(a)/2)", "atan(v(a))", "sinh(v(a))", "cosh(v(a))",
            "tanh(v(a))", "asinh(v(a))", "acosh(v(a)+1)", "atanh(v(a)/2)", "uramp(v(a))", "u2(v(a)/2)",
            "v(a)^v(b)", "pow(v(a), v(b))", "pwr(-v(a), v(b))", "pwrs(v(a)-3, 3)", "atan2(v(a), v(b))",
            "v(a)/v(b)", "v(a)*v(b)", "v(a) % v(b)", "limit(v(a), 0, v(b))", "limit(v(a), v(b), 9)",
            "min(v(a), v(b))", "max(v(a), v(b))", "pwl(v(a), 0, 0, 1, 2, 3, -1)", "v(a) > 1 ? v(a)^2 : v(b)",
        ]
        let point = [1.3, 2.1]
        for text in texts {
            let deck = try parseDeck("t\nva a 0 1\nvb b 0 1\nb1 o 0 v=\(text)\n")
            let (f, _) = try XCTUnwrap(expression(deck, "b1"))
            let inputs = f.controls.map { $0 == .voltage("a") ? point[0] : point[1] }
            let (_, partials) = f.evaluate(inputs)
            for k in inputs.indices {
                let h = 1e-6
                var up = inputs, down = inputs
                up[k] += h
                down[k] -= h
                let numeric = (f.evaluate(up).value - f.evaluate(down).value) / (2 * h)
                XCTAssertEqual(partials[k], numeric, accuracy: 1e-6 * max(1, abs(numeric)), "\(text) ∂/∂\(f.controls[k])")
            }
        }
    }

    func testBehavioralEAndG() throws {
        let deck = try parseDeck(
            """
            e and g
            E1 o1 0 value={v(a)*v(b)}
            e2 o2 0 vol='v(a)+1'
            G1 o3 0 VALUE = {tanh(v(a))}
            g2 o4 0 cur='2*v(a)'
            E3 o5 0 TABLE {v(a)} = (0, 0) (1, 2) (2, 3)
            g3 o6 0 table {v(a, b)} = 0,0 1,1m
            .end
            """)
        let (e1, isVoltage) = try XCTUnwrap(expression(deck, "e1"))
        XCTAssertTrue(isVoltage)
        XCTAssertEqual(value(e1, ["v(a)": 2, "v(b)": 3]).0, 6)
        XCTAssertEqual(try XCTUnwrap(expression(deck, "e2")).0.evaluate([1]).value, 2)
        let (g1, gVoltage) = try XCTUnwrap(expression(deck, "g1"))
        XCTAssertFalse(gVoltage)
        XCTAssertEqual(g1.evaluate([0.5]).value, tanh(0.5))
        XCTAssertEqual(try XCTUnwrap(expression(deck, "g2")).0.evaluate([1]).value, 2)
        // The table is flat outside its points, linear between them, and rounds each corner as
        // ngspice-39 does: a parabola over a tenth of the shorter segment beside it (±0.1 here),
        // 2 + (1 − 2)·0.1/4 at the corner x = 1, 0 + 2·0.1/4 at the first point.
        let (table, _) = try XCTUnwrap(expression(deck, "e3"))
        for (x, y, slope) in [
            (-1.0, 0.0, 0.0), (0.5, 1, 2), (1.5, 2.5, 1), (7, 3, 0), (1, 1.975, 1.5), (0, 0.05, 1), (0.95, 1.89375, 1.75),
            (1.05, 2.04375, 1.25),
        ] {
            let r = table.evaluate([x])
            XCTAssertEqual(r.value, y, accuracy: 1e-12, "table(\(x))")
            XCTAssertEqual(r.partials[0], slope, accuracy: 1e-12, "table slope at \(x)")
        }
        let (g3, _) = try XCTUnwrap(expression(deck, "g3"))
        XCTAssertEqual(g3.controls, [.voltage("a"), .voltage("b")])
        XCTAssertEqual(g3.evaluate([0.75, 0.25]).value, 0.5e-3, accuracy: 1e-15)
    }

    /// SPICE2's coefficient order: p0, then x1..xn, then x1², x1x2, ..., x2², ..., then the cubes.
    func testPolynomialSources() throws {
        let deck = try parseDeck(
            """
            poly
            E1 o1 0 POLY(2) a 0 (b, 0) 1 2 3 4 5 6 7
            G1 o2 0 poly(1) a b 0 1m
            F1 o3 0 POLY(2) v1 v2 0 0 0 0 2
            H1 o4 0 poly(1) v1 5
            v1 a 0 1
            v2 b 0 1
            .end
            """)
        let (e1, eVoltage) = try XCTUnwrap(expression(deck, "e1"))
        XCTAssertTrue(eVoltage)
        XCTAssertEqual(deck.element("e1")?.nodes, ["o1", "0"])
        let (a, b) = (2.0, 3.0)
        XCTAssertEqual(value(e1, ["v(a)": a, "v(b)": b]).0, 1 + 2 * a + 3 * b + 4 * a * a + 5 * a * b + 6 * b * b + 7 * a * a * a)
        let (g1, gVoltage) = try XCTUnwrap(expression(deck, "g1"))
        XCTAssertFalse(gVoltage)
        XCTAssertEqual(value(g1, ["v(a)": 3, "v(b)": 1]).0, 2e-3, accuracy: 1e-15)
        let (f1, _) = try XCTUnwrap(expression(deck, "f1"))
        XCTAssertEqual(f1.controls, [.current("v1"), .current("v2")])
        XCTAssertEqual(f1.evaluate([2, 5]).value, 20)  // the x1·x2 term
        // One coefficient is the constant p0, as ngspice-39 reads it (SPICE2 read it as the gain).
        XCTAssertEqual(try XCTUnwrap(expression(deck, "h1")).0.evaluate([7]).value, 5)
    }

    func testNamesInsideSubcircuitsAreFlattened() throws {
        let deck = try parseDeck(
            """
            sub
            .subckt sq in out params: g=1
            vs in m 0
            B1 out 0 V=g*v(m)^2 + i(vs)
            .ends
            X1 a y sq g=3
            ra a 0 1k
            .end
            """)
        let (f, _) = try XCTUnwrap(expression(deck, "b.x1.b1"))
        XCTAssertEqual(f.controls, [.voltage("x1.m"), .current("v.x1.vs")])
        XCTAssertEqual(deck.element("b.x1.b1")?.nodes, ["y", "0"])
        XCTAssertEqual(f.evaluate([2, 0]).value, 12)
    }

    func testUserFunctionsAndParametersAreInlined() throws {
        let deck = try parseDeck(
            """
            func
            .param vt=0.5
            .func soft(x) {x > vt ? x - vt : 0}
            B1 o 0 V=soft(v(a)) * 2
            .end
            """)
        let (f, _) = try XCTUnwrap(expression(deck, "b1"))
        XCTAssertEqual(f.evaluate([1.5]).value, 2)
        XCTAssertEqual(f.evaluate([1.5]).partials, [2])
        XCTAssertEqual(f.evaluate([0.2]).value, 0)
    }

    /// The text of a bound expression reads back to the same function (the writer uses it).
    func testDescriptionReadsBack() throws {
        let deck = try parseDeck(
            """
            t
            B1 o 0 V=-2*pwr(v(a),3) + (v(a,b) > 1 ? sqrt(abs(v(b))) : pwl(v(a), 0,0, 1,-1)) + i(v1)
            E1 p 0 table {v(a)} = (-1, 2) (1, 3)
            v1 a 0 1
            .end
            """)
        for name in ["b1", "e1"] {
            let (f, _) = try XCTUnwrap(expression(deck, name))
            let again = try parseDeck("t\nb9 o 0 v={\(f.description)}\nv1 a 0 1\n")
            let (g, _) = try XCTUnwrap(expression(again, "b9"))
            XCTAssertEqual(g.controls, f.controls)
            for x in [-3.0, -0.5, 0.3, 1.7, 4] {
                let inputs = f.controls.map { _ in x }
                XCTAssertEqual(g.evaluate(inputs).value, f.evaluate(inputs).value, "\(name) at \(x): \(f)")
            }
        }
    }

    func testErrorsAreLocated() {
        assertParseError("t\nb1 o 0 v=v(a)*\n", at: "test.cir:2:15", token: "v(a)*", message: "ends early")
        assertParseError("t\nb1 o 0 v=foo(v(a))\n", at: "test.cir:2:10", token: "foo", message: "unknown function")
        assertParseError("t\nb1 o 0 v=v(a)*k\n", at: "test.cir:2:15", token: "k", message: "undefined parameter")
        assertParseError("t\nb1 o 0 v=v(a,b,c)\n", at: "test.cir:2:10", token: "v(a,b,c)", message: "one node or two")
        assertParseError("t\nb1 o 0 v=i(v1, v2)\n", at: "test.cir:2:10", token: "i(v1, v2)", message: "one element")
        assertParseError("t\nb1 o 0 v=v(a\n", at: "test.cir:2:11", token: "(a", message: "missing ')'")
        assertParseError("t\nb1 o 0 x=1\n", at: "test.cir:2:8", token: "x", message: "V=expr")
        assertParseError("t\nb1 o 0\n", at: "test.cir:2:1", token: "b1", message: "V=expr")
        assertParseError("t\nb1 o 0 v=v(a) tc1=0.1\n", at: "test.cir:2:15", token: "tc1", message: "unsupported")
        assertParseError("t\nb1 o 0 v=pwl(v(a), 0, v(b), 1, 1)\n", at: "test.cir:2:10", token: "pwl", message: "constants")
        assertParseError("t\nb1 o 0 v=pwl(v(a), 1, 0, 0, 1)\n", at: "test.cir:2:10", token: "pwl", message: "must not decrease")
        assertParseError("t\nb1 o 0 v=limit(v(a), 1)\n", at: "test.cir:2:10", token: "limit", message: "3 argument")
        assertParseError("t\ne1 o 0 value={v(a) +* 2}\n", at: "test.cir:2:21", token: "*", message: "unexpected")
        assertParseError("t\ne1 o 0 cur={v(a)}\n", at: "test.cir:2:8", token: "cur", message: "G source")
        assertParseError("t\ng1 o 0 table {v(a)} = (0, 0) (1)\n", at: "test.cir:2:21", token: "table", message: "pairs")
        assertParseError("t\ng1 o 0 table {v(a)} (0, 0)\n", at: "test.cir:2:8", token: "table", message: "ends early")
        assertParseError("t\ne1 o 0 table {v(a)} = (1, 0) (0, 1)\n", at: "test.cir:2:21", token: "table", message: "decrease")
        assertParseError("t\ne1 o 0 poly(0) a 0 1\n", at: "test.cir:2:13", token: "0", message: "POLY(n)")
        assertParseError("t\ne1 o 0 poly(2) a 0 b 0\n", at: "test.cir:2:1", token: "e1", message: "coefficient")
        assertParseError("t\nf1 o 0 poly(1) v1 1 ic=2\n", at: "test.cir:2:21", token: "ic", message: "unsupported")
        assertParseError("t\n.param p = v(a)\nr1 a 0 {p}\n", at: "test.cir:2:12", token: "v", message: "behavioural")
    }
}
