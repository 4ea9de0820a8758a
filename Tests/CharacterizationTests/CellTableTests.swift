import Characterization
import Foundation
import TestSupport
import TransferCurves
import XCTest

/// The cells that gained `* characterize:` headers with format v2: the NMOS voltage-controlled
/// resistor amplifier (a 2-D table) and the sample-and-hold weight cell (write-through table and
/// hold droop τ), against ngspice references made by Tests/Fixtures/tables/generate_ngspice.py.
final class CellTableTests: XCTestCase {
    static let tables = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/tables")

    /// Rows of a reference CSV (header dropped).
    static func reference(_ name: String) throws -> [[Double]] {
        let text = try String(contentsOf: tables.appendingPathComponent(name), encoding: .utf8)
        return try text.split(separator: "\n").dropFirst().map { line in
            try line.split(separator: ",").map { field in
                guard let v = Double(field) else { throw CharacterizationError.badSpec(origin: name, reason: "bad number '\(field)'") }
                return v
            }
        }
    }

    /// vout(vin, vg) on the header's 21 × 13 grid: every point within `1e-5·|ref| + 1 µV` of ngspice-39
    /// (both solve the same level-1 MOSFET and op-amp macro to Newton tolerance; the largest
    /// difference seen is 3.2 µV, at |vout| ≈ 2 V), and within the large-signal law's tolerance of the ideal
    /// (as in AnalogCellTests: `1e-3·|ideal| + 0.2 mV`, the op-amp's finite gain).
    func testVCRTableMatchesNgspice() throws {
        let path = try CellSpec.path(cell: "nmos_vcr_amplifier", directory: CharacterizationTests.netlists)
        let spec = try CellSpec.load(netlist: path)
        XCTAssertEqual(spec.inputs.map(\.source), ["vin", "vg"])
        XCTAssertEqual(spec.output, "v(out)")
        let table = try Characterizer(spec: spec).characterize()
        let (x, w) = (table.axes[0].values, table.axes[1].values)
        XCTAssertEqual(x.count, 21)
        XCTAssertEqual(w.count, 13)
        let rows = try Self.reference("nmos_vcr_amplifier.ngspice.csv")
        XCTAssertEqual(rows.count, table.values.count)
        var worst = 0.0
        for (p, row) in rows.enumerated() {
            assertClose(x[p / w.count], row[0], relative: 0, absolute: 1e-12, "vin at point \(p)")
            assertClose(w[p % w.count], row[1], relative: 0, absolute: 1e-12, "vg at point \(p)")
            assertClose(table.values[p], row[2], relative: 1e-5, absolute: 1e-6, "vout at vin = \(row[0]), vg = \(row[1])")
            worst = max(worst, abs(table.values[p] - row[2]))
        }
        print("nmos_vcr_amplifier: max |kelvin − ngspice| over \(rows.count) points = \(worst) V")
        let ideal = try XCTUnwrap(TableReport.idealValues(table))
        for (y, i) in zip(table.values, ideal) { assertClose(y, i, relative: 1e-3, absolute: 2e-4) }
        // The surface between grid points: the gain at (vin, vg) = (±5 mV, 3.1 V) is −RF·β·(vg − VTO) = −21.
        let surface = try XCTUnwrap(table.surface)
        assertClose((surface(0.005, 3.1) - surface(-0.005, 3.1)) / 0.01, -21, relative: 2e-3)
    }

