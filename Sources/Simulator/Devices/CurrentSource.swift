import Netlist

/// Independent current source: `I` (A) flows from `a` (n+) through the source to `b` (n−).
///
/// It leaves node `a` and enters node `b`, so with KCL written as currents leaving a node,
/// `B_a −= I · s`, `B_b += I · s` (`s` the source-stepping factor). No Jacobian entries.
struct CurrentSource: SweepableSource {
    let name: String
    let a: Int
    let b: Int
    /// DC value (A).
    var dcValue: Double
    let source: Source

    init(name: String, a: Int, b: Int, source: Source) {
        self.name = name
        self.a = a
        self.b = b
        self.source = source
        self.dcValue = source.dcOperatingValue
    }

    var isCurrentSource: Bool { true }

    mutating func reserve(_ reserver: inout SlotReserver) {}

    func load(_ context: LoadContext, into buffer: inout LoadBuffer) {
        let i = dcValue * context.sourceFactor
        buffer.addB(a, -i)
        buffer.addB(b, i)
    }
}
