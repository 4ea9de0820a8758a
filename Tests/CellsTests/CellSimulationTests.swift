import Foundation
import Netlist
import Simulator
import XCTest

@testable import Cells

/// Every generator's text parses through the Netlist parser and simulates; its subcircuit,
/// instantiated with the bench around it, computes what its inline deck computes; parameters change
/// the circuit as their math says. The op-amp (netlists/opamp.lib) has gain A = 1e5.
final class CellSimulationTests: XCTestCase {
    static let netlists = GeneratedNetlistsTests.netlists.path

    /// Default and non-default generators of every kind.
    static let cells: [any Cell] = [
        Summer(), Summer(gains: [1, 2], held: [0.7]), PrecisionRectifier(), PrecisionRectifier(feedback: 20e3),
        VCRWeightCell(), VCRWeightCell(width: 20e-6), SampleHold(), SampleHold(switch: Switch(.mos(width: 20e-6, length: 1e-6))),
        Switch(), Switch(.mos(width: 100e-6, length: 1e-6)), ResistorCell(), Crossbar(), Crossbar(rows: 2, columns: 3),
        RandomCrossbar(size: 4), MaxCircuit(), MaxCircuit(inputs: 2),
    ]

    /// Parses a deck's text as if it were netlists/NAME.cir.
    static func parse(_ text: String, _ name: String) throws -> Deck {
        try NetlistParser.parse(text: text, fileName: "\(name).cir", directory: netlists)
    }

    static func column(_ result: SimulationResult, _ name: String) throws -> [Double] {
        let k = try XCTUnwrap(result.variables.firstIndex(of: name), "no \(name) in \(result.variables)")
        return result.rows.map { $0[k] }
    }

    func testEveryDeckParsesAndSimulates() throws {
        for cell in Self.cells {
            let results = try Simulation(deck: try Self.parse(cell.characterizationDeck, cell.name)).run()
            XCTAssertFalse(results.isEmpty, cell.name)
            for result in results { XCTAssertTrue(result.rows.allSatisfy { $0.allSatisfy(\.isFinite) }, cell.name) }
        }
    }

    /// The deck with the cell's cards replaced by an instance of its `.subckt` gives the same port
    /// voltages: what is characterised is what the compiler instantiates.
    func testSubcircuitInstanceMatchesInlineDeck() throws {
        for cell in Self.cells where !(cell is SampleHold) {  // (S/H: same check below, .op only)
            try checkInstance(of: cell)
        }
        try checkInstance(of: SampleHold(), analysis: ".op")
    }

    private func checkInstance(of cell: any Cell, analysis: String? = nil) throws {
        let netlist = cell.netlist
        // With `analysis`, the deck's own analysis cards (`.tran …`) give way to it.
        let isAnalysis = { (card: Card) in card.name == nil && card.fields[0].hasPrefix(".") && card.role == .bench }
        var inline = netlist
        if let analysis { inline.cards = netlist.cards.filter { !isAnalysis($0) } + [.text(analysis, role: .bench)] }
        let bench = inline.cards.filter { $0.role == .bench }
        let instanced =
            "\(cell.name) instanced\n" + cell.includes.map { ".include \($0)\n" }.joined() + cell.subcircuit
            + "XCELL " + cell.ports.map(\.name).joined(separator: " ") + " \(cell.name)\n"
            + bench.map(netlist.render).joined(separator: "\n") + "\n.end\n"
        let a = try Simulation(deck: try Self.parse(inline.deckText(name: cell.name), cell.name)).run()
        let b = try Simulation(deck: try Self.parse(instanced, cell.name + "_x")).run()
        XCTAssertEqual(a.map(\.name), b.map(\.name), cell.name)
        for (ra, rb) in zip(a, b) {
            XCTAssertEqual(ra.rows.count, rb.rows.count, cell.name)
            for port in cell.ports {
                let va = try Self.column(ra, "v(\(port.name))"), vb = try Self.column(rb, "v(\(port.name))")
                for (x, y) in zip(va, vb) { XCTAssertEqual(x, y, accuracy: 1e-9 + 1e-9 * abs(x), "\(cell.name) v(\(port.name))") }
            }
        }
    }

