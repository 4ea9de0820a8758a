import Foundation
import Synchronization
import Tensor
import TransferCurves

/// Computes a network through characterised cells: the `AnalogSettings` of a profile document
/// with its tables resolved. Docs/analog-profiles.md states the model; in short, for a conv or
/// linear layer with input `x`, weight `w`, bias `b`:
///
/// 1. **Map to volts** (scales calibrated on the first batch a layer sees, kept in checkpoints):
///    `x_v = x_c + s_x·x` with `s_x = h·X/max|x|`; `w± = w_c ± s_w·w/2` with `s_w = 2h·W/max|w|`
///    per layer or per output channel (`h` the headroom; `X`, `W` the cell's half-ranges).
///    A DAC of `dac_bits` quantises `x_v` over `[x_c − X, x_c + X]`.
/// 2. **Cells**: `Y = Σ_r conv(g_r(x_v) − g_r(x_c), A⁺⊙h_r(w⁺) − A⁻⊙h_r(w⁻)) + B`, the separable fit
///    of the multiply cell; `A±`, `B` the per-cell Monte Carlo gains and column offsets of one chip
///    (`mismatch`), `weight_noise` a fresh `w·(1 + σ·N)` per training step.
/// 3. **Columns**: read noise `σ·N` is added, the sum is scaled by the summer gain `β` (calibrated
///    so that `β·max|Y| = h·rails`) and passes the summer's curve, per tile of `rows` rows and again
///    after the second-level sum; an ADC of `adc_bits` quantises it over `±rails`; held results
///    droop by `exp(−t_hold/τ)`.
/// 4. **Back to numbers**: `y = Y_out/(κ·β·s_x·s_w) + b`.
///
/// ReLU passes the rectifier's normalised curve at `1 V` per unit. Bipolar-morphological layers pass
/// log converters, max-circuit trees and exp converters (`bm`, `bmWeightedSum`). With `backward: digital` each
/// stage's gradient is the digital op's (`y = y_d + stopgrad(y_a − y_d)`). Batch norm, pooling,
/// flatten and the residual add stay digital (the compiler folds batch norm into the weights).
public final class AnalogProfile: StatefulProfile, @unchecked Sendable {
    public let settings: AnalogSettings
    /// Selects the simulated chip: the mismatch draws.
    public let chipSeed: UInt64
    /// SHA-256 of each table used, by the name the settings give it.
    public let tableHashes: [String: String]
    let mac: MultiplyCell?
    let summer: CurveCell?
    let rectifier: CurveCell?
    /// The cells of bipolar-morphological layers (nil: the ideal function); used when `bm` is set.
    let logCell: LogCell?
    let expCell: ExpCell?
    let maxCell: MaxCell?
    /// `exp(−t_hold/τ)`.
    let droop: Float
    let headroom: Float
    let perChannel: Bool
    let digitalBackward: Bool
    let straightThrough: Bool

    /// Calibrated per-layer scales (by weight label) and mismatch draws; operation counts.
    let state = Mutex(State())

    struct Scales: Equatable {
        var input: Float
        var weight: [Float]
        var column: Float
        /// Per output, the tile gain `γ_o ≤ 1` of a tiled layer's partial sums (nil: 1, untiled).
        var tile: [Float]? = nil
    }
    struct Mismatch {
        var plus: Tensor, minus: Tensor
        var offset: Tensor
    }
    /// One chip's BM cells for a layer: log offsets (log units) per row for the `x⁺` and `x⁻`
    /// converters (`[1, rows…]`), exp gain and offset per term and output (`[1, out, 1, 1]`).
    struct BMMismatch {
        var logPlus: Tensor, logMinus: Tensor
        var expGain: [Tensor], expOffset: [Tensor]
    }
    struct State {
        var scales: [String: Scales] = [:]
        var mismatch: [String: Mismatch] = [:]
        var bmMismatch: [String: BMMismatch] = [:]
        /// The multiply cell's input tables mapped to a layer's input scale (`mappedInputTables`).
        var inputTables: [Float: [PiecewiseLinear]] = [:]
        /// The exp converter's curve over M for a BM layer's scale `e^{m₀}` (`ExpCell.curve`).
        var expCurves: [Float: PiecewiseLinear] = [:]
        var counts = OperationCounts()
        var deviceDraws: [String: DeviceDraws] = [:]
        var pendingUpdate: PendingUpdate?
    }

