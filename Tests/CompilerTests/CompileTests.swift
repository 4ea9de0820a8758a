import Compiler
import Foundation
import Netlist
import NN
import Tensor
import TestSupport
import Verification
import XCTest

/// Lowering rules one by one against the tensor path, through Kelvin's simulator: small random
/// layers are compiled, every deck is simulated, and each output must match the tensor op's value
/// mapped to volts.
final class CompileTests: XCTestCase {
    private var scratch: ScratchDirectory!
    override func setUpWithError() throws { scratch = try ScratchDirectory("compile") }
    override func tearDownWithError() throws { scratch.remove() }

    static let netlists = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("netlists").path

    /// A checkpoint of `spec` with weights from `seed` and batch norms given random statistics
    /// (γ ∈ ±[0.5, 1.5], β, μ ~ N(0, 0.3), var ∈ [0.5, 2]) so that folding is exercised.
    static func checkpoint(_ spec: ModelSpec, seed: UInt64 = 1, extra: [NamedArray] = []) throws -> Checkpoint {
        let model = try Model(spec, seed: seed)
        var rng = SeededGenerator(seed: seed)
        var arrays = model.stateArrays()
        if case .sequential(let layers) = spec {
            for (i, layer) in layers.enumerated() {
                guard case .batchNorm2d = layer else { continue }
                for k in arrays.indices where arrays[k].name.hasPrefix("model.\(i).") {
                    let suffix = arrays[k].name.dropFirst("model.\(i).".count)
                    arrays[k].values = arrays[k].values.map { _ in
                        switch suffix {
                        case "weight": Float(Double.random(in: 0.5...1.5, using: &rng) * (Bool.random(using: &rng) ? 1 : -1))
                        case "running_var": Float(Double.random(in: 0.5...2, using: &rng))
                        default: Float(Double.random(in: -0.5...0.5, using: &rng))
                        }
                    }
                }
            }
        }
        return Checkpoint(header: CheckpointHeader(model: spec), arrays: arrays + extra)
    }

    static func data(_ c: Int, _ h: Int, _ w: Int, count: Int = 2) -> ImageDataset {
        ImageDataset.synthetic(count: count, channels: c, height: h, width: w, classes: 3, seed: 7)
    }

    func options(_ cell: CellFlavour = .vcr, images: Int = 2, positions: Int = 4, rows: Int = 256) -> CompileOptions {
        var o = CompileOptions()
        o.cell = cell; o.images = images; o.positions = positions; o.rowsPerTile = rows
        o.cellsDirectory = Self.netlists
        return o
    }

    /// Compiles, writes and verifies; returns the verification and the folder.
    @discardableResult
    func compileAndVerify(_ spec: ModelSpec, _ data: ImageDataset, _ options: CompileOptions, name: String,
                          file: StaticString = #filePath, line: UInt = #line) throws -> (VerificationResult, String) {
        let ck = try Self.checkpoint(spec)
        let compilation = try Compiler.compile(checkpoint: ck, path: "test.ckpt", data: data, options: options)
        let dir = scratch.url.appendingPathComponent(name).path
        try Compiler.write(compilation, to: dir)
        let result = try Verifier.verify(directory: dir, options: VerifyOptions())
        XCTAssertTrue(result.passed, result.summary.joined(separator: "\n"), file: file, line: line)
        return (result, dir)
    }

    func testConvWithBatchNormAndReLU() throws {
        // Stride 2, padding 1, batch norm folded (some γ < 0), rectified.
        let spec = ModelSpec.sequential([.conv2d(in: 2, out: 3, kernel: 3, stride: 2, padding: 1, bias: false), .batchNorm2d(channels: 3), .relu])
        let (result, _) = try compileAndVerify(spec, Self.data(2, 6, 6), options(positions: 9), name: "conv")
        XCTAssertEqual(result.decks, 2 * 9 + 1)  // and one switched deck
        XCTAssertEqual(result.checks.filter { !$0.deck.hasSuffix("_tran.cir") }.count, 2 * 9 * 6)
        XCTAssertLessThan(result.worstDigital!.errorDigital, 0.002 * result.fullScale, result.summary.joined(separator: "\n"))
        // Rectified outputs are never negative.
        XCTAssertTrue(result.checks.filter { $0.node.hasPrefix("v(r") }.allSatisfy { $0.simulated > -1e-3 })
    }

