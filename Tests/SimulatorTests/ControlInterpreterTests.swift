import Foundation
import Netlist
import TestSupport
import XCTest
@testable import Simulator

/// The `.control` interpreter's pieces: vector expressions, ngspice's number and table formats,
/// measurements on hand-made plots, and located errors. (The ngspice-39 comparisons are in
/// Tests/CLITests/ControlFixtureTests.swift.)
final class ControlInterpreterTests: XCTestCase {
    let tran = Plot(
        name: "tran1", typeName: "Transient Analysis", title: "t", date: "DATE",
        vectors: [
            ControlVector(name: "time", re: [0, 1, 2, 3, 4], type: "time"),
            ControlVector(name: "a", re: [0, 1, 2, 1, 0], type: "voltage"),
            ControlVector(name: "b", re: [1, 1, 1, 1, 1], type: "voltage"),
            ControlVector(name: "v1#branch", re: [-1, -2, -3, -4, -5], type: "current"),
        ], hasScale: true)

    func value(_ text: String, _ plot: Plot? = nil) throws -> VectorValue {
        try VectorEvaluator(plot: plot ?? tran).evaluate(VectorParser.single(text))
    }

    func testExpressions() throws {
        XCTAssertEqual(try value("v(a) + 2 * v(b) ^ 2").re, [2, 3, 4, 3, 2])
        XCTAssertEqual(try value("v(a,b)").re, [-1, 0, 1, 0, -1])
        XCTAssertEqual(try value("-v(a)[2]").re, [-2])
        XCTAssertEqual(try value("i(v1)[4] + v1#branch[0]").re, [-6])
        XCTAssertEqual(try value("mean(a) * 5").re, [4])
        XCTAssertEqual(try value("length(time)").re, [5])
        XCTAssertEqual(try value("1k / 2m").re, [5e5])
        XCTAssertEqual(try value("log(100) + ln(1)").re, [2])
        XCTAssertEqual(try VectorParser.list("v(a) v(b)*2  time").map(\.text), ["v(a)", "v(b)*2", "time"])
        XCTAssertEqual(try VectorParser.list("v(a) - v(b)").count, 1)
        XCTAssertThrowsError(try value("v(nope)"))
        XCTAssertThrowsError(try value("a[7]"))
        XCTAssertThrowsError(try VectorParser.single("(a"))
    }

    func testComplexVectorsAndACFunctions() throws {
        let ac = Plot(
            name: "ac1", typeName: "AC Analysis", title: "t", date: "DATE",
            vectors: [
                ControlVector(name: "frequency", re: [1, 10], type: "frequency"),
                ControlVector(name: "out", re: [0, 3], im: [1, 4], type: "voltage"),
            ], hasScale: true)
        XCTAssertEqual(try value("vm(out)", ac).re, [1, 5])
        XCTAssertEqual(try value("vdb(out)", ac).re[0], 0, accuracy: 1e-12)
        XCTAssertEqual(try value("vp(out)", ac).re[0], Double.pi / 2, accuracy: 1e-12)
        let q = try value("v(out) / v(out)", ac)
        XCTAssertEqual(q.re, [1, 1])
        XCTAssertEqual(q.im, [0, 0])
        let p = try value("v(out) * v(out)", ac)
        XCTAssertEqual(p.re, [-1, -7])
        XCTAssertEqual(p.im, [0, 24])
    }

    func testNgspiceNumberAndTableFormats() {
        XCTAssertEqual(ControlOutput.printnum(0.5), "5.000000e-01")
        XCTAssertEqual(ControlOutput.printnum(-0.5), "-5.00000e-01")
        XCTAssertEqual(ControlOutput.printnum(0.5, digits: 4), "5.0000e-01")
        let table = ControlOutput.table(
            [.init(name: "v(a)", value: VectorValue(re: [0, 1, 2, 1, 0]))], plot: tran, digits: 6, height: 7)
        let lines = table.components(separatedBy: "\n")
        XCTAssertEqual(lines[0], String(repeating: " ", count: 39) + "t")
        XCTAssertEqual(lines[3], "Index   time            v(a)            ")
        XCTAssertEqual(lines[5], "0\t0.000000e+00\t0.000000e+00\t")
        XCTAssertEqual(lines[7], "\u{0C}")  // a page of height 7 holds two rows after the title
        XCTAssertEqual(lines[8], lines[3])
        let data = ControlOutput.wrdata(
            [.init(name: "v(a)", value: VectorValue(re: [1, -2]))],
            scale: .init(name: "time", value: VectorValue(re: [0, 1])), digits: 8, singleScale: false, names: true)
        XCTAssertEqual(data, " time            v(a)           \n 0.00000000e+00  1.00000000e+00 \n 1.00000000e+00 -2.00000000e+00 \n")
    }

    func testMeasurementsOnAHandMadePlot() throws {
        func measure(_ text: String) throws -> MeasurementCard.Outcome {
            try MeasurementCard(ControlLine(text: text, location: SourceLocation(file: "m", line: 1, column: 1)))
                .evaluate(on: tran, command: false)
        }
        XCTAssertEqual(try measure("tran x when v(a)=1.5 cross=2").value, 2.5)
        XCTAssertEqual(try measure("tran x when v(a)=1.5 fall=1").value, 2.5)
        XCTAssertEqual(try measure("tran x when v(a) = 0.5 fall=last").value, 3.5)
        // As ngspice: a crossing between the first two points is counted but not measured.
        XCTAssertNil(try measure("tran x when v(a)=0.5 rise=last").value)
        XCTAssertEqual(try measure("tran x find v(a) at=1.5").value, 1.5)
        XCTAssertEqual(try measure("tran x max v(a)").value, 2)
        XCTAssertEqual(try measure("tran x pp v(a)").value, 2)
        XCTAssertEqual(try measure("tran x avg v(a)").value, 1)
        // ngspice's rule: Simpson's 3/8 over the first three equal steps (3.75), a trapezoid for the last.
        XCTAssertEqual(try measure("tran x integ v(a)").value ?? 0, 4.25, accuracy: 1e-12)
        XCTAssertEqual(try measure("tran x trig v(a) val=1 rise=1 targ v(a) val=1 fall=1").value, 2)
        let failed = try measure("tran x when v(a)=5")
        XCTAssertNil(failed.value)
        XCTAssertEqual(failed.line, " .meas tran x when v(a)=5 failed!")
        XCTAssertEqual(failed.error, "Error: measure  x  when(WHEN) : out of interval")
        XCTAssertEqual(try measure("tran x find v(a) at=1").line, "x                   =  1.000000e+00")
        XCTAssertThrowsError(try MeasurementCard(ControlLine(text: "tran x", location: SourceLocation(file: "m", line: 3, column: 7)))) {
            XCTAssertTrue("\($0)".hasPrefix("m:3:7: "), "\($0)")
        }
    }

    func testControlBlockErrorsAreLocated() throws {
        let deck = try NetlistParser.parse(
            text: "t\nv1 a 0 1\nr1 a 0 1\n.control\nop\nfrobnicate 3\n.endc\n", fileName: "d.cir", directory: "/")
        var control = ControlInterpreter(deck: deck) { _ in deck }
        control.write = { _ in }
        XCTAssertThrowsError(try control.run()) { error in
            XCTAssertEqual("\(error)", "d.cir:6:1: unknown .control command ('frobnicate')")
        }
        XCTAssertEqual(control.results.map(\.name), ["op1"])
    }
}
