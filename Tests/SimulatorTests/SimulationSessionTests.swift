import Foundation
import Netlist
import TestSupport
import XCTest

@testable import Simulator

/// `SimulationSession` gives the same operating points as a fresh `.op` of the deck with the same
/// source values, through many set/solve cycles on one set-up.
final class SimulationSessionTests: XCTestCase {
    static let netlists = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("netlists")

    /// `deck` with the DC values of `values` (source name → value) and only an `.op`.
    static func withSources(_ deck: Deck, _ values: [String: Double]) -> Deck {
        var d = deck
        for k in d.elements.indices {
            guard let v = values[d.elements[k].name] else { continue }
            switch d.elements[k].kind {
            case .voltageSource(var s):
                s.dc = v
                d.elements[k].kind = .voltageSource(s)
            case .currentSource(var s):
                s.dc = v
                d.elements[k].kind = .currentSource(s)
            default: break
            }
        }
        d.analyses = [Analysis(kind: .operatingPoint, location: TestDeck.here)]
        return d
    }

    /// Drives `count` random input vectors (seeded) through one session and compares every
    /// solution with a fresh `.op`: |session − op| ≤ `relative`·|op| + `absolute`.
    func assertMatchesFreshOP(
        _ deck: Deck, inputs: [String: ClosedRange<Double>], count: Int, relative: Double, absolute: Double,
        file: StaticString = #filePath, line: UInt = #line
    ) throws -> SimulationSession {
        var session = try SimulationSession(deck: deck)
        var rng = SeededGenerator(seed: 42)
        var worst = 0.0
        for cycle in 0..<count {
            var values: [String: Double] = [:]
            for (name, range) in inputs.sorted(by: { $0.key < $1.key }) {
                values[name] = Double.random(in: range, using: &rng)
                try session.setSource(name, values[name]!)
            }
            let row = try session.solve()
            let op = try Simulation(deck: Self.withSources(deck, values)).run()[0]
            XCTAssertEqual(session.variables, op.variables, file: file, line: line)
            for (k, variable) in op.variables.enumerated() {
                let expected = op.rows[0][k]
                let difference = abs(row[k] - expected)
                worst = max(worst, difference / (relative * abs(expected) + absolute))
                if difference > relative * abs(expected) + absolute {
                    XCTFail("cycle \(cycle) \(values): \(variable) session \(row[k]) op \(expected)", file: file, line: line)
                    return session
                }
                if variable.hasPrefix("v(") {
                    XCTAssertEqual(try session.voltage(String(variable.dropFirst(2).dropLast())), row[k], file: file, line: line)
                } else {
                    XCTAssertEqual(try session.current(String(variable.dropFirst(2).dropLast())), row[k], file: file, line: line)
                }
            }
        }
        print("session vs fresh .op [\(deck.title)]: \(count) cycles, worst difference \(worst) of the tolerance")
        return session
    }

    func linearDeck() -> Deck {
        var t = TestDeck("linear session")
        t.v("v1", "in", "0", 1)
        t.v("v2", "b", "0", -2)
        t.i("i1", "0", "c", 1e-3)
        t.r("r1", "in", "a", 1e3)
        t.r("r2", "a", "0", 2e3)
        t.r("r3", "a", "b", 5e3)
        t.r("r4", "c", "0", 500)
        t.e("e1", ["out", "0", "a", "c"], 4)
        t.r("r5", "out", "0", 1e4)
        t.f("f1", "c", "0", "v2", 0.5)
        t.op()
        return t.deck
    }

    func testLinearCircuitMatchesFreshOperatingPoints() throws {
        let session = try assertMatchesFreshOP(
            linearDeck(), inputs: ["v1": -5...5, "v2": -3...3, "i1": -1e-3...1e-3], count: 300, relative: 1e-12,
            absolute: 1e-15)
        // One set-up, one numeric factorisation: the Jacobian of a linear circuit never changes.
        XCTAssertEqual(session.counters.solverSetUps, 1)
        XCTAssertEqual(session.counters.factorizations, 1)
        XCTAssertEqual(session.solves, 300)
    }

    func testOpAmpCellMatchesFreshOperatingPoints() throws {
        let deck = try NetlistParser.parse(file: Self.netlists.appendingPathComponent("summing_amplifier.cir").path)
        let session = try assertMatchesFreshOP(
            deck, inputs: ["v1": -15...15, "v3": -3...3], count: 150, relative: 1e-6, absolute: 1e-9)
        XCTAssertEqual(session.counters.solverSetUps, 1)
    }

    func testDiodeRectifierMatchesFreshOperatingPoints() throws {
        let deck = try NetlistParser.parse(file: Self.netlists.appendingPathComponent("absolute_value.cir").path)
        _ = try assertMatchesFreshOP(deck, inputs: ["vin": -10...10], count: 150, relative: 1e-6, absolute: 1e-9)
    }

    func testWarmStartReusesTheSolution() throws {
        let deck = try NetlistParser.parse(file: Self.netlists.appendingPathComponent("absolute_value.cir").path)
        var session = try SimulationSession(deck: deck)
        try session.setSource("VIN", 2.5)
        try session.solve()
        let cold = session.counters.iterations
        let out = try session.voltage("out")
        try session.setSource("vin", 2.5)
        try session.solve()
        let warm = session.counters.iterations - cold
        XCTAssertLessThanOrEqual(warm, 2, "re-solving at the answer (cold start took \(cold) iterations)")
        XCTAssertEqual(try session.voltage("out"), out, accuracy: 1e-9)
        XCTAssertEqual(try session.sourceValue("vin"), 2.5)
        XCTAssertEqual(session.counters.solverSetUps, 1)
    }

    func testErrorsNameTheProbe() throws {
        var session = try SimulationSession(deck: linearDeck())
        XCTAssertThrowsError(try session.voltage("out")) {
            XCTAssertEqual($0 as? SimulatorError, .notSolved(probe: "v(out)"))
        }
        XCTAssertThrowsError(try session.setSource("vx", 1)) {
            XCTAssertEqual($0 as? SimulatorError, .unknownSource(name: "vx"))
            XCTAssertEqual("\($0)", "session: unknown source 'vx' (must be an independent V or I source)")
        }
        XCTAssertThrowsError(try session.setSource("r1", 1)) {
            XCTAssertEqual($0 as? SimulatorError, .unknownSource(name: "r1"))
        }
        try session.solve()
        XCTAssertEqual(try session.voltage("0"), 0)
        XCTAssertThrowsError(try session.voltage("nowhere")) {
            XCTAssertEqual($0 as? SimulatorError, .unknownNode(name: "nowhere"))
        }
        XCTAssertThrowsError(try session.current("r1")) {
            XCTAssertEqual($0 as? SimulatorError, .unknownCurrent(element: "r1"))
        }
        XCTAssertNoThrow(try session.current("e1"))
        try session.setSource("v1", 3)
        XCTAssertThrowsError(try session.voltage("a"), "stale after a source change") {
            XCTAssertEqual($0 as? SimulatorError, .notSolved(probe: "v(a)"))
        }
    }
}
