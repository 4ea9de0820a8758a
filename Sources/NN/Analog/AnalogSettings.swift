import Foundation

/// An analog execution profile as a document (`*.json`, Docs/analog-profiles.md): which
/// characterised tables compute which stage, and the noise, mismatch, converter and storage
/// effects applied on top. Keys are snake_case; an unknown key or a value out of range is refused,
/// naming the file and the key.
///
/// Tables are named by a cell (`nmos_vcr_amplifier`, characterised on first use and cached), a
/// path ending in `.lut`, or `ideal` (the exact function: `x·w`, `max(0, x)`, a unit-gain sum).
public struct AnalogSettings: Codable, Sendable, Equatable {
    /// How the weighted sums of conv and linear layers are computed.
    public struct MAC: Codable, Sendable, Equatable {
        /// The 2-D table `f(x, w)` of one multiply cell (x: input volts, w: weight volts).
        public var table: String
        /// Use at most this many terms of the separable fit `f ≈ Σ_r g_r(x)·h_r(w)` (nil: the table's own rank).
        public var rank: Int?
        /// Largest relative Frobenius residual of the fit at that rank that the profile accepts.
        public var fitTolerance: Double?
        /// `exact` (derivatives of the fitted curves) or `straight-through` (each curve's mean slope).
        public var gradient: String?
    }
    /// The column summer: its 1-D table (normalised to unit gain and zero offset at 0 V, so its
    /// rails and nonlinearity remain), or `ideal` with hard `rails`.
    public struct Summer: Codable, Sendable, Equatable {
        public var table: String?
        /// Output rails, V (an ideal summer's clipping level; ignored when a table is given).
        public var rails: Double?
    }
    /// Fan-in tiling: a module holds `rows` rows (input channel, ky, kx), cut at whole input
    /// channels; each tile's partial sum passes the summer on its own before the second-level sum.
    public struct Tiling: Codable, Sendable, Equatable {
        public var rows: Int
    }
    /// A 1-D activation curve (volts → volts); `invert` when the cell sees the inverted
    /// transimpedance output (the precision rectifier computes max(0, −v)).
    public struct Curve: Codable, Sendable, Equatable {
        public var table: String
        public var invert: Bool?
    }
    /// Bipolar-morphological layers (seed 003) through characterised cells: a log converter per
    /// input, trees of four-input max circuits, an exp converter per output term (`BMCells.swift`);
    /// `ideal` for the exact function. `max` absent: ideal max circuits.
    public struct BM: Codable, Sendable, Equatable {
        public var log: String
        public var exp: String
        public var max: String?
    }
    /// Results held on capacitors for `time` seconds droop by `exp(−time/τ)`, τ given or from
    /// the hold cell's table.
    public struct Hold: Codable, Sendable, Equatable {
        public var time: Double
        public var tau: Double?
        public var table: String?
    }

    public var name: String
    public var description: String?
    /// `analog` (gradients through the analog forward) or `digital` (straight-through: the digital
    /// op's gradient at the same inputs).
    public var backward: String?
    public var mac: MAC?
    public var summer: Summer?
    public var tiling: Tiling?
    /// ReLU through a characterised rectifier.
    public var relu: Curve?
    /// Per-cell gain and offset from the tables' Monte Carlo statistics, fixed per chip (`--chip-seed`).
    public var mismatch: Bool?
    /// In training, which chip the per-chip draws (mismatch, device programming error, stuck cells,
    /// drift exponents) come from: `fixed` (default) the one of `--chip-seed`; `step` a fresh chip
    /// every step, drawn from the step's noise stream (training over the distribution of chips, as
    /// hardware-aware training injects programming noise). Evaluation always uses `--chip-seed`.
    public var chipDraws: String?
    /// σ of the noise added at each column output, V.
    public var readNoise: Double?
    /// Relative σ of the per-step perturbation of the weights used in forward and backward.
    public var weightNoise: Double?
    /// Relative σ by which each weight update is multiplied: `Δw·(1 + σ·N(0, 1))`.
    public var updateNoise: Double?
    /// Resolution of the converters at the analog/digital boundaries (nil: none).
    public var dacBits: Int?
    public var adcBits: Int?
    public var hold: Hold?
    public var bm: BM?
    /// Fraction of each range (input, weight, summer, activation) used by the calibrated scales.
    public var headroom: Double?
    /// Weight scales per `layer` or per output `channel`.
    public var granularity: String?
    /// The resistive device that stores the weights (`Device.swift`); presets fill defaults.
    public var device: DeviceSettings?

    public init(name: String) { self.name = name }

    /// Every key the document may contain, by object (for the strict key check).
    static let keys: [String: Set<String>] = [
        "": ["name", "description", "backward", "mac", "summer", "tiling", "relu", "mismatch", "chip_draws", "read_noise",
             "weight_noise", "update_noise", "dac_bits", "adc_bits", "hold", "headroom", "granularity", "device", "bm"],
        "mac": ["table", "rank", "fit_tolerance", "gradient"],
        "summer": ["table", "rails"],
        "tiling": ["rows"],
        "relu": ["table", "invert"],
        "hold": ["time", "tau", "table"],
        "bm": ["log", "exp", "max"],
    ].merging(DeviceSettings.keys) { a, _ in a }