    /// Builds the profile; `tables` holds every table the settings name (except `ideal`), `path`
    /// names the profile document in errors.
    public init(settings: AnalogSettings, tables: [String: LookupTable], hashes: [String: String] = [:],
                chipSeed: UInt64 = 0, path: String) throws {
        self.settings = settings
        self.chipSeed = chipSeed
        self.tableHashes = hashes
        func table(_ name: String, _ key: String) throws -> LookupTable {
            guard let t = tables[name] else { throw NNError.mismatch(path: path, reason: "key '\(key)': table '\(name)' was not resolved") }
            return t
        }
        func wrap<T>(_ key: String, _ body: () throws -> T) throws -> T {
            do { return try body() } catch let e as NNError {
                if case .invalidArgument(let reason) = e { throw NNError.mismatch(path: path, reason: "key '\(key)': \(reason)") }
                throw e
            }
        }
        if settings.mac == nil, settings.device != nil {
            // A crossbar of conductances multiplies exactly (I = Σ G·V): the ideal cell.
            mac = MultiplyCell.crossbar()
        } else if let m = settings.mac {
            mac = try wrap("mac.table") {
                m.table == "ideal" ? MultiplyCell.ideal()
                    : try MultiplyCell(table: try table(m.table, "mac.table"), name: m.table, rank: m.rank,
                                       tolerance: m.fitTolerance ?? 0.05)
            }
            if settings.mismatch == true, mac?.mismatch == nil {
                throw NNError.mismatch(path: path, reason:
                    "key 'mismatch': table '\(m.table)' has no Monte Carlo statistics (characterise it with --mc N)")
            }
        } else {
            mac = nil
            let bmKeys: Set = ["mismatch", "read_noise", "dac_bits", "adc_bits", "summer"]
            for key in ["mismatch", "read_noise", "dac_bits", "adc_bits", "tiling", "summer", "hold"]
            where settings.bm == nil || !bmKeys.contains(key) {
                let used: Bool = switch key {
                case "mismatch": settings.mismatch == true
                case "read_noise": (settings.readNoise ?? 0) > 0
                case "dac_bits": settings.dacBits != nil
                case "adc_bits": settings.adcBits != nil
                case "tiling": settings.tiling != nil
                case "summer": settings.summer != nil
                default: settings.hold != nil
                }
                if used { throw NNError.mismatch(path: path, reason: "key '\(key)' applies to the multiply cells: give 'mac' or 'device' too") }
            }
        }
        if let s = settings.summer {
            if let name = s.table, name != "ideal" {
                summer = try wrap("summer.table") { try CurveCell(table: try table(name, "summer.table"), name: name, invert: false) }
            } else {
                summer = s.rails.map { CurveCell(idealRails: Float($0)) }
            }
        } else {
            summer = nil
        }
        if let r = settings.relu {
            rectifier = try wrap("relu.table") {
                r.table == "ideal" ? CurveCell(idealRectifier: 12)
                    : try CurveCell(table: try table(r.table, "relu.table"), name: r.table, invert: r.invert ?? false)
            }
        } else {
            rectifier = nil
        }
        if let b = settings.bm {
            logCell = b.log == "ideal" ? nil : try wrap("bm.log") { try LogCell(table: try table(b.log, "bm.log"), name: b.log) }
            expCell = b.exp == "ideal" ? nil : try wrap("bm.exp") { try ExpCell(table: try table(b.exp, "bm.exp"), name: b.exp) }
            maxCell = try b.max.flatMap { name in
                name == "ideal" ? nil : try wrap("bm.max") { try MaxCell(table: try table(name, "bm.max"), name: name) }
            }
            if maxCell != nil, logCell == nil {
                throw NNError.mismatch(path: path, reason: "key 'bm.max': a characterised max circuit needs a characterised 'bm.log' (its volts per unit of ln)")
            }
            if settings.mismatch == true {
                for (key, name, has) in [("bm.log", b.log, logCell.map { $0.mismatch != nil }), ("bm.exp", b.exp, expCell.map { $0.mismatch != nil })]
                where has == false {
                    throw NNError.mismatch(path: path, reason: "key 'mismatch': table '\(name)' (\(key)) has no Monte Carlo statistics (characterise it with --mc N)")
                }
                if mac == nil, logCell == nil, expCell == nil {
                    throw NNError.mismatch(path: path, reason: "key 'mismatch': ideal BM cells have no mismatch; give characterised 'bm.log' or 'bm.exp' tables")
                }
            }
            if settings.dacBits != nil, logCell == nil {
                throw NNError.mismatch(path: path, reason: "key 'dac_bits': a BM layer's DAC spans the log converter's input range; give a characterised 'bm.log'")
            }
        } else {
            logCell = nil; expCell = nil; maxCell = nil
        }
        if let hold = settings.hold {
            var tau = hold.tau
            if tau == nil, let name = hold.table {
                tau = try table(name, "hold.table").dynamics?.holdTimeConstant
                guard tau != nil else {
                    throw NNError.mismatch(path: path, reason: "key 'hold.table': table '\(name)' has no hold time constant (characterise it with droop=)")
                }
            }
            droop = Float(Foundation.exp(-hold.time / (tau ?? .infinity)))
        } else {
            droop = 1
        }
        if settings.adcBits != nil, summer == nil {
            throw NNError.mismatch(path: path, reason: "key 'adc_bits': the ADC's range is the summer's rails; give 'summer' too")
        }
        headroom = Float(settings.headroom ?? 0.9)
        perChannel = settings.granularity == "channel"
        digitalBackward = settings.backward == "digital"
        straightThrough = settings.mac?.gradient == "straight-through"
    }

    public var name: String { settings.name }
    public var record: ProfileRecord {
        ProfileRecord(name: name, tables: tableHashes, document: settings.json(), chipSeed: settings.mismatch == true || settings.device != nil ? chipSeed : nil)
    }

    /// The energy of `counts` operations by kind of cell (`cells`, `summer`, `rectifier`, and for
    /// bipolar-morphological layers `log`, `max`, `exp`), J: count × the cell's characterised energy
    /// per operation; nil for a kind in use whose table has no energy figure (ideal curves, a cell
    /// characterised without `tstop=`/`supplies=`).
    public func energyByCell(_ counts: OperationCounts) -> [String: Double?] {
        var out = [String: Double?]()
        for (kind, count, perOperation) in [("cells", counts.cells, mac?.energyPerOperation),
                                            ("summer", counts.summer, summer?.energyPerOperation),
                                            ("rectifier", counts.rectifier, rectifier?.energyPerOperation),
                                            ("log", counts.logConverters, logCell?.energyPerOperation),
                                            ("max", counts.maxCells, maxCell?.energyPerOperation),
                                            ("exp", counts.expConverters, expCell?.energyPerOperation)] where count > 0 {
            out.updateValue(perOperation.map { Double(count) * $0 }, forKey: kind)   // keeps a nil entry
        }
        return out
    }

