import Foundation

extension Schedule {
    /// The schedule of several models side by side: track `k` is model `k`'s schedule with its
    /// banks and module paths prefixed `<name>/`, every slot marked with its track and shifted by
    /// the track's start (0: all tracks start together). The slots (and the training slots) of all
    /// tracks are listed by start time, then track; `slot` keeps its number within the track.
    public static func tracks(_ models: [(name: String, checkpoint: String, schedule: Schedule)]) -> Schedule {
        var banks = [Bank](), slots = [Slot](), training = [Slot](), tracks = [Track]()
        var notes = [String]()
        for (k, m) in models.enumerated() {
            let prefix = m.name + "/"
            let start = 0.0
            func moved(_ s: Slot) -> Slot {
                var s = s
                s.track = k
                s.start += start
                s.module = prefix + s.module
                s.read.bank = prefix + s.read.bank
                s.write.bank = prefix + s.write.bank
                if let second = s.readSecond { s.readSecond!.bank = prefix + second.bank }
                return s
            }
            banks += m.schedule.banks.map { var b = $0; b.name = prefix + b.name; return b }
            slots += m.schedule.slots.map(moved)
            training += (m.schedule.training ?? []).map(moved)
            if let note = m.schedule.trainingNote { notes.append("\(m.name): \(note)") }
            tracks.append(Track(track: k, model: m.name, checkpoint: m.checkpoint, start: start, latency: m.schedule.latency,
                                trainingLatency: m.schedule.training.map { $0.reduce(0) { $0 + $1.duration } }))
        }
        let order = { (a: Slot, b: Slot) in (a.start, a.track ?? 0, a.slot) < (b.start, b.track ?? 0, b.slot) }
        let scheduled = models.contains { $0.schedule.training != nil }
        return Schedule(banks: banks, slots: slots.sorted(by: order), training: scheduled ? training.sorted(by: order) : nil,
                        trainingNote: notes.isEmpty ? nil : notes.joined(separator: "; "), tracks: tracks)
    }
}
