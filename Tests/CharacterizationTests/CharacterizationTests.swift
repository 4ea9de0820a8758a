import Characterization
import Foundation
import TestSupport
import TransferCurves
import XCTest

final class CharacterizationTests: XCTestCase {
    private var scratch: ScratchDirectory!
    private var directory: URL { scratch.url }

    override func setUpWithError() throws { scratch = try ScratchDirectory("char") }
    override func tearDownWithError() throws { scratch.remove() }

    /// The repository's netlists/ directory.
    static let netlists = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("netlists").path

    /// A resistor divider is exactly linear: the table, and its interpolant between grid points,
    /// reproduce `vout = x·2k/3k` to solver tolerance (a linear circuit converges in one Newton step).
    func testLinearNetlistReproducesTheLine() throws {
        let path = try scratch.write(
            "divider.cir",
            """
            divider: resistor divider
            * characterize: input=V1 -10:10:41 output=out
            * ideal: x*2k/(1k+2k)
            V1 in 0 DC 0
            R1 in out 1k
            R2 out 0 2k
            .op
            .end
            """)
        let spec = try CellSpec.load(netlist: path)
        XCTAssertEqual(spec.name, "divider")
        XCTAssertEqual(spec.inputs, [SweepAxis(source: "v1", lower: -10, upper: 10, count: 41)])
        let table = try Characterizer(spec: spec).characterize()
        XCTAssertEqual(table.axes[0].values.count, 41)
        XCTAssertEqual(table.output, Quantity(name: "v(out)", unit: "V"))
        for (x, y) in zip(table.axes[0].values, table.values) { assertClose(y, x * 2 / 3, relative: 1e-9, absolute: 1e-12) }
        let curve = try XCTUnwrap(table.curve)
        for x in stride(from: -9.9, through: 9.9, by: 0.173) { assertClose(curve(x), x * 2 / 3, relative: 1e-9, absolute: 1e-12) }
        let ideal = try XCTUnwrap(TableReport.idealValues(table))
        for (a, b) in zip(table.values, ideal) { assertClose(a, b, relative: 1e-9, absolute: 1e-12) }
        XCTAssertEqual(table.provenance.netlistSHA256, SHA256.hex(text: spec.netlistText))
        XCTAssertEqual(table.provenance.temperature, 27)
        XCTAssertEqual(table.provenance.grid, "v1=-10:10:41")
    }

    /// Inverting summer with a near-ideal op-amp (VCVS, gain 1e7) and 1 % resistors: the gain
    /// `RF/R1` has relative spread `sqrt(σ_RF² + σ_R1²) = √2 %` to first order. With N = 400 the
    /// sample σ has a relative standard error `1/sqrt(2N) ≈ 3.5 %`: accept ±12 % (3.4 standard errors).
    func testMonteCarloGainSpreadMatchesAnalytic() throws {
        let path = try scratch.write(
            "summer.cir",
            """
            summer: resistor-only inverting summer
            * characterize: input=V1 -5:5:11 output=out
            * ideal: -(x + 0.5*1)
            V1 in1 0 DC 0
            V2 in2 0 DC 1
            R1 in1 sum 10k
            R2 in2 sum 20k
            RF sum out 10k
            E1 out 0 0 sum 1e7
            .end
            """)
        let characterizer = try Characterizer(spec: try CellSpec.load(netlist: path))
        let nominal = try characterizer.nominal()
        let (stats, unused) = try characterizer.monteCarlo(
            instances: 400, tolerances: try Tolerances.parse("R=1%"), seed: 42, nominal: nominal)
        XCTAssertEqual(unused, [])
        XCTAssertEqual(stats.instances, 400)
        XCTAssertEqual(stats.failedInstances, 0)
        let n = Double(stats.gain.count)
        let mean = stats.gain.reduce(0, +) / n
        let sigma = (stats.gain.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / (n - 1)).squareRoot()
        let analytic = (0.01 * 0.01 + 0.01 * 0.01).squareRoot()
        XCTAssertEqual(sigma / mean, analytic, accuracy: 0.12 * analytic)
        // The mean gain is 1 within 4 standard errors; a linear cell leaves no fit residual.
        XCTAssertEqual(mean, 1, accuracy: 4 * analytic / n.squareRoot())
        XCTAssertLessThan(stats.residual.max() ?? 1, 1e-9)
        // Per-point σ at x = 0 is the offset spread: vout = −(RF/R2)·1, σ = 0.5·√2 %.
        XCTAssertEqual(stats.standardDeviation[5], 0.5 * analytic, accuracy: 0.15 * 0.5 * analytic)
        // The same seed gives the same statistics, whatever the thread schedule.
        let again = try characterizer.monteCarlo(
            instances: 400, tolerances: try Tolerances.parse("R=1%"), seed: 42, nominal: nominal)
        XCTAssertEqual(again.statistics, stats)
    }