    func testTiledLinearWithoutReLU() throws {
        // 48 inputs in tiles of 16 rows: three partial sums and a summer; the pairs are swapped so
        // the output is in the positive sense.
        let spec = ModelSpec.sequential([.flatten, .linear(in: 48, out: 5, bias: true)])
        let (result, dir) = try compileAndVerify(spec, Self.data(3, 4, 4), options(rows: 16), name: "linear")
        let module = try String(contentsOfFile: dir + "/modules/l1_linear.cir", encoding: .utf8)
        XCTAssertTrue(module.contains("XS1 p1_1 p1_2 p1_3 y1 vcc vee summer3"), module)
        XCTAssertEqual(result.checks.filter { !$0.deck.hasSuffix("_tran.cir") }.count, 2 * 5)
        // Outputs carry both signs.
        XCTAssertTrue(result.checks.contains { $0.digital > 0.5 } && result.checks.contains { $0.digital < -0.5 })
    }

    /// Two tiles whose partial sums nearly cancel: channel 1 of each image is channel 0 plus a
    /// little noise, and tile 2's weights are about the negative of tile 1's, so each partial sum
    /// is several times the output. `β` is calibrated on the output; without a gain per tile the
    /// partial sums would reach `ratio·h·rails` (tens of volts) and saturate the tile op-amps.
    static func cancellingTiles(ratio: Double, images: Int = 2, seed: UInt64 = 3) throws -> (ModelSpec, Checkpoint, ImageDataset) {
        let spec = ModelSpec.sequential([.flatten, .linear(in: 32, out: 3, bias: true)])
        var rng = SeededGenerator(seed: seed)
        var pixels = [Float]()
        for _ in 0..<images {
            let u = (0..<16).map { _ in Float.random(in: -1...1, using: &rng) }
            pixels += u + u.map { $0 + Float(Double.random(in: -1...1, using: &rng) / ratio) }
        }
        let data = try ImageDataset(images: pixels, labels: Array(repeating: 0, count: images), channels: 2, height: 4, width: 4, classes: 3)
        var weights = [Float]()
        for _ in 0..<3 {
            let a = (0..<16).map { _ in Float.random(in: -0.5...0.5, using: &rng) }
            weights += a + a.map { -$0 + Float(Double.random(in: -0.5...0.5, using: &rng) / ratio) }
        }
        var ck = try Self.checkpoint(spec, seed: seed)
        let bias = (0..<3).map { _ in Float(Double.random(in: -0.1...0.1, using: &rng) / ratio) }
        for k in ck.arrays.indices where ck.arrays[k].name == "model.1.weight" { ck.arrays[k].values = weights }
        for k in ck.arrays.indices where ck.arrays[k].name == "model.1.bias" { ck.arrays[k].values = bias }
        return (spec, ck, data)
    }

    func testTiledPartialSumsBeyondTheLinearRangeGetAGainPerTile() throws {
        let (spec, ck, data) = try Self.cancellingTiles(ratio: 6)
        // The partial sums of the tensor path (numbers), from the weights and inputs directly.
        let w = ck.arrays.first { $0.name == "model.1.weight" }!.values, b = ck.arrays.first { $0.name == "model.1.bias" }!.values
        var largestPartial = 0.0, largestOutput = 0.0
        for n in 0..<data.count {
            let x = Array(data.images[(n * 32)..<((n + 1) * 32)])
            for o in 0..<3 {
                let p1 = (0..<16).reduce(Double(b[o])) { $0 + Double(w[o * 32 + $1] * x[$1]) }
                let p2 = (16..<32).reduce(0.0) { $0 + Double(w[o * 32 + $1] * x[$1]) }
                largestPartial = max(largestPartial, abs(p1), abs(p2)); largestOutput = max(largestOutput, abs(p1 + p2))
            }
        }
        // Calibrated on the output (9 V), the partial sums alone would be far past the ±11 V range.
        XCTAssertGreaterThan(9 * largestPartial / largestOutput, 2 * Compiler.linearRange)
        let compilation = try Compiler.compile(checkpoint: ck, path: "t", data: data, options: options(images: 2, rows: 16))
        let dir = scratch.url.appendingPathComponent("cancelling").path
        try Compiler.write(compilation, to: dir)
        let result = try Verifier.verify(directory: dir, options: VerifyOptions())
        XCTAssertTrue(result.passed, result.summary.joined(separator: "\n"))
        XCTAssertLessThan(result.worstDigital!.errorDigital, 0.005 * result.fullScale, result.summary.joined(separator: "\n"))
        XCTAssertEqual(result.checks.filter { !$0.deck.hasSuffix("_tran.cir") }.count, 2 * 3)
    }

