import Compiler
import Foundation
import NN
import TestSupport
import Verification
import XCTest

/// Several models compiled together onto disjoint module sets (000 §3.3: "assigns different sets
/// of analog computation modules to each model"): a small CNN on 1×8×8 images and an MLP on 3×4×4
/// images, each checked against its own single-model compile, the reference.
final class MultiModelTests: XCTestCase {
    private var scratch: ScratchDirectory!
    override func setUpWithError() throws { scratch = try ScratchDirectory("multimodel") }
    override func tearDownWithError() throws { scratch.remove() }

    static let cnn = ModelSpec.cnn(inputChannels: 1, height: 8, width: 8, classes: 3, channels: 2)
    static let mlp = ModelSpec.sequential([.flatten, .linear(in: 48, out: 5, bias: true), .relu, .linear(in: 5, out: 3, bias: true)])

    /// Invented figures (J per operation) so that every kind has an energy.
    static let energies = CellEnergies(figures: [
        .multiply: .init(cell: "m", joulesPerOperation: 3e-9), .summer: .init(cell: "s", joulesPerOperation: 5e-9),
        .rectifier: .init(cell: "r", joulesPerOperation: 7e-9), .max: .init(cell: "x", joulesPerOperation: 1.1e-8),
        .weightWrite: .init(cell: "w", joulesPerOperation: 1.3e-9),
    ])

    func options() -> CompileOptions {
        var o = CompileOptions()
        o.images = 1; o.positions = 2; o.rowsPerTile = 16
        o.cellsDirectory = CompileTests.netlists
        return o
    }

    func inputs() throws -> [ModelInput] {
        [ModelInput(checkpoint: try CompileTests.checkpoint(Self.cnn, seed: 3), path: "cnn.ckpt", data: CompileTests.data(1, 8, 8)),
         ModelInput(checkpoint: try CompileTests.checkpoint(Self.mlp, seed: 4), path: "mlp.ckpt", data: CompileTests.data(3, 4, 4))]
    }

    /// Each model compiled alone, without a prefix: the reference.
    func singles(_ inputs: [ModelInput]) throws -> [Compilation] {
        try inputs.map { try Compiler.compile(checkpoint: $0.checkpoint, path: $0.path, data: $0.data, options: options(), energies: Self.energies) }
    }

    /// A single-model slot as track `k` (starting at `start`) should carry it.
    func expected(_ s: Schedule.Slot, track k: Int, start: Double) -> Schedule.Slot {
        var s = s
        let prefix = "m\(k)/"
        s.track = k
        s.start += start
        s.module = prefix + s.module.replacingOccurrences(of: "modules/", with: "modules/m\(k)_")
        s.read.bank = prefix + s.read.bank
        s.write.bank = prefix + s.write.bank
        if let second = s.readSecond { s.readSecond!.bank = prefix + second.bank }
        return s
    }