    /// Diode parameters are perturbed on every diode, and keys that match nothing are reported.
    func testDiodeToleranceAndUnusedKeys() throws {
        let path = try CellSpec.path(cell: "log_converter", directory: Self.netlists)
        let spec = try CellSpec.load(netlist: path, inputs: [SweepAxis(source: "vin", lower: 0.01, upper: 1, count: 5)])
        let characterizer = try Characterizer(spec: spec)
        let nominal = try characterizer.nominal()
        let (stats, unused) = try characterizer.monteCarlo(
            instances: 8, tolerances: try Tolerances.parse("IS=5%,BF=10%"), seed: 7, nominal: nominal)
        XCTAssertEqual(unused, ["bf"])
        // IS mismatch shifts the log output by −Vt·ln(1 + δ): about 1.3 mV for 5 %.
        let spread = stats.standardDeviation.max() ?? 0
        XCTAssertGreaterThan(spread, 2e-4)
        XCTAssertLessThan(spread, 5e-3)
    }

    /// The cell headers in netlists/ declare the sweep and an ideal that evaluates.
    func testCellHeaders() throws {
        let spec = try CellSpec.load(netlist: try CellSpec.path(cell: "summing_amplifier", directory: Self.netlists))
        XCTAssertEqual(spec.inputs, [SweepAxis(source: "v1", lower: -15, upper: 15, count: 61)])
        XCTAssertEqual(spec.output, "v(out)")
        XCTAssertEqual(spec.gainFitRange, -11...11)
        let ideal = try IdealFunction(try XCTUnwrap(spec.ideal), inputs: ["v1"])
        assertClose(try ideal(2), -2.1, relative: 1e-15)
        let log = try CellSpec.load(netlist: try CellSpec.path(cell: "log_converter", directory: Self.netlists))
        XCTAssertEqual(log.inputs, [SweepAxis(source: "vin", lower: 1e-3, upper: 10, count: 41, logarithmic: true)])
        let logIdeal = try IdealFunction(try XCTUnwrap(log.ideal), inputs: ["vin"])
        assertClose(try logIdeal(1e-3), -0.417, relative: 2e-3)
        XCTAssertThrowsError(try CellSpec.path(cell: "no_such_cell", directory: Self.netlists)) { error in
            XCTAssertTrue("\(error)".contains("summing_amplifier"), "\(error)")
        }
    }

