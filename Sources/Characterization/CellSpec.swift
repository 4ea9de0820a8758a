import Cells
import Foundation

/// One swept input: a V or I source stepped over `count` points from `lower` to `upper`, evenly
/// spaced (`lo:hi:n`) or, for inputs spanning decades such as a log converter's, geometrically
/// (`lo:hi:n:log`, `x_k = lo·(hi/lo)^(k/(n−1))`).
///
/// An input may instead name a top-level `.param` of the netlist (`parameter`), for a quantity
/// that is not a source, such as a resistor's conductance `R1 in out {10k/gw}`: the deck is read
/// again with that value replaced at each grid value (as ngspice's `alterparam` then `reset`),
/// and its sources are swept in each copy. `Characterizer` decides which it is: a V or I source
/// of that name, else a top-level `.param`.
public struct SweepAxis: Sendable, Equatable {
    /// Lower-case source (or parameter) name, e.g. `v1`.
    public var source: String
    public var lower: Double
    public var upper: Double
    public var count: Int
    /// Geometric spacing (needs `0 < lower`).
    public var logarithmic: Bool
    /// A top-level `.param` of the netlist rather than a source (set by `Characterizer`).
    public var parameter: Bool

    public init(source: String, lower: Double, upper: Double, count: Int, logarithmic: Bool = false, parameter: Bool = false) {
        self.source = source.lowercased()
        self.lower = lower
        self.upper = upper
        self.count = count
        self.logarithmic = logarithmic
        self.parameter = parameter
    }

    /// The `.dc` step `(upper − lower)/(count − 1)`.
    public var step: Double { (upper - lower) / Double(count - 1) }

    /// The grid: `lower + k·step`, `k = 0 ..< count`, computed exactly as the simulator's `.dc` does;
    /// geometric: `lower·exp(k/(n−1)·ln(upper/lower))` with the ends exact.
    public var grid: [Double] {
        guard logarithmic else { return (0..<count).map { lower + Double($0) * step } }
        let ratio = log(upper / lower)
        return (0..<count).map { k in
            k == 0 ? lower : k == count - 1 ? upper : lower * exp(ratio * Double(k) / Double(count - 1))
        }
    }

    /// `source=lo:hi:n` (`:log` appended for geometric spacing).
    public var text: String {
        "\(source)=\(Self.format(lower)):\(Self.format(upper)):\(count)" + (logarithmic ? ":log" : "")
    }

    static func format(_ v: Double) -> String { v == v.rounded() && abs(v) < 1e15 ? String(Int(v)) : "\(v)" }

    /// Parses `SRC=lo:hi:n` (command line) or `SRC lo:hi:n` (header); numbers take SPICE suffixes.
    public static func parse(_ text: String, origin: String) throws -> SweepAxis {
        let parts = text.split(whereSeparator: { $0 == "=" || $0 == " " || $0 == "\t" }).map(String.init)
        guard parts.count == 2 else {
            throw CharacterizationError.badSpec(origin: origin, reason: "expected SOURCE=lo:hi:n, got '\(text)'")
        }
        let range = parts[1].split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        guard range.count == 3 || (range.count == 4 && range[3].lowercased() == "log"), let lo = spiceNumber(range[0]),
            let hi = spiceNumber(range[1]), let n = Int(range[2])
        else {
            throw CharacterizationError.badSpec(origin: origin, reason: "expected lo:hi:n or lo:hi:n:log in '\(parts[1])'")
        }
        let logarithmic = range.count == 4
        if logarithmic && !(lo > 0) {
            throw CharacterizationError.badSpec(origin: origin, reason: "a log grid needs lo > 0 in '\(parts[1])'")
        }
        guard lo.isFinite, hi.isFinite, hi > lo, n >= 2, n <= 100_000 else {
            throw CharacterizationError.badSpec(
                origin: origin, reason: "need lo < hi (finite) and 2 ≤ n ≤ 100000 in '\(parts[1])'")
        }
        let first = parts[0].lowercased()
        guard let letter = first.first, letter.isLetter else {
            throw CharacterizationError.badSpec(origin: origin, reason: "'\(parts[0])' is not a V or I source or a .param name")
        }
        return SweepAxis(source: first, lower: lo, upper: hi, count: n, logarithmic: logarithmic)
    }
}

