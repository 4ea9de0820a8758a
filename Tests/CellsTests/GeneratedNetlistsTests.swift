import Cells
import Foundation
import XCTest

/// The cells in netlists/ that the compiler instantiates are their generators' output with default
/// parameters, byte for byte (`kelvin cells write netlists/` rewrites them).
final class GeneratedNetlistsTests: XCTestCase {
    static let netlists = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("netlists")

    static let generated: [any Cell] = [
        Summer(), PrecisionRectifier(), VCRWeightCell(), SampleHold(), Crossbar(), RandomCrossbar(), MaxCircuit(), ResistorCell(),
    ]

    func testNetlistFilesAreTheGeneratorsOutput() throws {
        for cell in Self.generated {
            let url = Self.netlists.appendingPathComponent("\(cell.name).cir")
            let file = try String(contentsOf: url, encoding: .utf8)
            let deck = cell.characterizationDeck
            if file != deck {
                let a = file.split(separator: "\n", omittingEmptySubsequences: false)
                let b = deck.split(separator: "\n", omittingEmptySubsequences: false)
                let k = (0..<min(a.count, b.count)).first { a[$0] != b[$0] } ?? min(a.count, b.count)
                XCTFail(
                    "netlists/\(cell.name).cir differs from \(type(of: cell))() at line \(k + 1):\n  file: "
                        + (k < a.count ? String(a[k]) : "<end>") + "\n  gen:  " + (k < b.count ? String(b[k]) : "<end>")
                        + "\n(run `kelvin cells write netlists` after changing a generator)")
            }
        }
    }
}