    /// The log converter on a log grid: 10 points per decade, each an operating point; the table
    /// follows `−Vt·ln(x/(RIN·IS))` within the diode's series-resistance drop (≤ 1 mV at 10 V), and the
    /// monotone interpolant between grid points stays within 1.5 mV of it.
    func testLogGridFollowsTheLogLaw() throws {
        let spec = try CellSpec.load(netlist: try CellSpec.path(cell: "log_converter", directory: Self.netlists))
        let table = try Characterizer(spec: spec).characterize()
        let x = table.axes[0].values
        XCTAssertEqual(x.first, 1e-3)
        XCTAssertEqual(x.last, 10)
        assertClose(x[10], 1e-2, relative: 1e-12)
        XCTAssertEqual(table.provenance.grid, "vin=0.001:10:41:log")
        let ideal = try IdealFunction(try XCTUnwrap(spec.ideal), inputs: ["vin"])
        for (xv, y) in zip(x, table.values) { XCTAssertEqual(y, try ideal(xv), accuracy: 1.1e-3) }
        let curve = try XCTUnwrap(table.curve)
        for k in 0..<(x.count - 1) {
            let mid = (x[k] * x[k + 1]).squareRoot()
            XCTAssertEqual(curve(mid), try ideal(mid), accuracy: 1.5e-3, "x = \(mid)")
        }
    }

    /// The BJT log-antilog multiplier as a 2-D table from its header (x = VX outer, w = VY inner):
    /// every grid point matches x·w/10 within the tolerance its cell test states (0.5 % + 1 mV; the
    /// summers' finite gain makes z about 0.23 % low), the surface is rank 1 to the fit target, and
    /// Monte Carlo over IS mismatch gives the log-antilog gain spread (≈ 2·5 % from four transistors).
    func testLogMultiplierTableMatchesProduct() throws {
        var spec = try CellSpec.load(netlist: try CellSpec.path(cell: "log_multiplier", directory: Self.netlists))
        XCTAssertEqual(spec.inputs.map(\.source), ["vx", "vy"])
        XCTAssertEqual(spec.dynamics?.supplies, ["vcc", "vee"])
        spec.dynamics = nil
        let characterizer = try Characterizer(spec: spec)
        let table = try characterizer.characterize()
        XCTAssertEqual(table.values.count, 200)
        let ideal = try XCTUnwrap(TableReport.idealValues(table))
        var worst = 0.0
        for (z, zi) in zip(table.values, ideal) {
            XCTAssertEqual(z, zi, accuracy: 5e-3 * abs(zi) + 1e-3)
            worst = max(worst, abs(z - zi) / zi)
        }
        XCTAssertGreaterThan(worst, 1e-3, "the finite-gain error (≈ 0.23 %) should be visible")
        let fit = try XCTUnwrap(table.separableFit)
        XCTAssertLessThanOrEqual(fit.rank, 2)
        XCTAssertLessThan(fit.relativeResidual, 1e-3)
        let surface = try XCTUnwrap(table.surface)
        XCTAssertEqual(surface(5.25, 5.5), 5.25 * 5.5 / 10, accuracy: 0.005 * 2.9 + 1e-3)
        let mc = try characterizer.monteCarlo(
            instances: 8, tolerances: try Tolerances.parse("IS=5%"), seed: 3, nominal: table.values).statistics
        let gains = mc.gain
        let mean = gains.reduce(0, +) / Double(gains.count)
        let sigma = (gains.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(gains.count - 1)).squareRoot()
        XCTAssertGreaterThan(sigma, 0.02)
        XCTAssertLessThan(sigma, 0.3)
        // IS mismatch is (nearly) a pure gain error of the product: the fit leaves < 1 mV rms of 10 V.
        XCTAssertLessThan(mc.residual.max() ?? 1, 1e-2)
        XCTAssertTrue(try TableReport.svg(table).contains("for several vy"))
    }

    /// The divider's header grid keeps x ≤ w (no saturation): 10·x/w within 0.5 % + 1 mV.
    func testLogDividerTableMatchesQuotient() throws {
        var spec = try CellSpec.load(netlist: try CellSpec.path(cell: "log_divider", directory: Self.netlists))
        spec.dynamics = nil
        let table = try Characterizer(spec: spec).characterize()
        let ideal = try XCTUnwrap(TableReport.idealValues(table))
        for (z, zi) in zip(table.values, ideal) { XCTAssertEqual(z, zi, accuracy: 5e-3 * abs(zi) + 1e-3) }
        XCTAssertLessThan(try XCTUnwrap(table.separableFit).relativeResidual, 1e-3)
    }