    /// The total of `energyByCell`, or nil when a kind in use has no energy figure (or no cell is in use).
    public func energy(of counts: OperationCounts) -> Double? {
        let parts = energyByCell(counts)
        guard !parts.isEmpty, !parts.values.contains(where: { $0 == nil }) else { return nil }
        return parts.values.reduce(0) { $0 + ($1 ?? 0) }
    }

    /// What `kelvin profile show` prints about the cells: rank, residual, gain and ranges of the
    /// multiply cell, rails of the curves.
    public var cellSummary: [String] {
        var lines = [String]()
        if let m = mac {
            func unit(_ u: String) -> String { u.isEmpty ? "" : " " + u }
            lines.append(String(format: "multiply cell: rank %d, fit residual %.3g, gain κ = %.4g, x = %.4g ± %.4g%@, w = %.4g ± %.4g%@%@",
                                m.rank, m.residual, m.kappa, m.xCenter, m.xHalf, unit(m.units.x), m.wCenter, m.wHalf, unit(m.units.w),
                                m.energyPerOperation.map { String(format: ", %.3g J/op", $0) } ?? ""))
            if let mc = m.mismatch { lines.append("mismatch: \(mc.gain.count) Monte Carlo instances per cell") }
        }
        if let s = summer { lines.append(String(format: "summer: rails ±%.3g V (normalised)%@", s.rails, s.energyPerOperation.map { String(format: ", %.3g J/op", $0) } ?? "")) }
        if let r = rectifier { lines.append(String(format: "rectifier: range %.3g V (normalised)%@", r.rails, r.energyPerOperation.map { String(format: ", %.3g J/op", $0) } ?? "")) }
        func perOperation(_ e: Double?) -> String { e.map { String(format: ", %.3g J/op", $0) } ?? "" }
        if let l = logCell {
            lines.append(String(format: "log converter: input %.3g–%.3g V, %.4g V per unit of ln%@%@", l.vLow, l.vHigh, l.voltsPerUnit,
                                l.mismatch.map { ", \($0.count) Monte Carlo instances" } ?? "", perOperation(l.energyPerOperation)))
        }
        if let e = expCell {
            lines.append(String(format: "exp converter: %.4g V per unit of ln, output up to %.4g V%@%@", 1 / abs(e.slope), e.top,
                                e.mismatch.map { ", \($0.gain.count) Monte Carlo instances" } ?? "", perOperation(e.energyPerOperation)))
        }
        if let m = maxCell {
            lines.append(String(format: "max circuit: output %.3g V below its largest input per level%@", m.shortfall, perOperation(m.energyPerOperation)))
        }
        if droop != 1 { lines.append(String(format: "hold droop factor %.6g", droop)) }
        if let d = settings.device, let gMax = d.gMax {
            var line = String(format: "device %@: G %.3g–%.3g µS", d.preset ?? "custom", (d.gMin ?? 0) * 1e6, gMax * 1e6)
            if let levels = d.levels { line += ", \(levels) levels" }
            if let drift = d.drift {
                line += String(format: ", drift t₀ %.3g s at t = %.4g s, compensation %@", drift.t0 ?? 20, drift.time ?? 0, drift.compensation ?? "none")
            }
            if let u = d.update { line += ", pulsed update \(u.kind)" }
            lines.append(line)
        }
        return lines
    }
    public var updateNoise: Float { Float(settings.updateNoise ?? 0) }

    /// Operation counts since the last `resetCounts()`.
    public var counts: OperationCounts { state.withLock { $0.counts } }
    public func resetCounts() { state.withLock { $0.counts = OperationCounts() } }

    public func apply(_ operation: NN.Operation, to inputs: [Tensor], context: ForwardContext) -> Tensor {
        switch operation {
        case .conv2d(let c) where mac != nil:
            let weighted = weightedSum(inputs[0], weight: c.weight, label: Self.key(c.weight), context: context) { x, w in
                conv2d(x, w, stride: c.stride, padding: c.padding)
            }
            return backwardRule(operation, inputs, context, c.bias.map { weighted + $0.value.reshaped(to: [1, $0.shape[0], 1, 1]) } ?? weighted)
        case .linear(let l) where mac != nil:
            let x = Operation.flatten(inputs[0])
            let weighted = weightedSum(x, weight: l.weight, label: Self.key(l.weight), context: context) { x, w in linear(x, w) }
            return backwardRule(operation, inputs, context, l.bias.map { weighted + $0.value } ?? weighted)
        case .bmConv2d(let c) where settings.bm != nil:
            let weighted = bmWeightedSum(inputs[0], plus: c.plus, minus: c.minus, context: context) { a, v in
                maxPlusConv2d(a, v, stride: c.stride, padding: c.padding)
            }
            return backwardRule(operation, inputs, context, weighted + c.bias.value.reshaped(to: [1, c.bias.value.count, 1, 1]))
        case .bmLinear(let l) where settings.bm != nil:
            let x = Operation.flatten(inputs[0]), n = x.shape[0], fin = x.shape[1], fout = l.plus.shape[0]
            let weighted = bmWeightedSum(x.reshaped(to: [n, fin, 1, 1]), plus: l.plus, minus: l.minus, context: context,
                                         weightShape: [fout, fin, 1, 1]) { a, v in maxPlusConv2d(a, v) }
            return backwardRule(operation, inputs, context, weighted.reshaped(to: [n, fout]) + l.bias.value)
        case .relu where rectifier != nil:
            state.withLock { $0.counts.rectifier += inputs[0].count }
            return backwardRule(operation, inputs, context, inputs[0].lookup(rectifier!.curve))
        case .conv2d(let c) where context.training && (settings.weightNoise ?? 0) > 0:
            let w = perturbed(c.weight, context)
            return conv2d(inputs[0], w, bias: c.bias?.value, stride: c.stride, padding: c.padding)
        case .linear(let l) where context.training && (settings.weightNoise ?? 0) > 0:
            return linear(Operation.flatten(inputs[0]), perturbed(l.weight, context), l.bias?.value)
        default:
            return operation.digital(inputs, training: context.training, batchStatistics: context.batchStatistics)
        }
    }

