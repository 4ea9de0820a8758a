import Netlist
import TestSupport
import XCTest

@testable import Simulator

/// `LinearDevice` conformers must load exactly `F = G·x` with a constant `G` and nothing else, since
/// Newton stamps them through `LinearPart` without calling `load`.
final class LinearPartTests: XCTestCase {
    /// A circuit with every linear device kind (R, G, E, F, H, C, L, K) and a few others.
    private func circuit() throws -> Circuit {
        var t = TestDeck("linear devices")
        t.v("v1", "a", "0", 1)
        t.r("r1", "a", "b", 1e3)
        t.r("r2", "b", "0", 2e3)
        t.g("g1", ["c", "0", "a", "b"], 1e-3)
        t.r("r3", "c", "0", 1e3)
        t.e("e1", ["d", "0", "b", "0"], 2)
        t.r("r4", "d", "0", 1e3)
        t.f("f1", "e", "0", "v1", 3)
        t.r("r5", "e", "0", 1e3)
        t.h("h1", "f", "0", "v1", 50)
        t.r("r6", "f", "0", 1e3)
        t.d("d1", "f", "0", ["is": 1e-14])
        t.c("c1", "a", "b", 1e-9)
        t.l("l1", "f", "g", 1e-6)
        t.l("l2", "g", "k", 4e-6)
        t.r("r8", "k", "0", 500)
        t.add("k1", [], .mutualInductance(first: "l1", second: "l2", coupling: 0.7))
        t.r("r7", "g", "0", 1e3)
        t.i("i1", "g", "0", 1e-3)
        t.op()
        return try Circuit(deck: t.deck)
    }

    func testLinearDevicesLoadExactlyGTimesX() throws {
        let c = try circuit()
        var rng = SeededGenerator(seed: 5)
        var linearKinds = Set<String>()
        for device in c.devices where device is any LinearDevice {
            linearKinds.insert("\(type(of: device))")
            let x = (0..<c.dimension).map { _ in Double.random(in: -2...2, using: &rng) }
            var buffer = LoadBuffer(dimension: c.dimension, slots: c.pattern.count, states: c.stateCount)
            let context = LoadContext(
                x: x, previousState: Array(repeating: 0, count: c.stateCount), sourceFactor: 0.5, gmin: 1e-12)
            device.load(context, into: &buffer)
            var gx = Array(repeating: 0.0, count: c.dimension)
            var cx = gx
            for (k, e) in c.pattern.enumerated() {
                gx[e.row] += buffer.jacobianF[k] * x[e.column]
                cx[e.row] += buffer.jacobianQ[k] * x[e.column]
            }
            for i in 0..<c.dimension {
                XCTAssertEqual(buffer.f[i], gx[i], accuracy: 1e-12 * max(1, abs(gx[i])), "\(device.name) row \(i)")
                XCTAssertEqual(buffer.q[i], cx[i], accuracy: 1e-12 * max(1e-9, abs(cx[i])), "\(device.name) row \(i)")
                XCTAssertEqual(buffer.b[i], 0, device.name)
            }
            XCTAssertTrue(buffer.state.allSatisfy { $0 == 0 }, device.name)
            XCTAssertEqual(buffer.limited, 0, device.name)
        }
        XCTAssertEqual(
            linearKinds, ["Resistor", "VCCS", "VCVS", "CCCS", "CCVS", "Capacitor", "Inductor", "MutualInductance"])
    }

