import Cells
import Foundation
import NN
import Tensor

/// The result of a compile, in memory: the lowering, the report, the manifest and every file's
/// text by its path relative to the output folder.
public struct Compilation: Sendable {
    public var stages: [LoweredLayer]
    public var report: ResourceReport
    /// Nil for `--report-only`.
    public var manifest: Manifest?
    public var files: [(path: String, text: String)]
    /// What the compile changed from what it was given (a stored scale lowered to fit), one line each.
    public var notes: [String] = []
    /// The control schedule (`schedule.json`); nil for `--report-only`.
    public var schedule: Schedule? = nil
}

/// Lowers a trained network to netlists (Docs/compiler.md): `compile` builds everything in memory
/// and checks it (so bad input fails before anything is written), `write` puts it on disk through
/// a temporary folder renamed at the end.
public enum Compiler {
    /// The op-amps' linear output range (V): a column output beyond it is refused.
    public static let linearRange = 11.0
    /// Inputs may exceed the cell's input range `X` (images beyond the calibration batch) by this
    /// factor before a compile is refused.
    public static let inputMargin = 2.0

    /// Lowers the checkpoint's network for the images of `data` (normalised as the checkpoint's
    /// training was). `profile` (an analog profile of the same cell flavour, its stored scales
    /// loaded when the checkpoint has them) gives each output's `profile` value and the scales.
    public static func compile(checkpoint ck: Checkpoint, path: String, data: ImageDataset, options: CompileOptions,
                               profile: (any StatefulProfile)? = nil, reportOnly: Bool = false, energies: CellEnergies? = nil) throws -> Compilation {
        guard options.images >= 1, options.positions >= 1, options.rowsPerTile >= 1 else {
            throw CompilerError.invalidOption("--images, --positions and --rows must be ≥ 1")
        }
        guard data.count >= 1 || reportOnly else { throw CompilerError.invalidOption("the data set has no images to compile") }
        guard !options.updateDecks || options.cell.holdsOnCapacitor else {
            throw CompilerError.invalidOption("--update-decks needs --cell vcr: \(options.cell.rawValue) cells hold fixed conductances, there is no weight update to write")
        }
        let spec = ck.header.model
        let input = [data.channels, data.height, data.width]
        do { _ = try spec.outputShape(for: input) } catch {
            throw CompilerError.checkpointMismatch(path: path, reason: "model (\(spec.summary)) does not fit the data's \(input.map(String.init).joined(separator: "×")) images: \(error)")
        }
        let stages = try Lowering.lower(spec, input: input)
        let model: Model
        do {
            model = try Model(spec)
            try model.loadState(from: ck.arrays, path: path)
        } catch let e as NNError {
            throw CompilerError.checkpointMismatch(path: path, reason: "\(e)")
        }
        if reportOnly {
            var report = ResourceReport(stages: stages, model: spec.summary, input: input, cell: options.cell, rowsPerTile: options.rowsPerTile)
            if let energies { report.addEnergy(energies) }
            return Compilation(stages: stages, report: report, manifest: nil, files: [("report.md", report.markdown), ("report.json", try report.json())])
        }
        // A ResNet is lowered as the sequential `Lowering.expanded` describes (same parameters).
        guard let net = (model.network as? Sequential) ?? (model.network as? ResNet)?.expandedSequential else {
            throw CompilerError.unsupportedLayer(index: "0", type: spec.typeName, reason: "decks are written for sequential networks and ResNets; use --report-only")
        }
        let opampPath = options.cellsDirectory + "/opamp.lib"
        guard let opamp = try? String(contentsOfFile: opampPath, encoding: .utf8) else {
            throw CompilerError.missingCell(name: "opamp", path: opampPath)
        }
        var builder = Builder(net: net, ck: ck, path: path, data: data, options: options, profile: profile, cells: energies)
        for stage in stages { try builder.lower(stage) }
        var report = ResourceReport(stages: stages, model: spec.summary, input: input, cell: options.cell,
                                    rowsPerTile: options.rowsPerTile, biasRows: builder.biasRows)
        report.latency = builder.clock
        if let energies { report.addEnergy(energies) }
        var lib = ["* cells.lib -- the cells of this compiled network (kelvin compile, \(options.cell.rawValue) cells).",
                   "* From netlists/opamp.lib and the Cells generators; included by every top deck.", "", opamp]
        lib += options.cell.models
        lib += builder.cellTexts.keys.sorted().map { builder.cellTexts[$0]! }
        var files: [(String, String)] = [("cells.lib", lib.joined(separator: "\n") + "\n")]
        files += builder.files
        let manifest = Manifest(decks: builder.decks, fullScale: options.rails, cell: options.cell, model: spec.summary, switches: options.switches)
        let classes = builder.acts.last!.scalars
        let perImage = classes.count / max(builder.images, 1)
        let size = data.imageSize
        let images = (0..<builder.images).map { n in
            NetworkProgram.Image(
                index: n, label: Int(data.labels[n]),
                digitalClass: (0..<perImage).max { classes[n * perImage + $0] < classes[n * perImage + $1] } ?? 0,
                input: data.images[(n * size)..<((n + 1) * size)].map(Double.init))
        }
        files.append(("network.json", try NetworkProgram(images: images, stages: builder.program).json()))
        let inferenceBanks = builder.banks
        let training = builder.scheduleTraining()
        var schedule = Schedule(banks: inferenceBanks, slots: builder.slots)
        schedule.banks = builder.banks
        schedule.training = training.slots
        schedule.trainingNote = training.note
        report.trainingLatency = training.slots.map { $0.reduce(0) { $0 + $1.duration } }
        let problems = schedule.violations()
        guard problems.isEmpty else { throw CompilerError.invalidOption("internal: the schedule is unsound: " + problems.prefix(3).joined(separator: "; ")) }
        files.append(("schedule.json", try schedule.json()))
        files += [("manifest.json", try manifest.json()), ("report.md", report.markdown), ("report.json", try report.json())]
        return Compilation(stages: stages, report: report, manifest: manifest, files: files, notes: builder.notes, schedule: schedule)
    }

    /// Writes the files under `directory` through `directory.tmp-PID`, renamed at the end; a
    /// failure removes the temporary folder and leaves `directory` as it was. An existing
    /// `directory` is replaced only when it is a previous compile (it holds a report.json).
    public static func write(_ compilation: Compilation, to directory: String) throws {
        try write(files: compilation.files, to: directory)
    }