    /// The weights of this step's forward and backward: `w·(1 + σ·N(0, 1))` in training with
    /// `weight_noise` σ (fresh each step, the same in forward and backward), else `w`.
    private func perturbed(_ weight: Parameter, _ context: ForwardContext) -> Tensor {
        guard context.training, let sigma = settings.weightNoise, sigma > 0 else { return weight.value }
        let w = weight.value
        return w + w * GaussianNoise.samples(w.shape, sigma: Float(sigma), noise: context.noise, site: Self.key(weight) + "/weight")
    }

    /// The key of a layer's state: its weight's label, or (for a layer built outside a `Model`,
    /// whose draws are then not reproducible across processes) the parameter's identity.
    static func key(_ weight: Parameter) -> String {
        weight.label.isEmpty ? "#\(UInt(bitPattern: ObjectIdentifier(weight).hashValue))" : weight.label
    }

    /// `analog` when the profile's backward is analog, else the digital result with the analog values.
    private func backwardRule(_ operation: NN.Operation, _ inputs: [Tensor], _ context: ForwardContext, _ analog: Tensor) -> Tensor {
        guard digitalBackward, isRecording else { return analog }
        let exact = operation.digital(inputs, training: context.training, batchStatistics: context.batchStatistics)
        return exact + (analog.detached() - exact.detached())
    }

    /// Steps 1–4 of the type's documentation for one layer; `product(x, w)` is the layer's
    /// bias-free conv or linear.
    private func weightedSum(_ input: Tensor, weight: Parameter, label: String, context: ForwardContext,
                             _ product: (Tensor, Tensor) -> Tensor) -> Tensor {
        let cell = mac!
        var w = perturbed(weight, context)
        let scales = calibratedScales(input, w, label: label, product)
        var compensation: [Float]? = nil
        if settings.device != nil { (w, compensation) = deviceWeight(w, label: label, scales: scales, context: context) }
        let outChannels = w.shape[0]
        // 1. Volts. The input mapping x_v = x_c + s_x·x and the reference g_r(x_c) are folded into
        //    per-layer tables g̃_r(x) = g_r(x_c + s_x·x) − g_r(x_c), and the DAC (which quantises x over
        //    the mapped range [−X/s_x, X/s_x], the same levels) into the same pass: one look-up stage.
        let dac = settings.dacBits.flatMap { Converter(lo: -cell.xHalf / scales.input, hi: cell.xHalf / scales.input, bits: $0) }
        let inputTables = mappedInputTables(cell, inputScale: scales.input)
        var x = input
        if inputTables == nil, let bits = settings.dacBits {
            x = Converters.quantize(x, lo: -cell.xHalf / scales.input, hi: cell.xHalf / scales.input, bits: bits)
        }
        // The pair w± = w_c ± s_w·w/2 (s_w per output channel: axis 1 of the weight seen as
        // [1, out, rest]), each through h_r in one look-up stage.
        let rows = w.reshaped(to: [1, outChannels, w.count / outChannels])
        let halfScale = scales.weight.map { 0.5 * $0 }
        // 2. Cells.
        let mismatch = settings.mismatch == true ? mismatchDraw(label: label, shape: w.shape, context: context) : nil
        let tiles = tileRanges(w.shape)
        var partials = [Tensor](repeating: Tensor.zeros([]), count: tiles.count)
        for r in 0..<cell.rank {
            let gGrad: LookupGradient = straightThrough ? .straightThrough(gain: cell.gSlope[r] * scales.input) : .slope
            let hGrad: LookupGradient = straightThrough ? .straightThrough(gain: cell.hSlope[r]) : .slope
            let gx = inputTables.map { x.lookup(ChannelLookup(table: $0[r], input: dac, gradient: gGrad)) }
                // A scale so extreme that the mapped grid overflows: map the input instead.
                ?? (scales.input * x + cell.xCenter).lookup(cell.g[r], gradient: straightThrough
                    ? .straightThrough(gain: cell.gSlope[r]) : .slope) - cell.gCenter[r]
            var hp = rows.lookup(ChannelLookup(table: cell.h[r], scale: halfScale, shift: [cell.wCenter], gradient: hGrad)).reshaped(to: w.shape)
            var hm = rows.lookup(ChannelLookup(table: cell.h[r], scale: halfScale.map { -$0 }, shift: [cell.wCenter], gradient: hGrad))
                .reshaped(to: w.shape)
            if let mismatch { hp = hp * mismatch.plus; hm = hm * mismatch.minus }
            let hw = hp - hm
            for (t, range) in tiles.enumerated() {
                // A tile: its input channels of the input and of the weights (axis 1 of both).
                let term = range.map { product(gx.slice(axis: 1, $0), hw.slice(axis: 1, $0)) } ?? product(gx, hw)
                partials[t] = r == 0 ? term : partials[t] + term
            }
        }
        // 3. Columns and 4. numbers: read noise is added to each tile's sum; then one look-up stage
        //    per tile, u = β·(Y + noise) + β·offset through the summer's curve, and for the total the
        //    ADC and the per-output factor droop/(κ·β·s_x·s_w) (folded into the stage's `post`).
        var perOutput = scales.weight.map { droop / (cell.kappa * scales.column * scales.input * $0) }
        if let compensation { perOutput = zip(perOutput, compensation).map { $0 * $1 } }
        let adc = settings.adcBits.flatMap { Converter(lo: -summer!.rails, hi: summer!.rails, bits: $0) }
        var column: Tensor? = nil
        for (t, partial) in partials.enumerated() {
            var y = partial
            if let sigma = settings.readNoise, sigma > 0 {
                y = y + GaussianNoise.samples(y.shape, sigma: Float(sigma), noise: context.noise, site: label + "/read/\(t)")
            }
            let offset = t == 0 ? mismatch?.offset : nil
            if let summer {
                let shift = offset.map { $0.scalars.map { scales.column * $0 } } ?? [0]
                if tiles.count == 1 {
                    // One tile: its stage is the whole column (summer, ADC, output factor).
                    let out = y.lookup(ChannelLookup(table: summer.curve, scale: [scales.column], shift: shift, post: perOutput, output: adc))
                    return finish(out, input: input, weight: w, tiles: 1)
                }
                // The tile's stage runs at γ_o·β (partial sums kept within h·rails, as the compiler
                // builds it) and its second-level input at 1/γ_o.
                if let gains = scales.tile {
                    let channelShift = shift.count == 1 ? gains.map { $0 * shift[0] } : zip(gains, shift).map { $0 * $1 }
                    y = y.lookup(ChannelLookup(table: summer.curve, scale: gains.map { $0 * scales.column }, shift: channelShift,
                                               post: gains.map { 1 / $0 }))
                } else {
                    y = y.lookup(ChannelLookup(table: summer.curve, scale: [scales.column], shift: shift))
                }
            } else if let offset {
                y = y + reshapedPerChannel(offset, like: y)   // no summer: β = 1
            }
            column = column.map { $0 + y } ?? y
        }
        let out = summer.map { column!.lookup(ChannelLookup(table: $0.curve, post: perOutput, output: adc)) }
            ?? column! * reshapedPerChannel(Tensor(shape: [outChannels], data: perOutput), like: column!)
        return finish(out, input: input, weight: w, tiles: tiles.count)
    }

