import Foundation

/// `schedule.json`: the digital control unit's program for one inference — slot by slot, which
/// module runs, which storage capacitors its rows are switched to, which capacitors sample its
/// outputs, and for how long.
///
/// Banks are the seed's stack storage: `input` holds the image (`C·H·W` volts), `b<layer>` the
/// outputs of a stage, channel-major (`address = channel·P + position`); a flatten reads its
/// predecessor's bank unchanged. A read address of −1 ties the row to the input centre `x_c`
/// (padding).
///
/// A compile of several models (`kelvin compile --checkpoint A --checkpoint B`) has one **track**
/// per model: the model's own modules and banks (names prefixed `m<k>/`), its slots exactly those
/// of its single-model schedule shifted by the track's start, and the tracks running side by side
/// (their slots overlap in time). Every slot names its track; the invariants hold across tracks.
public struct Schedule: Sendable, Equatable, CompileFile {
    public struct Bank: Sendable, Equatable, Codable {
        public var name: String
        public var size: Int
        /// A training-step accumulator (`d<layer>`, the input gradient of a stage), discharged to
        /// 0 V when the training step starts.
        public var reset: Bool? = nil
        /// Written by the digital unit before the phase that reads it (`loss`: the errors of the
        /// network's output, softmax − one-hot).
        public var preset: Bool? = nil
    }

    public struct Access: Sendable, Equatable, Codable {
        public var bank: String
        public var addresses: [Int]
    }

    public struct Slot: Sendable, Equatable, Codable {
        public var slot: Int
        public var layer: String
        public var module: String
        public var position: Int
        /// Start time and length (s).
        public var start: Double
        public var duration: Double
        /// Row `r` is connected to `read.addresses[r]`.
        public var read: Access
        /// Output `o` is sampled onto `write.addresses[o]`.
        public var write: Access
        /// Switches closed during the slot (input and sampling).
        public var switchesClosed: Int
        /// A residual add's second input (the shortcut: input `s<c>` is connected to
        /// `read_second.addresses[c]`); nil (absent in the JSON) for one-input modules.
        public var readSecond: Access? = nil
        /// Training-step slots: `backward` (the backward read, or a max-pool's routing of the
        /// errors) or `update` (the weight update: `read` is the stage's input, `read_second` its
        /// errors, `write` the module's weight cells, no addresses); nil for inference slots.
        public var phase: String? = nil
        /// Whether the written capacitors accumulate charge (a backward read adds onto the δ bank).
        public var accumulate: Bool? = nil
        /// The track (model) the slot belongs to in a multi-model schedule (`tracks[track]`); nil
        /// (absent in the JSON) in a single-model one. `slot` counts within the track.
        public var track: Int? = nil

        /// The end of the slot (s).
        public var end: Double { start + duration }

        enum CodingKeys: String, CodingKey {
            case slot, layer, module, position, start, duration, read, write, switchesClosed = "switches_closed", readSecond = "read_second",
                 phase, accumulate, track
        }
    }

    /// One model's track of a multi-model schedule: its modules live in the model's folder (its
    /// slots' `module` paths start with `m0/`), its banks are named `m0/<bank>` (`m0/input`,
    /// `m0/b3`), and its slots are its single-model schedule's, shifted by `start`.
    public struct Track: Sendable, Equatable, Codable {
        public var track: Int
        /// The model's name and folder (`m0`).
        public var model: String
        /// The checkpoint it was compiled from (as given).
        public var checkpoint: String
        /// When the track's first slot starts (s).
        public var start: Double
        /// The track's inference: its slots one after another (s).
        public var latency: Double
        /// The track's training step after its inference (s); nil where it is not scheduled.
        public var trainingLatency: Double?

        /// The prefix of the track's banks and module paths (`m0/`).
        public var prefix: String { model + "/" }