    func testPartialSumsThatCannotFitAreRefused() throws {
        // Tiles cancelling to 1/1000 of their partial sums: no tile gain within the limit fits them.
        let (spec, ck, data) = try Self.cancellingTiles(ratio: 1000)
        assertRefused(spec, ck, data: data, options: options(images: 2, rows: 16), message: "layer 1 (linear '1.weight'): partial sums of 2 tiles reach")
    }

    func testResistorCellsWithTwoLinearLayers() throws {
        let spec = ModelSpec.sequential([.flatten, .linear(in: 16, out: 4, bias: true), .relu, .linear(in: 4, out: 3, bias: true)])
        let (result, dir) = try compileAndVerify(spec, Self.data(1, 4, 4), options(.resistor, rows: 8), name: "resistor")
        XCTAssertLessThan(result.worstDigital!.errorDigital, 0.001 * result.fullScale, result.summary.joined(separator: "\n"))
        let lib = try String(contentsOfFile: dir + "/cells.lib", encoding: .utf8)
        XCTAssertFalse(lib.contains("nvcr"))
        XCTAssertTrue(lib.contains(".subckt precision_rectifier in out vcc vee"))
    }

    func testMaxPoolAfterConv() throws {
        let spec = ModelSpec.sequential([.conv2d(in: 1, out: 2, kernel: 3, stride: 1, padding: 1, bias: true), .relu,
                                         .maxPool2d(kernel: 2, stride: 2, padding: 0)])
        let (result, _) = try compileAndVerify(spec, Self.data(1, 6, 6), options(positions: 3), name: "maxpool")
        let pool = result.checks.filter { $0.layer == "2" }
        XCTAssertEqual(pool.count, 2 * 3 * 2)
        XCTAssertLessThan(pool.map(\.errorDigital).max()!, 1e-3)
    }

    /// The max-pool's slot comes from `max_circuit`'s characterised settling time (to 0.1 %,
    /// extended to 1e-4 on the exponential tail, plus 1 µs to sample); without a table, the
    /// estimate, with a note naming the cell. The switched deck at that slot holds the static result.
    func testMaxPoolSlotFromCharacterisedSettling() throws {
        let spec = ModelSpec.sequential([.conv2d(in: 1, out: 2, kernel: 3, stride: 1, padding: 1, bias: true), .relu,
                                         .maxPool2d(kernel: 2, stride: 2, padding: 0)])
        let ck = try Self.checkpoint(spec)
        let ts = 169e-9
        let cells = CellEnergies(figures: [.max: CellEnergies.Figure(cell: "max_circuit", joulesPerOperation: 29.6e-9, settlingTime: ts)])
        let measured = try Compiler.compile(checkpoint: ck, path: "t", data: Self.data(1, 6, 6), options: options(images: 1, positions: 2), energies: cells)
        let slot = ts * log(1e4) / log(1e3) + 1e-6
        let schedule = try XCTUnwrap(measured.schedule)
        let pool = schedule.slots.filter { $0.layer == "2" }
        XCTAssertEqual(pool.count, 9)
        for s in pool { XCTAssertEqual(s.duration, slot, accuracy: 1e-15) }
        XCTAssertFalse(measured.notes.contains { $0.contains("max_circuit") }, "\(measured.notes)")
        // The training step routes the pool's errors in slots of the same length.
        XCTAssertTrue((schedule.training ?? []).filter { $0.layer == "2" }.allSatisfy { abs($0.duration - slot) < 1e-15 })
        // The report's latency is the schedule's.
        XCTAssertEqual(try XCTUnwrap(measured.report.latency), schedule.slots.reduce(0) { $0 + $1.duration }, accuracy: 1e-12)
        // The switched deck samples for one slot and holds for one: the circuit has settled.
        let manifest = try XCTUnwrap(measured.manifest)
        let tran = try XCTUnwrap(manifest.decks.first { $0.layer == "2" && $0.analysis == "tran" })
        XCTAssertEqual(tran.outputs.first?.time ?? 0, 2 * slot, accuracy: 1e-12)
        let dir = scratch.url.appendingPathComponent("maxpool-slot").path
        try Compiler.write(measured, to: dir)
        let result = try Verifier.verify(directory: dir, options: VerifyOptions())
        XCTAssertTrue(result.passed, result.summary.joined(separator: "\n"))
        let switched = result.checks.filter { $0.deck.hasSuffix("/" + tran.path.split(separator: "/").last!) || $0.deck == tran.path }
        XCTAssertEqual(switched.count, 2, "\(result.checks.map(\.deck))")
        XCTAssertLessThan(switched.compactMap(\.errorSwitching).max() ?? 1, 1e-3, result.summary.joined(separator: "\n"))
        // No table (or one without a settling time): the estimate, and a note saying why.
        let estimated = try Compiler.compile(checkpoint: ck, path: "t", data: Self.data(1, 6, 6), options: options(images: 1, positions: 2))
        XCTAssertTrue(try XCTUnwrap(estimated.schedule).slots.filter { $0.layer == "2" }.allSatisfy { abs($0.duration - 2 * 9.2 / (2 * Double.pi * 10e6) - 1e-6) < 1e-15 })
        XCTAssertTrue(estimated.notes.contains { $0.contains("layer 2 (max-pool): slot 1.29 µs from the analytic estimate: max_circuit has no characterised settling time (no table given)") },
                      "\(estimated.notes)")
        let untimed = CellEnergies(figures: [.max: CellEnergies.Figure(cell: "max_circuit", joulesPerOperation: nil, missing: "not characterised: boom")])
        let fallback = try Compiler.compile(checkpoint: ck, path: "t", data: Self.data(1, 6, 6), options: options(images: 1, positions: 2), energies: untimed)
        XCTAssertTrue(fallback.notes.contains { $0.hasSuffix("(not characterised: boom)") }, "\(fallback.notes)")
    }