    func testLinearPartEqualsLoadingTheDevices() throws {
        let c = try circuit()
        let part = LinearPart(circuit: c)
        XCTAssertEqual(part.loadedDevices.map { c.devices[$0].name }, ["d1"])
        XCTAssertEqual(part.sourceDevices.map { c.devices[$0].name }, ["v1", "i1"])
        var rng = SeededGenerator(seed: 9)
        let x = (0..<c.dimension).map { _ in Double.random(in: -2...2, using: &rng) }
        let context = LoadContext(x: x, previousState: Array(repeating: 0, count: c.stateCount), gmin: 1e-12)
        var direct = LoadBuffer(dimension: c.dimension, slots: c.pattern.count, states: c.stateCount)
        for device in c.devices { device.load(context, into: &direct) }
        var viaPart = LoadBuffer(dimension: c.dimension, slots: c.pattern.count, states: c.stateCount)
        for k in part.sourceDevices { c.devices[k].loadSource(context, into: &viaPart) }
        for k in part.loadedDevices { c.devices[k].load(context, into: &viaPart) }
        part.apply(x: x, to: &viaPart)
        for i in 0..<c.dimension {
            XCTAssertEqual(viaPart.b[i], direct.b[i], accuracy: 1e-15)
            XCTAssertEqual(viaPart.f[i], direct.f[i], accuracy: 1e-12 * max(1, abs(direct.f[i])))
            XCTAssertEqual(viaPart.q[i], direct.q[i], accuracy: 1e-12 * max(1e-9, abs(direct.q[i])))
        }
        for k in c.pattern.indices {
            XCTAssertEqual(viaPart.jacobianF[k], direct.jacobianF[k], accuracy: 1e-15)
            XCTAssertEqual(viaPart.jacobianQ[k], direct.jacobianQ[k], accuracy: 1e-24)
        }
    }

    func testSourcesAreAffineAndOneStepSolvesAnAffineCircuit() throws {
        let c = try circuit()
        var rng = SeededGenerator(seed: 13)
        for device in c.devices where device is any AffineDevice {
            var loads: [LoadBuffer] = []
            for _ in 0..<2 {
                let x = (0..<c.dimension).map { _ in Double.random(in: -2...2, using: &rng) }
                var buffer = LoadBuffer(dimension: c.dimension, slots: c.pattern.count, states: c.stateCount)
                device.load(LoadContext(x: x, previousState: buffer.state, gmin: 1e-12), into: &buffer)
                var gx = Array(repeating: 0.0, count: c.dimension)
                for (k, e) in c.pattern.enumerated() { gx[e.row] += buffer.jacobianF[k] * x[e.column] }
                for i in 0..<c.dimension { XCTAssertEqual(buffer.f[i], gx[i], accuracy: 1e-12, device.name) }
                XCTAssertTrue(buffer.q.allSatisfy { $0 == 0 } && buffer.jacobianQ.allSatisfy { $0 == 0 }, device.name)
                XCTAssertEqual(buffer.limited, 0, device.name)
                loads.append(buffer)
            }
            XCTAssertEqual(loads[0].b, loads[1].b, "\(device.name): B must not depend on x")
            // `loadSource` adds exactly that B and nothing else.
            var source = LoadBuffer(dimension: c.dimension, slots: c.pattern.count, states: c.stateCount)
            device.loadSource(LoadContext(x: loads[0].f, previousState: source.state, gmin: 1e-12), into: &source)
            XCTAssertEqual(source.b, loads[0].b, device.name)
            XCTAssertTrue(source.f.allSatisfy { $0 == 0 } && source.jacobianF.allSatisfy { $0 == 0 }, device.name)
        }
        XCTAssertFalse(LinearPart(circuit: c).isAffine, "a diode makes the circuit nonlinear")

        // An RC divider is affine: every DC sweep point after the first converges in one iteration.
        var t = TestDeck("rc")
        t.v("v1", "a", "0", 0)
        t.r("r1", "a", "b", 1e3)
        t.r("r2", "b", "0", 3e3)
        t.c("c1", "b", "0", 1e-9)
        t.dc(SweepSpec(source: "v1", start: 0, stop: 1, step: 0.25))
        XCTAssertTrue(LinearPart(circuit: try Circuit(deck: t.deck)).isAffine)
        let result = try Simulation(deck: t.deck).run()[0]
        for row in result.rows { XCTAssertEqual(row[2], 0.75 * row[0], accuracy: 1e-12) }
        XCTAssertEqual(result.newtonIterations, 2 + 4, "op point: 2 iterations, then 1 per point")
    }
}
