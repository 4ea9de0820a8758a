import XCTest

@testable import Cells

/// Names, parameters and errors of the catalog; the number renderer; ports and subcircuit text.
final class CellCatalogTests: XCTestCase {
    func testCatalogBuildsCellsWithParameters() throws {
        let max = try XCTUnwrap(try CellCatalog.cell(named: "max_circuit", parameters: ["inputs": "2"]) as? MaxCircuit)
        XCTAssertEqual(max, MaxCircuit(inputs: 2))
        let sum = try XCTUnwrap(try CellCatalog.cell(named: "summing_amplifier", parameters: ["gains": "1,2", "feedback": "20k"]) as? Summer)
        XCTAssertEqual(sum.gains, [1, 2])
        XCTAssertEqual(sum.feedback, 20e3)
        XCTAssertEqual(try CellCatalog.parameters(["inputs=3", "PullDown=5k"], cell: "max_circuit"), ["inputs": "3", "pulldown": "5k"])
        let hold = try XCTUnwrap(try CellCatalog.cell(named: "sample_hold_weight", parameters: ["mos_width": "20u"]) as? SampleHold)
        XCTAssertEqual(hold.switch, Switch(.mos(width: 20e-6, length: 1e-6)))
        XCTAssertEqual(CellCatalog.netlistCells.map(\.name).sorted(), [
            "crossbar_32x32", "crossbar_4x4", "max_circuit", "nmos_vcr_amplifier", "precision_rectifier", "resistor",
            "sample_hold_weight", "summing_amplifier",
        ])
        // The resistor cell: a weight w = RF·G, or a resistance (w = RF/R); its range must be ordered.
        let resistor = try XCTUnwrap(try CellCatalog.cell(named: "resistor", parameters: ["resistance": "40k"]) as? ResistorCell)
        XCTAssertEqual(resistor.weight, 0.25)
        XCTAssertEqual(resistor.resistance, 40e3)
        XCTAssertTrue(resistor.characterizationDeck.contains(".param gw=0.25\nVIN    in 0 DC 1\nR1     in out {10k/gw}"))
        XCTAssertEqual(try XCTUnwrap(try CellCatalog.cell(named: "resistor", parameters: ["wmax": "2"]) as? ResistorCell).weightRange, 0.02...2)
        XCTAssertThrowsError(try CellCatalog.cell(named: "resistor", parameters: ["wmin": "1", "wmax": "0.5"])) { error in
            XCTAssertTrue("\(error)".contains("need wmin < wmax"), "\(error)")
        }
    }

    func testCatalogErrorsNameTheProblem() {
        XCTAssertThrowsError(try CellCatalog.cell(named: "nope")) { error in
            XCTAssertTrue("\(error)".hasPrefix("unknown generated cell 'nope' (generated cells: crossbar_4x4"), "\(error)")
        }
        XCTAssertThrowsError(try CellCatalog.cell(named: "max_circuit", parameters: ["inputs": "0"])) { error in
            XCTAssertEqual("\(error)", "max_circuit: parameter 'inputs': '0' is not an integer in 1...64")
        }
        XCTAssertThrowsError(try CellCatalog.cell(named: "max_circuit", parameters: ["width": "1"])) { error in
            XCTAssertEqual("\(error)", "max_circuit: parameter 'width': unknown (have: inputs=4 pulldown=10k)")
        }
        XCTAssertThrowsError(try CellCatalog.cell(named: "summing_amplifier", parameters: ["gains": "1,x"]))
        XCTAssertThrowsError(try CellCatalog.cell(named: "max_circuit", parameters: ["10k": "1"]))
        XCTAssertEqual(Crossbar(rows: 2, columns: 3, cell: ResistorCell(resistance: 40e3)).weights, [[0.25, 0.25, 0.25], [0.25, 0.25, 0.25]])
        XCTAssertThrowsError(try CellCatalog.parameters(["inputs"], cell: "max_circuit"))
    }

    func testNumberText() {
        XCTAssertEqual(SpiceText.eng(10e3), "10k")
        XCTAssertEqual(SpiceText.eng(100e-6), "100u")
        XCTAssertEqual(SpiceText.eng(15.9e-12), "15.9p")
        XCTAssertEqual(SpiceText.eng(1e6), "1meg")
        XCTAssertEqual(SpiceText.eng(5e3), "5k")
        XCTAssertEqual(SpiceText.eng(1e-9), "1n")
        XCTAssertEqual(SpiceText.eng(0.5), "500m")
        XCTAssertEqual(SpiceText.eng(999.99999999999999e3), "1meg")
        XCTAssertEqual(SpiceText.plain(1e12), "1e12")
        XCTAssertEqual(SpiceText.plain(-0.4), "-0.4")
        XCTAssertEqual(SpiceText.plain(15), "15")
        XCTAssertEqual(SpiceText.sci(2.7e-5, digits: 2), "2.7e-5")
    }

    func testSubcircuitTextAndPorts() {
        let max = MaxCircuit(inputs: 2)
        XCTAssertEqual(max.ports.map(\.name), ["in1", "in2", "out", "vcc", "vee"])
        XCTAssertEqual(
            max.subcircuit,
            """
            * max_circuit: maximum of two inputs (op-amp superdiodes sharing one output)
            * ports: in1 (input), in2 (input), out (output), vcc (supply), vee (supply)
            * needs: .include opamp.lib
            .subckt max_circuit in1 in2 out vcc vee
            XA1 in1 out a1 vcc vee OPAMPS
            D1 a1 out dmax
            XA2 in2 out a2 vcc vee OPAMPS
            D2 a2 out dmax
            RPD out vee 10k
            .model dmax D(IS=1e-14 N=1 RS=1)
            .ends max_circuit

            """)
        XCTAssertEqual(Summer().ports.map(\.name), ["in1", "in2", "in3", "out", "vcc", "vee"])
        XCTAssertEqual(VCRWeightCell().ports.map(\.name), ["in", "g", "out", "vcc", "vee"])
        XCTAssertEqual(PrecisionRectifier().ports.map(\.name), ["in", "out", "vcc", "vee"])
        XCTAssertEqual(SampleHold().ports.map(\.name), ["in", "wr", "out"])
    }
}
