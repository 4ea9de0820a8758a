import Compiler
import Foundation
import Netlist
import Simulator

/// One image run entirely as circuits.
public struct ChainImage: Sendable, Equatable {
    public var index: Int
    public var label: Int
    public var digitalClass: Int
    public var circuitClass: Int
    /// The last layer's simulated outputs divided by their volts per unit.
    public var logits: [Double]
}

/// `kelvin verify --chain`: whole images through the compiled modules.
public struct ChainResult: Sendable, Equatable {
    public var images: [ChainImage]
    /// Operating points solved.
    public var solves: Int
    public var seconds: Double

    /// Images whose circuit class equals the tensor path's.
    public var agreeing: Int { images.filter { $0.circuitClass == $0.digitalClass }.count }
    public var circuitAccuracy: Double { Double(images.filter { $0.circuitClass == $0.label }.count) / Double(max(images.count, 1)) }
    public var digitalAccuracy: Double { Double(images.filter { $0.digitalClass == $0.label }.count) / Double(max(images.count, 1)) }

    public var summary: String {
        String(format: "chain: %d images as circuits, class = tensor path's on %d (%.1f %%); accuracy circuits %.1f %%, digital %.1f %%; %d operating points in %.1f s",
               images.count, agreeing, 100 * Double(agreeing) / Double(max(images.count, 1)), 100 * circuitAccuracy, 100 * digitalAccuracy,
               solves, seconds)
    }
}

extension Verifier {
    /// Runs the first `images` images of `DIR/network.json` through the modules, each stage's
    /// inputs set from the simulated outputs of the bank it reads (`input`: the image or a
    /// previous stage's outputs; the previous stage's when absent) times `input_gain`, a residual
    /// add's second inputs from its `second_input` bank (the block's shortcut or its input), one
    /// `SimulationSession` per module re-solved per output position.
    public static func chain(directory: String, images: Int? = nil) throws -> ChainResult {
        let program: NetworkProgram
        do { program = try NetworkProgram(path: directory + "/network.json") } catch { throw VerificationError.badInput("\(error)") }
        let selected = Array(program.images.prefix(images ?? program.images.count))
        guard !selected.isEmpty else { throw VerificationError.badInput("\(directory)/network.json: no images") }
        // Residual blocks branch: every stage must name the banks it reads (compiles before
        // residual networks had decks did not).
        if program.stages.contains(where: { $0.type == "add" }), let stage = program.stages.first(where: { $0.input == nil }) {
            throw VerificationError.badInput("\(directory)/network.json: stage \(stage.layer) (\(stage.type)) does not name the bank it reads; "
                + "recompile this residual network with this kelvin to run --chain")
        }
        var sessions = [String: SimulationSession]()
        var solves = 0
        let start = Date()
        var results = [ChainImage]()
        for image in selected {
            var values = image.input
            var banks = ["input": image.input]
            func read(_ bank: String, _ stage: NetworkProgram.Stage) throws -> [Double] {
                guard let v = banks[bank] else {
                    throw VerificationError.badInput("network.json: stage \(stage.layer) (\(stage.type)) reads bank '\(bank)', which no earlier stage wrote")
                }
                return v
            }
            for stage in program.stages where stage.type != "flatten" {
                guard let module = stage.module, let deck = stage.deck else {
                    throw VerificationError.badInput("network.json: stage \(stage.layer) (\(stage.type)) has no module or deck")
                }
                let x = try stage.input.map { try read($0, stage) } ?? values
                let second = try stage.secondInput.map { try read($0, stage) }
                do {
                    if sessions[module] == nil { sessions[module] = try SimulationSession(deck: try NetlistParser.parse(file: directory + "/" + deck)) }
                    var session = sessions[module]!
                    values = try run(stage, on: x, second: second, session: &session, solves: &solves)
                    banks["b" + stage.layer] = values
                    sessions[module] = session
                } catch let e as VerificationError {
                    throw e
                } catch {
                    throw VerificationError.deckFailed(deck: directory + "/" + deck, reason: "image \(image.index), layer \(stage.layer): \(error)")
                }
            }
            let scale = program.stages.last { $0.type != "flatten" }?.outputScale ?? []
            // Channel-major outputs: value i belongs to channel i / (values per channel).
            let per = scale.isEmpty ? 1 : max(values.count / scale.count, 1)
            let logits = values.enumerated().map { $0.offset / per < scale.count ? $0.element / scale[$0.offset / per] : $0.element }
            let best = logits.indices.max { logits[$0] < logits[$1] } ?? 0
            results.append(ChainImage(index: image.index, label: image.label, digitalClass: image.digitalClass, circuitClass: best, logits: logits))
        }
        return ChainResult(images: results, solves: solves, seconds: Date().timeIntervalSince(start))
    }

