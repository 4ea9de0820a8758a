import Compiler
import Foundation
import NN
import XCTest

/// The resource report of ResNet-18 from the lowering equals a count written out by hand from the
/// architecture (Docs/compiler.md's rules), without writing any deck.
final class ResourceReportTests: XCTestCase {
    /// One conv of ResNet-18 (width 64, small stem, 1×28×28 inputs).
    struct Conv { var cin: Int, cout: Int, k: Int, side: Int, relu: Bool }

    static func resnet18Convs() -> [Conv] {
        var convs = [Conv(cin: 1, cout: 64, k: 3, side: 28, relu: true)]
        var cin = 64, side = 28
        for (stage, planes) in [64, 128, 256, 512].enumerated() {
            for block in 0..<2 {
                let down = stage > 0 && block == 0
                let out = down ? (side - 1) / 2 + 1 : side
                convs.append(Conv(cin: cin, cout: planes, k: 3, side: out, relu: true))
                convs.append(Conv(cin: planes, cout: planes, k: 3, side: out, relu: false))
                if down { convs.append(Conv(cin: cin, cout: planes, k: 1, side: out, relu: false)) }
                cin = planes; side = out
            }
        }
        return convs
    }

    func testResNet18CountsEqualClosedForm() throws {
        let spec = ModelSpec.resnet(ResNetConfig(depth: 18, inputChannels: 1, classes: 10, width: 64, stem: .small))
        let report = try ResourceReport(spec: spec, input: [1, 28, 28], cell: .vcr, rowsPerTile: 256)
        let convs = Self.resnet18Convs()
        XCTAssertEqual(convs.count, 20)
        XCTAssertEqual(convs.map(\.side).last, 4)
        func tiles(_ cin: Int, _ k: Int) -> Int { let per = max(1, 256 / (k * k)); return (cin + per - 1) / per }
        var cells = 0, opAmps = 0, capacitors = 0, switches = 0, slots = 0, flops = 0, rectifiers = 0, summers = 0
        for c in convs {
            let p = c.side * c.side, rows = c.cin * c.k * c.k, t = tiles(c.cin, c.k)
            let bias = 1  // every conv has a folded batch norm
            cells += 2 * (rows + bias) * c.cout
            opAmps += 3 * t * c.cout + (t > 1 ? c.cout : 0) + (c.relu ? c.cout : 0)
            summers += t > 1 ? c.cout : 0
            rectifiers += c.relu ? c.cout : 0
            capacitors += 2 * (rows + bias) * c.cout + c.cout * p
            switches += rows * p + c.cout * p
            slots += p
            flops += 2 * rows * c.cout * p + c.cout * p + 2 * c.cout * p + (c.relu ? c.cout * p : 0)
        }
        // Eight residual adds (a summer and a rectifier per channel), after conv2 of each block.
        for c in convs.enumerated().filter({ $0.offset > 0 && !$0.element.relu && $0.element.k == 3 }).map(\.element) {
            let p = c.side * c.side
            opAmps += 2 * c.cout; summers += c.cout; rectifiers += c.cout
            capacitors += c.cout * p; switches += 3 * c.cout * p; slots += p; flops += 2 * c.cout * p
        }
        // Global average pool over 4×4, then the 512→10 fc (two tiles, bias row).
        opAmps += 512; summers += 512; capacitors += 512; switches += 512 * 16 + 512; slots += 1; flops += 16 * 512
        cells += 2 * 513 * 10
        opAmps += 3 * 2 * 10 + 10; summers += 10
        capacitors += 2 * 513 * 10 + 10; switches += 512 + 10; slots += 1; flops += 2 * 512 * 10 + 10
        let t = report.total
        XCTAssertEqual(t.multiplyCells, cells)
        XCTAssertEqual(t.opAmps, opAmps)
        XCTAssertEqual(t.summers, summers)
        XCTAssertEqual(t.rectifiers, rectifiers)
        XCTAssertEqual(t.maxCircuits, 0)
        XCTAssertEqual(t.capacitors, capacitors)
        XCTAssertEqual(t.switches, switches)
        XCTAssertEqual(t.slots, slots)
        XCTAssertEqual(t.flops, flops)
        XCTAssertEqual(t.modules, 20 + 8 + 1 + 1)
        // Two multiply cells per weight and bias row: 2·(11.17 M parameters + bias rows).
        XCTAssertEqual(t.multiplyCells, 2 * (convs.reduce(0) { $0 + ($1.cin * $1.k * $1.k + 1) * $1.cout } + 5130))
    }