    /// `Summer(gains: [1, 2])` computes −(x1 + 2·x2): with x2 = 0.7 V held, vout = −(x1 + 1.4)
    /// within the op-amp's (1 + Σg)/A = 4e-5 relative error, below saturation.
    func testSummerGainsSetTheWeights() throws {
        let cell = Summer(gains: [1, 2], held: [0.7])
        XCTAssertEqual(cell.characterizationDeck.contains("R2 in2 sum 5k"), true)
        XCTAssertEqual(cell.netlist.characterization?.ideal, "-(x + 2*0.7)")
        let dc = try XCTUnwrap(Simulation(deck: try Self.parse(cell.characterizationDeck, cell.name)).run().first)
        let x = try Self.column(dc, "v-sweep"), out = try Self.column(dc, "v(out)")
        var checked = 0
        for (v1, vout) in zip(x, out) where abs(v1 + 1.4) < 10 {
            XCTAssertEqual(vout, -(v1 + 1.4), accuracy: 4e-5 * abs(v1 + 1.4) + 1e-4, "x1 = \(v1)")
            checked += 1
        }
        XCTAssertGreaterThan(checked, 30)
    }

    /// Doubling W doubles the VCR amplifier's gain; RF = 2·R1 doubles the rectifier's slope.
    func testParametersChangeTheCircuit() throws {
        func output(_ cell: any Cell, at sweep: Double) throws -> Double {
            let r = try XCTUnwrap(Simulation(deck: try Self.parse(cell.characterizationDeck, cell.name)).run().first)
            let x = try Self.column(r, "v-sweep"), out = try Self.column(r, "v(out)")
            let k = try XCTUnwrap(x.firstIndex { abs($0 - sweep) < 1e-9 })
            return out[k]
        }
        // nmos_vcr_amplifier: the sweep's first rows are vg = VTO + 1 (outer), vin -50 … 50 mV.
        let vcr1 = try output(VCRWeightCell(), at: 0.01), vcr2 = try output(VCRWeightCell(width: 20e-6), at: 0.01)
        XCTAssertEqual(vcr2 / vcr1, 2, accuracy: 2e-3)
        let rect = try output(PrecisionRectifier(feedback: 20e3), at: -2)
        XCTAssertEqual(rect, 4, accuracy: 1e-3)
        XCTAssertEqual(try output(PrecisionRectifier(feedback: 20e3), at: 2), 0, accuracy: 1e-3)
    }

    /// A crossbar's outputs are −W·x within the op-amp error.
    func testCrossbarComputesMatrixVectorProduct() throws {
        let cell = Crossbar(weights: [[0.5, 0.25], [1, 0.2], [0.1, 0.3]], inputs: [1, -2])
        let op = try XCTUnwrap(Simulation(deck: try Self.parse(cell.characterizationDeck, cell.name)).run().first)
        for (i, y) in cell.idealOutputs.enumerated() {
            XCTAssertEqual(try Self.column(op, "v(y\(i + 1))")[0], y, accuracy: 1e-4, "y\(i + 1)")
        }
        XCTAssertEqual(cell.ports.map(\.name), ["x1", "x2", "y1", "y2", "y3"])
    }

    /// The max circuit's output is max(v1 … vN) within 1 mV over ±10 V, for 2 and 4 inputs.
    func testMaxCircuitComputesTheMaximum() throws {
        for cell in [MaxCircuit(), MaxCircuit(inputs: 2), MaxCircuit(inputs: 6)] {
            let dc = try XCTUnwrap(Simulation(deck: try Self.parse(cell.characterizationDeck, cell.name)).run().first)
            let x = try Self.column(dc, "v-sweep"), out = try Self.column(dc, "v(out)")
            XCTAssertEqual(x.count, 201)
            let held = (2...cell.inputs).map(cell.benchValue).max()!
            let worst = zip(x, out).map { abs($1 - max($0, held)) }.max()!
            XCTAssertLessThan(worst, 1e-3, "\(cell.inputs) inputs")
        }
    }

    /// Kelvin agrees with ngspice-39 on netlists/max_circuit.cir (reference by Tests/Fixtures/generate.py):
    /// the output within 0.1 mV, every node within FixtureTests' 0.2 % + 1 mV.
    func testMaxCircuitMatchesNgspice() throws {
        let reference = URL(fileURLWithPath: Self.netlists).deletingLastPathComponent()
            .appendingPathComponent("Tests/Fixtures/max_circuit.dc1.csv")
        let lines = try String(contentsOf: reference, encoding: .utf8).split(separator: "\n")
        let header = lines[0].split(separator: ",").map(String.init)
        let rows = lines.dropFirst().map { $0.split(separator: ",").map { Double($0)! } }
        let dc = try XCTUnwrap(
            Simulation(deck: try NetlistParser.parse(file: Self.netlists + "/max_circuit.cir")).run().first)
        XCTAssertEqual(dc.rows.count, rows.count)
        for (k, name) in header.enumerated() where name.hasPrefix("v") {
            let mine = try Self.column(dc, name)
            for (r, row) in rows.enumerated() {
                let allowed = name == "v(out)" ? 1e-4 : 0.002 * abs(row[k]) + 1e-3
                XCTAssertEqual(mine[r], row[k], accuracy: allowed, "\(name) row \(r)")
            }
        }
    }
}