    func testTwoModelsOnDisjointModulesRunAsParallelTracks() throws {
        let inputs = try inputs()
        let singles = try singles(inputs)
        let multi = try Compiler.compileModels(inputs, options: options(), energies: Self.energies)
        let dir = scratch.url.appendingPathComponent("two").path
        try Compiler.write(multi, to: dir)
        let fm = FileManager.default

        // Disjoint module sets: every module file and subcircuit name belongs to one model.
        var subcircuits = [[String]]()
        for k in 0..<2 {
            let files = try fm.contentsOfDirectory(atPath: dir + "/m\(k)/modules").sorted()
            let alone = singles[k].files.map(\.path).filter { $0.hasPrefix("modules/") }.map { String($0.dropFirst("modules/".count)) }.sorted()
            XCTAssertEqual(files, alone.map { "m\(k)_" + $0 }, "model \(k)'s modules are its single compile's, prefixed")
            subcircuits.append(try files.flatMap { file in
                try String(contentsOfFile: dir + "/m\(k)/modules/" + file, encoding: .utf8).split(separator: "\n")
                    .filter { $0.hasPrefix(".subckt ") }.map { String($0.split(separator: " ")[1]) }
            })
            XCTAssertTrue(subcircuits[k].allSatisfy { $0.hasPrefix("m\(k)_") }, "\(subcircuits[k])")
        }
        XCTAssertFalse(subcircuits[0].isEmpty || subcircuits[1].isEmpty)
        XCTAssertTrue(Set(subcircuits[0]).isDisjoint(with: subcircuits[1]))
        // Library cells of the same name are the same circuit in both models (one chip library holds both).
        func cells(_ k: Int) throws -> [String: String] {
            let text = try String(contentsOfFile: dir + "/m\(k)/cells.lib", encoding: .utf8)
            var out = [String: String]()
            for block in text.components(separatedBy: ".subckt ").dropFirst() {
                let name = String(block.prefix { $0 != " " && $0 != "\n" })
                out[name] = String(block[..<(block.range(of: ".ends")?.upperBound ?? block.endIndex)])
            }
            return out
        }
        let (lib0, lib1) = (try cells(0), try cells(1))
        for (name, text) in lib0 where lib1[name] != nil { XCTAssertEqual(text, lib1[name], "cell \(name)") }
        XCTAssertFalse(lib0.isEmpty || lib1.isEmpty)

        // The schedule: one track per model, each the single-model schedule (same durations, the
        // start shifted by the track's), banks and modules disjoint, invariants across tracks.
        let schedule = try XCTUnwrap(multi.schedule)
        XCTAssertEqual(try Schedule(path: dir + "/schedule.json"), schedule)
        XCTAssertEqual(schedule.violations(), [])
        XCTAssertEqual(schedule.tracks?.map(\.model), ["m0", "m1"])
        XCTAssertEqual(schedule.tracks?.map(\.checkpoint), ["cnn.ckpt", "mlp.ckpt"])
        var banks = [Set<String>](), modules = [Set<String>]()
        for k in 0..<2 {
            let single = try XCTUnwrap(singles[k].schedule)
            let track = try XCTUnwrap(schedule.tracks?[k])
            XCTAssertEqual(track.latency, single.latency)
            let slots = schedule.slots.filter { $0.track == k }
            XCTAssertEqual(slots, single.slots.map { expected($0, track: k, start: track.start) }, "track \(k)")
            XCTAssertEqual(slots.map(\.duration), single.slots.map(\.duration))
            let training = try XCTUnwrap(schedule.training).filter { $0.track == k }
            XCTAssertEqual(training, try XCTUnwrap(single.training).map { expected($0, track: k, start: track.start) }, "track \(k) training")
            XCTAssertEqual(schedule.banks.filter { $0.name.hasPrefix("m\(k)/") }.map(\.name), single.banks.map { "m\(k)/" + $0.name })
            banks.append(Set((slots + training).flatMap { [$0.read.bank, $0.write.bank] }))
            modules.append(Set((slots + training).map(\.module)))
        }
        XCTAssertEqual(schedule.banks.count, singles.reduce(0) { $0 + $1.schedule!.banks.count })
        XCTAssertTrue(banks[0].isDisjoint(with: banks[1]) && modules[0].isDisjoint(with: modules[1]))
        // The tracks run side by side: slots of different tracks overlap in time.
        let t0 = schedule.slots.filter { $0.track == 0 }, t1 = schedule.slots.filter { $0.track == 1 }
        XCTAssertTrue(t1.contains { b in t0.contains { a in a.start < b.end && b.start < a.end } })
        XCTAssertEqual(schedule.latency, max(singles[0].schedule!.latency, singles[1].schedule!.latency))

        // The checks can fail: a track using the other's module at the same time, writing its
        // bank, overlapping its own slots, or reading a bank another track is still writing.
        var broken = schedule
        let first1 = broken.slots.firstIndex { $0.track == 1 }!
        broken.slots[first1].module = t0[0].module
        XCTAssertTrue(broken.violations().contains { $0.contains("use module \(t0[0].module) at the same time") }, "\(broken.violations())")
        XCTAssertTrue(broken.violations().contains { $0.contains("is not one of track 1's (m1/…)") })
        broken = schedule
        broken.slots[first1].write = t0[0].write
        XCTAssertTrue(broken.violations().contains { $0.contains("both drive m0/b0[") }, "\(broken.violations())")
        broken = schedule
        let second1 = broken.slots.lastIndex { $0.track == 1 && $0.slot == 1 }!
        broken.slots[second1].start = t1[0].start + t1[0].duration / 2
        XCTAssertTrue(broken.violations().contains { $0.contains("track 1 slot 1 of layer") && $0.contains("before the previous slot ends") })
        broken = schedule  // track 0's writer of m0/b0 renamed into track 1 (banks checked by time, not list order)
        let writer = broken.slots.firstIndex { $0.track == 0 && $0.write.bank == "m0/b0" && $0.position == 0 }!
        let reader = broken.slots.firstIndex { $0.track == 0 && $0.read.bank == "m0/b0" }!
        broken.slots[writer].track = 1
        broken.slots[writer].start = broken.slots[reader].start
        XCTAssertTrue(broken.violations().contains { $0.contains("before it is written (track 1's writer ends at") }, "\(broken.violations().prefix(4))")

        // The report: hardware and energy add up, the latency is the longest track, the sum beside it.
        let report = multi.report
        XCTAssertEqual(try MultiModelReport(path: dir + "/report.json"), report)
        let (a, b) = (singles[0].report, singles[1].report)
        func sum(_ x: Resources, _ y: Resources) -> [Int] {
            [x.opAmps + y.opAmps, x.multiplyCells + y.multiplyCells, x.rectifiers + y.rectifiers, x.maxCircuits + y.maxCircuits,
             x.summers + y.summers, x.capacitors + y.capacitors, x.switches + y.switches, x.modules + y.modules, x.slots + y.slots, x.flops + y.flops]
        }
        func fields(_ r: Resources) -> [Int] {
            [r.opAmps, r.multiplyCells, r.rectifiers, r.maxCircuits, r.summers, r.capacitors, r.switches, r.modules, r.slots, r.flops]
        }
        XCTAssertEqual(fields(report.total), sum(a.total, b.total))
        XCTAssertEqual(fields(report.trainingTotal), sum(a.trainingTotal, b.trainingTotal))
        XCTAssertEqual(report.total.modules, a.layers.filter { $0.resources.modules > 0 }.count + b.layers.filter { $0.resources.modules > 0 }.count)
        let e = try XCTUnwrap(report.energy?.totalJoules), ea = try XCTUnwrap(a.energy?.totalJoules), eb = try XCTUnwrap(b.energy?.totalJoules)
        XCTAssertEqual(e, ea + eb, accuracy: 1e-12 * e)
        XCTAssertEqual(try XCTUnwrap(report.trainingEnergy?.totalJoules),
                       try XCTUnwrap(a.trainingEnergy?.totalJoules) + XCTUnwrap(b.trainingEnergy?.totalJoules), accuracy: 1e-12 * e)
        let (la, lb) = (try XCTUnwrap(a.latency), try XCTUnwrap(b.latency))
        XCTAssertEqual(report.latency, max(la, lb))
        XCTAssertEqual(report.latencyModel, la >= lb ? "m0" : "m1")
        XCTAssertEqual(try XCTUnwrap(report.serialLatency), la + lb, accuracy: 1e-15)
        let (ta, tb) = (try XCTUnwrap(a.trainingLatency), try XCTUnwrap(b.trainingLatency))
        XCTAssertEqual(report.trainingLatency, max(ta, tb))
        XCTAssertEqual(try XCTUnwrap(report.serialTrainingLatency), ta + tb, accuracy: 1e-15)
        XCTAssertEqual(try XCTUnwrap(report.stepLatency), max(la + ta, lb + tb), accuracy: 1e-15)
        XCTAssertEqual(schedule.tracks?.map(\.trainingLatency), [ta, tb])
        let text = try String(contentsOfFile: dir + "/report.md", encoding: .utf8)
        XCTAssertTrue(text.contains("the longest track (\(report.latencyModel!))") && text.contains("(the sum of the tracks)"), text)
        XCTAssertTrue(text.contains("| m1 | mlp.ckpt | \(b.model) | 3×4×4 | \(b.total.opAmps) |"), text)

        // Each model's folder is its single-model compile (files and manifest), names prefixed.
        let set = try XCTUnwrap(ModelSet.of(directory: dir))
        XCTAssertEqual(set, multi.modelSet)
        XCTAssertEqual(set.models.map(\.input), [[1, 8, 8], [3, 4, 4]])
        for k in 0..<2 {
            let manifest = try Manifest(path: dir + "/m\(k)/manifest.json")
            XCTAssertEqual(manifest, multi.models[k].compilation.manifest)
            let alone = try XCTUnwrap(singles[k].manifest)
            XCTAssertEqual(manifest.decks.map(\.path), alone.decks.map { $0.path.replacingOccurrences(of: "decks/", with: "decks/m\(k)_") })
            XCTAssertEqual(manifest.decks.map(\.outputs), alone.decks.map(\.outputs))
            XCTAssertEqual(try Schedule(path: dir + "/m\(k)/schedule.json").slots.count, singles[k].schedule!.slots.count)
        }

        // kelvin verify on the combined folder: every model's decks, named per model, as each model alone.
        let result = try Verifier.verify(directory: dir, options: VerifyOptions())
        XCTAssertTrue(result.passed, result.summary.joined(separator: "\n"))
        var aloneChecks = 0
        let chains = try Verifier.chain(models: dir)
        XCTAssertEqual(chains.map(\.model), ["m0", "m1"])
        for k in 0..<2 {
            let single = scratch.url.appendingPathComponent("single\(k)").path
            try Compiler.write(singles[k], to: single)
            let r = try Verifier.verify(directory: single, options: VerifyOptions())
            aloneChecks += r.checks.count
            let mine = result.checks.filter { $0.layer.hasPrefix("m\(k)/") }
            XCTAssertEqual(mine.map(\.layer), r.checks.map { "m\(k)/" + $0.layer })
            XCTAssertEqual(mine.map(\.digital), r.checks.map(\.digital))
            for (x, y) in zip(mine, r.checks) { XCTAssertEqual(x.simulated, y.simulated, accuracy: 1e-9, x.deck) }
            // Whole images through the model's own modules, as through its single compile.
            let alone = try Verifier.chain(directory: single)
            XCTAssertEqual(chains[k].result.images.map(\.circuitClass), alone.images.map(\.circuitClass))
            for (x, y) in zip(chains[k].result.images, alone.images) {
                for (u, v) in zip(x.logits, y.logits) { XCTAssertEqual(u, v, accuracy: 1e-9) }
            }
        }
        XCTAssertEqual(result.checks.count, aloneChecks)
        XCTAssertTrue(result.summary.contains { $0.hasPrefix("layer m1/3 (backward):") }, result.summary.joined(separator: "\n"))
        // One model's layer, or a layer index of every model that has it.
        var only = VerifyOptions()
        only.layer = "m1/1"
        XCTAssertEqual(Set(try Verifier.verify(directory: dir, options: only).checks.map(\.layer)), ["m1/1", "m1/1 (tran)"])
        only.layer = "0"
        XCTAssertEqual(Set(try Verifier.verify(directory: dir, options: only).checks.map { $0.layer.prefix(2) }), ["m0"])
        only.layer = "m2/0"
        XCTAssertThrowsError(try Verifier.verify(directory: dir, options: only)) { XCTAssertTrue("\($0)".contains("layers: m0/0, "), "\($0)") }
    }