        public init(track: Int, model: String, checkpoint: String, start: Double, latency: Double, trainingLatency: Double?) {
            self.track = track; self.model = model; self.checkpoint = checkpoint; self.start = start
            self.latency = latency; self.trainingLatency = trainingLatency
        }

        enum CodingKeys: String, CodingKey {
            case track, model, checkpoint, start, latency = "latency_s", trainingLatency = "training_latency_s"
        }
    }

    public var banks: [Bank]
    public var slots: [Slot]
    /// The slots of one training step after the inference (`Builder.scheduleTraining`); nil, with
    /// `training_note` saying why, where it is not scheduled.
    public var training: [Slot]? = nil
    public var trainingNote: String? = nil
    /// The tracks of a multi-model schedule (nil, absent in the JSON, for one model).
    public var tracks: [Track]? = nil

    public init(banks: [Bank], slots: [Slot], training: [Slot]? = nil, trainingNote: String? = nil, tracks: [Track]? = nil) {
        self.banks = banks; self.slots = slots; self.training = training; self.trainingNote = trainingNote; self.tracks = tracks
    }

    enum CodingKeys: String, CodingKey { case banks, slots, training, trainingNote = "training_note", tracks }
    /// The latency of one inference (s): the sum of the slots' durations, or with tracks the
    /// longest track's (the tracks run side by side).
    public var latency: Double {
        if let tracks { return tracks.map { $0.start + $0.latency }.max() ?? 0 }
        return slots.reduce(0) { $0 + $1.duration }
    }

    public static let fileKind = "a control schedule"