    /// A bipolar-morphological layer's `Σ_{α,β} p^α p^β exp max_j(ln x_j^α + v_j^β)` (before its
    /// bias) through the BM cells (`BMCells.swift`), `product(L, v)` the layer's max-plus convolution:
    ///
    /// 1. a DAC of `dac_bits` over `±v_hi/s_x`, then `L^α = ℓ(s_x·x^α) − ln s_x` per input (`ε` of
    ///    `BipolarMorphological` inside the log), each row's converters offset by this chip's draw;
    /// 2. `M_αβ = product(L^α, v^β) − ⌈log₄ n⌉·δ/|a|` (the max-circuit tree's shortfall);
    /// 3. `E_αβ = g_αβ·exp_E(M_αβ) + o_αβ` (the exp converter's curve at this layer's `m₀`, the chip's
    ///    gain and offset per output);
    /// 4. `Y = E₊₊ − E₊₋ − E₋₊ + E₋₋` plus read noise (`σ` volts of the exp converter's output), the
    ///    summer's curve at gain `β` and the ADC, divided by `β`.
    ///
    /// Scales `s_x = h·v_hi/max|x|`, `e^{m₀}` and `β` are calibrated on the first batch (stored as the
    /// layer's input, weight and column scales, label `<v_plus>/bm`).
    private func bmWeightedSum(_ x: Tensor, plus: Parameter, minus: Parameter, context: ForwardContext,
                               weightShape: [Int]? = nil, _ product: (Tensor, Tensor) -> Tensor) -> Tensor {
        let label = Self.key(plus) + "/bm"
        let shape = weightShape ?? plus.shape
        let vPlus = plus.value.reshaped(to: shape), vMinus = minus.value.reshaped(to: shape)
        let outChannels = shape[0], rows = plus.value.count / outChannels
        let mismatch = settings.mismatch == true ? bmMismatchDraw(label: label, rowShape: Array(shape.dropFirst()), out: outChannels, context: context) : nil
        let lost = Float(MaxCell.levels(fanIn: rows)) * (maxCell.map { $0.shortfall / logCell!.voltsPerUnit } ?? 0)
        func terms(_ x: Tensor, _ sx: Float) -> [Tensor] {
            var xq = x
            if let bits = settings.dacBits, let cell = logCell { xq = Converters.quantize(x, lo: -cell.vHigh / sx, hi: cell.vHigh / sx, bits: bits) }
            func ln(_ t: Tensor) -> Tensor {
                guard let cell = logCell else { return (t + BipolarMorphological.epsilon).log() }
                return (sx * t + sx * BipolarMorphological.epsilon).log().lookup(cell.curve) - Foundation.log(sx)
            }
            let lp = ln(relu(xq)), lm = ln(relu(-xq))
            let (dp, dm) = (mismatch?.logPlus, mismatch?.logMinus)
            func shifted(_ v: Tensor, _ d: Tensor?) -> Tensor { d.map { v + $0 } ?? v }
            let m = [product(lp, shifted(vPlus, dp)), product(lp, shifted(vMinus, dp)),
                     product(lm, shifted(vPlus, dm)), product(lm, shifted(vMinus, dm))]
            return lost != 0 ? m.map { $0 - lost } : m
        }
        func column(_ m: [Tensor], _ scales: Scales) -> Tensor {
            let curve = expCurve(scale: scales.weight[0])
            var y: Tensor? = nil
            for (t, term) in m.enumerated() {
                var e = curve.map { term.lookup($0) } ?? term.exp()
                if let mismatch { e = e * mismatch.expGain[t] + mismatch.expOffset[t] * (scales.weight[0] / (headroom * expCell!.top)) }
                y = y.map { t == 3 ? $0 + e : $0 - e } ?? e
            }
            return y!
        }
        var scales = state.withLock { $0.scales[label] }
        if scales == nil {
            let maxX = x.scalars.reduce(0) { max($0, abs($1)) }
            var s = Scales(input: logCell != nil && maxX > 0 && maxX.isFinite ? headroom * logCell!.vHigh / maxX : 1, weight: [1], column: 1)
            noGrad {
                let m = terms(x.detached(), s.input)
                if expCell != nil {
                    let m0 = m.map { $0.scalars.max() ?? 0 }.max() ?? 0
                    s.weight = [Foundation.exp(min(max(m0, -80), 80))]
                }
                if let summer {
                    let maxY = column(m, s).scalars.reduce(0) { max($0, abs($1)) }
                    s.column = maxY > 0 && maxY.isFinite ? headroom * summer.rails / maxY : 1
                }
            }
            state.withLock { $0.scales[label] = $0.scales[label] ?? s }
            scales = state.withLock { $0.scales[label]! }
        }
        let s = scales!
        var y = column(terms(x, s.input), s)
        if let sigma = settings.readNoise, sigma > 0 {
            let perVolt = expCell.map { s.weight[0] / (headroom * $0.top) } ?? 1
            y = y + GaussianNoise.samples(y.shape, sigma: Float(sigma) * perVolt, noise: context.noise, site: label + "/read")
        }
        if let summer {
            let adc = settings.adcBits.flatMap { Converter(lo: -summer.rails, hi: summer.rails, bits: $0) }
            y = y.lookup(ChannelLookup(table: summer.curve, scale: [s.column], post: [1 / s.column], output: adc))
        }
        state.withLock {
            $0.counts.logConverters += 2 * x.count
            $0.counts.maxCells += 4 * y.count * ((rows + 1) / 3)
            $0.counts.expConverters += 4 * y.count
            $0.counts.summer += summer != nil ? y.count : 0
            $0.counts.converters += (settings.dacBits != nil ? x.count : 0) + (settings.adcBits != nil ? y.count : 0)
        }
        return y
    }