    func testResistorCellsNeedNoWeightCapacitors() throws {
        let spec = ModelSpec.mlp(inputs: 16, hidden: [8], classes: 3)
        let vcr = try ResourceReport(spec: spec, input: [1, 4, 4], cell: .vcr, rowsPerTile: 256)
        let res = try ResourceReport(spec: spec, input: [1, 4, 4], cell: .resistor, rowsPerTile: 256)
        XCTAssertEqual(vcr.total.capacitors - res.total.capacitors, vcr.total.multiplyCells)
        XCTAssertEqual(res.total.capacitors, 8 + 3)
    }
}

/// Energy per inference: operations of each kind × the cells' characterised energy per operation;
/// a kind without a figure is named, never counted as 0.
final class EnergyReportTests: XCTestCase {
    static let energies = CellEnergies(figures: [
        .multiply: .init(cell: "nmos_vcr_amplifier", joulesPerOperation: 1e-9),
        .summer: .init(cell: "summing_amplifier", joulesPerOperation: 2e-9),
        .rectifier: .init(cell: "precision_rectifier", joulesPerOperation: 3e-9),
        .max: .init(cell: "max_circuit", joulesPerOperation: nil, missing: "its table has no energy per operation"),
    ])

    func testMLPEnergyIsOperationsTimesFigures() throws {
        // linear 16→8 (+bias row) + ReLU, linear 8→3 (+bias row): one position each.
        var report = try ResourceReport(spec: .mlp(inputs: 16, hidden: [8], classes: 3), input: [1, 4, 4], cell: .vcr, rowsPerTile: 256)
        report.addEnergy(Self.energies)
        XCTAssertEqual(report.operations.multiply, 2 * 17 * 8 + 2 * 9 * 3)
        XCTAssertEqual(report.operations.summer, 8 + 3)
        XCTAssertEqual(report.operations.rectifier, 8)
        let energy = try XCTUnwrap(report.energy)
        XCTAssertEqual(energy.totalJoules!, 326e-9 + 11 * 2e-9 + 8 * 3e-9, accuracy: 1e-18)
        XCTAssertEqual(energy.missing, [])
        XCTAssertEqual(report.layers.compactMap(\.energy?.totalJoules).reduce(0, +), energy.totalJoules!, accuracy: 1e-18)
        XCTAssertTrue(report.markdown.contains("**Energy of one inference: 372 nJ**"), report.markdown)
        // Tiled: a column circuit per tile and the partial-sum summer.
        let tiled = try ResourceReport(spec: .mlp(inputs: 16, hidden: [8], classes: 3), input: [1, 4, 4], cell: .vcr, rowsPerTile: 4)
        XCTAssertEqual(tiled.operations.summer, (4 + 1) * 8 + (2 + 1) * 3)
    }

    func testMissingFigureIsNamedNotZero() throws {
        var report = try ResourceReport(spec: .cnn(inputChannels: 1, height: 8, width: 8, classes: 3, channels: 2), input: [1, 8, 8],
                                        cell: .vcr, rowsPerTile: 256)
        report.addEnergy(Self.energies)
        let energy = try XCTUnwrap(report.energy)
        XCTAssertNil(energy.totalJoules)
        XCTAssertGreaterThan(energy.knownJoules, 0)
        XCTAssertEqual(energy.missing, ["max_circuit (max): its table has no energy per operation"])
        XCTAssertEqual(report.operations.max, 2 * 16 + 4 * 4)
        XCTAssertTrue(report.markdown.contains("| max | max_circuit | 48 | **no figure**: its table has no energy per operation | **unknown** |"), report.markdown)
        XCTAssertTrue(report.markdown.contains("— a lower bound: max_circuit (max)"), report.markdown)
        let json = try report.json()
        XCTAssertTrue(json.contains("\"total_j\" : null"), json)
        XCTAssertEqual(try JSONDecoder().decode(ResourceReport.self, from: Data(json.utf8)), report)
    }
}
