import Foundation

/// `schedule.json`: the digital control unit's program for one inference — slot by slot, which
/// module runs, which storage capacitors its rows are switched to, which capacitors sample its
/// outputs, and for how long.
///
/// Banks are the seed's stack storage: `input` holds the image (`C·H·W` volts), `b<layer>` the
/// outputs of a stage, channel-major (`address = channel·P + position`); a flatten reads its
/// predecessor's bank unchanged. A read address of −1 ties the row to the input centre `x_c`
/// (padding).
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

        enum CodingKeys: String, CodingKey {
            case slot, layer, module, position, start, duration, read, write, switchesClosed = "switches_closed", readSecond = "read_second",
                 phase, accumulate
        }
    }

    public var banks: [Bank]
    public var slots: [Slot]
    /// The slots of one training step after the inference (`Builder.scheduleTraining`); nil, with
    /// `training_note` saying why, where it is not scheduled.
    public var training: [Slot]? = nil
    public var trainingNote: String? = nil

    public init(banks: [Bank], slots: [Slot], training: [Slot]? = nil, trainingNote: String? = nil) {
        self.banks = banks; self.slots = slots; self.training = training; self.trainingNote = trainingNote
    }

    enum CodingKeys: String, CodingKey { case banks, slots, training, trainingNote = "training_note" }
    /// Sum of the slots' durations (s): the latency of one inference.
    public var latency: Double { slots.reduce(0) { $0 + $1.duration } }

    public static let fileKind = "a control schedule"

    /// Violations of the schedule's invariants (empty when it is sound), over the inference and then
    /// the training step: every bank address read was written in an earlier slot (the input bank is
    /// written before slot 0, a `preset` bank by the digital unit, a `reset` bank as a whole when
    /// its first writer runs: discharged, then accumulated onto), no capacitor is written twice (an accumulating write adds charge instead), no module row or output is left unconnected, addresses are inside their banks,
    /// slots do not overlap and no two slots write one capacitor.
    public func violations() -> [String] {
        var problems = [String]()
        var sizes = [String: Int]()
        for b in banks { sizes[b.name] = b.size }
        var written = Set<String>()
        if let input = sizes["input"] { for a in 0..<input { written.insert("input/\(a)") } }
        var clock = 0.0
        for b in banks where b.preset == true { for a in 0..<b.size { written.insert("\(b.name)/\(a)") } }
        var resetBanks = Set(banks.filter { $0.reset == true }.map(\.name))
        for s in slots + (self.training ?? []) {
            let at = (s.phase == nil ? "slot \(s.slot)" : "training slot \(s.slot) (\(s.phase!))") + " of layer \(s.layer)"
            if resetBanks.remove(s.write.bank) != nil, let size = sizes[s.write.bank] {
                // An accumulator's first writer: the bank was discharged to 0 V, so every address holds a value from now on.
                for a in 0..<size { written.insert("\(s.write.bank)/\(a)") }
            }
            if s.start < clock - 1e-15 { problems.append("\(at) starts at \(s.start) s, before the previous slot ends (\(clock) s)") }
            clock = s.start + s.duration
            let update = s.phase == "update" && s.write.addresses.isEmpty
            guard sizes[s.read.bank] != nil, let writeSize = update ? 0 : sizes[s.write.bank] else {
                problems.append("\(at): unknown bank \(s.read.bank) or \(s.write.bank)"); continue
            }
            for access in [s.read] + (s.readSecond.map { [$0] } ?? []) {
                guard let size = sizes[access.bank] else { problems.append("\(at): unknown bank \(access.bank)"); continue }
                for a in access.addresses where a != -1 {
                    if a < 0 || a >= size { problems.append("\(at): read address \(a) outside bank \(access.bank) (\(size))") }
                    else if !written.contains("\(access.bank)/\(a)") { problems.append("\(at): reads \(access.bank)[\(a)] before it is written") }
                }
            }
            var thisSlot = Set<Int>()
            let accumulate = s.accumulate == true
            for a in s.write.addresses where !(accumulate && a == -1) {  // an accumulating write skips padding rows
                if a < 0 || a >= writeSize { problems.append("\(at): write address \(a) outside bank \(s.write.bank) (\(writeSize))"); continue }
                if !thisSlot.insert(a).inserted { problems.append("\(at): two outputs drive \(s.write.bank)[\(a)]") }
                if !written.insert("\(s.write.bank)/\(a)").inserted, !accumulate { problems.append("\(at): \(s.write.bank)[\(a)] written twice") }
            }
        }
        return problems
    }
}