    /// The VCR multiply cell and the precision rectifier on the supplied op-amp OPAMPS (±15 V):
    /// energy per operation from VCC/VEE, against hand values, and the DC transfer unchanged from
    /// the unsupplied OPAMP (the same deck with `XA … vcc vee OPAMPS` → `XA … OPAMP`, to 1e-12 V).
    ///
    /// VCR: before the −50 → 50 mV step at vg = 3 V the output sits at
    /// `−RF·K·((vg − VTO)·vin − vin²/2) = 1.0125 V` and sources `2 × 0.10125 mA` (RL and RF) from
    /// vcc on top of the 1 mA quiescent current: `P_q = 30 mW + 15 V·0.2025 mA = 33.0375 mW`; after
    /// it the output sinks 0.1975 mA into vee; while it swings the output current passes 0, so
    /// `30 mW·T_op < E_op < P_q·T_op`. One operation is the settling time, about
    /// `ln(1000)·NG/(2π·GBW)` at noise gain `NG = 21` (2.31 µs; the ramp adds half its 5 ns).
    /// Rectifier: before the −5 → 0 V step the output sits at 5 V and D2 carries 1 mA (RL and RF)
    /// from vcc: `P_q = 30 mW + 15 mW = 45 mW`; at 0 V it carries none: `30 mW·T_op < E_op < P_q·T_op`.
    func testVCRAndRectifierEnergyPerOperation() throws {
        for (cell, quiescent) in [("nmos_vcr_amplifier", 30e-3 + 15 * 0.2025e-3), ("precision_rectifier", 45e-3)] {
            let path = try CellSpec.path(cell: cell, directory: CharacterizationTests.netlists)
            let characterizer = try Characterizer(spec: try CellSpec.load(netlist: path))
            let spec = try XCTUnwrap(characterizer.spec.dynamics, cell)
            XCTAssertEqual(spec.supplies, ["vcc", "vee"], cell)
            let table = try characterizer.characterize()
            let d = try XCTUnwrap(table.dynamics, cell)
            let op = try XCTUnwrap(d.operationTime, cell)
            XCTAssertEqual(d.operationTime, d.settlingTime, cell)
            assertClose(try XCTUnwrap(d.quiescentPower, cell), quiescent, relative: 1e-4, cell)
            assertClose(try XCTUnwrap(d.staticEnergy, cell), quiescent * op, relative: 1e-4, cell)
            let e = try XCTUnwrap(d.energyPerOperation, cell)
            assertClose(e, d.staticEnergy! + d.dynamicEnergy!, relative: 1e-12, cell)
            XCTAssertGreaterThan(e, 30e-3 * op, cell)
            XCTAssertLessThan(e, quiescent * op, cell)
            if cell == "nmos_vcr_amplifier" {
                assertClose(op, log(1000.0) * 21 / (2 * Double.pi * 10e6) + 2.5e-9, relative: 0.02, cell)
            }
            print("\(cell): \(e) J per operation over \(op) s (static \(d.staticEnergy!) J, dynamic \(d.dynamicEnergy!) J)")
            try assertSameTableOnUnsuppliedOpAmp(path, table, cell)
        }
    }

    /// The same deck on the unsupplied OPAMP (`XA … vcc vee OPAMPS` → `XA … OPAMP`, VCC and VEE
    /// removed) gives the same DC table, to `absolute` V (1e-12 for a `.dc` sweep): OPAMPS only adds
    /// supply currents.
    private func assertSameTableOnUnsuppliedOpAmp(_ path: String, _ table: LookupTable, _ cell: String, absolute: Double = 1e-12) throws {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        let plain = text.split(separator: "\n", omittingEmptySubsequences: false)
            .filter { !$0.hasPrefix("VCC ") && !$0.hasPrefix("VEE ") }
            .map { $0.replacingOccurrences(of: " vcc vee OPAMPS", with: " OPAMP") }
            .joined(separator: "\n").replacingOccurrences(of: " supplies=VCC,VEE", with: "")
        XCTAssertFalse(plain.contains("vee OPAMPS"), cell)
        let unsupplied = try Characterizer(spec: try CellSpec.load(text: plain, path: path)).nominal()
        XCTAssertEqual(unsupplied.count, table.values.count, cell)
        for (a, b) in zip(unsupplied, table.values) { assertClose(b, a, relative: 0, absolute: absolute, cell) }
    }

