import Foundation
import Netlist
import XCTest
@testable import Simulator

final class ErrorTests: XCTestCase {
    func testFloatingNodeThroughCapacitor() throws {
        var t = TestDeck()
        t.v("v1", "a", "0", 1)
        t.r("r1", "a", "0", 1e3)
        t.c("c1", "a", "float", 1e-9)
        t.i("i1", "float", "0", 1e-6)
        t.op()
        XCTAssertThrowsError(try t.run()) { error in
            XCTAssertEqual(error as? SimulatorError, .floatingNodes(analysis: "op1", nodes: ["float"]))
            let text = "\(error)"
            XCTAssertTrue(text.contains("'float'") && text.contains("no DC path to ground"), text)
            XCTAssertFalse(text.contains("\n"))
        }
    }

    func testVoltageSourceLoop() throws {
        var t = TestDeck()
        t.v("v1", "a", "0", 1)
        t.l("l1", "a", "b", 1e-6)
        t.v("v2", "b", "0", 2)
        t.r("r1", "a", "0", 1)
        t.op()
        XCTAssertThrowsError(try t.run()) { error in
            guard case .voltageLoop(let analysis, let elements)? = error as? SimulatorError else {
                return XCTFail("unexpected \(error)")
            }
            XCTAssertEqual(analysis, "op1")
            XCTAssertEqual(Set(elements), ["v1", "l1", "v2"])
            XCTAssertTrue("\(error)".contains("loop of voltage sources/inductors"))
        }
    }

    func testNonConvergenceNamesPointAndNode() throws {
        var t = TestDeck()
        t.v("v1", "a", "0", 5)
        t.r("r1", "a", "k", 1e3)
        t.d("d1", "k", "0", ["is": 1e-14])
        t.op()
        t.option("itl1", 1)
        t.option("gminsteps", 0)
        t.option("srcsteps", 0)
        XCTAssertThrowsError(try t.run()) { error in
            guard case .noConvergence(let point, _, let unknown, _, let tried)? = error as? SimulatorError else {
                return XCTFail("unexpected \(error)")
            }
            XCTAssertEqual(point, "op1")
            XCTAssertTrue(unknown.hasPrefix("v("), unknown)
            let text = "\(error)"
            XCTAssertTrue(text.hasPrefix("op1: no convergence"), text)
            // Issue 14 §3: name what was tried (here only plain Newton), never claim the rest.
            XCTAssertEqual(tried, ["Newton (itl1 = 1 iterations)", "no gmin stepping (gminsteps = 0)",
                                   "no source stepping (srcsteps = 0)"])
            XCTAssertFalse(text.contains("gmin and source stepping tried"), text)
            XCTAssertTrue(text.contains(".nodeset \(unknown)=") && text.contains("itl1"), text)
        }
    }

    func testNonConvergenceInSweepNamesSweepValue() throws {
        var t = TestDeck()
        t.v("v1", "a", "0", 0)
        t.r("r1", "a", "k", 1e3)
        t.d("d1", "k", "0", ["is": 1e-14])
        t.dc(SweepSpec(source: "v1", start: 2.5, stop: 3, step: 0.5))
        t.option("itl1", 1)
        t.option("gminsteps", 0)
        t.option("srcsteps", 0)
        XCTAssertThrowsError(try t.run()) { error in
            XCTAssertTrue("\(error)".hasPrefix("dc1 at v1 = 2.5: no convergence"), "\(error)")
        }
    }

    func testGminSteppingRescuesPlainNewtonFailure() throws {
        var t = TestDeck()
        t.v("v1", "a", "0", 5)
        t.r("r1", "a", "k", 1e3)
        t.d("d1", "k", "0", ["is": 1e-14])
        t.op()
        t.option("itl1", 3)
        t.option("srcsteps", 0)
        let r = try XCTUnwrap(t.run().first)
        XCTAssertEqual(try XCTUnwrap(r.value("v(k)")), 0.69, accuracy: 0.05)
    }

    func testSourceSteppingAlone() throws {
        var t = TestDeck()
        t.v("v1", "a", "0", 5)
        t.r("r1", "a", "k", 1e3)
        t.d("d1", "k", "0", ["is": 1e-14])
        t.op()
        t.option("noopiter", 1)
        t.option("gminsteps", 0)
        let r = try XCTUnwrap(t.run().first)
        XCTAssertEqual(try XCTUnwrap(r.value("v(k)")), 0.69, accuracy: 0.05)
    }

    func testUnknownSweepSource() throws {
        var t = TestDeck()
        t.v("v1", "a", "0", 1)
        t.r("r1", "a", "0", 1e3)
        t.dc(SweepSpec(source: "vx", start: 0, stop: 1, step: 1))
        XCTAssertThrowsError(try t.run()) { error in
            XCTAssertEqual(error as? SimulatorError, .unknownSweepSource(analysis: "dc1", source: "vx"))
        }
        var u = TestDeck()
        u.v("v1", "a", "0", 1)
        u.r("r1", "a", "0", 1e3)
        u.dc(SweepSpec(source: "r1", start: 0, stop: 1, step: 1))
        XCTAssertThrowsError(try u.run())
    }

    func testControlledSourceWithUnknownController() throws {
        var t = TestDeck()
        t.v("v1", "a", "0", 1)
        t.r("r1", "a", "0", 1e3)
        t.f("f1", "a", "0", "vmissing", 2)
        t.op()
        XCTAssertThrowsError(try t.run()) { error in
            guard case .unknownControllingSource(let element, let source, _)? = error as? SimulatorError else {
                return XCTFail("unexpected \(error)")
            }
            XCTAssertEqual(element, "f1")
            XCTAssertEqual(source, "vmissing")
            XCTAssertTrue("\(error)".hasPrefix("test.cir:1:1: f1:"), "\(error)")
        }
        var h = TestDeck()
        h.v("v1", "a", "0", 1)
        h.h("h1", "b", "0", "r1", 2)
        h.r("r1", "a", "b", 1e3)
        h.op()
        XCTAssertThrowsError(try h.run())
    }

    func testZeroResistanceAndUnsupported() throws {
        var t = TestDeck()
        t.v("v1", "a", "0", 1)
        t.r("r1", "a", "0", 0)
        t.op()
        XCTAssertThrowsError(try t.run())
        var m = TestDeck()
        // MOSFETs are supported now; an effective length L − 2·LD ≤ 0 is rejected.
        m.add("m1", ["d", "g", "0", "0"], .mosfet(
            model: Model(name: "n", type: "nmos", parameters: ["ld": 1e-6], location: TestDeck.here), instance: ["l": 1e-6]))
        XCTAssertThrowsError(try Simulation(deck: m.deck))
    }
}