    func testSpecAndToleranceErrors() throws {
        XCTAssertThrowsError(try SweepAxis.parse("V1=0:1:5:log", origin: "--input"))
        XCTAssertEqual(
            try SweepAxis.parse("I1=1n:1u:4:log", origin: "x").grid.map { ($0 * 1e12).rounded() }, [1000, 10000, 100000, 1_000_000])
        XCTAssertThrowsError(try SweepAxis.parse("V1=1:0:5", origin: "--input"))
        XCTAssertThrowsError(try SweepAxis.parse("V1=0:1", origin: "--input"))
        // A name other than a source's may be a `.param`: the Characterizer decides (and refuses a resistor).
        XCTAssertThrowsError(try SweepAxis.parse("1R=0:1:3", origin: "--input"))
        XCTAssertEqual(try SweepAxis.parse("R1=0:1:3", origin: "--input").source, "r1")
        // A step goes either way (`step=10:1m` steps down); its two levels must differ.
        XCTAssertTrue(try parseStep("10:1m", origin: "x") == (10, 1e-3))
        XCTAssertTrue(try parseStep("-0.35:-0.65", origin: "x") == (-0.35, -0.65))
        XCTAssertThrowsError(try parseStep("1:1", origin: "x"))
        XCTAssertThrowsError(try parseStep("1:2:3", origin: "x"))
        XCTAssertEqual(try SweepAxis.parse("V1=1m:10:3", origin: "x"), SweepAxis(source: "v1", lower: 1e-3, upper: 10, count: 3))
        XCTAssertEqual(try Tolerances.parse("R=1%,is=0.05").sigma, ["r": 0.01, "is": 0.05])
        XCTAssertThrowsError(try Tolerances.parse("R"))
        XCTAssertThrowsError(try Tolerances.parse("R=-1%"))
        XCTAssertThrowsError(try Tolerances.parse("R=abc"))
        let path = try scratch.write("bad.cir", "bad\n* characterize: input=V1 0:1:3 colour=red\nV1 a 0 1\nR1 a 0 1k\n.end\n")
        XCTAssertThrowsError(try CellSpec.load(netlist: path)) { error in
            XCTAssertTrue("\(error)".contains("bad.cir:2"), "\(error)")
        }
        let none = try scratch.write("none.cir", "none\nV1 a 0 1\nR1 a 0 1k\n.end\n")
        XCTAssertThrowsError(try CellSpec.load(netlist: none)) { error in
            XCTAssertEqual(error as? CharacterizationError, .missingSpec(path: none))
        }
        let spec = try CellSpec.load(netlist: none, inputs: [SweepAxis(source: "v1", lower: 0, upper: 1, count: 3)], output: "zz")
        XCTAssertThrowsError(try Characterizer(spec: spec).characterize()) { error in
            XCTAssertTrue("\(error)".contains("'v(zz)'"), "\(error)")
        }
    }

