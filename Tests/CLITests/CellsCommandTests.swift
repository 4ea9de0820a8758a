import Foundation
import TestSupport
import XCTest

/// `kelvin characterize --list`, generated cells in `kelvin characterize NAME --param K=V`, and
/// `kelvin cells write|show`.
final class CellsCommandTests: XCTestCase {
    private var scratch: ScratchDirectory!
    private var directory: URL { scratch.url }

    override func setUpWithError() throws { scratch = try ScratchDirectory("cellscli") }
    override func tearDownWithError() throws { scratch.remove() }

    static let root = CharacterizeCommandTests.root

    func testListShowsNetlistFilesAndGeneratedCells() throws {
        let listed = try KelvinProcess.run(["characterize", "--list"], in: Self.root)
        XCTAssertEqual(listed.status, 0, listed.stderr)
        let lines = listed.stdout.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.first, "netlist files (netlists/NAME.cir):")
        XCTAssertTrue(lines.contains("  log_converter          diode logarithmic converter"), listed.stdout)
        XCTAssertTrue(lines.contains { $0.hasPrefix("generated cells (Cells target; --param KEY=VALUE") }, listed.stdout)
        XCTAssertTrue(
            lines.contains("* max_circuit            maximum of four inputs (op-amp superdiodes sharing one output)  [inputs=4 pulldown=10k]"),
            listed.stdout)
        XCTAssertTrue(lines.contains { $0.hasPrefix("  switch                 voltage-controlled switch") }, listed.stdout)
        // Every netlist file and every generated cell has a line with a description.
        let files = try FileManager.default.contentsOfDirectory(atPath: Self.root.appendingPathComponent("netlists").path)
            .filter { $0.hasSuffix(".cir") }
        XCTAssertEqual(lines.count, 2 + files.count + 9)
        XCTAssertTrue(lines.allSatisfy { $0.split(separator: " ").count >= 3 }, listed.stdout)
    }

    func testCharacterizeGeneratedCellWithParameters() throws {
        let lut = directory.appendingPathComponent("max2.lut").path
        let made = try KelvinProcess.run(["characterize", "max_circuit", "--param", "inputs=2", "--out", lut], in: Self.root)
        XCTAssertEqual(made.status, 0, made.stderr)
        XCTAssertTrue(made.stdout.hasPrefix("wrote \(lut): max_circuit, 201 points"), made.stdout)
        let shown = try KelvinProcess.run(["characterize", "--show", lut, "--plot", directory.appendingPathComponent("m.svg").path])
        XCTAssertTrue(shown.stdout.contains("netlists/max_circuit[inputs=2].cir"), shown.stdout)
        XCTAssertTrue(shown.stdout.contains("ideal        max(x, 1);  max |table − ideal| = 0.000108"), shown.stdout)
        let bad = try KelvinProcess.run(["characterize", "max_circuit", "--param", "inputs=0", "--out", lut], in: Self.root)
        XCTAssertEqual(bad.status, 1)
        XCTAssertEqual(bad.stderr, "kelvin: error: max_circuit: parameter 'inputs': '0' is not an integer in 1...64\n")
        // A generated cell without a file (switch) resolves by name.
        let sw = try KelvinProcess.run(["characterize", "switch", "--out", lut], in: Self.root)
        XCTAssertEqual(sw.status, 0, sw.stderr)
    }

    func testCellsWriteReproducesNetlistsAndShowPrintsSubcircuit() throws {
        let wrote = try KelvinProcess.run(["cells", "write", directory.path])
        XCTAssertEqual(wrote.status, 0, wrote.stderr)
        for name in ["max_circuit", "summing_amplifier", "crossbar_32x32", "sample_hold_weight"] {
            let mine = try String(contentsOf: directory.appendingPathComponent("\(name).cir"), encoding: .utf8)
            let committed = try String(contentsOf: Self.root.appendingPathComponent("netlists/\(name).cir"), encoding: .utf8)
            XCTAssertEqual(mine, committed, name)
        }
        let shown = try KelvinProcess.run(["cells", "show", "summing_amplifier", "--param", "gains=1,2", "--subckt"])
        XCTAssertEqual(shown.status, 0, shown.stderr)
        XCTAssertTrue(shown.stdout.contains(".subckt summing_amplifier in1 in2 out vcc vee\nR1 in1 sum 10k\nR2 in2 sum 5k\n"), shown.stdout)
    }
}