    /// Violations of the schedule's invariants (empty when it is sound), over the inference and then
    /// the training step: every bank address read was written before (the input banks before slot
    /// 0, a `preset` bank by the digital unit, a `reset` bank as a whole when its first writer
    /// runs: discharged, then accumulated onto; a write of another track only once its slot has
    /// ended), no capacitor is written twice (an accumulating write adds charge instead), no module
    /// row or output is left unconnected, addresses are inside their banks, the slots of a track do
    /// not overlap, and slots of different tracks that overlap in time use different modules and
    /// never drive one capacitor. With tracks, each track reads and writes only its own banks and
    /// modules (`m<k>/…`): the models' module sets are disjoint.
    public func violations() -> [String] {
        var problems = [String]()
        var sizes = [String: Int]()
        for b in banks { sizes[b.name] = b.size }
        let all = slots + (self.training ?? [])
        func describe(_ s: Slot) -> String {
            (s.track.map { "track \($0) " } ?? "") + (s.phase == nil ? "slot \(s.slot)" : "training slot \(s.slot) (\(s.phase!))") + " of layer \(s.layer)"
        }
        // When each written capacitor holds its value: the writer's track and the end of its slot
        // (a slot sees its own track's earlier writes in program order, another track's once ended).
        var written = [String: (track: Int?, end: Double)]()
        let inputs = ["input"] + (tracks ?? []).map { $0.prefix + "input" }
        for name in inputs { for a in 0..<(sizes[name] ?? 0) { written["\(name)/\(a)"] = (nil, -.infinity) } }
        for b in banks where b.preset == true { for a in 0..<b.size { written["\(b.name)/\(a)"] = (nil, -.infinity) } }
        var resetBanks = Set(banks.filter { $0.reset == true }.map(\.name))
        var clocks = [Int: Double]()  // per track (−1: no track)
        if let tracks {
            if Set(tracks.map(\.model)).count != tracks.count { problems.append("two tracks have the same model name") }
            for (k, t) in tracks.enumerated() where t.track != k { problems.append("track \(k) is numbered \(t.track)") }
        }
        for s in all {
            let at = describe(s)
            if let tracks {
                guard let t = s.track, t >= 0, t < tracks.count else { problems.append("\(at): no track of this schedule"); continue }
                let prefix = tracks[t].prefix
                if !s.module.hasPrefix(prefix) { problems.append("\(at): module \(s.module) is not one of track \(t)'s (\(prefix)…)") }
                for bank in [s.read.bank, s.write.bank] + (s.readSecond.map { [$0.bank] } ?? []) where !bank.hasPrefix(prefix) {
                    problems.append("\(at): bank \(bank) is not one of track \(t)'s (\(prefix)…)")
                }
            }
            if resetBanks.remove(s.write.bank) != nil, let size = sizes[s.write.bank] {
                // An accumulator's first writer: the bank was discharged to 0 V, so every address holds a value from now on.
                for a in 0..<size { written["\(s.write.bank)/\(a)"] = (s.track, s.start) }
            }
            let trackStart = s.track.flatMap { t in tracks.flatMap { t >= 0 && t < $0.count ? $0[t].start : nil } } ?? 0
            let clock = clocks[s.track ?? -1] ?? trackStart
            if s.start < clock - 1e-15 { problems.append("\(at) starts at \(s.start) s, before the previous slot ends (\(clock) s)") }
            clocks[s.track ?? -1] = s.end
            let update = s.phase == "update" && s.write.addresses.isEmpty
            guard sizes[s.read.bank] != nil, let writeSize = update ? 0 : sizes[s.write.bank] else {
                problems.append("\(at): unknown bank \(s.read.bank) or \(s.write.bank)"); continue
            }
            for access in [s.read] + (s.readSecond.map { [$0] } ?? []) {
                guard let size = sizes[access.bank] else { problems.append("\(at): unknown bank \(access.bank)"); continue }
                for a in access.addresses where a != -1 {
                    if a < 0 || a >= size { problems.append("\(at): read address \(a) outside bank \(access.bank) (\(size))"); continue }
                    guard let w = written["\(access.bank)/\(a)"] else { problems.append("\(at): reads \(access.bank)[\(a)] before it is written"); continue }
                    if w.track != nil, w.track != s.track, w.end > s.start + 1e-15 {
                        problems.append("\(at): reads \(access.bank)[\(a)] before it is written (track \(w.track!)'s writer ends at \(w.end) s)")
                    }
                }
            }
            var thisSlot = Set<Int>()
            let accumulate = s.accumulate == true
            for a in s.write.addresses where !(accumulate && a == -1) {  // an accumulating write skips padding rows
                if a < 0 || a >= writeSize { problems.append("\(at): write address \(a) outside bank \(s.write.bank) (\(writeSize))"); continue }
                if !thisSlot.insert(a).inserted { problems.append("\(at): two outputs drive \(s.write.bank)[\(a)]") }
                let key = "\(s.write.bank)/\(a)"
                if written[key] != nil, !accumulate { problems.append("\(at): \(s.write.bank)[\(a)] written twice") }
                written[key] = (s.track, max(written[key]?.end ?? -.infinity, s.end))
            }
        }
        problems += concurrencyViolations(all, describe: describe)
        return problems
    }

    /// Slots of different tracks that overlap in time: each must have its own module, and no two
    /// may drive one capacitor (or, for weight updates, one module's weight cells) at once. A sweep
    /// over the slots by start time, keeping those still running.
    func concurrencyViolations(_ all: [Slot], describe: (Slot) -> String) -> [String] {
        guard tracks != nil else { return [] }
        var problems = [String]()
        var running = [Slot]()
        func targets(_ s: Slot) -> Set<String> {
            s.write.addresses.isEmpty ? [s.write.bank] : Set(s.write.addresses.filter { $0 != -1 }.map { "\(s.write.bank)[\($0)]" })
        }
        for s in all.sorted(by: { $0.start < $1.start }) {
            running.removeAll { $0.end <= s.start + 1e-15 }
            for r in running where r.track != s.track {
                if r.module == s.module { problems.append("\(describe(s)) and \(describe(r)) use module \(s.module) at the same time") }
                if let node = targets(s).intersection(targets(r)).sorted().first {
                    problems.append("\(describe(s)) and \(describe(r)) both drive \(node) at the same time")
                }
            }
            running.append(s)
        }
        return problems
    }
}