    /// A 2-D sweep (x outer, w inner): the summer is affine in (x, w), so its surface is rank 2
    /// and the separable fit finds that with a residual far below the target.
    func testTwoInputCellGivesSurfaceAndSeparableFit() throws {
        let path = try scratch.write(
            "summer2.cir",
            """
            summer2: two-input summer
            * characterize: input=V1 -2:2:9 input=V2 -1:1:5 output=out
            * ideal: -(x + 0.5*w)
            V1 in1 0 DC 0
            V2 in2 0 DC 0
            R1 in1 sum 10k
            R2 in2 sum 20k
            RF sum out 10k
            E1 out 0 0 sum 1e7
            .end
            """)
        let characterizer = try Characterizer(spec: try CellSpec.load(netlist: path))
        let table = try characterizer.characterize()
        XCTAssertEqual(table.axes.map(\.name), ["v1", "v2"])
        // The parallel per-row sweeps agree with one nested .dc over the whole grid.
        let nested = try characterizer.monteCarlo(
            instances: 1, tolerances: Tolerances(), seed: 1, nominal: table.values).statistics.mean
        for (a, b) in zip(table.values, nested) { assertClose(a, b, relative: 1e-12, absolute: 1e-15) }
        XCTAssertEqual(table.values.count, 45)
        let ideal = try XCTUnwrap(TableReport.idealValues(table))
        for (a, b) in zip(table.values, ideal) { assertClose(a, b, relative: 1e-6, absolute: 1e-9) }
        let fit = try XCTUnwrap(table.separableFit)
        XCTAssertEqual(fit.rank, 2)
        XCTAssertLessThan(fit.relativeResidual, 1e-10)
        let surface = try XCTUnwrap(table.surface)
        assertClose(surface(0.25, 0.5), -(0.25 + 0.25), relative: 1e-6)
        assertClose(fit(0.25, 0.5), -(0.25 + 0.25), relative: 1e-6)
        // And the whole table survives the file.
        let file = directory.appendingPathComponent("s.lut").path
        try table.write(to: file)
        XCTAssertEqual(try LookupTable.read(from: file), table)
        XCTAssertTrue(try TableReport.svg(table).hasPrefix("<svg"))
        XCTAssertTrue(try TableReport.summary(table, path: file).contains("rank 2"))
        // An ideal that does not evaluate is reported, and the plot is still drawn.
        var odd = table
        odd.provenance.ideal = "x + undefined_name"
        XCTAssertTrue(try TableReport.summary(odd, path: file).contains("cannot evaluate"))
        XCTAssertTrue(try TableReport.svg(odd).hasSuffix("</svg>\n"))
    }
}

/// Settling time and energy from a transient step, against the RC low-pass's analytic values.
final class DynamicsTests: XCTestCase {
    /// The summing amplifier on the supplied op-amp OPAMPS (±15 V). Before the −5 → 5 V step the
    /// output sits at 4.9 V and sources 2 × 0.49 mA (RL and RF) from vcc, on top of the 1 mA
    /// quiescent current: `P_q = 1 mA·30 V + 0.98 mA·15 V = 44.7 mW`. After it the output sits at
    /// −5.1 V and sinks 1.02 mA into vee (45.3 mW); while it swings the output current is smaller,
    /// so over one operation (`T_op` = the settling time, no `optime=` in this header) the supplies
    /// deliver between `30 mW·T_op` and `45.3 mW·T_op`, with `E_static = P_q·T_op` exactly.
    func testSuppliedOpAmpEnergyPerOperation() throws {
        let path = try CellSpec.path(cell: "summing_amplifier", directory: CharacterizationTests.netlists)
        let characterizer = try Characterizer(spec: try CellSpec.load(netlist: path))
        let spec = try XCTUnwrap(characterizer.spec.dynamics)
        XCTAssertEqual(spec.supplies, ["vcc", "vee"])
        XCTAssertNil(spec.operationTime)
        let d = try characterizer.measureDynamics(spec)
        let settling = try XCTUnwrap(d.settlingTime)
        XCTAssertEqual(d.operationTime, settling)
        XCTAssertEqual(d.operationTimeStated, false)
        assertClose(try XCTUnwrap(d.quiescentPower), 1e-3 * 30 + 2 * 0.49e-3 * 15, relative: 1e-4)
        assertClose(try XCTUnwrap(d.staticEnergy), try XCTUnwrap(d.quiescentPower) * settling, relative: 1e-12)
        let total = try XCTUnwrap(d.energyPerOperation)
        assertClose(total, try XCTUnwrap(d.staticEnergy) + (try XCTUnwrap(d.dynamicEnergy)), relative: 1e-12)
        XCTAssertGreaterThan(total, 30e-3 * settling)
        XCTAssertLessThan(total, (1e-3 * 30 + 2 * 0.51e-3 * 15) * settling)
        // The supplied model's signal path is OPAMP's: the DC curve is unchanged (−(x + 0.1)).
        let table = try characterizer.characterize()
        let mid = table.values[table.axes[0].values.firstIndex(of: 2)!]
        XCTAssertEqual(mid, -2.1, accuracy: 2.1 * 5e-5)
    }