    /// One stage on all its output positions: the volts `x` of the bank it reads (shape
    /// `stage.inputShape`; a residual add's shortcut volts `second`) → this stage's output volts
    /// (`stage.outputShape`, channel-major).
    static func run(_ stage: NetworkProgram.Stage, on x: [Double], second: [Double]? = nil, session: inout SimulationSession,
                    solves: inout Int) throws -> [Double] {
        let out = stage.outputShape
        let channels = out[0]
        let positions = out.count == 3 ? out[1] * out[2] : 1
        var y = [Double](repeating: 0, count: channels * positions)
        let k = stage.kernel, s = stage.stride, pad = stage.padding
        let (c, h, w) = stage.inputShape.count == 3 ? (stage.inputShape[0], stage.inputShape[1], stage.inputShape[2]) : (x.count, 1, 1)
        for p in 0..<positions {
            let (oy, ox) = out.count == 3 ? (p / out[2], p % out[2]) : (0, 0)
            /// Sets the source `name(channel, j)` of every element j of the k×k window at (oy, ox)
            /// to its input volts, or to `padding` outside the image.
            func window(padding: Double, _ name: (Int, Int) -> String) throws {
                for ch in 0..<c {
                    for j in 0..<(k * k) {
                        let iy = oy * s - pad + j / k, ix = ox * s - pad + j % k
                        let v = iy >= 0 && iy < h && ix >= 0 && ix < w ? stage.inputGain[ch] * x[(ch * h + iy) * w + ix] : padding
                        try session.setSource(name(ch, j), v)
                    }
                }
            }
            switch stage.type {
            case "linear":
                for f in 0..<x.count { try session.setSource("VX\(f + 1)", stage.inputGain[f] * x[f]) }
                try session.setSource("VREF", stage.reference ?? 0)
            case "conv2d":
                try window(padding: 0) { ch, j in "VX\(ch * k * k + j + 1)" }
                try session.setSource("VREF", stage.reference ?? 0)
            case "maxpool2d":
                try window(padding: -10) { ch, j in "VI\(ch + 1)_\(j + 1)" }
            case "avgpool2d":
                try window(padding: 0) { ch, j in "VI\(ch + 1)_\(j + 1)" }
            case "globalavgpool":
                for ch in 0..<c {
                    for j in 0..<(h * w) { try session.setSource("VI\(ch + 1)_\(j + 1)", stage.inputGain[ch] * x[ch * h * w + j]) }
                }
            case "add":
                guard let second, let gains = stage.secondGain, second.count == x.count, gains.count == channels, stage.inputGain.count == channels else {
                    throw VerificationError.badInput("network.json: add \(stage.layer) lacks its shortcut's bank or gains")
                }
                for ch in 0..<channels {
                    try session.setSource("VB\(ch + 1)", stage.inputGain[ch] * x[ch * positions + p])
                    try session.setSource("VS\(ch + 1)", gains[ch] * second[ch * positions + p])
                }
            default:
                throw VerificationError.badInput("network.json: stage \(stage.layer) has unknown type '\(stage.type)'")
            }
            try session.solve()
            solves += 1
            for o in 0..<channels { y[o * positions + p] = try session.voltage("\(stage.outputPrefix)\(o + 1)") }
        }
        return y
    }
}