    /// The BJT log and exp converters (the BM layers' cells) on the supplied op-amp OPAMPS (±15 V):
    /// energy per operation from VCC/VEE against hand values, and the DC table unchanged from OPAMP.
    /// Each is stepped in its slow direction (the decks' headers explain why).
    ///
    /// Log converter, 10 V → 1 mV: before the step the output (−0.655 V) sinks the emitter current
    /// `iin·(1 + 1/BF)` (iin = 1 mA) and `|vout|/RL` into vee, `P_q = 30 mW + 15 V·1.0705 mA =
    /// 46.06 mW`; after it, at 1 mV, `P_1 = 30 mW + 15 V·(100.5 nA + 0.417 V/RL) = 30.63 mW`, so
    /// `P_1·T_op < E_op < P_q·T_op`. The settling is the small-signal tail at 1 mV: loop bandwidth
    /// `GBW·gm·RS` (gm = iin/VT, RS = RIN‖1 MΩ), `τ = VT/(2π·GBW·iin·RS) = 0.416 µs`, from about one
    /// VT to the 0.1 % band (0.238 mV): `T_op ≈ τ·ln(VT/0.238 mV) = 1.95 µs` (to 3 %).
    /// Exp converter, −0.35 → −0.65 V: the output rises from 75 µV to 8.2 V; before the step
    /// `P_q = 30 mW + 15 V·2·75 µV/10 kΩ`, after it the output sources `2·vout/10 kΩ` (RL and RF)
    /// from vcc, `P_1 = 30 mW + 15 V·1.641 mA = 54.6 mW`, so `P_q·T_op < E_op < P_1·T_op`; the op-amp
    /// slews (its input held at about 0.6 V by Q1's collector junction): `T_op` lies between a linear
    /// settling at noise gain 1.01, `ln(1000)·1.01/(2π·GBW) = 0.111 µs`, and that plus a slew over
    /// 8.2 V at `GM·0.5 V/CP` (31 V/µs, below the 38 V/µs seen).
    func testConverterEnergyPerOperation() throws {
        let vt = 8.617333262e-5 * 300.15, gbw = 10e6
        for cell in ["bjt_log_converter", "bjt_exp_converter"] {
            let path = try CellSpec.path(cell: cell, directory: CharacterizationTests.netlists)
            let characterizer = try Characterizer(spec: try CellSpec.load(netlist: path))
            let spec = try XCTUnwrap(characterizer.spec.dynamics, cell)
            XCTAssertEqual(spec.supplies, ["vcc", "vee"], cell)
            let table = try characterizer.characterize()
            let d = try XCTUnwrap(table.dynamics, cell)
            let op = try XCTUnwrap(d.operationTime, cell), e = try XCTUnwrap(d.energyPerOperation, cell)
            let pq = try XCTUnwrap(d.quiescentPower, cell)
            XCTAssertEqual(d.operationTime, d.settlingTime, cell)
            assertClose(e, d.staticEnergy! + d.dynamicEnergy!, relative: 1e-12, cell)
            if cell == "bjt_log_converter" {
                XCTAssertEqual([d.stepFrom, d.stepTo], [10, 1e-3])
                let top = try XCTUnwrap(table.values.last), bottom = try XCTUnwrap(table.values.first)
                assertClose(pq, 30e-3 + 15 * (1e-3 * (1 + 1.0 / 200) + abs(top) / 10e3), relative: 1e-3, cell)
                let p1 = 30e-3 + 15 * (1e-7 * (1 + 1.0 / 200) + abs(bottom) / 10e3)
                XCTAssertGreaterThan(e, p1 * op, cell)
                XCTAssertLessThan(e, pq * op, cell)
                let tau = vt / (2 * Double.pi * gbw * 1e-7 * (10e3 * 1e6 / (10e3 + 1e6)))
                assertClose(op, tau * log(vt / (1e-3 * abs(top - bottom))), relative: 0.03, cell)
            } else {
                XCTAssertEqual([d.stepFrom, d.stepTo], [-0.35, -0.65])
                let top = try XCTUnwrap(table.values.first), bottom = try XCTUnwrap(table.values.last)   // at −0.65 V, −0.35 V
                assertClose(pq, 30e-3 + 15 * 2 * bottom / 10e3, relative: 1e-4, cell)
                let p1 = 30e-3 + 15 * 2 * top / 10e3
                XCTAssertGreaterThan(e, pq * op, cell)
                XCTAssertLessThan(e, p1 * op, cell)
                let linear = log(1000.0) * 1.01 / (2 * Double.pi * gbw)
                XCTAssertGreaterThan(op, linear, cell)
                XCTAssertLessThan(op, linear + top / (1e-3 * 0.5 / 15.9e-12), cell)
            }
            print("\(cell): \(e) J per operation over \(op) s (P_q \(pq) W, static \(d.staticEnergy!) J, dynamic \(d.dynamicEnergy!) J)")
            // The log converter's grid is geometric: each point is its own operating point, whose
            // Newton iteration stops within its tolerance on a path the extra supply nodes change
            // (seen: 9e-9 V; ngspice's .dc references of the two decks agree to the printed digit).
            try assertSameTableOnUnsuppliedOpAmp(path, table, cell, absolute: cell == "bjt_log_converter" ? 1e-7 : 1e-12)
        }
    }

