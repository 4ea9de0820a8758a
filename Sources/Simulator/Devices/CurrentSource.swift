import Netlist

/// Independent current source: `I` (A) flows from `a` (n+) through the source to `b` (n−).
///
/// It leaves node `a` and enters node `b`, so with KCL written as currents leaving a node,
/// `B_a −= I · s`, `B_b += I · s` (`s` the source-stepping factor). No Jacobian entries.
/// In a transient `I` is the waveform at the load's time (the DC value without a waveform).
struct CurrentSource: SweepableSource, TransientSource {
    let name: String
    let a: Int
    let b: Int
    /// DC value (A).
    var dcValue: Double
    let source: Source
    /// The waveform with transient defaults, set by `prepareTransient`.
    private(set) var waveform: TimeWaveform?
    /// State slot of the PWL segment cursor (nil without a PWL waveform).
    private var cursor: Int?

    init(name: String, a: Int, b: Int, source: Source) {
        self.name = name
        self.a = a
        self.b = b
        self.source = source
        self.dcValue = source.dcOperatingValue
    }

    mutating func reserve(_ reserver: inout SlotReserver) {
        if source.hasPiecewiseWaveform { cursor = reserver.reserveState(1) }
    }

    func load(_ context: LoadContext, into buffer: inout LoadBuffer) { loadSource(context, into: &buffer) }

    func loadSource(_ context: LoadContext, into buffer: inout LoadBuffer) {
        let value = loadedSourceValue(
            waveform: waveform, dcValue: dcValue, cursor: cursor, context: context, buffer: &buffer)
        let i = value * context.sourceFactor
        buffer.addB(a, -i)
        buffer.addB(b, i)
    }

    mutating func prepareTransient(step: Double, stop: Double) {
        waveform = source.timeWaveform(step: step, stop: stop)
    }

    func breakpoints(until stop: Double) -> [Double] { waveform?.breakpoints(until: stop) ?? [] }
}
