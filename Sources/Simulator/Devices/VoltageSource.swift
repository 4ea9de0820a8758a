import Netlist

/// Independent voltage source `v_a − v_b = V` with branch current `i` (A) as unknown `k`.
///
/// `i` flows into `a` (n+), through the source, out of `b`, as SPICE reports `i(vname)`.
/// KCL: `F_a += i`, `F_b −= i`; branch: `F_k = v_a − v_b`, `B_k = V · s` where `s` is the
/// source-stepping factor (1 normally). In a transient `V` is the waveform at the load's time
/// (the DC value when the card has no waveform).
struct VoltageSource: SweepableSource, TransientSource {
    let name: String
    let a: Int
    let b: Int
    let branch: Int
    /// DC value (V).
    var dcValue: Double
    let source: Source
    /// The waveform with transient defaults, set by `prepareTransient`.
    private(set) var waveform: TimeWaveform?
    /// State slot of the PWL segment cursor (nil without a PWL waveform).
    private var cursor: Int?
    private var incidence = BranchSlots()

    init(name: String, a: Int, b: Int, branch: Int, source: Source) {
        self.name = name
        self.a = a
        self.b = b
        self.branch = branch
        self.source = source
        self.dcValue = source.dcOperatingValue
    }

    mutating func reserve(_ reserver: inout SlotReserver) {
        incidence = reserver.reserveBranch(a, b, branch: branch)
        if source.hasPiecewiseWaveform { cursor = reserver.reserveState(1) }
    }

    func load(_ context: LoadContext, into buffer: inout LoadBuffer) {
        buffer.addBranchIncidence(incidence, a: a, b: b, branch: branch, context)
        loadSource(context, into: &buffer)
    }

    func loadSource(_ context: LoadContext, into buffer: inout LoadBuffer) {
        let value = loadedSourceValue(
            waveform: waveform, dcValue: dcValue, cursor: cursor, context: context, buffer: &buffer)
        buffer.addB(branch, value * context.sourceFactor)
    }

    mutating func prepareTransient(step: Double, stop: Double) {
        waveform = source.timeWaveform(step: step, stop: stop)
    }

    func breakpoints(until stop: Double) -> [Double] { waveform?.breakpoints(until: stop) ?? [] }

    var dcPaths: [(Int, Int)] { [(a, b)] }
    var voltageDefinition: (Int, Int)? { (a, b) }
}

extension Source {
    /// The value a DC analysis uses: the `DC` value, else the waveform at time 0 (as ngspice does,
    /// with its warning), else 0.
    var dcOperatingValue: Double {
        if let dc { return dc }
        guard let waveform else { return 0 }
        switch waveform {
        case .pulse(let p), .exp(let p): return p.first ?? 0
        case .sin(let p):
            let offset = p.count > 0 ? p[0] : 0
            let amplitude = p.count > 1 ? p[1] : 0
            let phase = p.count > 5 ? p[5] : 0
            return offset + amplitude * sin(phase * .pi / 180)
        case .pwl(let points, _, let delay):
            guard let first = points.first else { return 0 }
            if first.time + delay >= 0 { return first.value }
            // time 0 falls inside the (delayed) table: interpolate.
            for k in 1..<points.count {
                let t0 = points[k - 1].time + delay, t1 = points[k].time + delay
                if t1 >= 0 {
                    let v0 = points[k - 1].value, v1 = points[k].value
                    return t1 == t0 ? v1 : v0 + (v1 - v0) * (0 - t0) / (t1 - t0)
                }
            }
            return points[points.count - 1].value
        }
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