    /// Every cell a built-in profile takes energy from: Kelvin's step measurement against the
    /// same measurement on ngspice-39's transient (energy.ngspice.csv: the header's step as a PWL
    /// source, time step ≤ tstop/2000, settling, `T_op`, `P_q` and the energies computed as
    /// `measureDynamics` does). The two simulators take their own time steps; seen: 1e-4 or better.
    func testStepEnergiesMatchNgspice() throws {
        let text = try String(contentsOf: Self.tables.appendingPathComponent("energy.ngspice.csv"), encoding: .utf8)
        let rows = text.split(separator: "\n").dropFirst().map { $0.split(separator: ",").map(String.init) }
        XCTAssertEqual(rows.map { $0[0] }, ["summing_amplifier", "nmos_vcr_amplifier", "precision_rectifier", "resistor", "max_circuit",
                                            "bjt_log_converter", "bjt_exp_converter"])
        for row in rows {
            let cell = row[0], ngspice = row.dropFirst().compactMap(Double.init)
            XCTAssertEqual(ngspice.count, 6, cell)
            let path = try CellSpec.path(cell: cell, directory: CharacterizationTests.netlists)
            let characterizer = try Characterizer(spec: try CellSpec.load(netlist: path))
            let d = try characterizer.measureDynamics(try XCTUnwrap(characterizer.spec.dynamics, cell))
            let energy = try XCTUnwrap(d.energyPerOperation, cell)
            assertClose(try XCTUnwrap(d.settlingTime, cell), ngspice[0], relative: 2e-3, absolute: 1e-12, "\(cell) settling")
            assertClose(try XCTUnwrap(d.operationTime, cell), ngspice[1], relative: 2e-3, "\(cell) T_op")
            assertClose(try XCTUnwrap(d.quiescentPower, cell), ngspice[2], relative: 1e-6, absolute: 1e-15, "\(cell) P_q")
            assertClose(try XCTUnwrap(d.staticEnergy, cell), ngspice[3], relative: 2e-3, absolute: 1e-21, "\(cell) E_static")
            assertClose(try XCTUnwrap(d.dynamicEnergy, cell), ngspice[4], relative: 0, absolute: 2e-3 * ngspice[5], "\(cell) E_dynamic")
            assertClose(energy, ngspice[5], relative: 2e-3, "\(cell) E_op")
        }
    }