    /// The exp converter's curve at a layer's scale, made once per scale (nil: ideal, or a scale so
    /// extreme that the mapped grid is not finite, where the exact `exp` is used).
    private func expCurve(scale: Float) -> PiecewiseLinear? {
        guard let cell = expCell else { return nil }
        if let curve = state.withLock({ $0.expCurves[scale] }) { return curve }
        guard let curve = cell.curve(scale: scale, headroom: headroom) else { return nil }
        state.withLock { $0.expCurves[scale] = curve }
        return curve
    }

    /// This chip's BM cells for a layer (`BMMismatch`): each converter one Monte Carlo instance of
    /// its table, picked uniformly (the ideal cells: none).
    private func bmMismatchDraw(label: String, rowShape: [Int], out: Int, context: ForwardContext) -> BMMismatch {
        var (rng, fixed) = chipRandom(label + "/mismatch", context)
        if fixed, let m = state.withLock({ $0.bmMismatch[label] }) { return m }
        let rows = rowShape.reduce(1, *)
        func pick(_ values: [Float]) -> Float { values[Int(rng.next() % UInt64(values.count))] }
        func logs() -> Tensor {
            Tensor(shape: [1] + rowShape, data: (0..<rows).map { _ in logCell?.mismatch.map(pick) ?? 0 })
        }
        let plus = logs(), minus = logs()
        var gains = [Tensor](), offsets = [Tensor]()
        for _ in 0..<4 {
            var g = [Float](repeating: 1, count: out), o = [Float](repeating: 0, count: out)
            if let mc = expCell?.mismatch {
                for i in 0..<out {
                    let k = Int(rng.next() % UInt64(mc.gain.count))
                    g[i] = mc.gain[k]; o[i] = mc.offset[k]
                }
            }
            gains.append(Tensor(shape: [1, out, 1, 1], data: g)); offsets.append(Tensor(shape: [1, out, 1, 1], data: o))
        }
        let m = BMMismatch(logPlus: plus, logMinus: minus, expGain: gains, expOffset: offsets)
        if fixed { state.withLock { $0.bmMismatch[label] = m } }
        return m
    }