/// Parses `lo:hi` (SPICE numbers, lo ≤ hi).
public func parseRange(_ text: String, origin: String) throws -> ClosedRange<Double> {
    let parts = text.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
    guard parts.count == 2, let lo = spiceNumber(parts[0]), let hi = spiceNumber(parts[1]), lo.isFinite, hi.isFinite,
        lo <= hi
    else {
        throw CharacterizationError.badSpec(origin: origin, reason: "expected a range lo:hi with lo ≤ hi, got '\(text)'")
    }
    return lo...hi
}

/// Parses a step `a:b` (SPICE numbers, finite, `a ≠ b`, either order): the first input steps from
/// `a` to `b` (`step=10:1m` steps down).
public func parseStep(_ text: String, origin: String) throws -> (from: Double, to: Double) {
    let parts = text.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
    guard parts.count == 2, let a = spiceNumber(parts[0]), let b = spiceNumber(parts[1]), a.isFinite, b.isFinite, a != b else {
        throw CharacterizationError.badSpec(origin: origin, reason: "expected a step from:to of two different levels, got '\(text)'")
    }
    return (a, b)
}

/// A SPICE number with an optional scale suffix (`1k`, `10m`, `2.5meg`, `1u`), as in netlists.
public func spiceValue(_ text: String) -> Double? { spiceNumber(text) }

/// A SPICE number with an optional scale suffix (`1k`, `10m`, `2.5meg`, `1u`), as in netlists.
func spiceNumber(_ text: String) -> Double? {
    let lower = text.lowercased()
    // Scale by exponent text where possible, so `20u` is the double nearest 20e-6 (as `20e-6` parses).
    let suffixes: [(String, Int)] = [
        ("meg", 6), ("t", 12), ("g", 9), ("k", 3), ("m", -3), ("u", -6), ("µ", -6), ("n", -9), ("p", -12), ("f", -15),
    ]
    if let v = Double(lower) { return v }
    if lower.hasSuffix("mil"), let v = Double(lower.dropLast(3)) { return v * 25.4e-6 }
    for (suffix, exponent) in suffixes where lower.hasSuffix(suffix) {
        let mantissa = String(lower.dropLast(suffix.count))
        if !mantissa.contains("e"), let v = Double(mantissa + "e\(exponent)") { return v }
        if let v = Double(mantissa) { return v * pow(10, Double(exponent)) }
    }
    return nil
}

/// What to characterise: a netlist, its swept inputs, the output and the ideal function.
///
/// A cell netlist declares this in its header comments:
/// ```
/// * characterize: input=V1 -15:15:61 output=out
/// * ideal: -(x + 0.5*1 + 0.2*(-2))
/// ```
/// The grid is `lo:hi:n` (evenly spaced, one `.dc` sweep) or `lo:hi:n:log` (geometric).
/// `input=` may appear twice for a 2-D cell (x first, then w); `output=` is a node (`out` means
/// `v(out)`) or a source current `i(vname)`; an input may name a top-level `.param` instead of a
/// source (see `SweepAxis`); optional `tstop=T [step=from:to] [supplies=V1,V2]
/// [optime=T_op]` adds a transient step measurement (settling time; energy per operation over one
/// operation of `T_op`, default the settling time, see `measureDynamics`); optional `droop=t1:t2`
/// measures a held output's droop time constant over that window of the netlist's own `.tran`
/// (see `measureHold`); optional `fit=lo:hi` limits the Monte Carlo gain/offset fit to inputs x in
/// `[lo, hi]` (the linear range of a saturating cell); optional `noise=f1:f2` measures the read
/// noise, the output noise integrated from f1 to f2 Hz (see `measureReadNoise`), `noise=f1` up to
/// `1/(2·t_s)` from the settling time (needs `tstop=`). The ideal is an
/// expression of `x` (and `w`).
/// Any other field is an error naming the file and line.
public struct CellSpec: Sendable, Equatable {
    /// Cell name (the netlist's base name).
    public var name: String
    public var netlistPath: String
    /// The netlist's text, as hashed into the provenance.
    public var netlistText: String
    public var inputs: [SweepAxis]
    /// Simulator output label, e.g. `v(out)`.
    public var output: String
    public var ideal: String?
    /// x range of the Monte Carlo gain/offset fit (nil: whole grid).
    public var gainFitRange: ClosedRange<Double>?
    /// Transient step measurement (settling, energy); nil: not measured.
    public var dynamics: DynamicsSpec?
    /// Hold droop measurement; nil: not measured.
    public var hold: HoldSpec?
    /// Read-noise measurement; nil: not measured.
    public var noise: NoiseSpec?

