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
    /// inputs set from the previous stage's simulated outputs (times `input_gain`), one
    /// `SimulationSession` per module re-solved per output position.
    public static func chain(directory: String, images: Int? = nil) throws -> ChainResult {
        let program: NetworkProgram
        do { program = try NetworkProgram(path: directory + "/network.json") } catch { throw VerificationError.badInput("\(error)") }
        let selected = Array(program.images.prefix(images ?? program.images.count))
        guard !selected.isEmpty else { throw VerificationError.badInput("\(directory)/network.json: no images") }
        // A residual block's stages do not form one chain (body and shortcut branch from one input).
        if let branched = program.stages.first(where: { $0.type == "add" || $0.layer.contains(".") }) {
            throw VerificationError.badInput("\(directory)/network.json: stage \(branched.layer) (\(branched.type)) is part of a residual block; "
                + "--chain runs sequential networks only (verify blocks per position)")
        }
        var sessions = [String: SimulationSession]()
        var solves = 0
        let start = Date()
        var results = [ChainImage]()
        for image in selected {
            var values = image.input
            for stage in program.stages where stage.type != "flatten" {
                guard let module = stage.module, let deck = stage.deck else {
                    throw VerificationError.badInput("network.json: stage \(stage.layer) (\(stage.type)) has no module or deck")
                }
                do {
                    if sessions[module] == nil { sessions[module] = try SimulationSession(deck: try NetlistParser.parse(file: directory + "/" + deck)) }
                    var session = sessions[module]!
                    values = try run(stage, on: values, session: &session, solves: &solves)
                    sessions[module] = session
                } catch let e as VerificationError {
                    throw e
                } catch {
                    throw VerificationError.deckFailed(deck: directory + "/" + deck, reason: "image \(image.index), layer \(stage.layer): \(error)")
                }
            }
            let scale = program.stages.last { $0.type != "flatten" }?.outputScale ?? []
            let logits = values.enumerated().map { $0.offset < scale.count ? $0.element / scale[$0.offset] : $0.element }
            let best = logits.indices.max { logits[$0] < logits[$1] } ?? 0
            results.append(ChainImage(index: image.index, label: image.label, digitalClass: image.digitalClass, circuitClass: best, logits: logits))
        }
        return ChainResult(images: results, solves: solves, seconds: Date().timeIntervalSince(start))
    }

    /// One stage on all its output positions: the previous stage's volts `x` (shape
    /// `stage.inputShape`) → this stage's output volts (`stage.outputShape`, channel-major).
    static func run(_ stage: NetworkProgram.Stage, on x: [Double], session: inout SimulationSession, solves: inout Int) throws -> [Double] {
        let out = stage.outputShape
        let channels = out[0]
        let positions = out.count == 3 ? out[1] * out[2] : 1
        var y = [Double](repeating: 0, count: channels * positions)
        let k = stage.kernel, s = stage.stride, pad = stage.padding
        let (c, h, w) = stage.inputShape.count == 3 ? (stage.inputShape[0], stage.inputShape[1], stage.inputShape[2]) : (x.count, 1, 1)
        for p in 0..<positions {
            let (oy, ox) = out.count == 3 ? (p / out[2], p % out[2]) : (0, 0)
            switch stage.type {
            case "linear":
                for f in 0..<x.count { try session.setSource("VX\(f + 1)", stage.inputGain[f] * x[f]) }
                try session.setSource("VREF", stage.reference ?? 0)
            case "conv2d":
                for ch in 0..<c {
                    for j in 0..<(k * k) {
                        let iy = oy * s - pad + j / k, ix = ox * s - pad + j % k
                        let v = iy >= 0 && iy < h && ix >= 0 && ix < w ? stage.inputGain[ch] * x[(ch * h + iy) * w + ix] : 0
                        try session.setSource("VX\(ch * k * k + j + 1)", v)
                    }
                }
                try session.setSource("VREF", stage.reference ?? 0)
            case "maxpool2d":
                for ch in 0..<c {
                    for j in 0..<(k * k) {
                        let iy = oy * s - pad + j / k, ix = ox * s - pad + j % k
                        let v = iy >= 0 && iy < h && ix >= 0 && ix < w ? stage.inputGain[ch] * x[(ch * h + iy) * w + ix] : -10
                        try session.setSource("VI\(ch + 1)_\(j + 1)", v)
                    }
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