    /// Counts a layer's operations and returns its output.
    private func finish(_ out: Tensor, input: Tensor, weight w: Tensor, tiles: Int) -> Tensor {
        let outChannels = w.shape[0]
        state.withLock {
            $0.counts.cells += 2 * out.count * (w.count / outChannels)
            $0.counts.summer += out.count * (tiles > 1 ? tiles + 1 : 1)
            $0.counts.converters += (settings.dacBits != nil ? input.count : 0) + (settings.adcBits != nil ? out.count : 0)
        }
        return out
    }

    private var isRecording: Bool { Autograd.isRecording }

    /// `t` (per output channel) shaped to broadcast over `like` (`[N, C, …]`).
    private func reshapedPerChannel(_ t: Tensor, like y: Tensor) -> Tensor {
        t.reshaped(to: [1, t.count] + Array(repeating: 1, count: max(y.rank - 2, 0)))
    }

    /// `g̃_r(x) = g_r(x_c + s_x·x) − g_r(x_c)` on the grid `(x_i − x_c)/s_x`, made once per input scale;
    /// Nil when the mapped grid is not finite and strictly increasing (an extreme scale).
    private func mappedInputTables(_ cell: MultiplyCell, inputScale sx: Float) -> [PiecewiseLinear]? {
        if let tables = state.withLock({ $0.inputTables[sx] }) { return tables }
        var tables = [PiecewiseLinear]()
        for r in 0..<cell.rank {
            guard let t = try? PiecewiseLinear(x: cell.g[r].x.map { ($0 - cell.xCenter) / sx },
                                               y: cell.g[r].y.map { $0 - cell.gCenter[r] }) else { return nil }
            tables.append(t)
        }
        state.withLock { $0.inputTables[sx] = tables }
        return tables
    }

    /// The input-channel ranges of the tiles (`[nil]`: tiling off or one tile).
    private func tileRanges(_ shape: [Int]) -> [Range<Int>?] {
        guard let rows = settings.tiling?.rows else { return [nil] }
        let ranges = Tiling.tiles(inputChannels: shape[1], rowsPerChannel: shape.dropFirst(2).reduce(1, *), rows: rows)
        return ranges.count > 1 ? ranges : [nil]
    }

    /// The layer's scales, calibrated on this batch if the layer has none yet.
    private func calibratedScales(_ input: Tensor, _ w: Tensor, label: String, _ product: (Tensor, Tensor) -> Tensor) -> Scales {
        if let s = state.withLock({ $0.scales[label] }) { return s }
        let cell = mac!
        let maxX = input.scalars.reduce(0) { max($0, abs($1)) }
        let out = w.shape[0], per = w.count / out, values = w.scalars
        let rowMax = (0..<out).map { o in values[(o * per)..<((o + 1) * per)].reduce(0) { max($0, abs($1)) } }
        let layerMax = rowMax.max() ?? 0
        let sx = maxX > 0 && maxX.isFinite ? headroom * cell.xHalf / maxX : 1
        let sw = (perChannel ? rowMax : Array(repeating: layerMax, count: out)).map { $0 > 0 ? 2 * headroom * cell.wHalf / $0 : 1 }
        var scales = Scales(input: sx, weight: sw, column: 1)
        if let summer {
            // The column gain that brings this batch's largest column sum to h·rails.
            // Per tile (one tile: the whole fan-in) the partial column sums of this batch.
            let tiles = tileRanges(w.shape)
            let partials = noGrad { () -> [Tensor] in
                let xv = sx * input.detached() + cell.xCenter
                let ws = Tensor(shape: [out] + Array(repeating: 1, count: w.rank - 1), data: sw)
                let half = 0.5 * (ws * w.detached())
                var sums = [Tensor?](repeating: nil, count: tiles.count)
                for r in 0..<cell.rank {
                    let gx = xv.lookup(cell.g[r]) - cell.gCenter[r]
                    let hw = (half + cell.wCenter).lookup(cell.h[r]) - (cell.wCenter - half).lookup(cell.h[r])
                    for (t, range) in tiles.enumerated() {
                        let term = range.map { product(gx.slice(axis: 1, $0), hw.slice(axis: 1, $0)) } ?? product(gx, hw)
                        sums[t] = sums[t].map { $0 + term } ?? term
                    }
                }
                return sums.map { $0! }
            }
            let y = partials.dropFirst().reduce(partials[0], +)
            let maxY = y.scalars.reduce(0) { max($0, abs($1)) }
            scales.column = maxY > 0 ? headroom * summer.rails / maxY : 1
            if tiles.count > 1 {
                // γ_o = min(1, h·rails/(β·max_t |Y_o,t|)) (Docs/compiler.md, tiled partial sums).
                var largest = [Float](repeating: 0, count: out)
                for p in partials { for (o, m) in Self.channelMaxima(p).enumerated() { largest[o] = max(largest[o], m) } }
                let gains = largest.map { $0 > 0 ? min(1, headroom * summer.rails / (scales.column * $0)) : 1 }
                if gains.contains(where: { $0 < 1 }) { scales.tile = gains }
            }
        }
        state.withLock { $0.scales[label] = $0.scales[label] ?? scales }
        return state.withLock { $0.scales[label]! }
    }

    /// `max |y|` per channel (axis 1) of `y` (`[N, C, …]`).
    static func channelMaxima(_ y: Tensor) -> [Float] {
        let n = y.shape[0], c = y.shape[1], inner = y.count / max(n * c, 1), v = y.scalars
        var m = [Float](repeating: 0, count: c)
        for i in 0..<n { for k in 0..<c { for j in 0..<inner { m[k] = max(m[k], abs(v[(i * c + k) * inner + j])) } } }
        return m
    }