    /// Writes `files` (text by path relative to `directory`) as `write(_:to:)` does.
    static func write(files: [(path: String, text: String)], to directory: String) throws {
        let fm = FileManager.default
        var isDir: ObjCBool = false
        if fm.fileExists(atPath: directory, isDirectory: &isDir) {
            guard isDir.boolValue, fm.fileExists(atPath: directory + "/report.json") else {
                throw CompilerError.writeFailed(path: directory, reason: "exists and is not a previous compile output (no report.json); remove it or choose another --out")
            }
        }
        let temp = directory + ".tmp-\(ProcessInfo.processInfo.processIdentifier)"
        try? fm.removeItem(atPath: temp)
        do {
            for (path, text) in files {
                let full = temp + "/" + path
                try fm.createDirectory(atPath: (full as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
                try text.write(toFile: full, atomically: false, encoding: .utf8)
            }
            if fm.fileExists(atPath: directory) { try fm.removeItem(atPath: directory) }
            try fm.moveItem(atPath: temp, toPath: directory)
        } catch {
            try? fm.removeItem(atPath: temp)
            throw CompilerError.writeFailed(path: directory, reason: "\(error)")
        }
    }

    /// The output positions that get decks: all when `count ≤ wanted`, else `wanted` spread evenly
    /// (`(2i + 1)·count/(2·wanted)`).
    public static func samplePositions(count: Int, wanted: Int) -> [Int] {
        count <= wanted ? Array(0..<count) : (0..<wanted).map { (2 * $0 + 1) * count / (2 * wanted) }
    }

    /// The module and file stem of a stage (`l0_conv2d`, `l3_maxpool2d`; `m1_l0_conv2d` with the
    /// prefix of a multi-model compile's second model).
    static func moduleName(_ s: LoweredLayer, prefix: String = "") -> String {
        prefix + "l" + s.index.replacingOccurrences(of: ".", with: "_") + "_" + s.typeName
    }
}

/// Builds modules and decks stage by stage, carrying the digital activations and their volts.
struct Builder {
    let net: Sequential
    let ck: Checkpoint
    let path: String
    let options: CompileOptions
    let profile: (any StatefulProfile)?
    /// The characterised cells' figures (the max-pool's slot comes from `max_circuit`'s settling).
    let cells: CellEnergies?
    let images: Int
    /// Digital activations: `acts[i]` is the input of top-level layer i.
    var acts: [Tensor]
    /// Volts per unit of each channel (or feature) of the present activation (nil: 1 V per unit).
    var volts: [Double]? = nil
    var files: [(String, String)] = []
    var decks: [Manifest.Deck] = []
    var cellTexts: [String: String] = [:]
    var biasRows: [String: Int] = [:]
    var notes: [String] = []
    var program: [NetworkProgram.Stage] = []
    var banks: [Schedule.Bank] = []
    var slots: [Schedule.Slot] = []
    /// The bank holding the present activation.
    var bank = "input"
    /// Signed volts per unit of each bank's channels (features) as `network.json` gives them.
    var bankScales: [String: [Double]] = [:]
    var clock = 0.0

    init(net: Sequential, ck: Checkpoint, path: String, data: ImageDataset, options: CompileOptions, profile: (any StatefulProfile)?,
         cells: CellEnergies? = nil) {
        self.net = net; self.ck = ck; self.path = path; self.options = options; self.profile = profile; self.cells = cells
        images = min(options.images, data.count)
        let x = Tensor(shape: [images, data.channels, data.height, data.width], data: Array(data.images[0..<(images * data.imageSize)]))
        var acts = [x]
        noGrad {
            for layer in net.layers { acts.append(layer(acts.last!, context: .inference)) }
        }
        self.acts = acts
        labels = data.labels.prefix(images).map { Int($0) }
        banks = [Schedule.Bank(name: "input", size: data.imageSize)]
    }

    /// Appends one slot per output position of a module: rows read `read(p)`, outputs written to
    /// a new bank `b<layer>` (channel-major).
    mutating func schedule(_ stage: LoweredLayer, module: String, duration: Double, outputs: Int, positions: Int, read: @escaping (Int) -> [Int],
                           second: ((Int) -> Schedule.Access)? = nil) {
        let name = "b" + stage.index
        banks.append(Schedule.Bank(name: name, size: outputs * positions))
        scheduled.append(Scheduled(stage: stage, module: module, inputBank: bank, inputSize: banks.first { $0.name == bank }?.size ?? 0,
                                   outputs: outputs, positions: positions, duration: duration, read: read, secondBank: second?(0).bank))
        for p in 0..<positions {
            let addresses = read(p)
            let other = second?(p)
            slots.append(Schedule.Slot(
                slot: slots.count, layer: stage.index, module: module, position: p, start: clock, duration: duration,
                read: Schedule.Access(bank: bank, addresses: addresses), write: Schedule.Access(bank: name, addresses: (0..<outputs).map { $0 * positions + p }),
                switchesClosed: addresses.filter { $0 >= 0 }.count + (other?.addresses.filter { $0 >= 0 }.count ?? 0) + outputs, readSecond: other))
            clock += duration
        }
        bank = name
    }

    /// A stage as the inference schedule ran it (for the training step's slots).
    struct Scheduled {
        var stage: LoweredLayer
        var module: String
        var inputBank: String
        var inputSize: Int
        var outputs: Int, positions: Int
        var duration: Double
        var read: (Int) -> [Int]
        /// A residual add's second input bank (the shortcut's output, or the block's input).
        var secondBank: String? = nil
    }
    var scheduled: [Scheduled] = []

    /// Length of a weight-update slot (s): the write pulses, width-modulated up to 1 µs, plus 1 µs
    /// for the weight cells' switches to open and the gates to settle.
    static let updateSlot = 2e-6

    /// The training step's slots, after the inference (`Schedule.training`): stage by stage from
    /// the last, the backward read of each weighted stage but the first (per output position: the
    /// errors `e_o(p)` from the error bank drive the columns, the rows' `Wᵀe` add charge onto the
    /// δ bank of the stage's input at the window's addresses, accumulating), a max-pool's routing
    /// of each error onto its window (the stored winner's switch), and each weighted stage's weight
    /// update (per position: rows pulsed for `x(p)` from the stage's input bank, columns carrying
    /// `e(p)`, every weight cell's capacitor receiving charge `∝ −η·x_r·e_o`). The errors of the
    /// last stage are the digital unit's (`loss` bank: softmax − one-hot); δ banks are reset to 0 V
    /// at the start of the step.
    ///
    /// The δ bank of a forward bank is named after its first reader, `d<layer>`, and every reader
    /// accumulates onto it. A residual add's backward slots gate its errors with the stored signs
    /// of its ReLU onto `d<add>`, the error of the sum, which the body's last stage and a 1×1
    /// shortcut both read as their errors; with an identity shortcut the add's module then
    /// accumulates `d<add>` onto the block input's δ bank (`d<block>.body.0`, also accumulated by
    /// the body's first backward read). Reverse inference order visits every reader of a bank
    /// before the stage that wrote it, so each δ bank is complete before it is read.
    mutating func scheduleTraining() -> (slots: [Schedule.Slot]?, note: String?) {
        if let block = scheduled.first(where: { $0.stage.kind == .add && $0.secondBank == nil }) {
            return (nil, "the training step is not scheduled for residual add \(block.stage.index) without a second input; its resources are counted in report.json")
        }
        guard let last = scheduled.last else { return (nil, "no stage to train") }
        var slots = [Schedule.Slot]()
        var clock = self.clock
        banks.append(Schedule.Bank(name: "loss", size: last.outputs * last.positions, reset: nil, preset: true))
        // The δ bank of each forward bank: `d` + its first reader's layer (the network's output: `loss`).
        var delta = ["b" + last.stage.index: "loss"]
        for entry in scheduled {
            for input in [entry.inputBank] + (entry.secondBank.map { [$0] } ?? []) where delta[input] == nil { delta[input] = "d" + entry.stage.index }
        }
        var created = Set<String>()
        func accumulator(_ name: String, size: Int) {
            if created.insert(name).inserted { banks.append(Schedule.Bank(name: name, size: size, reset: true)) }
        }
        let firstWeighted = scheduled.firstIndex { if case .weighted = $0.stage.kind { true } else { false } }
        for (k, entry) in scheduled.enumerated().reversed() {
            let s = entry.stage
            let errorAddresses = { (p: Int) in (0..<entry.outputs).map { $0 * entry.positions + p } }
            let errors = delta["b" + s.index] ?? "loss"
            let target = delta[entry.inputBank] ?? ("d" + s.index)
            func slot(_ phase: String, _ duration: Double, read: Schedule.Access, write: Schedule.Access, second: Schedule.Access? = nil, p: Int) {
                slots.append(Schedule.Slot(
                    slot: slots.count, layer: s.index, module: entry.module, position: p, start: clock, duration: duration, read: read, write: write,
                    switchesClosed: read.addresses.filter { $0 >= 0 }.count + write.addresses.filter { $0 >= 0 }.count + (second?.addresses.count ?? 0),
                    readSecond: second, phase: phase, accumulate: phase == "backward" ? true : nil))
                clock += duration
            }
            switch s.kind {
            case .weighted(let g):
                let rows = 2 * (g.rows + biasRows[s.index, default: 0]) * g.outChannels
                if k != firstWeighted {
                    accumulator(target, size: entry.inputSize)
                    let bwd = backwardSlots[s.index] ?? entry.duration
                    for p in 0..<entry.positions {
                        slot("backward", bwd, read: Schedule.Access(bank: errors, addresses: errorAddresses(p)),
                             write: Schedule.Access(bank: target, addresses: entry.read(p)), p: p)
                    }
                }
                if options.cell.holdsOnCapacitor {
                    for p in 0..<entry.positions {
                        slot("update", Self.updateSlot, read: Schedule.Access(bank: entry.inputBank, addresses: entry.read(p)),
                             write: Schedule.Access(bank: "w" + s.index, addresses: []), second: Schedule.Access(bank: errors, addresses: errorAddresses(p)), p: p)
                        slots[slots.count - 1].switchesClosed += rows
                    }
                }
            case .maxPool, .avgPool, .globalAvgPool:
                // Max-pool: each error onto its window's stored winner; average pool: e/n onto every
                // element of its window (a divider), accumulating where windows overlap.
                accumulator(target, size: entry.inputSize)
                for p in 0..<entry.positions {
                    slot("backward", entry.duration, read: Schedule.Access(bank: errors, addresses: errorAddresses(p)),
                         write: Schedule.Access(bank: target, addresses: entry.read(p)), p: p)
                }
            case .add:
                // The error of the sum (gated by the ReLU's stored signs) is the error of both
                // branches: `d<add>`, read by the body's last stage and by a 1×1 shortcut.
                let sum = "d" + s.index
                accumulator(sum, size: entry.outputs * entry.positions)
                for p in 0..<entry.positions {
                    slot("backward", entry.duration, read: Schedule.Access(bank: errors, addresses: errorAddresses(p)),
                         write: Schedule.Access(bank: sum, addresses: errorAddresses(p)), p: p)
                }
                // An identity shortcut: the add's module accumulates the same errors onto the
                // block input's δ bank (the body's first backward read adds its share there too).
                if let second = entry.secondBank, let shortcut = delta[second], shortcut != sum {
                    accumulator(shortcut, size: banks.first { $0.name == second }?.size ?? entry.outputs * entry.positions)
                    for p in 0..<entry.positions {
                        slot("backward", entry.duration, read: Schedule.Access(bank: sum, addresses: errorAddresses(p)),
                             write: Schedule.Access(bank: shortcut, addresses: errorAddresses(p)), p: p)
                    }
                }
            default:
                break
            }
        }
        return (slots, nil)
    }

    /// The bank addresses of a conv or pooling window at output position `p` (−1: padding).
    static func window(_ p: Int, channels: Int, input: [Int], outputWidth: Int, kernel k: Int, stride s: Int, padding pad: Int) -> [Int] {
        let (oy, ox) = (p / outputWidth, p % outputWidth)
        var addresses = [Int]()
        for c in 0..<channels {
            for j in 0..<(k * k) {
                let iy = oy * s - pad + j / k, ix = ox * s - pad + j % k
                addresses.append(iy >= 0 && iy < input[1] && ix >= 0 && ix < input[2] ? (c * input[1] + iy) * input[2] + ix : -1)
            }
        }
        return addresses
    }

    // MARK: Scopes (residual blocks)

    /// Where a stage's layers and activations are: the layers of the sequential holding it, that
    /// sequential's activations (`acts[i]` is the input of its layer i) and the stage's layer indices.
    struct Scope {
        var layers: [any Layer]
        var acts: [Tensor]
        var indices: [Int]
    }

    /// The state of a residual block while its body and shortcut are lowered: the block input's
    /// bank and volts (the shortcut starts from them again), and the body output's.
    struct Block {
        var inputBank: String
        var inputVolts: [Double]?
        var bodyBank: String? = nil
        var bodyVolts: [Double]? = nil
    }
    /// Open residual blocks by their index (`3`, `3.0`).
    var blocks: [String: Block] = [:]
    /// Layers and activations of each nested sequential by its path (`3`, `3.0.body`,
    /// `3.0.shortcut`): `acts[i]` is the input of its layer i.
    var nested: [String: (layers: [any Layer], acts: [Tensor])] = [:]

    /// The layers a stage covers: the layer itself, its folded batch norm, its fused ReLU.
    static func span(_ stage: LoweredLayer) -> Int {
        switch stage.kind {
        case .weighted: 1 + (stage.batchNorm != nil ? 1 : 0) + (stage.relu ? 1 : 0)
        case .avgPool, .globalAvgPool, .add: 1 + (stage.relu ? 1 : 0)
        default: 1
        }
    }

    /// The sequential at `path` (components of a stage index: `[]` the network, `[3]` its layer 3,
    /// `[3, 0, body]` the body of residual block 0 inside it) with its activations, computed from
    /// the input the enclosing sequential gives it. A body or shortcut that is one layer is taken
    /// as a sequential of one (as `Lowering` names it: `k.body.0`).
    mutating func sequential(_ path: [String], for stage: LoweredLayer) throws -> (layers: [any Layer], acts: [Tensor]) {
        if path.isEmpty { return (net.layers, acts) }
        let key = path.joined(separator: ".")
        if let cached = nested[key] { return cached }
        func refuse(_ why: String) -> CompilerError {
            CompilerError.unsupportedLayer(index: stage.index, type: stage.typeName, reason: why + " (use --report-only)")
        }
        let inner: [any Layer], input: Tensor
        if let part = path.last, part == "body" || part == "shortcut" {
            guard path.count >= 2, let k = Int(path[path.count - 2]) else { throw refuse("no residual block at '\(key)'") }
            let parent = try sequential(Array(path.dropLast(2)), for: stage)
            guard k < parent.layers.count, let residual = parent.layers[k] as? Residual else {
                throw refuse("layer \(path.dropLast().joined(separator: ".")) of the built network is not a residual block")
            }
            guard let layer: any Layer = part == "body" ? residual.body : residual.shortcut else {
                throw refuse("residual block \(path.dropLast().joined(separator: ".")) has no \(part)")
            }
            inner = (layer as? Sequential)?.layers ?? [layer]
            input = parent.acts[k]
        } else {
            guard let k = path.last.flatMap({ Int($0) }) else { throw refuse("no layer at '\(key)' in the built network") }
            let parent = try sequential(Array(path.dropLast()), for: stage)
            guard k < parent.layers.count, let seq = parent.layers[k] as? Sequential else {
                throw refuse("layer \(key) of the built network is not a sequential")
            }
            inner = seq.layers
            input = parent.acts[k]
        }
        var xs = [input]
        noGrad { for layer in inner { xs.append(layer(xs.last!, context: .inference)) } }
        nested[key] = (inner, xs)
        return (inner, xs)
    }

    /// The scope of `stage`: the sequential holding it (at any depth: the network, a stage of a
    /// ResNet, the body or shortcut of a residual block) and the stage's layer indices in it.
    /// Entering a block's body remembers the block's input; entering its shortcut remembers the
    /// body's output and starts again from the block's input (outer blocks first).
    mutating func scope(_ stage: LoweredLayer) throws -> Scope {
        let parts = stage.index.split(separator: ".").map(String.init)
        guard let j = parts.last.flatMap({ Int($0) }) else {
            throw CompilerError.unsupportedLayer(index: stage.index, type: stage.typeName, reason: "the stage index does not end in a layer number")
        }
        let path = Array(parts.dropLast())
        let container = try sequential(path, for: stage)
        for (d, part) in path.enumerated() where part == "body" || part == "shortcut" {
            let block = path[..<(d)].joined(separator: ".")
            if blocks[block] == nil { blocks[block] = Block(inputBank: bank, inputVolts: volts) }
            if part == "shortcut", blocks[block]!.bodyBank == nil {
                blocks[block]!.bodyBank = bank; blocks[block]!.bodyVolts = volts
                bank = blocks[block]!.inputBank; volts = blocks[block]!.inputVolts
            }
        }
        let indices = Array(j..<(j + Self.span(stage)))
        guard indices.last! < container.layers.count else {
            throw CompilerError.unsupportedLayer(index: stage.index, type: stage.typeName, reason: "the built network has no layer here")
        }
        return Scope(layers: container.layers, acts: container.acts, indices: indices)
    }

    mutating func lower(_ stage: LoweredLayer) throws {
        switch stage.kind {
        case .weighted(let g): try weighted(stage, g, try scope(stage))
        case .maxPool(let k, let s, let p): maxPool(stage, k, s, p, try scope(stage))
        case .add: try add(stage)
        case .avgPool, .globalAvgPool: try averagePool(stage, try scope(stage))
        case .flatten:
            _ = try scope(stage)
            program.append(NetworkProgram.Stage(
                layer: stage.index, type: "flatten", module: nil, deck: nil, inputShape: stage.inputShape, outputShape: stage.outputShape,
                kernel: 1, stride: 1, padding: 0, inputGain: [], outputPrefix: "", outputScale: [], reference: nil, input: bank))
            if let v = volts, stage.inputShape.count == 3 {
                let per = stage.inputShape[1] * stage.inputShape[2]
                volts = (0..<(v.count * per)).map { v[$0 / per] }
            }
        default:
            throw CompilerError.unsupportedLayer(index: stage.index, type: stage.typeName,
                                                 reason: "decks for this stage are not written by this build (use --report-only)")
        }
    }

    // MARK: Weighted

    mutating func weighted(_ stage: LoweredLayer, _ g: WeightedGeometry, _ scope: Scope) throws {
        let top = scope.indices, layers = scope.layers
        let inputBank = bank
        guard !top.isEmpty, top.last! < layers.count else { return }
        let convIndex = top[0]
        let bnIndex = stage.batchNorm != nil ? top[1] : nil
        let x = scope.acts[convIndex], z = scope.acts[(bnIndex ?? convIndex) + 1]
        let weightParameter: Parameter, biasParameter: Parameter?
        if let c = layers[convIndex] as? Conv2d {
            (weightParameter, biasParameter) = (c.weight, c.bias)
        } else if let l = layers[convIndex] as? Linear {
            (weightParameter, biasParameter) = (l.weight, l.bias)
        } else {
            throw CompilerError.unsupportedLayer(index: stage.index, type: stage.typeName, reason: "the built network has no conv or linear layer here")
        }
        let label = weightParameter.label.isEmpty ? stage.stateName + ".weight" : weightParameter.label
        let m = g.outChannels, rows = g.rows
        let raw = weightParameter.value.scalars.map(Double.init)
        var weights = (0..<m).map { o in Array(raw[(o * rows)..<((o + 1) * rows)]) }
        var bias = biasParameter.map { $0.value.scalars.map(Double.init) } ?? Array(repeating: 0, count: m)
        // Batch norm folded: w' = w·γ/σ, b' = (b − μ)·γ/σ + β, σ = √(var + eps).
        var bnRatio = Array(repeating: 1.0, count: m)
        if let bnIndex, let bn = layers[bnIndex] as? BatchNorm2d {
            let gamma = bn.weight.value.scalars, beta = bn.bias.value.scalars
            for o in 0..<m {
                let sigma = Double((bn.statistics.runningVar[o] + bn.eps).squareRoot())
                let r = Double(gamma[o]) / sigma
                bnRatio[o] = r
                weights[o] = weights[o].map { $0 * r }
                bias[o] = (bias[o] - Double(bn.statistics.runningMean[o])) * r + Double(beta[o])
            }
        }
        // The profile's values (it calibrates on these images when it has no stored scales).
        var profileZ: [Float]? = nil, profileR: [Float]? = nil
        if let profile {
            let context = ForwardContext(training: false, profile: profile)
            noGrad {
                var y = layers[convIndex](x, context: context)
                if let bnIndex { y = layers[bnIndex](y, context: .inference) }
                profileZ = y.scalars
                if stage.relu { profileR = layers[top.last!](y, context: context).scalars }
            }
        }
        let flavour = options.cell
        let h = options.headroom
        var stored: [Float]? = nil
        if !options.recalibrate {
            stored = profile?.stateArrays.first { $0.name == "profile.scales." + label }?.values ?? ck.array("profile.scales." + label)?.values
        }
        let zValues = z.scalars
        let perOutput = zValues.count / max(images * m, 1)
        func zAt(_ n: Int, _ o: Int, _ p: Int) -> Double { Double(zValues[(n * m + o) * perOutput + p]) }
        var sx: Double, beta: Double, sw: [Double]
        if let s = stored, s.count >= 3 {
            sx = Double(s[0]); beta = Double(s[1])
            let base = s.count - 2 == m ? s[2...].map(Double.init) : Array(repeating: Double(s[2]), count: m)
            sw = (0..<m).map { abs(bnRatio[$0]) > 1e-12 ? base[$0] / abs(bnRatio[$0]) : base[$0] }
            // The profile calibrated β on the convolution's own sums; this module also carries the
            // batch norm folded into it (its shift becomes a bias), which can move the columns past
            // the op-amps' linear range: then β is lowered until these images fit with the usual
            // headroom, and the compile says so.
            var maxY = 0.0
            for n in 0..<images { for o in 0..<m { for p in 0..<perOutput { maxY = max(maxY, abs(flavour.kappa) * sx * sw[o] * abs(zAt(n, o, p))) } } }
            if maxY > 0, beta * maxY > Compiler.linearRange {
                let fitted = h * options.rails / maxY
                notes.append(String(format: "layer %@ (%@ '%@'): stored summer gain β %.4g lowered to %.4g: with its bias rows (and any batch norm folded in) its columns reach %.3g V (limit %.3g V)",
                                    "\(stage.index)", stage.typeName, label, beta, fitted, beta * maxY, h * options.rails))
                beta = fitted
            }
        } else {
            let maxX = x.scalars.reduce(0) { max($0, abs(Double($1))) }
            sx = maxX > 0 ? h * flavour.xHalf / maxX : 1
            let maxW = weights.joined().reduce(0) { max($0, abs($1)) }
            sw = Array(repeating: maxW > 0 ? 2 * h * flavour.wHalf / maxW : 1, count: m)
            var maxY = 0.0
            for n in 0..<images { for o in 0..<m { for p in 0..<perOutput { maxY = max(maxY, abs(flavour.kappa) * sx * sw[o] * abs(zAt(n, o, p))) } } }
            beta = maxY > 0 ? h * options.rails / maxY : 1
        }
        let maxInput = x.scalars.reduce(0) { max($0, abs(Double($1))) } * sx
        if maxInput > Compiler.inputMargin * flavour.xHalf {
            throw CompilerError.inputOutOfRange(layer: "\(stage.index) (\(stage.typeName) '\(label)')", volts: maxInput, limit: flavour.xHalf,
                                                cell: flavour.cellName)
        }
        let tiles = Tiling.tiles(inputChannels: g.inChannels, rowsPerChannel: g.rowsPerChannel, rows: options.rowsPerTile)
        var nb = 0
        if g.hasBias {
            var need = 0.0
            for o in 0..<m {
                let differential: Double = abs(sw[o] * bias[o] * sx / flavour.xHalf)
                need = max(need, differential / (2 * h * flavour.wHalf))
            }
            nb = max(1, Int(need.rounded(.up)))
        }
        biasRows[stage.index] = nb
        let name = Compiler.moduleName(stage, prefix: options.modulePrefix)
        var module = WeightModule(
            name: name, flavour: flavour, geometry: g, weights: weights, bias: bias, inputScale: sx, beta: beta, weightScale: sw,
            biasRows: nb, tiles: tiles, relu: stage.relu, inputInverted: stage.inputInverted, tileGain: Array(repeating: 1, count: m),
            summary: "layer \(stage.index) (\(stage.typeName) \(g.inChannels)→\(g.outChannels)"
                + (g.isLinear ? "" : ", kernel \(g.kernel), stride \(g.stride), padding \(g.padding)") + ")"
                + (stage.batchNorm.map { " + batch norm \($0) folded" } ?? "") + (stage.relu ? " + ReLU" : ""))
        let (largest, weight) = module.largestDifferential
        if largest > 2 * flavour.wHalf * (1 + 1e-6) {
            throw CompilerError.weightOutOfRange(layer: "\(stage.index) (\(stage.typeName) '\(label)')", value: weight, volts: largest,
                                                 limit: 2 * flavour.wHalf, cell: flavour.cellName)
        }
        let a = module.outputScale
        var maxOut = 0.0
        for n in 0..<images { for o in 0..<m { for p in 0..<perOutput { maxOut = max(maxOut, a[o] * abs(zAt(n, o, p))) } } }
        if maxOut > Compiler.linearRange {
            throw CompilerError.outputOutOfRange(layer: "\(stage.index) (\(stage.typeName) '\(label)')", volts: maxOut, limit: Compiler.linearRange)
        }
        let xs = x.scalars
        if tiles.count > 1 {
            // Each tile's partial sum must fit too, not only their total (WeightModule+PartialSums).
            let largest = module.largestPartialSums(images: images, positions: perOutput) { n, p in
                Builder.rowValues(xs, image: n, position: p, geometry: g, stage: stage)
            }
            let atOutputGain = zip(a, largest).map { $0 * $1 }.max() ?? 0
            module.tileGain = module.tileGains(largest: largest, target: h * options.rails)
            let needed = 1 / (module.tileGain.min() ?? 1)
            if needed > WeightModule.maxTileGain * (1 + 1e-9) {
                throw CompilerError.partialSumOutOfRange(layer: "\(stage.index) (\(stage.typeName) '\(label)')", tiles: tiles.count,
                                                         volts: atOutputGain, output: maxOut, gain: needed, limit: WeightModule.maxTileGain)
            }
            let partial = module.partialSumVolts(largest: largest)
            if partial > Compiler.linearRange {
                throw CompilerError.partialSumOutOfRange(layer: "\(stage.index) (\(stage.typeName) '\(label)')", tiles: tiles.count,
                                                         volts: partial, output: maxOut, gain: needed, limit: WeightModule.maxTileGain)
            }
            if needed > 1 {
                notes.append(String(format: "layer %@ (%@ '%@'): partial sums of its %d tiles reach %.3g V at the output's column gain (outputs %.3g V): "
                                        + "tile gains γ %.3g–%.3g, partial-sum summer gains up to %.3g keep them within %.3g V",
                                    "\(stage.index)", stage.typeName, label, tiles.count, atOutputGain, maxOut,
                                    module.tileGain.min() ?? 1, module.tileGain.max() ?? 1, needed, partial))
            }
        }
        for (k, v) in module.cellSubcircuits { cellTexts[k] = v }
        let modulePath = "modules/\(name).cir"
        files.append((modulePath, module.text))
        // Decks.
        let inShape = stage.inputShape
        for n in 0..<images {
            for p in Compiler.samplePositions(count: perOutput, wanted: options.positions) {
                var inputs = [Manifest.Input]()
                for (r, value) in Builder.rowValues(xs, image: n, position: p, geometry: g, stage: stage).enumerated() {
                    // A module fed an inverted signal (−a·x, after a summer) has its pairs swapped.
                    inputs.append(Manifest.Input(source: "VX\(r + 1)", node: "x\(r + 1)", volts: flavour.xCenter + (stage.inputInverted ? -sx : sx) * value))
                }
                inputs.append(Manifest.Input(source: "VREF", node: "vref", volts: module.referenceDrive))
                var outputs = [Manifest.Output]()
                for o in 0..<m {
                    let zv = zAt(n, o, p)
                    let pz = profileZ.map { Double($0[(n * m + o) * perOutput + p]) }
                    outputs.append(Manifest.Output(node: "v(y\(o + 1))", digital: module.outputSign * a[o] * zv, profile: pz.map { module.outputSign * a[o] * $0 }))
                }
                if stage.relu {
                    for o in 0..<m {
                        let pr = profileR.map { Double($0[(n * m + o) * perOutput + p]) }
                        outputs.append(Manifest.Output(node: "v(r\(o + 1))", digital: a[o] * max(0, zAt(n, o, p)), profile: pr.map { a[o] * $0 }))
                    }
                }
                appendDeck(stage: stage, module: name, modulePath: modulePath, ports: module.ports, image: n, position: p,
                           inputs: inputs, outputs: outputs, supplies: [("VCC", "vcc", 15), ("VEE", "vee", -15)])
            }
        }
        schedule(stage, module: modulePath, duration: module.settlingTime, outputs: m, positions: perOutput) { p in
            g.isLinear ? Array(0..<rows)
                : Builder.window(p, channels: g.inChannels, input: inShape, outputWidth: stage.outputShape[2], kernel: g.kernel, stride: g.stride, padding: g.padding)
        }
        if 2 * (rows + nb) * m <= Builder.transientCellLimit, let first = decks.first(where: { $0.layer == stage.index }) {
            let sampled = first.outputs.filter { $0.node.hasPrefix(stage.relu ? "v(r" : "v(y") }
            appendTransientDeck(stage: stage, module: name, modulePath: modulePath, ports: module.ports, from: first, sampled: sampled,
                                slot: module.settlingTime, supplies: [("VCC", "vcc", 15), ("VEE", "vee", -15)])
        }
        if weightedSeen, stage.topLevel != nil {
            try backward(stage, module: module, scope: scope, zIndex: (bnIndex ?? convIndex) + 1)
        }
        if options.updateDecks, flavour.holdsOnCapacitor, stage.topLevel != nil, rows * m <= Builder.updatePairLimit {
            update(stage, module: module, scope: scope, zIndex: (bnIndex ?? convIndex) + 1, input: xs)
        }
        weightedSeen = true
        let previous = volts ?? Array(repeating: 1, count: g.isLinear ? rows : g.inChannels)
        appendProgram(NetworkProgram.Stage(
            layer: stage.index, type: stage.typeName, module: modulePath, deck: decks.first { $0.layer == stage.index && $0.analysis == "op" }?.path,
            inputShape: stage.inputShape, outputShape: stage.outputShape, kernel: g.kernel, stride: g.stride, padding: g.padding,
            inputGain: previous.map { sx / $0 }, outputPrefix: stage.relu ? "r" : "y",
            outputScale: stage.relu ? a : a.map { module.outputSign * $0 }, reference: module.referenceDrive, input: inputBank))
        volts = a
    }

    // MARK: Max-pool

    mutating func maxPool(_ stage: LoweredLayer, _ k: Int, _ s: Int, _ pad: Int, _ scope: Scope) {
        guard let first = scope.indices.first else { return }
        let x = scope.acts[first].scalars, y = scope.acts[first + 1].scalars
        let (c, hi, wi) = (stage.inputShape[0], stage.inputShape[1], stage.inputShape[2])
        let (ho, wo) = (stage.outputShape[1], stage.outputShape[2])
        let scale = volts ?? Array(repeating: 1, count: c)
        let inputBank = bank
        let name = Compiler.moduleName(stage, prefix: options.modulePrefix)
        let module = MaxPoolModule(name: name, channels: c, window: k * k,
                                   summary: "layer \(stage.index) (max-pool \(k)×\(k), stride \(s), padding \(pad)) of \(c) channels")
        for (key, v) in module.cellSubcircuits { cellTexts[key] = v }
        let modulePath = "modules/\(name).cir"
        files.append((modulePath, module.text))
        for n in 0..<images {
            for p in Compiler.samplePositions(count: ho * wo, wanted: options.positions) {
                let (oy, ox) = (p / wo, p % wo)
                var inputs = [Manifest.Input](), outputs = [Manifest.Output]()
                for ch in 0..<c {
                    for j in 0..<(k * k) {
                        let iy = oy * s - pad + j / k, ix = ox * s - pad + j % k
                        let inside = iy >= 0 && iy < hi && ix >= 0 && ix < wi
                        let v = inside ? scale[ch] * Double(x[((n * c + ch) * hi + iy) * wi + ix]) : -10
                        inputs.append(Manifest.Input(source: "VI\(ch + 1)_\(j + 1)", node: "i\(ch + 1)_\(j + 1)", volts: v))
                    }
                    outputs.append(Manifest.Output(node: "v(m\(ch + 1))", digital: scale[ch] * Double(y[((n * c + ch) * ho + oy) * wo + ox])))
                }
                appendDeck(stage: stage, module: name, modulePath: modulePath, ports: module.ports, image: n, position: p,
                           inputs: inputs, outputs: outputs, supplies: [("VCC", "vcc", 15), ("VEE", "vee", -15)])
            }
        }
        let slot = maxPoolSlot(stage)
        schedule(stage, module: modulePath, duration: slot, outputs: c, positions: ho * wo) { p in
            Builder.window(p, channels: c, input: stage.inputShape, outputWidth: wo, kernel: k, stride: s, padding: pad)
        }
        if let first = decks.first(where: { $0.layer == stage.index }) {
            appendTransientDeck(stage: stage, module: name, modulePath: modulePath, ports: module.ports, from: first, sampled: first.outputs,
                                slot: slot, supplies: [("VCC", "vcc", 15), ("VEE", "vee", -15)])
        }
        appendProgram(NetworkProgram.Stage(
            layer: stage.index, type: stage.typeName, module: modulePath, deck: decks.first { $0.layer == stage.index && $0.analysis == "op" }?.path,
            inputShape: stage.inputShape, outputShape: stage.outputShape, kernel: k, stride: s, padding: pad,
            inputGain: Array(repeating: 1, count: c), outputPrefix: "m", outputScale: scale, reference: nil, input: inputBank))
        volts = scale
    }

    /// The max-pool slot: from `max_circuit`'s characterised settling time when its table has
    /// one, else the estimate, with a note saying why (as a missing energy figure is reported).
    mutating func maxPoolSlot(_ stage: LoweredLayer) -> Double {
        let figure = cells?.figures[.max]
        if let ts = figure?.settlingTime, ts > 0, ts.isFinite { return MaxPoolModule.settlingTime(measured: ts) }
        let why = figure.map { $0.missing ?? "its table has no settling time" } ?? "no table given"
        notes.append(String(format: "layer %@ (max-pool): slot %.3g µs from the analytic estimate: max_circuit has no characterised settling time (%@)",
                            stage.index, MaxPoolModule.estimatedSettlingTime * 1e6, why))
        return MaxPoolModule.estimatedSettlingTime
    }

    // MARK: Average pool

    /// Average pooling (`AveragePoolModule`): per channel a summer with gains 1/n over the window
    /// (k×k; all H×W for the global pool), its output at the input's volts per unit, inverted
    /// (`y = −a·mean`) unless a ReLU follows (`r = a·ReLU(mean)`).
    mutating func averagePool(_ stage: LoweredLayer, _ scope: Scope) throws {
        guard let first = scope.indices.first else { return }
        let x = scope.acts[first].scalars, y = scope.acts[first + 1].scalars
        guard stage.inputShape.count == 3 else {
            throw CompilerError.unsupportedLayer(index: stage.index, type: stage.typeName, reason: "pooling needs a [C, H, W] input, got \(stage.inputShape)")
        }
        let (c, hi, wi) = (stage.inputShape[0], stage.inputShape[1], stage.inputShape[2])
        var (k, s, pad) = (0, 1, 0)
        var (ho, wo) = (1, 1)
        let global: Bool
        if case .avgPool(let kk, let ss, let pp) = stage.kind {
            (k, s, pad) = (kk, ss, pp); (ho, wo) = (stage.outputShape[1], stage.outputShape[2]); global = false
        } else {
            global = true
        }
        let window = global ? hi * wi : k * k
        let positions = ho * wo
        let scale = volts ?? Array(repeating: 1, count: c)
        // An inverted input (−a·x, after a summer) gives a non-inverted mean; no ReLU is fused then.
        let sign = stage.inputInverted ? -1.0 : 1.0
        let inputBank = bank
        let name = Compiler.moduleName(stage, prefix: options.modulePrefix)
        let module = AveragePoolModule(name: name, channels: c, window: window, relu: stage.relu,
                                       summary: "layer \(stage.index) (" + (global ? "global average pool over \(hi)×\(wi)" : "average pool \(k)×\(k), stride \(s), padding \(pad)")
                                           + ") of \(c) channels" + (stage.relu ? " + ReLU" : ""))
        for (key, v) in module.cellSubcircuits { cellTexts[key] = v }
        let modulePath = "modules/\(name).cir"
        files.append((modulePath, module.text))
        // Bank addresses (channel-major) of the window of position p; −1 for padding.
        let addresses = { (p: Int) -> [Int] in
            global ? Array(0..<(c * hi * wi))
                : Builder.window(p, channels: c, input: stage.inputShape, outputWidth: wo, kernel: k, stride: s, padding: pad)
        }
        let supplies = [("VCC", "vcc", 15.0), ("VEE", "vee", -15.0)]
        for n in 0..<images {
            for p in Compiler.samplePositions(count: positions, wanted: options.positions) {
                let window = addresses(p)
                var inputs = [Manifest.Input](), outputs = [Manifest.Output]()
                for (a, address) in window.enumerated() {
                    let ch = a / module.window
                    let v = address >= 0 ? sign * scale[ch] * Double(x[n * c * hi * wi + address]) : 0
                    inputs.append(Manifest.Input(source: "VI\(ch + 1)_\(a % module.window + 1)", node: "i\(ch + 1)_\(a % module.window + 1)", volts: v))
                }
                for ch in 0..<c {
                    let mean = Double(y[(n * c + ch) * positions + p])
                    outputs.append(Manifest.Output(node: "v(y\(ch + 1))", digital: -sign * scale[ch] * mean))
                }
                if stage.relu {
                    let r = scope.acts[first + 2].scalars
                    for ch in 0..<c { outputs.append(Manifest.Output(node: "v(r\(ch + 1))", digital: scale[ch] * Double(r[(n * c + ch) * positions + p]))) }
                }
                appendDeck(stage: stage, module: name, modulePath: modulePath, ports: module.ports, image: n, position: p,
                           inputs: inputs, outputs: outputs, supplies: supplies)
            }
        }
        schedule(stage, module: modulePath, duration: module.settlingTime, outputs: c, positions: positions, read: addresses)
        if let first = decks.first(where: { $0.layer == stage.index }) {
            let sampled = first.outputs.filter { $0.node.hasPrefix(stage.relu ? "v(r" : "v(y") }
            appendTransientDeck(stage: stage, module: name, modulePath: modulePath, ports: module.ports, from: first, sampled: sampled,
                                slot: module.settlingTime, supplies: supplies)
        }
        let outputScale = stage.relu ? scale : scale.map { -sign * $0 }
        appendProgram(NetworkProgram.Stage(
            layer: stage.index, type: stage.typeName, module: modulePath, deck: decks.first { $0.layer == stage.index && $0.analysis == "op" }?.path,
            inputShape: stage.inputShape, outputShape: stage.outputShape, kernel: global ? 1 : k, stride: s, padding: pad,
            inputGain: Array(repeating: 1, count: c), outputPrefix: stage.relu ? "r" : "y", outputScale: outputScale,
            reference: nil, input: inputBank))
        volts = scale
    }

    /// Appends a stage of `network.json` and remembers the signed volts per unit of the bank it
    /// writes (`b<layer>`), which a later stage reading that bank divides by.
    mutating func appendProgram(_ stage: NetworkProgram.Stage) {
        program.append(stage)
        if stage.module != nil { bankScales["b" + stage.layer] = stage.outputScale }
    }

    /// The forward input values (numbers, before `s_x`) of a weighted stage's rows (input channel,
    /// ky, kx) at output position `p` of image `n`; 0 for padding.
    static func rowValues(_ xs: [Float], image n: Int, position p: Int, geometry g: WeightedGeometry, stage: LoweredLayer) -> [Double] {
        let inShape = stage.inputShape
        let perImage = inShape.reduce(1, *)
        if g.isLinear { return (0..<g.rows).map { Double(xs[n * perImage + $0]) } }
        let wo = stage.outputShape[2]
        let (oy, ox) = (p / wo, p % wo)
        return (0..<g.rows).map { r in
            let c = r / g.rowsPerChannel, ky = (r % g.rowsPerChannel) / g.kernel, kx = r % g.kernel
            let iy = oy * g.stride - g.padding + ky, ix = ox * g.stride - g.padding + kx
            guard iy >= 0, iy < inShape[1], ix >= 0, ix < inShape[2] else { return 0 }
            return Double(xs[n * perImage + (c * inShape[1] + iy) * inShape[2] + ix])
        }
    }

    // MARK: Weight update (training step)

    /// Modules up to this many weight pairs get weight-update decks.
    static let updatePairLimit = 600

    /// Decks of the weight update (`WeightUpdateModule`, VCR cells): per image, one `.tran` deck
    /// whose slots write the sampled positions one after another (`Builder.updateSlot` each:
    /// column drives and row pulses set at the slot's start, pulses up to 1 µs from 0.25 µs),
    /// after a 1 µs precharge of every weight cell to its forward pair; each pair's read-out is
    /// compared at the end with `A·Σ_p (−η·s'_o·e_o(p)·x_r(p))` (`η` the checkpoint's learning
    /// rate, `e = ∂L/∂z` of the image as for the backward read).
    mutating func update(_ stage: LoweredLayer, module: WeightModule, scope: Scope, zIndex: Int, input xs: [Float]) {
        guard let e = outputError(scope: scope, zIndex: zIndex)?.scalars else { return }
        let g = module.geometry, m = g.outChannels, rows = g.rows
        let positions = e.count / max(images * m, 1)
        let eta = ck.header.training?.learningRate ?? 0.1
        let sampled = Compiler.samplePositions(count: positions, wanted: options.positions)
        let sx = module.inputScale, sw = module.weightScale
        func err(_ n: Int, _ o: Int, _ p: Int) -> Double { Double(e[(n * m + o) * positions + p]) }
        // Row volts v_r = s_x·x_r per image and sampled position; the expected change per pair.
        var volts = [[[Double]]](), expected = [[Double]]()
        var maxVolts = 0.0, maxDrive = 0.0, maxChange = 0.0
        for n in 0..<images {
            var perPosition = [[Double]]()
            var change = Array(repeating: 0.0, count: rows * m)
            for p in sampled {
                let x = Builder.rowValues(xs, image: n, position: p, geometry: g, stage: stage)
                perPosition.append(x.map { sx * $0 })
                maxVolts = x.reduce(maxVolts) { max($0, abs(sx * $1)) }
                for o in 0..<m {
                    let eo = err(n, o, p)
                    maxDrive = max(maxDrive, abs(sw[o] * eo))
                    for r in 0..<rows { change[r * m + o] -= eta * sw[o] * eo * x[r] }
                }
            }
            maxChange = change.reduce(maxChange) { max($0, abs($1)) }
            volts.append(perPosition); expected.append(change)
        }
        guard maxVolts > 0, maxDrive > 0, maxChange > 0 else { return }
        // g_m puts the largest column drive at 1 V: |c_o·e_o| = η·s'_o·|e_o|·C_W·V_max/(2·g_m·T·s_x).
        let c = WeightUpdateModule.capacitance, t = WeightUpdateModule.pulse
        let gm = eta * maxDrive * c * maxVolts / (2 * t * sx)
        let upd = WeightUpdateModule(forward: module, transconductance: gm, readGain: options.headroom * options.rails / maxChange)
        cellTexts["switch"] = Switch().subcircuit
        let modulePath = "modules/\(upd.name).cir"
        files.append((modulePath, upd.text))
        let pl = SpiceText.plain
        let (high, low) = SwitchFlavour.ideal.levels
        let precharge = 1e-6, slot = Builder.updateSlot, start = 0.25e-6, edge = 1e-9
        let end = precharge + Double(sampled.count) * slot
        for n in 0..<images {
            let deckPath = "decks/\(upd.name)_i\(n).cir"
            var lines = [
                "\(upd.name) image \(n): weight update over positions \(sampled.map(String.init).joined(separator: ", ")), one \(SpiceText.eng(slot))s slot each",
                "* kelvin compile: layer \(stage.index) (\(stage.typeName)); precharge to the forward weights until \(SpiceText.eng(precharge))s,",
                "* then per slot: columns at c_o*e_o(p), row pulses of T*|v_r|/V_max (T = 1 us, V_max = \(pl(maxVolts)) V) from 0.25 us.",
                "* Expected (manifest.json, at the end): d<r>_<o> = A*sum_p(-eta*s'_o*e_o(p)*x_r(p)), eta = \(pl(eta)).",
                ".include ../cells.lib",
                ".include ../\(modulePath)",
                "VPRE pre 0 PWL(0 \(pl(high)) \(pl(precharge)) \(pl(high)) \(pl(precharge + edge)) \(pl(low)))",
            ]
            for o in 0..<m {
                var points = [(0.0, 0.0)]
                for (k, p) in sampled.enumerated() {
                    let t0 = precharge + Double(k) * slot
                    let v = -eta * sw[o] * err(n, o, p) * c * maxVolts / (2 * gm * t * sx)
                    points += [(t0, points.last!.1), (t0 + edge, v)]
                }
                let text = points.map { "\(pl($0.0)) \(pl($0.1))" }.joined(separator: " ")
                let negated = points.map { "\(pl($0.0)) \(pl(-$0.1))" }.joined(separator: " ")
                lines += ["VE\(o + 1) e\(o + 1) 0 PWL(\(text))", "VEN\(o + 1) en\(o + 1) 0 PWL(\(negated))"]
            }
            for r in 0..<rows {
                var positive = [(0.0, low)], negative = [(0.0, low)]
                for k in sampled.indices {
                    let v = volts[n][k][r]
                    let width = t * abs(v) / maxVolts
                    guard width > 0 else { continue }
                    let a = precharge + Double(k) * slot + start, rise = min(edge, width / 2)
                    let pulse = [(a, low), (a + rise, high), (a + width, high), (a + width + rise, low)]
                    if v > 0 { positive += pulse } else { negative += pulse }
                }
                lines.append("VPP\(r + 1) pp\(r + 1) 0 PWL(" + positive.map { "\(pl($0.0)) \(pl($0.1))" }.joined(separator: " ") + ")")
                lines.append("VPN\(r + 1) pn\(r + 1) 0 PWL(" + negative.map { "\(pl($0.0)) \(pl($0.1))" }.joined(separator: " ") + ")")
            }
            lines += wrapped("XU", upd.ports + [upd.name])
            var outputs = [Manifest.Output]()
            for r in 0..<rows {
                for o in 0..<m {
                    outputs.append(Manifest.Output(node: "v(d\(r + 1)_\(o + 1))", time: end, digital: upd.readGain * expected[n][r * m + o]))
                }
            }
            lines += [".tran \(pl(slot / 200)) \(pl(end))"]
            lines += wrapped(".print tran", outputs.map(\.node))
            lines.append(".end")
            files.append((deckPath, lines.joined(separator: "\n") + "\n"))
            decks.append(Manifest.Deck(path: deckPath, analysis: "tran", layer: stage.index, type: stage.typeName + "-update", module: modulePath,
                                       image: n, position: sampled[0], inputs: [], outputs: outputs))
        }
    }

    // MARK: Backward read (training step)

    /// Whether a weighted stage was lowered before (the first one's input gradient is not needed).
    var weightedSeen = false
    /// Labels of the compiled images (for the loss of the training step).
    var labels: [Int] = []

    /// `∂L/∂z` of the compiled images for the activation `scope.acts[zIndex]` of a top-level stage
    /// (`L` the mean softmax cross-entropy of the network's logits against the labels, batch norm
    /// in inference mode); nil when the network's output is not `[N, classes]`.
    func outputError(scope: Scope, zIndex: Int) -> Tensor? {
        let z = scope.acts[zIndex]
        let leaf = Tensor(shape: z.shape, data: z.scalars, requiresGrad: true)
        var y = leaf
        for layer in net.layers[zIndex...] { y = layer(y, context: .inference) }
        guard y.shape.count == 2, y.shape[0] == images, labels.count >= images else { return nil }
        softmaxCrossEntropy(y, labels: Array(labels.prefix(images))).backward()
        return leaf.grad
    }

    /// Decks of the backward read `δ = Wᵀe` (`BackwardModule`) at the stage's sampled positions:
    /// the errors `e = ∂L/∂z` of the training step drive the columns, each row is compared with
    /// the tensor's `Σ_o W'[o][r]·e_o(p)` (batch norm folded, the window's rows of position p).
    mutating func backward(_ stage: LoweredLayer, module: WeightModule, scope: Scope, zIndex: Int) throws {
        guard let e = outputError(scope: scope, zIndex: zIndex)?.scalars else { return }
        let g = module.geometry, m = g.outChannels, rows = g.rows
        let positions = e.count / max(images * m, 1)
        func err(_ n: Int, _ o: Int, _ p: Int) -> Double { Double(e[(n * m + o) * positions + p]) }
        var maxDrive = 0.0, maxDelta = 0.0
        var delta = [[Double]](repeating: [], count: images * positions)
        for n in 0..<images {
            for p in 0..<positions {
                for o in 0..<m { maxDrive = max(maxDrive, abs(err(n, o, p) / module.weightScale[o])) }
                var d = Array(repeating: 0.0, count: rows)
                for o in 0..<m {
                    let eo = err(n, o, p)
                    if eo != 0 { for r in 0..<rows { d[r] += module.weights[o][r] * eo } }
                }
                maxDelta = d.reduce(maxDelta) { max($0, abs($1)) }
                delta[n * positions + p] = d
            }
        }
        guard maxDrive > 0, maxDelta > 0 else { return }
        let flavour = module.flavour
        let se = options.headroom * flavour.xHalf / maxDrive
        let rb = options.headroom * options.rails / (BackwardModule.cellGain(flavour) * se * maxDelta)
        let bwd = BackwardModule(forward: module, errorScale: se, rowFeedback: rb)
        let modulePath = "modules/\(bwd.name).cir"
        files.append((modulePath, bwd.text))
        let a = bwd.outputScale
        for n in 0..<images {
            for p in Compiler.samplePositions(count: positions, wanted: options.positions) {
                let inputs = (0..<m).map { o in Manifest.Input(source: "VE\(o + 1)", node: "e\(o + 1)", volts: bwd.drive(o, err(n, o, p))) }
                let outputs = (0..<rows).map { r in Manifest.Output(node: "v(u\(r + 1))", digital: a * delta[n * positions + p][r]) }
                appendDeck(stage: stage, module: bwd.name, modulePath: modulePath, ports: bwd.ports, image: n, position: p,
                           inputs: inputs, outputs: outputs, supplies: [("VCC", "vcc", 15), ("VEE", "vee", -15)], type: stage.typeName + "-backward")
            }
        }
        backwardSlots[stage.index] = bwd.settlingTime
    }

    /// The backward read's slot length of each stage with backward decks (s).
    var backwardSlots: [String: Double] = [:]

    // MARK: Residual add

    /// A residual add (`AddModule`): the body's output and the shortcut's (or the block's input)
    /// summed per channel with gains that bring both to `a_c` volts per unit, `a_c` the smaller of
    /// the two inputs' scales, lowered further when `a_c·max|z_c|` would pass `h·rails`.
    mutating func add(_ stage: LoweredLayer) throws {
        let parts = stage.index.split(separator: ".").map(String.init)
        let container = try sequential(Array(parts.dropLast()), for: stage)
        guard let k = parts.last.flatMap({ Int($0) }), k + 1 < container.acts.count, let residual = container.layers[k] as? Residual else {
            throw CompilerError.unsupportedLayer(index: stage.index, type: stage.typeName, reason: "the built network has no residual block here")
        }
        let key = stage.index
        guard let block = blocks[key], let body = nested[key + ".body"]?.acts.last else {
            throw CompilerError.unsupportedLayer(index: stage.index, type: stage.typeName, reason: "the block's body was not lowered before its add")
        }
        let acts = container.acts
        let c = stage.outputShape[0], positions = stage.positions
        let hasShortcut = residual.shortcut != nil
        let bodyVolts = (hasShortcut ? block.bodyVolts : volts) ?? Array(repeating: 1, count: c)
        let bodyBank = hasShortcut ? block.bodyBank! : bank
        let shortcutVolts = (hasShortcut ? volts : block.inputVolts) ?? Array(repeating: 1, count: c)
        let shortcutBank = hasShortcut ? bank : block.inputBank
        guard let shortcut = hasShortcut ? nested[key + ".shortcut"]?.acts.last : acts[k] else {
            throw CompilerError.unsupportedLayer(index: stage.index, type: stage.typeName, reason: "the block's shortcut was not lowered before its add")
        }
        let z = acts[k + 1].scalars, u = body.scalars, v = shortcut.scalars
        guard bodyVolts.count == c, shortcutVolts.count == c else {
            throw CompilerError.unsupportedLayer(index: stage.index, type: stage.typeName, reason: "body and shortcut have \(bodyVolts.count) and \(shortcutVolts.count) channel scales for \(c) channels")
        }
        var largest = Array(repeating: 0.0, count: c)
        for n in 0..<images { for ch in 0..<c { for p in 0..<positions { largest[ch] = max(largest[ch], abs(Double(z[(n * c + ch) * positions + p]))) } } }
        let scale = (0..<c).map { ch in
            min(bodyVolts[ch], shortcutVolts[ch], largest[ch] > 0 ? options.headroom * options.rails / largest[ch] : .infinity)
        }
        let name = Compiler.moduleName(stage, prefix: options.modulePrefix)
        let module = AddModule(name: name, channels: c, bodyScale: bodyVolts, shortcutScale: shortcutVolts, outputScale: scale, relu: stage.relu,
                               summary: "layer \(stage.index) (residual add of \(c) channels" + (hasShortcut ? ", 1×1 shortcut" : ", identity shortcut")
                                   + ")" + (stage.relu ? " + ReLU" : ""))
        for (key, text) in module.cellSubcircuits { cellTexts[key] = text }
        let modulePath = "modules/\(name).cir"
        files.append((modulePath, module.text))
        let supplies = [("VCC", "vcc", 15.0), ("VEE", "vee", -15.0)]
        for n in 0..<images {
            for p in Compiler.samplePositions(count: positions, wanted: options.positions) {
                var inputs = [Manifest.Input](), outputs = [Manifest.Output]()
                for ch in 0..<c {
                    inputs.append(Manifest.Input(source: "VB\(ch + 1)", node: "b\(ch + 1)", volts: bodyVolts[ch] * Double(u[(n * c + ch) * positions + p])))
                }
                for ch in 0..<c {
                    inputs.append(Manifest.Input(source: "VS\(ch + 1)", node: "s\(ch + 1)", volts: shortcutVolts[ch] * Double(v[(n * c + ch) * positions + p])))
                }
                for ch in 0..<c { outputs.append(Manifest.Output(node: "v(y\(ch + 1))", digital: -scale[ch] * Double(z[(n * c + ch) * positions + p]))) }
                if stage.relu {
                    for ch in 0..<c { outputs.append(Manifest.Output(node: "v(r\(ch + 1))", digital: scale[ch] * max(0, Double(z[(n * c + ch) * positions + p])))) }
                }
                appendDeck(stage: stage, module: name, modulePath: modulePath, ports: module.ports, image: n, position: p,
                           inputs: inputs, outputs: outputs, supplies: supplies)
            }
        }
        // One slot per position: channel ch of the body's bank on b<ch>, of the shortcut's on s<ch>.
        let addresses = { (p: Int) in (0..<c).map { $0 * positions + p } }
        bank = bodyBank
        schedule(stage, module: modulePath, duration: module.settlingTime, outputs: c, positions: positions, read: addresses,
                 second: { Schedule.Access(bank: shortcutBank, addresses: addresses($0)) })
        if let first = decks.first(where: { $0.layer == stage.index }) {
            let sampled = first.outputs.filter { $0.node.hasPrefix(stage.relu ? "v(r" : "v(y") }
            appendTransientDeck(stage: stage, module: name, modulePath: modulePath, ports: module.ports, from: first, sampled: sampled,
                                slot: module.settlingTime, supplies: supplies)
        }
        // --chain: the add reads the body's bank (b<c>) and the shortcut's (s<c>), each brought to
        // the volts per unit its input resistors expect.
        let scales = bankScales
        func gain(_ expected: [Double], _ bank: String) -> [Double] { (0..<c).map { expected[$0] / (scales[bank]?[$0] ?? 1) } }
        if gain(bodyVolts, bodyBank).contains(where: { $0 < 0 }) || gain(shortcutVolts, shortcutBank).contains(where: { $0 < 0 }) {
            throw CompilerError.unsupportedLayer(index: stage.index, type: stage.typeName,
                                                 reason: "the body or shortcut ends inverted (a summer without a ReLU); the add's summer needs both in the positive sense")
        }
        appendProgram(NetworkProgram.Stage(
            layer: stage.index, type: stage.typeName, module: modulePath, deck: decks.first { $0.layer == stage.index && $0.analysis == "op" }?.path,
            inputShape: stage.inputShape, outputShape: stage.outputShape, kernel: 1, stride: 1, padding: 0,
            inputGain: gain(bodyVolts, bodyBank), outputPrefix: stage.relu ? "r" : "y", outputScale: stage.relu ? scale : scale.map { -$0 }, reference: nil,
            input: bodyBank, secondInput: shortcutBank, secondGain: gain(shortcutVolts, shortcutBank)))
        volts = scale
        blocks[key] = nil
    }

    // MARK: Decks

    /// Modules up to this many multiply cells also get a switched `.tran` deck.
    static let transientCellLimit = 4000

    /// The switched level of one sample: the inputs step from `x_c` to their values at t = 0
    /// (switched onto the rows), each output in `sampled` is sampled through a switch (`--switch`:
    /// ideal, `Switch` with RON = 100 Ω, or an NMOS pass transistor with overlap capacitances,
    /// `Switch.sampling`, bulk on `vee`) onto a 1 pF storage capacitor `h<k>` for one slot, then
    /// held for one slot; the manifest expects the static value at the end (t = 2·slot).
    mutating func appendTransientDeck(stage: LoweredLayer, module: String, modulePath: String, ports: [String], from deck: Manifest.Deck,
                                      sampled: [Manifest.Output], slot: Double, supplies: [(String, String, Double)]) {
        let deckPath = "decks/\(module)_i\(deck.image)_p\(deck.position)_tran.cir"
        let p = SpiceText.plain
        let mos = options.switches == .mos
        let (closed, open) = options.switches.levels
        var lines = [
            "\(module) image \(deck.image) position \(deck.position), switched: one slot of \(SpiceText.eng(slot))s, then held",
            "* kelvin compile: layer \(stage.index) (\(stage.typeName)); inputs switched on at t = 0, outputs sampled onto 1 pF",
            "* through \(mos ? "NMOS pass transistors (" + Switch.sampling.text + ")" : "ideal switches") while ctrl is high (0 ... slot),",
            "* held after; expected: manifest.json at t = 2*slot.",
            ".include ../cells.lib",
            ".include ../\(modulePath)",
        ]
        lines += supplies.map { "\($0.0) \($0.1) 0 DC \(p($0.2))" }
        for input in deck.inputs {
            lines.append(input.source == "VREF" ? "VREF vref 0 DC \(p(input.volts))"
                         : "\(input.source) \(input.node) 0 PWL(0 0 1n \(p(input.volts)))")
        }
        lines += wrapped("XL", ports + [module])
        lines.append("VCTRL ctrl 0 PWL(0 \(p(closed)) \(p(slot)) \(p(closed)) \(p(slot + 1e-9)) \(p(open)))")
        var outputs = [Manifest.Output]()
        for (k, o) in sampled.enumerated() {
            let node = String(o.node.dropFirst(2).dropLast())
            lines += ["XSH\(k + 1) \(node) h\(k + 1) ctrl " + (mos ? "vee switch_mos" : "switch"), "CH\(k + 1) h\(k + 1) 0 1p"]
            outputs.append(Manifest.Output(node: "v(h\(k + 1))", time: 2 * slot, digital: o.digital, profile: o.profile))
        }
        lines += [".tran \(p(slot / 200)) \(p(2 * slot))"]
        lines += wrapped(".print tran", outputs.map(\.node))  // so that `ngspice -b DECK` runs it as is
        lines.append(".end")
        if mos { cellTexts["switch_mos"] = Switch.sampling.netlist.subcircuitText(name: "switch_mos") } else { cellTexts["switch"] = Switch().subcircuit }
        files.append((deckPath, lines.joined(separator: "\n") + "\n"))
        decks.append(Manifest.Deck(path: deckPath, analysis: "tran", layer: stage.index, type: stage.typeName, module: modulePath,
                                   image: deck.image, position: deck.position, inputs: deck.inputs, outputs: outputs))
    }

    mutating func appendDeck(stage: LoweredLayer, module: String, modulePath: String, ports: [String], image: Int, position: Int,
                             inputs: [Manifest.Input], outputs: [Manifest.Output], supplies: [(String, String, Double)], type: String? = nil) {
        let deckPath = "decks/\(module)_i\(image)_p\(position).cir"
        var lines = [
            "\(module) image \(image) position \(position): inputs from the tensor path",
            "* kelvin compile: layer \(stage.index) (\(stage.typeName)); runs unchanged with ngspice -b or kelvin sim.",
            "* Expected outputs: manifest.json. Inputs in volts (x_v = x_c + s_x*x).",
            ".include ../cells.lib",
            ".include ../\(modulePath)",
        ]
        lines += supplies.map { "\($0.0) \($0.1) 0 DC \(SpiceText.plain($0.2))" }
        lines += inputs.map { "\($0.source) \($0.node) 0 DC \(SpiceText.plain($0.volts))" }
        lines += wrapped("XL", ports + [module])
        lines += [".op", ".end"]
        files.append((deckPath, lines.joined(separator: "\n") + "\n"))
        decks.append(Manifest.Deck(path: deckPath, analysis: "op", layer: stage.index, type: type ?? stage.typeName, module: modulePath,
                                   image: image, position: position, inputs: inputs, outputs: outputs))
    }
}