    /// `ngspice -b` runs every model's decks as they are, and agrees with Kelvin.
    func testEveryModelsDecksRunInNgspice() throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/ngspice") else { throw XCTSkip("ngspice not installed") }
        let multi = try Compiler.compileModels(try inputs(), options: options())
        let dir = scratch.url.appendingPathComponent("ngspice").path
        try Compiler.write(multi, to: dir)
        var o = VerifyOptions()
        o.ngspice = true; o.positions = 1
        let result = try Verifier.verify(directory: dir, options: o)
        XCTAssertTrue(result.passed, result.summary.joined(separator: "\n"))
        XCTAssertEqual(Set(result.checks.map { $0.deck.prefix(3) }), ["m0/", "m1/"])
        XCTAssertLessThan(result.worstNgspice!.errorNgspice!, 1e-3, result.summary.joined(separator: "\n"))
    }

    // MARK: Bad input: the model is named, nothing is written.

    func assertRefused(_ inputs: [ModelInput], message: String, file: StaticString = #filePath, line: UInt = #line) {
        let dir = scratch.url.appendingPathComponent("refused").path
        XCTAssertThrowsError(try Compiler.write(try Compiler.compileModels(inputs, options: options()), to: dir), file: file, line: line) { error in
            XCTAssertTrue("\(error)".contains(message), "\(error)", file: file, line: line)
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir), file: file, line: line)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: scratch.url.path).filter { $0.hasPrefix("refused") }, [], file: file, line: line)
    }

    func testBadInputNamesTheModel() throws {
        let inputs = try inputs()
        assertRefused([inputs[0], inputs[1], inputs[0]], message: "model m2 (cnn.ckpt): the same checkpoint as model m0 (cnn.ckpt)")
        var renamed = inputs[1]
        renamed.path = "copy-of-mlp.ckpt"
        assertRefused([inputs[1], renamed], message: "model m1 (copy-of-mlp.ckpt): the same checkpoint as model m0 (mlp.ckpt)")
        let bm = ModelSpec.sequential([.conv2d(in: 1, out: 2, kernel: 3, stride: 1, padding: 1, bias: false), .relu,
                                       .bmConv2d(in: 2, out: 2, kernel: 3, stride: 1, padding: 1), .flatten, .linear(in: 72, out: 2, bias: true)])
        let unsupported = ModelInput(checkpoint: try CompileTests.checkpoint(bm), path: "bm.ckpt", data: CompileTests.data(1, 6, 6))
        assertRefused([inputs[0], unsupported], message: "model m1 (bm.ckpt): layer 2 (bmconv2d): not supported by the compiler")
        assertRefused([inputs[0]], message: "needs at least two checkpoints")
    }
}
