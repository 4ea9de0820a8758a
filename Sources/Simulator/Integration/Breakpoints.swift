/// The source corners a transient must land on, in increasing order, always ending with `TSTOP`.
///
/// Times closer than `minimumSpacing` (s) to the previous one are merged (SPICE's `CKTminBreak`).
struct Breakpoints: Sendable {
    private(set) var times: [Double]
    private var next = 0

    init(_ candidates: [Double], stop: Double, minimumSpacing: Double) {
        var merged: [Double] = []
        for t in (candidates.filter { $0 > 0 && $0 < stop } + [stop]).sorted() {
            if let last = merged.last, t - last < minimumSpacing {
                if t == stop { merged[merged.count - 1] = stop }  // the stop time wins
                continue
            }
            merged.append(t)
        }
        times = merged
    }

    /// The first breakpoint not yet passed (`TSTOP` at the end).
    var upcoming: Double { next < times.count ? times[next] : times[times.count - 1] }

    /// Drops every breakpoint at or before `time + tolerance` (s).
    mutating func pass(_ time: Double, tolerance: Double) {
        while next < times.count - 1 && times[next] <= time + tolerance { next += 1 }
    }
}
