import Foundation
import Netlist
import XCTest

@testable import Simulator

/// `.ac` small-signal analysis: analytic transfer functions, ngspice-39 references (decks in
/// Tests/Fixtures/dev), frequency grids and the complex rawfile.
final class ACTests: XCTestCase {
    private func phasor(_ r: SimulationResult, _ node: String, row: Int) throws -> (re: Double, im: Double) {
        (try XCTUnwrap(r.value("vr(\(node))", row: row)), try XCTUnwrap(r.value("vi(\(node))", row: row)))
    }

    /// RC low-pass: `H = 1/(1 + jωRC)`, R = 1 kΩ, C = 100 nF, at every frequency of `.ac dec 10 1 1meg`.
    func testRCLowPassMatchesAnalyticResponse() throws {
        let r = try XCTUnwrap(DevFixtures.simulate("rc_lowpass.cir").first)
        XCTAssertEqual(r.name, "ac1")
        XCTAssertEqual(r.variables.first, "frequency")
        XCTAssertEqual(r.rows.count, 61)
        for (k, row) in r.rows.enumerated() {
            let wrc = 2 * Double.pi * row[0] * 1e3 * 100e-9
            let d = 1 + wrc * wrc
            let (re, im) = try phasor(r, "out", row: k)
            XCTAssertEqual(re, 1 / d, accuracy: 1e-9)
            XCTAssertEqual(im, -wrc / d, accuracy: 1e-9)
        }
    }

    /// Series RLC across R: `H = R/(R + jωL + 1/(jωC))`, driven by `AC 2 30` (2 V at 30°).
    func testRLCBandPassMatchesAnalyticResponse() throws {
        let r = try XCTUnwrap(DevFixtures.simulate("rlc_bandpass.cir").first)
        let (rr, l, c) = (100.0, 10e-3, 100e-9)
        let sr = 2 * cos(Double.pi / 6), si = 2 * sin(Double.pi / 6)
        var peak = (gain: 0.0, f: 0.0)
        for (k, row) in r.rows.enumerated() {
            let w = 2 * Double.pi * row[0]
            let x = w * l - 1 / (w * c)
            // H = R (R − jX) / (R² + X²)
            let hr = rr * rr / (rr * rr + x * x), hi = -rr * x / (rr * rr + x * x)
            let (re, im) = try phasor(r, "out", row: k)
            XCTAssertEqual(re, hr * sr - hi * si, accuracy: 1e-9)
            XCTAssertEqual(im, hr * si + hi * sr, accuracy: 1e-9)
            let gain = (re * re + im * im).squareRoot() / 2
            if gain > peak.gain { peak = (gain, row[0]) }
        }
        XCTAssertEqual(peak.gain, 1, accuracy: 0.01)
        XCTAssertEqual(peak.f, 1 / (2 * Double.pi * (l * c).squareRoot()), accuracy: 400)  // 20 points/decade grid
    }

    func testPassiveResponsesMatchNgspice() throws {
        try DevFixtures.compare("rc_lowpass.cir", analysis: "ac1")
        try DevFixtures.compare("rlc_bandpass.cir", analysis: "ac1")
    }

    /// BJT common-emitter amplifier (diffusion and depletion capacitances in the AC model).
    /// Kelvin linearises at the converged operating point, ngspice at its last Newton iterate;
    /// the mid-band gain agrees to about 1.5e-4.
    func testCommonEmitterAmplifierMatchesNgspice() throws {
        try DevFixtures.compare("ce_amp.cir", analysis: "ac1", relative: 1e-3, absolute: 1e-3)
        let r = try XCTUnwrap(DevFixtures.simulate("ce_amp.cir").first)
        let ref = try DevFixtures.reference("ce_amp.ac1.csv")
        let k = try XCTUnwrap(r.column("frequency")?.firstIndex { abs($0 - 1e4) < 1e-3 })
        let (re, im) = try phasor(r, "out", row: k)
        let gain = (re * re + im * im).squareRoot() / 1e-3
        let rre = ref.rows[k][ref.header.firstIndex(of: "vr(out)") ?? 0]
        let rim = ref.rows[k][ref.header.firstIndex(of: "vi(out)") ?? 0]
        let refGain = (rre * rre + rim * rim).squareRoot() / 1e-3
        XCTAssertGreaterThan(gain, 100)   // ≈ gm·(RC ∥ RL) with gm ≈ 58 mS
        XCTAssertEqual(gain, refGain, accuracy: 1e-3 * refGain)
        XCTAssertLessThan(re, 0)          // inverting at mid-band
    }

    /// Split CJC (XCJC), vertical and lateral substrate junctions, area factor.
    func testBJTCapacitancesMatchNgspice() throws {
        try DevFixtures.compare("bjt_caps_ac.cir", analysis: "ac1")
    }

    /// `ccs=` (ngspice's name for CJS) on a 3-terminal BJT (substrate to ground) and a
    /// 4-terminal one (junction CCS with VJS, MJS) (issue 14).
    func testBJTCollectorSubstrateCapacitanceCCSMatchesNgspice() throws {
        try DevFixtures.compare("bjt_ccs_ac.cir", analysis: "ac1")
    }

    /// Junction potentials and capacitances scaled to −20 °C.
    func testBJTCapacitancesAtLowTemperatureMatchNgspice() throws {
        try DevFixtures.compare("bjt_temp_ac.cir", analysis: "ac1")
    }