    /// The resistor multiply cell: its second input is the `.param GW` (R1 = {10k/gw}), swept by
    /// reading the deck again at each value. On the header's 21 × 50 grid every point is within
    /// `1e-9·|ref| + 1e-12 V` of ngspice-39 (one run per w with the `.param` card set) and of the
    /// ideal `−x·w` (a linear circuit: both solve it exactly up to rounding); the fit is rank 1.
    /// Monte Carlo (R = 1 %): an instance draws R1 once, so its curve is the nominal one times
    /// `1/(1 + σz)` at every w (residual 0) and the gains spread by about σ. Energy: VIN steps
    /// 0 → 1 V in `t_r = tstop/1000 = 2 ns` at w = 0.51 and drives `G = 51 µS` for the stated
    /// `T_op = 300 ns`: `E = G·(T_op − t_r) + G·t_r/3` (the ramp's `∫(t/t_r)² dt`), all dynamic.
    func testResistorTableSweepsTheConductanceParameter() throws {
        let path = try CellSpec.path(cell: "resistor", directory: CharacterizationTests.netlists)
        let spec = try CellSpec.load(netlist: path)
        XCTAssertEqual(spec.inputs.map(\.source), ["vin", "gw"])
        let characterizer = try Characterizer(spec: spec)
        XCTAssertEqual(characterizer.spec.inputs.map(\.parameter), [false, true])
        let table = try characterizer.characterize(
            options: CharacterizationOptions(monteCarloInstances: 40, tolerances: try Tolerances.parse("R=1%"), seed: 7))
        XCTAssertEqual(table.axes.map(\.unit), ["V", ""])
        let (x, w) = (table.axes[0].values, table.axes[1].values)
        XCTAssertEqual(x.count, 21)
        XCTAssertEqual(w.count, 50)
        assertClose(w[49], 1, relative: 1e-12)
        let rows = try Self.reference("resistor.ngspice.csv")
        XCTAssertEqual(rows.count, table.values.count)
        for (p, row) in rows.enumerated() {
            assertClose(x[p / w.count], row[0], relative: 0, absolute: 1e-12, "vin at point \(p)")
            assertClose(w[p % w.count], row[1], relative: 1e-12, absolute: 0, "gw at point \(p)")
            assertClose(table.values[p], row[2], relative: 1e-9, absolute: 1e-12, "y at vin = \(row[0]), gw = \(row[1])")
            assertClose(table.values[p], -row[0] * row[1], relative: 1e-9, absolute: 1e-12, "ideal at point \(p)")
        }
        let fit = try XCTUnwrap(table.separableFit)
        XCTAssertEqual(fit.rank, 1)
        XCTAssertLessThan(fit.relativeResidual, 1e-12)
        let mc = try XCTUnwrap(table.monteCarlo)
        XCTAssertEqual(mc.instances, 40)
        XCTAssertLessThan(mc.residual.max() ?? 1, 1e-12)
        let mean = mc.gain.reduce(0, +) / Double(mc.gain.count)
        let sigma = (mc.gain.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(mc.gain.count - 1)).squareRoot()
        XCTAssertEqual(sigma, 0.01, accuracy: 0.004)
        let d = try XCTUnwrap(table.dynamics)
        XCTAssertEqual(d.supplies, ["vin"])
        XCTAssertEqual(d.operationTimeStated, true)
        XCTAssertEqual(d.operationTime, 300e-9)
        XCTAssertEqual(try XCTUnwrap(d.quiescentPower), 0, accuracy: 1e-18)
        XCTAssertEqual(try XCTUnwrap(d.staticEnergy), 0, accuracy: 1e-24)
        let g = 0.51 / 10e3, tr = 2e-9
        assertClose(try XCTUnwrap(d.energyPerOperation), g * (300e-9 - tr) + g * tr / 3, relative: 1e-3)
        assertClose(try XCTUnwrap(d.dynamicEnergy), try XCTUnwrap(d.energyPerOperation), relative: 1e-12)
    }