    func testEveryDeckParsesAndManifestRoundTrips() throws {
        let spec = ModelSpec.cnn(inputChannels: 1, height: 8, width: 8, classes: 3, channels: 2)
        let ck = try Self.checkpoint(spec)
        let compilation = try Compiler.compile(checkpoint: ck, path: "t", data: Self.data(1, 8, 8), options: options(images: 1, positions: 2))
        let dir = scratch.url.appendingPathComponent("cnn").path
        try Compiler.write(compilation, to: dir)
        let manifest = try Manifest(path: dir + "/manifest.json")
        XCTAssertEqual(manifest, compilation.manifest)
        XCTAssertEqual(manifest.decks.filter { $0.analysis == "op" }.map(\.type), ["conv2d", "conv2d", "maxpool2d", "maxpool2d", "conv2d", "conv2d", "conv2d-backward", "conv2d-backward",
                                                                                       "maxpool2d", "maxpool2d", "linear", "linear-backward"])
        let text = try String(contentsOfFile: dir + "/manifest.json", encoding: .utf8)
        XCTAssertTrue(text.contains("\"time\":null"), String(text.prefix(300)))
        XCTAssertTrue(text.contains("\"profile\":null"))
        for deck in manifest.decks {
            let parsed = try NetlistParser.parse(file: dir + "/" + deck.path)
            XCTAssertEqual(parsed.analyses.count, 1, deck.path)
            let names = Set(parsed.elements.map { $0.name.lowercased() })
            for input in deck.inputs { XCTAssertTrue(names.contains(input.source.lowercased()), "\(deck.path): \(input.source)") }
        }
        // `ngspice -b DECK` runs every deck unchanged (the switched ones print their held outputs).
        if FileManager.default.isExecutableFile(atPath: "/usr/bin/ngspice") {
            for deck in manifest.decks {
                let process = Process()
                process.executableURL = URL(fileURLWithPath: "/usr/bin/ngspice")
                process.arguments = ["-b", dir + "/" + deck.path]
                process.standardOutput = FileHandle.nullDevice
                process.standardError = FileHandle.nullDevice
                try process.run()
                process.waitUntilExit()
                XCTAssertEqual(process.terminationStatus, 0, deck.path)
            }
        }
        // Files on disk are exactly the compilation's.
        XCTAssertEqual(Set(compilation.files.map(\.path)),
                       Set(try FileManager.default.subpathsOfDirectory(atPath: dir).filter { $0.hasSuffix(".cir") || $0.contains(".") && !$0.hasSuffix("s") }))
    }