    /// Energy per operation is integrated over one operation, not over the run: the summing
    /// amplifier at tstop = 2 µs and 4 µs (format v1 integrated to tstop, so its number doubled).
    /// The step's ramp is `tstop/1000`, and the settling time, counted from the ramp's start,
    /// grows by about half the ramp (1 ns of 300 ns: 0.34 % seen); accept 1 %. The quiescent
    /// power is the DC operating point's in both runs (1e-9).
    func testEnergyDoesNotDependOnTstop() throws {
        let path = try CellSpec.path(cell: "summing_amplifier", directory: CharacterizationTests.netlists)
        let characterizer = try Characterizer(spec: try CellSpec.load(netlist: path))
        let spec = try XCTUnwrap(characterizer.spec.dynamics)
        var long = spec
        long.stop = 2 * spec.stop
        let a = try characterizer.measureDynamics(spec), b = try characterizer.measureDynamics(long)
        assertClose(try XCTUnwrap(b.quiescentPower), try XCTUnwrap(a.quiescentPower), relative: 1e-9)
        assertClose(try XCTUnwrap(b.settlingTime), try XCTUnwrap(a.settlingTime), relative: 0.01)
        assertClose(try XCTUnwrap(b.energyPerOperation), try XCTUnwrap(a.energyPerOperation), relative: 0.01)
        assertClose(try XCTUnwrap(b.staticEnergy), try XCTUnwrap(a.staticEnergy), relative: 0.01)
        // The dynamic part is small (−0.7 nJ of 12.8 nJ): compare it against the total.
        assertClose(try XCTUnwrap(b.dynamicEnergy), try XCTUnwrap(a.dynamicEnergy), relative: 0, absolute: 0.01 * (try XCTUnwrap(a.energyPerOperation)))
    }

    /// Static power against a hand calculation: the supply V1 drives a 1k + 1k divider, so before
    /// the step (V1 = 1 V) `P_q = V²/R = 1/2000 W = 0.5 mW` exactly, and with `optime=1u`
    /// `E_static = P_q·1 µs = 0.5 nJ`. After the ramp (`t_r = tstop/1000 = 10 ns`) V1 = 2 V
    /// draws 2 mW; on the ramp `∫ V(t)²/R dt = t_r·(1 + 2 + 4)/3/2000`, so
    /// `E_dynamic = (2 − 0.5) mW·(1 µs − t_r) + t_r·(7/6 − 1/2) mW = 1.4917 nJ` (to 1e-3: the
    /// trapezoidal rule on the ramp's few time points is within 1 pJ of the exact ramp integral).
    func testStaticPowerOfResistorDivider() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("kelvin-div-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("div.cir").path
        try """
            div: divider across the supply
            * characterize: input=V1 0:2:5 output=out tstop=10u step=1:2 supplies=V1 optime=1u
            V1 in 0 DC 0
            R1 in out 1k
            R2 out 0 1k
            .end
            """.write(toFile: path, atomically: true, encoding: .utf8)
        let spec = try CellSpec.load(netlist: path)
        XCTAssertEqual(spec.dynamics, DynamicsSpec(stop: 10e-6, from: 1, to: 2, supplies: ["v1"], operationTime: 1e-6))
        let d = try XCTUnwrap(try Characterizer(spec: spec).characterize().dynamics)
        XCTAssertEqual(d.operationTime, 1e-6)
        XCTAssertEqual(d.operationTimeStated, true)
        assertClose(try XCTUnwrap(d.quiescentPower), 1.0 * 1.0 / 2000, relative: 1e-12)
        assertClose(try XCTUnwrap(d.staticEnergy), 0.5e-9, relative: 1e-12)
        let tr = 10e-9
        assertClose(try XCTUnwrap(d.dynamicEnergy), 1.5e-3 * (1e-6 - tr) + tr * (7.0 / 6 - 0.5) * 1e-3, relative: 1e-3)
        assertClose(try XCTUnwrap(d.energyPerOperation), d.staticEnergy! + d.dynamicEnergy!, relative: 1e-12)
        // A stated operation longer than the run after the step is refused, naming the netlist.
        var long = try XCTUnwrap(spec.dynamics)
        long.operationTime = 9.5e-6
        XCTAssertThrowsError(try Characterizer(spec: spec).measureDynamics(long)) { error in
            XCTAssertTrue("\(error)".contains("div.cir: optime"), "\(error)")
        }
    }