    public init(
        name: String, netlistPath: String, netlistText: String, inputs: [SweepAxis], output: String, ideal: String?,
        gainFitRange: ClosedRange<Double>? = nil, dynamics: DynamicsSpec? = nil, hold: HoldSpec? = nil,
        noise: NoiseSpec? = nil
    ) {
        self.noise = noise
        self.hold = hold
        self.gainFitRange = gainFitRange
        self.dynamics = dynamics
        self.name = name
        self.netlistPath = netlistPath
        self.netlistText = netlistText
        self.inputs = inputs
        self.output = output
        self.ideal = ideal
    }

    /// The simulator label for an output spec: a bare node `out` → `v(out)`.
    public static func outputLabel(_ text: String) -> String {
        let t = text.lowercased().trimmingCharacters(in: .whitespaces)
        return t.hasPrefix("v(") || t.hasPrefix("i(") ? t : "v(\(t))"
    }

    /// The netlist of cell `name` in `directory` (`netlists/NAME.cir`).
    public static func path(cell name: String, directory: String) throws -> String {
        let path = (directory as NSString).appendingPathComponent("\(name).cir")
        guard FileManager.default.fileExists(atPath: path) else {
            let available = ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [])
                .filter { $0.hasSuffix(".cir") }.map { String($0.dropLast(4)) }.sorted()
            throw CharacterizationError.unknownCell(name: name, searched: path, available: available)
        }
        return path
    }

    /// Loads a netlist and its header spec; `inputs`/`output`/`ideal` given here override the header.
    public static func load(
        netlist path: String, name: String? = nil, inputs: [SweepAxis] = [], output: String? = nil, ideal: String? = nil
    ) throws -> CellSpec {
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            throw CharacterizationError.unreadable(path: path)
        }
        return try load(text: text, path: path, name: name, inputs: inputs, output: output, ideal: ideal)
    }

    /// The spec of a generated cell: its `characterizationDeck`, as if it were `directory/NAME.cir`
    /// (so its `.include opamp.lib` resolves in `directory`, normally netlists/), or, for a cell
    /// built with parameters, `directory/NAME[VARIANT].cir` (a name no file has, e.g.
    /// `max_circuit[inputs=2].cir`, recorded in the table's provenance).
    public static func load(
        cell: any Cell, directory: String, variant: String? = nil, inputs: [SweepAxis] = [], output: String? = nil,
        ideal: String? = nil
    ) throws -> CellSpec {
        let file = cell.name + (variant.map { "[\($0)]" } ?? "") + ".cir"
        let path = (directory as NSString).appendingPathComponent(file)
        return try load(text: cell.characterizationDeck, path: path, name: cell.name, inputs: inputs, output: output, ideal: ideal)
    }

    /// The spec of netlist `text` (read from, or standing for, `path`).
    public static func load(
        text: String, path: String, name: String? = nil, inputs: [SweepAxis] = [], output: String? = nil, ideal: String? = nil
    ) throws -> CellSpec {
        let header = try Header.parse(text, path: path)
        let chosenInputs = inputs.isEmpty ? header.inputs : inputs
        guard !chosenInputs.isEmpty, let chosenOutput = output ?? header.output else {
            throw CharacterizationError.missingSpec(path: path)
        }
        guard chosenInputs.count <= 2 else {
            throw CharacterizationError.badSpec(origin: path, reason: "at most 2 inputs (x, w), got \(chosenInputs.count)")
        }
        let base = ((path as NSString).lastPathComponent as NSString).deletingPathExtension
        return CellSpec(
            name: name ?? base, netlistPath: path, netlistText: text, inputs: chosenInputs,
            output: outputLabel(chosenOutput), ideal: ideal ?? header.ideal, gainFitRange: header.fitRange,
            dynamics: header.dynamics, hold: header.hold, noise: header.noise)
    }

    /// The `* characterize:` and `* ideal:` comment lines of a netlist.
    struct Header: Equatable {
        var inputs: [SweepAxis] = []
        var output: String?
        var ideal: String?
        var fitRange: ClosedRange<Double>?
        var dynamics: DynamicsSpec?
        var pendingStep: [Double]?   // [from, to]
        var pendingSupplies: [String] = []
        var pendingOperationTime: Double?
        var hold: HoldSpec?
        var noise: NoiseSpec?

        static func parse(_ text: String, path: String) throws -> Header {
            var header = Header()
            for (number, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
                let line = raw.trimmingCharacters(in: .whitespaces)
                guard line.hasPrefix("*") else { continue }
                let body = line.dropFirst().trimmingCharacters(in: .whitespaces)
                let origin = "\(path):\(number + 1)"
                if body.lowercased().hasPrefix("ideal:") {
                    header.ideal = body.dropFirst("ideal:".count).trimmingCharacters(in: .whitespaces)
                } else if body.lowercased().hasPrefix("characterize:") {
                    let words = body.dropFirst("characterize:".count).split(whereSeparator: { $0 == " " || $0 == "\t" })
                        .map(String.init)
                    var k = 0
                    while k < words.count {
                        let word = words[k]
                        let lower = word.lowercased()
                        if lower.hasPrefix("input=") {
                            // `input=V1 lo:hi:n` or `input=V1=lo:hi:n`
                            var spec = String(word.dropFirst("input=".count))
                            if !spec.contains("="), k + 1 < words.count {
                                spec += "=" + words[k + 1]
                                k += 1
                            }
                            header.inputs.append(try SweepAxis.parse(spec, origin: origin))
                        } else if lower.hasPrefix("tstop=") {
                            guard let stop = spiceNumber(String(word.dropFirst("tstop=".count))), stop > 0 else {
                                throw CharacterizationError.badSpec(origin: origin, reason: "bad '\(word)'")
                            }
                            header.dynamics = DynamicsSpec(
                                stop: stop, from: header.dynamics?.from, to: header.dynamics?.to,
                                supplies: header.dynamics?.supplies ?? [])
                        } else if lower.hasPrefix("step=") {
                            let step = try parseStep(String(word.dropFirst("step=".count)), origin: origin)
                            header.pendingStep = [step.from, step.to]
                        } else if lower.hasPrefix("supplies=") {
                            header.pendingSupplies = word.dropFirst("supplies=".count).split(separator: ",").map {
                                $0.lowercased()
                            }
                        } else if lower.hasPrefix("optime=") {
                            guard let op = spiceNumber(String(word.dropFirst("optime=".count))), op.isFinite, op > 0 else {
                                throw CharacterizationError.badSpec(
                                    origin: origin, reason: "bad '\(word)': the operation time must be a number of seconds > 0")
                            }
                            header.pendingOperationTime = op
                        } else if lower.hasPrefix("droop=") {
                            let r = try parseRange(String(word.dropFirst("droop=".count)), origin: origin)
                            guard r.lowerBound >= 0, r.lowerBound < r.upperBound else {
                                throw CharacterizationError.badSpec(
                                    origin: origin, reason: "bad '\(word)': the hold window needs 0 ≤ t1 < t2 (s)")
                            }
                            header.hold = HoldSpec(window: r)
                        } else if lower.hasPrefix("noise=") {
                            let value = String(word.dropFirst("noise=".count))
                            if !value.contains(":") {
                                // `noise=f1`: up to 1/(2·t_s), from the settling time.
                                guard let f1 = spiceNumber(value), f1 > 0, f1.isFinite else {
                                    throw CharacterizationError.badSpec(
                                        origin: origin, reason: "bad '\(word)': expected noise=f1 or noise=f1:f2 with 0 < f1 (Hz)")
                                }
                                header.noise = NoiseSpec(bandwidth: f1...f1, upperFromSettling: true)
                            } else {
                                let r = try parseRange(value, origin: origin)
                                guard r.lowerBound > 0, r.lowerBound < r.upperBound else {
                                    throw CharacterizationError.badSpec(
                                        origin: origin, reason: "bad '\(word)': the noise bandwidth needs 0 < f1 < f2 (Hz)")
                                }
                                header.noise = NoiseSpec(bandwidth: r)
                            }
                        } else if lower.hasPrefix("fit=") {
                            header.fitRange = try parseRange(String(word.dropFirst("fit=".count)), origin: origin)
                        } else if lower.hasPrefix("output=") {
                            header.output = String(word.dropFirst("output=".count))
                        } else {
                            throw CharacterizationError.badSpec(
                                origin: origin,
                                reason: "unknown field '\(word)' (expected input=SRC lo:hi:n, output=NODE, fit=lo:hi, "
                                    + "tstop=T, step=from:to, supplies=V1,V2, optime=T, droop=t1:t2, noise=f1:f2)")
                        }
                        k += 1
                    }
                }
            }
            if var d = header.dynamics {
                if let step = header.pendingStep {
                    d.from = step[0]
                    d.to = step[1]
                }
                d.supplies = header.pendingSupplies
                d.operationTime = header.pendingOperationTime
                header.dynamics = d
            } else if header.pendingOperationTime != nil {
                throw CharacterizationError.badSpec(origin: path, reason: "optime= needs tstop= (the transient step measurement)")
            }
            return header
        }
    }
}