    func testChainRunsWholeImagesAsCircuits() throws {
        // Every layer driven by the previous layer's simulated volts; the class from the last layer's.
        let spec = ModelSpec.cnn(inputChannels: 1, height: 8, width: 8, classes: 3, channels: 2)
        let ck = try Self.checkpoint(spec)
        let compilation = try Compiler.compile(checkpoint: ck, path: "t", data: Self.data(1, 8, 8, count: 3), options: options(images: 3, positions: 1))
        let dir = scratch.url.appendingPathComponent("chain").path
        try Compiler.write(compilation, to: dir)
        let program = try NetworkProgram(path: dir + "/network.json")
        XCTAssertEqual(program.stages.map(\.type), ["conv2d", "maxpool2d", "conv2d", "maxpool2d", "flatten", "linear"])
        XCTAssertEqual(program.images.count, 3)
        let result = try Verifier.chain(directory: dir)
        XCTAssertEqual(result.images.count, 3)
        XCTAssertEqual(result.agreeing, 3, result.summary)
        XCTAssertEqual(result.solves, 3 * (64 + 16 + 16 + 4 + 1))
        // The circuit's logits track the tensor path's (the last layer's volts per unit undone).
        let x = Tensor(shape: [3, 1, 8, 8], data: Self.data(1, 8, 8, count: 3).images)
        let model = try Model(spec)
        try model.loadState(from: ck.arrays, path: "t")
        let logits = noGrad { model(x, context: .inference) }.scalars
        // Errors accumulate over five stages: within 5 % of the largest logit.
        let span = logits.map { abs(Double($0)) }.max()!
        for (n, image) in result.images.enumerated() {
            let digital = Array(logits[(n * 3)..<((n + 1) * 3)]).map(Double.init)
            for (a, b) in zip(image.logits, digital) { XCTAssertEqual(a, b, accuracy: 0.05 * span, "image \(n)") }
        }
    }

    func testScheduleInvariantsAndSwitchedDecks() throws {
        let spec = ModelSpec.cnn(inputChannels: 1, height: 8, width: 8, classes: 3, channels: 2)
        let compilation = try Compiler.compile(checkpoint: try Self.checkpoint(spec), path: "t", data: Self.data(1, 8, 8), options: options(images: 1, positions: 2))
        let dir = scratch.url.appendingPathComponent("schedule").path
        try Compiler.write(compilation, to: dir)
        let data = try XCTUnwrap(FileManager.default.contents(atPath: dir + "/schedule.json"))
        let schedule = try JSONDecoder().decode(Schedule.self, from: data)
        XCTAssertEqual(schedule.violations(), [])
        // One slot per output position of each module: 64 + 16 + 16 + 4 + 1.
        XCTAssertEqual(schedule.slots.count, 101)
        XCTAssertEqual(schedule.banks.map(\.name), ["input", "b0", "b3", "b4", "b7", "b9", "loss", "d9", "d7", "d4", "d3"])
        XCTAssertTrue(schedule.slots.allSatisfy { $0.duration > 1e-6 && $0.duration < 1e-3 })
        // Padding rows are left at x_c: the corner position of conv 0 reads four -1 addresses.
        XCTAssertEqual(schedule.slots[0].read.addresses.filter { $0 == -1 }.count, 5)
        // A broken schedule is caught: read before written, two outputs on one capacitor.
        var broken = schedule
        broken.slots.swapAt(0, 70)
        XCTAssertTrue(broken.violations().contains { $0.contains("before it is written") }, "\(broken.violations().prefix(2))")
        broken = schedule
        broken.slots[1].write.addresses[1] = broken.slots[1].write.addresses[0]
        XCTAssertTrue(broken.violations().contains { $0.contains("two outputs drive b0") })
        // Switched decks: one per module, each output held on a capacitor, equal to the static result.
        let manifest = try XCTUnwrap(compilation.manifest)
        XCTAssertEqual(manifest.decks.filter { $0.analysis == "tran" }.map(\.layer), ["0", "3", "4", "7", "9"])
        let result = try Verifier.verify(directory: dir, options: VerifyOptions())
        XCTAssertTrue(result.passed, result.summary.joined(separator: "\n"))
        let switched = result.checks.filter { $0.deck.hasSuffix("_tran.cir") }
        XCTAssertFalse(switched.isEmpty)
        XCTAssertTrue(switched.allSatisfy { $0.errorSwitching! < 2e-3 }, result.summary.joined(separator: "\n"))
    }

    // MARK: Bad input