    /// Bad `optime=` values and an `optime=` without `tstop=` are errors naming the file (and line).
    func testOperationTimeErrors() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("kelvin-op-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        for (name, fields, expected) in [
            ("negative", "tstop=10u optime=-1u", "negative.cir:2: bad 'optime=-1u'"),
            ("zero", "tstop=10u optime=0", "zero.cir:2: bad 'optime=0'"),
            ("word", "tstop=10u optime=soon", "word.cir:2: bad 'optime=soon'"),
            ("alone", "optime=1u", "alone.cir: optime= needs tstop="),
            ("unknown", "tstop=10u opt=1u", "unknown.cir:2: unknown field 'opt=1u'"),
            ("droop", "droop=2m:1m", "droop.cir:2: "),
            ("noise", "noise=0:1k", "noise.cir:2: bad 'noise=0:1k'"),
            ("step", "tstop=10u step=1:1", "step.cir:2: expected a step from:to of two different levels, got '1:1'"),
        ] {
            let path = directory.appendingPathComponent("\(name).cir").path
            try "\(name)\n* characterize: input=V1 0:1:3 output=out \(fields)\nV1 out 0 0\nR1 out 0 1k\n.end\n"
                .write(toFile: path, atomically: true, encoding: .utf8)
            XCTAssertThrowsError(try CellSpec.load(netlist: path), name) { error in
                XCTAssertTrue("\(error)".hasPrefix(directory.appendingPathComponent(expected).path), "\(error)")
            }
        }
    }

    /// The read noise of an RC low-pass (R = 1 kΩ, C = 1 nF, corner 159 kHz) integrated from 1 Hz to
    /// 1 GHz is the kT/C noise, `σ = √(kT/C) = 2.0357 µV` at 27 °C, to 1e-4 (the tail above 1 GHz);
    /// it is written to the table's dynamics and read back exactly.
    func testReadNoiseOfRCIsKTOverC() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("kelvin-noise-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("rc_noise.cir").path
        try """
            rc: low-pass
            * characterize: input=V1 -1:1:5 output=out noise=1:1g
            V1 in 0 DC 0
            R1 in out 1k
            C1 out 0 1n
            .op
            .end
            """.write(toFile: path, atomically: true, encoding: .utf8)
        let spec = try CellSpec.load(netlist: path)
        XCTAssertEqual(spec.noise, NoiseSpec(bandwidth: 1...1e9))
        let table = try Characterizer(spec: spec).characterize()
        let sigma = try XCTUnwrap(table.dynamics?.readNoise)
        let kTC = (1.380649e-23 * 300.15 / 1e-9).squareRoot()
        assertClose(sigma, kTC, relative: 1e-3, absolute: 0)
        XCTAssertEqual(table.dynamics?.noiseBandwidth, 1...1e9)
        let file = directory.appendingPathComponent("rc_noise.lut").path
        try table.write(to: file)
        XCTAssertEqual(try LookupTable.read(from: file).dynamics?.readNoise, sigma)
        let summary = try TableReport.summary(table, path: file)
        XCTAssertTrue(summary.contains("read noise   σ = "), summary)
    }

    /// `noise=f1` integrates up to `1/(2·t_s)`: for the RC low-pass (t_s = τ·ln 1000 = 6.9 µs,
    /// f2 = 72 kHz, corner f_c = 159 kHz) `σ² = (2/π)·(kT/C)·atan(f2/f_c)` (the part below 1 Hz is
    /// negligible); without `tstop=` it is an error naming the file.
    func testReadNoiseUpToTheSettlingBandwidth() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("kelvin-noise-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("rc_settle.cir").path
        let body = "V1 in 0 DC 0\nR1 in out 1k\nC1 out 0 1n\n.end\n"
        try "rc: low-pass\n* characterize: input=V1 0:1:3 output=out tstop=20u noise=1\n\(body)"
            .write(toFile: path, atomically: true, encoding: .utf8)
        let spec = try CellSpec.load(netlist: path)
        XCTAssertEqual(spec.noise, NoiseSpec(bandwidth: 1...1, upperFromSettling: true))
        let table = try Characterizer(spec: spec).characterize()
        let ts = try XCTUnwrap(table.dynamics?.settlingTime)
        assertClose(ts, 1e-6 * log(1000), relative: 2e-2, absolute: 0)
        let f2 = 1 / (2 * ts)
        XCTAssertEqual(table.dynamics?.noiseBandwidth, 1...f2)
        let fc = 1 / (2 * Double.pi * 1e3 * 1e-9)
        let kTC = 1.380649e-23 * 300.15 / 1e-9
        let expected = (2 / Double.pi * kTC * atan(f2 / fc)).squareRoot()
        assertClose(try XCTUnwrap(table.dynamics?.readNoise), expected, relative: 2e-3, absolute: 0)
        let bare = directory.appendingPathComponent("rc_bare.cir").path
        try "rc: low-pass\n* characterize: input=V1 0:1:3 output=out noise=1\n\(body)"
            .write(toFile: bare, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try Characterizer(spec: try CellSpec.load(netlist: bare)).characterize()) { error in
            XCTAssertTrue("\(error)".contains("rc_bare.cir") && "\(error)".contains("tstop="), "\(error)")
        }
    }

    /// `τ = RC = 1 µs`: settling to 0.1 % takes `τ·ln(1000) = 6.908 µs`; a 0 → 1 V step charges C
    /// through R, and the source delivers `E = C·V² = 1 nJ` (half stored, half dissipated in R).
    func testRCStepSettlingAndEnergy() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("kelvin-dyn-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("rc.cir").path
        try """
            rc: low-pass
            * characterize: input=V1 0:1:3 output=out tstop=20u supplies=V1
            * ideal: x
            V1 in 0 DC 0
            R1 in out 1k
            C1 out 0 1n
            .end
            """.write(toFile: path, atomically: true, encoding: .utf8)
        let spec = try CellSpec.load(netlist: path)
        XCTAssertEqual(spec.dynamics, DynamicsSpec(stop: 20e-6, supplies: ["v1"]))
        let table = try Characterizer(spec: spec).characterize()
        let d = try XCTUnwrap(table.dynamics)
        // The 20 ns input ramp delays the response by about half its length.
        XCTAssertEqual(try XCTUnwrap(d.settlingTime), 1e-6 * log(1000.0) + 10e-9, accuracy: 0.02 * 6.9e-6)
        XCTAssertEqual(try XCTUnwrap(d.energyPerOperation), 1e-9, accuracy: 0.02e-9)
        XCTAssertEqual(d.stepFrom, 0)
        XCTAssertEqual(d.stepTo, 1)
        let file = directory.appendingPathComponent("rc.lut").path
        try table.write(to: file)
        XCTAssertEqual(try LookupTable.read(from: file).dynamics, d)
        // Too short a run is reported, not silently measured.
        let short = try Characterizer(spec: spec)
        XCTAssertThrowsError(try short.measureDynamics(DynamicsSpec(stop: 3e-6)))
    }
}
