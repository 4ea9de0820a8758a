import Compiler
import Foundation
import NN
import TestSupport
import Verification
import XCTest

/// `--switch mos` against `--switch ideal`: the switched decks of one conv (with batch norm and
/// ReLU), its max-pool, and a linear layer without ReLU (outputs of both signs), sampled through
/// NMOS pass transistors with overlap capacitances; `kelvin verify` reports what switching costs
/// against the static result for both.
final class SwitchedDeckTests: XCTestCase {
    private var scratch: ScratchDirectory!
    override func setUpWithError() throws { scratch = try ScratchDirectory("switched") }
    override func tearDownWithError() throws { scratch.remove() }

    func compile(_ switches: SwitchFlavour) throws -> (VerificationResult, String) {
        let spec = ModelSpec.sequential([.conv2d(in: 1, out: 3, kernel: 3, stride: 1, padding: 1, bias: false), .batchNorm2d(channels: 3), .relu,
                                         .maxPool2d(kernel: 2, stride: 2, padding: 0), .flatten, .linear(in: 27, out: 4, bias: true)])
        var options = CompileOptions()
        options.images = 1; options.positions = 2; options.switches = switches; options.cellsDirectory = CompileTests.netlists
        let data = ImageDataset.synthetic(count: 1, channels: 1, height: 6, width: 6, classes: 3, seed: 7)
        let compilation = try Compiler.compile(checkpoint: try CompileTests.checkpoint(spec), path: "t", data: data, options: options)
        let dir = scratch.url.appendingPathComponent(switches.rawValue).path
        try Compiler.write(compilation, to: dir)
        var verify = VerifyOptions()
        verify.ngspice = FileManager.default.isExecutableFile(atPath: "/usr/bin/ngspice") && switches == .mos
        return (try Verifier.verify(directory: dir, options: verify), dir)
    }

    func testMOSSwitchesCostFeedthroughIdealOnesDoNot() throws {
        let (ideal, _) = try compile(.ideal)
        let (mos, dir) = try compile(.mos)
        XCTAssertTrue(ideal.passed, ideal.summary.joined(separator: "\n"))
        XCTAssertTrue(mos.passed, mos.summary.joined(separator: "\n"))
        let lib = try String(contentsOfFile: dir + "/cells.lib", encoding: .utf8)
        XCTAssertTrue(lib.contains(".subckt switch_mos a b ctrl bulk"), lib)
        XCTAssertTrue(lib.contains("NMOS(LEVEL=1 VTO=1 KP=100u CGSO=500p CGDO=500p)"), lib)
        let deck = try String(contentsOfFile: dir + "/decks/l0_conv2d_i0_p9_tran.cir", encoding: .utf8)
        XCTAssertTrue(deck.contains("XSH1 r1 h1 ctrl vee switch_mos"), deck)
        XCTAssertTrue(deck.contains(" 15 ") && deck.contains(" -15)"), deck)
        let manifest = try Manifest(path: dir + "/manifest.json")
        XCTAssertEqual(manifest.switches, .mos)

        let idealCost = ideal.checks.compactMap(\.errorSwitching).max() ?? .infinity
        let mosChecks = mos.checks.filter { $0.layer.hasSuffix("(tran, mos switches)") }
        XCTAssertEqual(mosChecks.count, ideal.checks.filter { $0.layer.hasSuffix("(tran)") }.count)
        let mosCost = mosChecks.compactMap(\.errorSwitching).max() ?? 0
        // Clock feedthrough: the gate's 30 V fall through CGDO·W = 0.5 fF onto 1 pF pulls the held
        // value down by about 15 mV; an ideal switch costs far less.
        XCTAssertGreaterThan(mosCost, 5e-3, mos.summary.joined(separator: "\n"))
        XCTAssertLessThan(mosCost, 30e-3, mos.summary.joined(separator: "\n"))
        XCTAssertLessThan(idealCost, 2e-3, ideal.summary.joined(separator: "\n"))
        XCTAssertTrue(mosChecks.allSatisfy { $0.simulated < $0.staticValue! }, "feedthrough lowers every held value")
        if let worst = mos.worstNgspice { XCTAssertLessThan(worst.errorNgspice!, 2e-3, mos.summary.joined(separator: "\n")) }
        if ProcessInfo.processInfo.environment["KELVIN_FIGURES"] != nil {
            print((ideal.summary + mos.summary).joined(separator: "\n"))
        }
    }
}