    func assertRefused(_ spec: ModelSpec, _ ck: Checkpoint? = nil, data: ImageDataset, options o: CompileOptions? = nil, message: String,
                       file: StaticString = #filePath, line: UInt = #line) {
        let dir = scratch.url.appendingPathComponent("refused").path
        XCTAssertThrowsError(try {
            let c = try Compiler.compile(checkpoint: try ck ?? Self.checkpoint(spec), path: "bad.ckpt", data: data, options: o ?? options())
            try Compiler.write(c, to: dir)
        }(), file: file, line: line) { error in
            XCTAssertTrue("\(error)".contains(message), "\(error)", file: file, line: line)
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir), file: file, line: line)
    }

    func testUnsupportedLayerIsNamedWithItsIndex() {
        let spec = ModelSpec.sequential([.conv2d(in: 1, out: 2, kernel: 3, stride: 1, padding: 1, bias: false), .relu,
                                         .bmConv2d(in: 2, out: 2, kernel: 3, stride: 1, padding: 1), .flatten, .linear(in: 72, out: 2, bias: true)])
        assertRefused(spec, data: Self.data(1, 6, 6), message: "layer 2 (bmconv2d): not supported by the compiler: bipolar-morphological layers")
    }

    /// Average pooling (a summer with gains 1/k² per channel, inverted output) and nested
    /// sequentials get decks; the linear layer after the pool is fed the inverted signal.
    func testAveragePoolAndNestedLayersGetDecks() throws {
        let spec = ModelSpec.sequential([.conv2d(in: 1, out: 2, kernel: 3, stride: 1, padding: 1, bias: false), .relu,
                                         .sequential([.avgPool2d(kernel: 2, stride: 2, padding: 0), .flatten, .linear(in: 18, out: 2, bias: true)])])
        let stages = try Lowering.lower(spec, input: [1, 6, 6])
        XCTAssertEqual(stages.map(\.index), ["0", "2.0", "2.1", "2.2"])
        XCTAssertEqual(stages.map(\.inputInverted), [false, false, true, true])
        let (result, dir) = try compileAndVerify(spec, Self.data(1, 6, 6), options(images: 1, positions: 2), name: "avgpool")
        XCTAssertEqual(Set(result.checks.map(\.layer).filter { !$0.hasSuffix(")") }), ["0", "2.0", "2.2"])
        let module = try String(contentsOfFile: dir + "/modules/l2_0_avgpool2d.cir", encoding: .utf8)
        XCTAssertTrue(module.contains("XS2 i2_1 i2_2 i2_3 i2_4 y2 vcc vee summer_avg4"), module)
        let schedule = try Schedule(path: dir + "/schedule.json")
        XCTAssertEqual(schedule.violations(), [])
        XCTAssertEqual(schedule.slots.first { $0.layer == "2.2" }?.read.bank, "b2.0")
    }

    func testCheckpointNotMatchingItsModel() throws {
        let spec = ModelSpec.sequential([.flatten, .linear(in: 16, out: 4, bias: true)])
        var ck = try Self.checkpoint(spec)
        ck.arrays.removeAll { $0.name == "model.1.bias" }
        assertRefused(spec, ck, data: Self.data(1, 4, 4), message: "bad.ckpt: checkpoint does not match its model: bad.ckpt: missing array 'model.1.bias'")
        // A data set the model does not fit.
        assertRefused(spec, data: Self.data(1, 5, 5), message: "checkpoint does not match its model: model (sequential network of 2 layers) does not fit")
    }

    func testWeightOutOfRangeNamesLayerAndRange() throws {
        let spec = ModelSpec.sequential([.flatten, .linear(in: 16, out: 4, bias: false)])
        // Stored scales whose weight scale maps the weights far beyond the gate range.
        let scales = NamedArray(name: "profile.scales.1.weight", shape: [3], values: [0.01, 1, 1000])
        let ck = try Self.checkpoint(spec, extra: [scales])
        assertRefused(spec, ck, data: Self.data(1, 4, 4), message: "layer 1 (linear '1.weight'): weight")
        assertRefused(spec, ck, data: Self.data(1, 4, 4), message: "outside what the nmos_vcr_amplifier cell pair can hold (|w⁺ − w⁻| ≤ 3 V)")
    }

    func testMissingCellLibrary() {
        var o = options()
        o.cellsDirectory = scratch.url.appendingPathComponent("nowhere").path
        assertRefused(.sequential([.flatten, .linear(in: 16, out: 2, bias: true)]), data: Self.data(1, 4, 4), options: o,
                      message: "missing cell 'opamp': \(o.cellsDirectory)/opamp.lib not found")
    }
}