    /// A `.param` input on a small divider, `out = x·1k/(rr + 1k)` with `R1 in out {rr}`: the
    /// parameter as the first or second input, on a linear or a log grid (each point then its own
    /// operating point), gives the analytic table. An input that is neither a source nor a
    /// top-level `.param`, and a `tstop=` step on a `.param`, are refused naming the netlist.
    func testParameterInputsOfAnyPositionAndSpacing() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("kelvin-param-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        func deck(_ header: String) -> String {
            "divider\n* characterize: \(header)\n.param rr=2k\nV1 in 0 DC 1\nR1 in out {rr}\nR2 out 0 1k\n.end\n"
        }
        for (name, header) in [
            ("second", "input=V1 -1:1:5 input=RR 1k:3k:3 output=out"), ("first", "input=RR 1k:3k:3 input=V1 -1:1:5 output=out"),
            ("log", "input=V1 -1:1:5 input=RR 1k:100k:3:log output=out"), ("alone", "input=RR 1k:3k:3 output=out"),
        ] {
            let path = directory.appendingPathComponent("\(name).cir").path
            try deck(header).write(toFile: path, atomically: true, encoding: .utf8)
            let characterizer = try Characterizer(spec: try CellSpec.load(netlist: path))
            let values = try characterizer.nominal()
            let grids = characterizer.spec.inputs.map(\.grid)
            XCTAssertEqual(values.count, grids.reduce(1) { $0 * $1.count }, name)
            for (p, y) in values.enumerated() {
                let index = grids.count == 2 ? [p / grids[1].count, p % grids[1].count] : [p]
                let point = zip(characterizer.spec.inputs, zip(grids, index)).map { ($0.source, $1.0[$1.1]) }
                let v = point.first { $0.0 == "v1" }?.1 ?? 1, r = point.first { $0.0 == "rr" }?.1 ?? 2e3
                assertClose(y, v * 1e3 / (r + 1e3), relative: 1e-9, absolute: 1e-12, "\(name) at \(point)")
            }
        }
        for (name, input) in [("unknown", "rx"), ("resistor", "r1")] {
            let path = directory.appendingPathComponent("\(name).cir").path
            try deck("input=V1 -1:1:5 input=\(input.uppercased()) 1k:3k:3 output=out").write(toFile: path, atomically: true, encoding: .utf8)
            XCTAssertThrowsError(try Characterizer(spec: try CellSpec.load(netlist: path))) { error in
                XCTAssertTrue("\(error)".contains("\(name).cir") && "\(error)".contains("'\(input)' is neither a V or I source nor a top-level .param"), "\(error)")
            }
        }
        let stepped = directory.appendingPathComponent("stepped.cir").path
        try deck("input=RR 1k:3k:3 output=out tstop=1u").write(toFile: stepped, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try Characterizer(spec: try CellSpec.load(netlist: stepped)).characterize()) { error in
            XCTAssertTrue("\(error)".contains("stepped.cir") && "\(error)".contains("'rr', which is a .param"), "\(error)")
        }
    }

    /// The write-through table is the follower: `out = in·A/(1 + A)`, A = 1e5. The droop τ over
    /// the hold window agrees with ngspice-39's to 1e-5, and with the hand value: CH discharges
    /// through RLEAK, ROFF (to the bus at 0 V) and the follower's RIN, which sees `hold/(1 + A)`:
    /// `τ = CH / (1/RLEAK + 1/ROFF + 1/(RIN·(1 + A))) = 1n / (1e-9 + 1e-12 + 1e-11/(1 + 1e-5)) = 0.98912 s`,
    /// to 1e-4 (the window ends are interpolated between 10 µs time points).
    func testSampleHoldDroopTimeConstant() throws {
        let path = try CellSpec.path(cell: "sample_hold_weight", directory: CharacterizationTests.netlists)
        let spec = try CellSpec.load(netlist: path)
        XCTAssertEqual(spec.hold, HoldSpec(window: 0.75e-3...1.25e-3))
        XCTAssertNil(spec.dynamics)
        let table = try Characterizer(spec: spec).characterize()
        for (x, y) in zip(table.axes[0].values, table.values) { assertClose(y, x * 1e5 / (1 + 1e5), relative: 1e-6, absolute: 1e-9) }
        let d = try XCTUnwrap(table.dynamics)
        XCTAssertNil(d.settlingTime)
        XCTAssertNil(d.energyPerOperation)
        XCTAssertEqual(d.holdWindow, 0.75e-3...1.25e-3)
        let tau = try XCTUnwrap(d.holdTimeConstant)
        let ngspice = try Self.reference("sample_hold_weight.ngspice.csv")[0]
        assertClose(tau, ngspice[4], relative: 1e-5)
        let hand = 1e-9 / (1 / 1e9 + 1 / 1e12 + 1 / (1e6 * (1 + 1e5)))
        assertClose(tau, hand, relative: 1e-4)
        // The table keeps τ through the file.
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("kelvin-hold-\(UUID().uuidString).lut").path
        defer { try? FileManager.default.removeItem(atPath: file) }
        try table.write(to: file)
        XCTAssertEqual(try LookupTable.read(from: file).dynamics, d)
        XCTAssertTrue(try TableReport.summary(table, path: file).contains("hold droop   τ = 0.989"))
    }

    /// A droop window outside the run, or one over which the output does not decay, is refused.
    func testDroopWindowErrors() throws {
        let path = try CellSpec.path(cell: "sample_hold_weight", directory: CharacterizationTests.netlists)
        var spec = try CellSpec.load(netlist: path)
        spec.hold = HoldSpec(window: 1e-3...6e-3)
        XCTAssertThrowsError(try Characterizer(spec: spec).measureHold(try XCTUnwrap(spec.hold))) { error in
            XCTAssertTrue("\(error)".contains("sample_hold_weight.cir"), "\(error)")
            XCTAssertTrue("\(error)".contains("tstop = 0.005"), "\(error)")
        }
        // 0.35 → 0.55 ms: the output is being written (rises from 0 V to 2 V), it does not decay.
        spec.hold = HoldSpec(window: 0.35e-3...0.55e-3)
        XCTAssertThrowsError(try Characterizer(spec: spec).measureHold(try XCTUnwrap(spec.hold))) { error in
            XCTAssertTrue("\(error)".contains("does not decay"), "\(error)")
        }
    }
}