    /// MOSFET junction, overlap and Meyer capacitances at −30 °C.
    func testMOSFETCapacitancesAtLowTemperatureMatchNgspice() throws {
        try DevFixtures.compare("mos_temp_ac.cir", analysis: "ac1")
    }

    /// Transit-time modulation XTF, VTF, ITF (2N3904-style model with a low ITF).
    func testBJTTransitTimeModulationMatchesNgspice() throws {
        try DevFixtures.compare("bjt_2n3904_ac.cir", analysis: "ac1")
    }

    /// Open-loop two-stage CMOS op-amp (gain ≈ 23 000, Miller compensation, Meyer and junction caps).
    /// The deck is bistable at DC (a latched state also solves it); `.nodeset` selects the amplifying
    /// one for both simulators. The huge gain makes it sensitive: 0.3 % of the value + 1e-4 of full scale.
    func testCMOSOpAmpOpenLoopResponseMatchesNgspice() throws {
        try DevFixtures.compare("cmos_opamp_ac.cir", analysis: "ac1", relative: 3e-3, absolute: 1e-4)
    }

    /// Excess phase PTF = 35° on the same stage (complex transconductance).
    func testBJTExcessPhaseMatchesNgspice() throws {
        try DevFixtures.compare("bjt_ptf_ac.cir", analysis: "ac1")
    }

    /// NMOS common-source stage with overlap and junction capacitances.
    func testCommonSourceAmplifierMatchesNgspice() throws {
        try DevFixtures.compare("cs_amp.cir", analysis: "ac1")
    }

    /// Meyer gate capacitances (TOX given): saturation, linear and depletion regions, NMOS and PMOS.
    func testMeyerCapacitancesMatchNgspice() throws {
        try DevFixtures.compare("cs_amp_meyer.cir", analysis: "ac1")
        try DevFixtures.compare("mos_meyer_regions.cir", analysis: "ac1")
    }

    func testFrequencyGrids() throws {
        let dec = try ACAnalysis.frequencies(variation: .decade, points: 10, start: 1, stop: 1e6, reltol: 1e-3, analysis: "ac1")
        XCTAssertEqual(dec.count, 61)
        XCTAssertEqual(dec.last ?? 0, 1e6, accuracy: 1e-3)
        let oct = try ACAnalysis.frequencies(variation: .octave, points: 2, start: 100, stop: 800, reltol: 1e-3, analysis: "ac1")
        XCTAssertEqual(oct.count, 7)
        let lin = try ACAnalysis.frequencies(variation: .linear, points: 5, start: 0, stop: 100, reltol: 1e-3, analysis: "ac1")
        XCTAssertEqual(lin, [0, 25, 50, 75, 100])
        XCTAssertThrowsError(try ACAnalysis.frequencies(variation: .decade, points: 0, start: 1, stop: 10, reltol: 1e-3,
                                                        analysis: "ac1"))
        XCTAssertThrowsError(try ACAnalysis.frequencies(variation: .decade, points: 10, start: 0, stop: 10, reltol: 1e-3,
                                                        analysis: "ac1"))
    }

    /// The complex rawfile: written with `Flags: complex` and `re,im` values, read back to the same
    /// columns; when ngspice is installed, its `load` command reads it and prints the same value.
    func testComplexRawfileRoundTripAndNgspiceLoad() throws {
        let results = try DevFixtures.simulate("rlc_bandpass.cir")
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("kelvin-ac-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("ac.raw").path
        try Rawfile.write(results, to: path)
        let text = try String(contentsOfFile: path, encoding: .utf8)
        XCTAssertTrue(text.contains("Flags: complex"))
        let back = try Rawfile.read(path: path)
        XCTAssertEqual(back.count, 1)
        XCTAssertEqual(back[0].name, "ac1")
        XCTAssertEqual(back[0].variables, results[0].variables)
        for (a, b) in zip(back[0].rows, results[0].rows) {
            for (x, y) in zip(a, b) { XCTAssertEqual(x, y, accuracy: 1e-12 * max(1, abs(y))) }
        }

        guard let ngspice = ["/usr/bin/ngspice", "/usr/local/bin/ngspice"].first(where: {
            FileManager.default.isExecutableFile(atPath: $0)
        }) else { return }
        let control = dir.appendingPathComponent("load.cir").path
        try "* load\n.control\nload \(path)\nprint v(out)[30]\n.endc\n.end\n".write(toFile: control, atomically: true, encoding: .utf8)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: ngspice)
        process.arguments = ["-b", control]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let out = String(decoding: data, as: UTF8.self)
        let line = try XCTUnwrap(out.split(separator: "\n").first { $0.contains("v(out)[30] =") }, out)
        let numbers = line.split(separator: "=")[1].split(separator: ",").compactMap {
            Double($0.trimmingCharacters(in: .whitespaces))
        }
        XCTAssertEqual(numbers.count, 2, String(line))
        let re = try XCTUnwrap(results[0].value("vr(out)", row: 30)), im = try XCTUnwrap(results[0].value("vi(out)", row: 30))
        XCTAssertEqual(numbers.first ?? 0, re, accuracy: 1e-5 * max(abs(re), 1e-3))
        XCTAssertEqual(numbers.last ?? 0, im, accuracy: 1e-5 * max(abs(im), 1e-3))
    }
}