    /// Reads a profile document; `path` names it in errors.
    public init(json data: Data, path: String) throws {
        let object: Any
        do { object = try JSONSerialization.jsonObject(with: data) } catch {
            throw NNError.corruptFile(path: path, reason: "not valid JSON (\(error.localizedDescription))")
        }
        guard let top = object as? [String: Any] else { throw NNError.corruptFile(path: path, reason: "a profile is a JSON object") }
        try Self.checkKeys(top, at: "", path: path)
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        do { self = try decoder.decode(AnalogSettings.self, from: data) } catch DecodingError.keyNotFound(let key, let context) {
            let parent = Self.keyPath(context.codingPath)
            throw NNError.corruptFile(path: path, reason: "missing key '\(parent.isEmpty ? "" : parent + ".")\(Self.snake(key.stringValue))'")
        } catch let DecodingError.typeMismatch(_, context), let DecodingError.valueNotFound(_, context) {
            throw NNError.corruptFile(path: path, reason: "key '\(Self.keyPath(context.codingPath))': \(context.debugDescription)")
        } catch {
            throw NNError.corruptFile(path: path, reason: "\(error)")
        }
        device = try device?.resolved(path: path)
        try validate(path: path)
    }

    /// The document as written to `RUNDIR/profile.json` (sorted snake_case keys).
    public func json() -> String {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        return String(decoding: (try? encoder.encode(self)) ?? Data(), as: UTF8.self)
    }

    private static func keyPath(_ path: [any CodingKey]) -> String {
        path.map { key in key.intValue.map { "[\($0)]" } ?? snake(key.stringValue) }.joined(separator: ".")
    }

    private static func snake(_ key: String) -> String {
        key.replacingOccurrences(of: "([a-z])([A-Z])", with: "$1_$2", options: .regularExpression).lowercased()
    }

    private static func checkKeys(_ object: [String: Any], at prefix: String, path: String) throws {
        let allowed = keys[prefix] ?? []
        for key in object.keys.sorted() {
            let full = prefix.isEmpty ? key : prefix + "." + key
            guard allowed.contains(key) else {
                let near = allowed.min { editDistance($0, key) < editDistance($1, key) }
                let hint = near.map { editDistance($0, key) <= 2 ? " (did you mean '\($0)'?)" : "" } ?? ""
                throw NNError.corruptFile(path: path, reason: "unknown key '\(full)'\(hint)")
            }
            if let nested = object[key] as? [String: Any] { try checkKeys(nested, at: full, path: path) }
        }
    }

    /// Checks every value's range, naming the key.
    public func validate(path: String) throws {
        func fail(_ key: String, _ reason: String) -> NNError { .corruptFile(path: path, reason: "key '\(key)': \(reason)") }
        func nonNegative(_ key: String, _ v: Double?) throws {
            if let v, !(v >= 0 && v.isFinite) { throw fail(key, "must be a finite number ≥ 0, got \(v)") }
        }
        guard !name.isEmpty else { throw fail("name", "must not be empty") }
        if let b = backward, !["analog", "digital"].contains(b) { throw fail("backward", "use analog or digital, got '\(b)'") }
        if let g = granularity, !["layer", "channel"].contains(g) { throw fail("granularity", "use layer or channel, got '\(g)'") }
        if let mac {
            if let r = mac.rank, r < 1 { throw fail("mac.rank", "must be ≥ 1, got \(r)") }
            try nonNegative("mac.fit_tolerance", mac.fitTolerance)
            if let g = mac.gradient, !["exact", "straight-through"].contains(g) {
                throw fail("mac.gradient", "use exact or straight-through, got '\(g)'")
            }
        }
        if let rails = summer?.rails, !(rails > 0 && rails.isFinite) { throw fail("summer.rails", "must be > 0, got \(rails)") }
        if let rows = tiling?.rows, rows < 1 { throw fail("tiling.rows", "must be ≥ 1, got \(rows)") }
        try nonNegative("read_noise", readNoise)
        try nonNegative("weight_noise", weightNoise)
        try nonNegative("update_noise", updateNoise)
        for (key, bits) in [("dac_bits", dacBits), ("adc_bits", adcBits)] {
            if let bits, !(1...24).contains(bits) { throw fail(key, "must be 1…24, got \(bits)") }
        }
        if let hold {
            try nonNegative("hold.time", hold.time)
            if let tau = hold.tau, !(tau > 0 && tau.isFinite) { throw fail("hold.tau", "must be > 0, got \(tau)") }
            if hold.tau == nil, hold.table == nil { throw fail("hold", "give tau or the hold cell's table") }
        }
        if let h = headroom, !(h > 0 && h <= 1) { throw fail("headroom", "must be in (0, 1], got \(h)") }
        if let c = chipDraws {
            guard ["fixed", "step"].contains(c) else { throw fail("chip_draws", "use fixed or step, got '\(c)'") }
            if mismatch != true, device == nil {
                throw fail("chip_draws", "needs per-chip draws to choose between (mismatch or a device)")
            }
        }
        try device?.validate(path: path)
    }

    /// Every table the profile names (the keys of `ProfileRecord.tables`).
    public var tableNames: [String] {
        [mac?.table, summer?.table, relu?.table, hold?.table, bm?.log, bm?.exp, bm?.max].compactMap { $0 }.filter { $0 != "ideal" }
    }
}

/// Levenshtein distance, for "did you mean" hints.
func editDistance(_ a: String, _ b: String) -> Int {
    let a = Array(a), b = Array(b)
    var row = Array(0...b.count)
    for i in 1...max(a.count, 1) where !a.isEmpty {
        var previous = row[0]
        row[0] = i
        for j in 1...max(b.count, 1) where !b.isEmpty {
            let current = row[j]
            row[j] = min(row[j] + 1, row[j - 1] + 1, previous + (a[i - 1] == b[j - 1] ? 0 : 1))
            previous = current
        }
    }
    return row[b.count]
}