    /// This chip's per-cell gains (`plus`, `minus`, weight-shaped) and per-column offsets, drawn
    /// once per layer: each cell is one Monte Carlo instance of the table, picked uniformly.
    private func mismatchDraw(label: String, shape: [Int], context: ForwardContext) -> Mismatch {
        var (rng, fixed) = chipRandom(label + "/mismatch", context)
        if fixed, let m = state.withLock({ $0.mismatch[label] }) { return m }
        let mc = mac!.mismatch!
        let n = shape.reduce(1, *), out = shape[0], per = n / out
        var plus = [Float](repeating: 0, count: n), minus = plus, offset = [Float](repeating: 0, count: out)
        for i in 0..<n {
            let a = Int(rng.next() % UInt64(mc.gain.count)), b = Int(rng.next() % UInt64(mc.gain.count))
            plus[i] = mc.gain[a]; minus[i] = mc.gain[b]
            offset[i / per] += mc.offset[a] - mc.offset[b]
        }
        let m = Mismatch(plus: Tensor(shape: shape, data: plus), minus: Tensor(shape: shape, data: minus),
                         offset: Tensor(shape: [out], data: offset))
        if fixed { state.withLock { $0.mismatch[label] = m } }
        return m
    }

    /// The random source of a layer's per-chip draws at `site`, and whether they are the fixed
    /// chip's (which are drawn once and kept): the chip of `chipSeed`, or, in training under
    /// `chip_draws: step`, a chip of this step's own (`NoiseStream`, so a resumed run redraws it).
    func chipRandom(_ site: String, _ context: ForwardContext) -> (rng: RandomSource, fixed: Bool) {
        if context.training, settings.chipDraws == "step" { return (context.noise.generator(for: site + "/chip"), false) }
        return (RandomSource(seed: chipSeed, stream: NoiseStream.fnv1a(site)), true)
    }

    /// Keeps each calibrated layer's weights inside the cell's range: `|w| ≤ 2W/s_w`.
    public func afterUpdate(_ parameters: [Parameter]) {
        applyPulsedUpdates(parameters)
        let scales = state.withLock { $0.scales }
        guard mac != nil, !scales.isEmpty else { return }
        let limit = 2 * mac!.wHalf
        for p in parameters {
            guard let s = scales[Self.key(p)] else { continue }
            let per = p.value.count / max(s.weight.count, 1)
            p.update { w, _ in
                for i in 0..<w.count {
                    let bound = limit / s.weight[i / per]
                    w[i] = min(max(w[i], -bound), bound)
                }
            }
        }
    }

    // MARK: StatefulProfile

    public var stateArrays: [NamedArray] {
        state.withLock { s in
            s.scales.keys.sorted().flatMap { label in
                let v = s.scales[label]!
                return [NamedArray(name: "profile.scales." + label, shape: [v.weight.count + 2], values: [v.input, v.column] + v.weight)]
                    + (v.tile.map { [NamedArray(name: "profile.tiles." + label, shape: [$0.count], values: $0)] } ?? [])
            }
        }
    }

    public func loadState(from arrays: [NamedArray], path: String) throws {
        var scales = [String: Scales]()
        for a in arrays where a.name.hasPrefix("profile.scales.") {
            guard a.values.count >= 3, a.values.allSatisfy({ $0.isFinite && $0 > 0 }) else {
                throw NNError.corruptFile(path: path, reason: "bad calibrated scales '\(a.name)'")
            }
            scales[String(a.name.dropFirst("profile.scales.".count))] = Scales(input: a.values[0], weight: Array(a.values[2...]), column: a.values[1])
        }
        for a in arrays where a.name.hasPrefix("profile.tiles.") {
            let label = String(a.name.dropFirst("profile.tiles.".count))
            guard scales[label] != nil, a.values.allSatisfy({ $0.isFinite && $0 > 0 && $0 <= 1 }) else {
                throw NNError.corruptFile(path: path, reason: "bad tile gains '\(a.name)'")
            }
            scales[label]!.tile = a.values
        }
        state.withLock { $0.scales = scales }
    }
}

/// How often each kind of cell operated (for the energy estimate).
public struct OperationCounts: Sendable, Equatable, Codable {
    /// Multiply-cell operations (two per weight and output: the differential pair).
    public var cells = 0
    /// Column summer operations (one per output, and one per tile when tiled).
    public var summer = 0
    public var rectifier = 0
    /// Bipolar-morphological cells: log converters (two per input), four-input max circuits, exp
    /// converters (four per output).
    public var logConverters = 0
    public var maxCells = 0
    public var expConverters = 0
    /// DAC and ADC conversions.
    public var converters = 0
    public init() {}
}

/// Fan-in tiling, shared with the compiler: rows are ordered (input channel, ky, kx) and a module of
/// `rows` rows holds `max(1, ⌊rows / (k·k)⌋)` whole input channels.
public enum Tiling {
    /// The input-channel ranges of the tiles.
    public static func tiles(inputChannels: Int, rowsPerChannel: Int, rows: Int) -> [Range<Int>] {
        let perTile = max(1, rows / max(rowsPerChannel, 1))
        return stride(from: 0, to: inputChannels, by: perTile).map { $0..<min($0 + perTile, inputChannels) }
    }
}
