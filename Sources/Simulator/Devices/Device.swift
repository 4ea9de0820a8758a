/// A circuit element in the Xyce form: it contributes to `F(x) + dQ(x)/dt = B(t)`.
///
/// `F` holds resistive currents leaving each node (A) and branch equations (V); `Q` holds charges (C)
/// and fluxes (Wb); `B` holds independent sources. A device reserves its matrix slots once in
/// `reserve` and afterwards only adds values in `load`. It never sees which analysis runs: at DC the
/// analysis simply ignores `Q`.
protocol Device: Sendable {
    /// Flattened element name (`r1`, `d.x1.d2`).
    var name: String { get }
    /// Reserves matrix slots and state; called once at setup.
    mutating func reserve(_ reserver: inout SlotReserver)
    /// Adds `F`, `Q`, `B` and their Jacobians at the iterate in `context`.
    func load(_ context: LoadContext, into buffer: inout LoadBuffer)
    /// Device-level convergence after a Newton step to `x` (SPICE's `DEVconvTest`); `state` is what
    /// this device wrote in the load that produced the step.
    func isConverged(x: [Double], state: [Double], tolerances: Tolerances) -> Bool
    /// Node pairs this device connects with a DC path (conductances, junctions, voltage-defined branches).
    var dcPaths: [(Int, Int)] { get }
    /// Node pair whose voltage this device fixes at DC (V, E, H sources and inductors), if any.
    var voltageDefinition: (Int, Int)? { get }
    /// How the device's equations depend on `x` (whether Newton must load it, see `LinearPart`).
    /// Given by conforming to `LinearDevice` or `AffineDevice`: a protocol requirement, so asking
    /// an `any Device` costs one witness call, where a dynamic cast to a protocol scans every
    /// conformance record of the binary (~70,000 instructions the first time per type).
    static var linearity: Linearity { get }
    /// Sets the DC value of a `SweepableSource` (V or A); other devices ignore it. A requirement
    /// for the same reason as `linearity`: a sweep sets a source at every point.
    mutating func setDCValue(_ value: Double)
    /// Adds only the `x`-independent `B(t)` of an `AffineDevice` (its constant `G·x` part is
    /// applied by `LinearPart`); not called for other devices.
    func loadSource(_ context: LoadContext, into buffer: inout LoadBuffer)
    /// `devices`, all of this type, as one `DeviceRun` that Newton loads without an existential
    /// box per device. Only the default implementation exists: a requirement so that it is
    /// compiled for each device type.
    static func run(of devices: [any Device]) -> DeviceRun
}

/// The dependence of a device's `F`, `Q` and `B` on the unknowns `x`.
enum Linearity: Sendable {
    /// `F(x) = G·x`, `Q(x) = C·x` with constant `G` and `C`, nothing else (`LinearDevice`).
    case linear
    /// `F(x) = G·x − B(t)`: linear plus an `x`-independent source (`AffineDevice`).
    case affine
    /// Anything else: loaded at every Newton iteration.
    case nonlinear
}

extension Device {
    func isConverged(x: [Double], state: [Double], tolerances: Tolerances) -> Bool { true }
    var dcPaths: [(Int, Int)] { [] }
    var voltageDefinition: (Int, Int)? { nil }
    static var linearity: Linearity { .nonlinear }
    mutating func setDCValue(_ value: Double) {}
    func loadSource(_ context: LoadContext, into buffer: inout LoadBuffer) {}
}

/// An independent source whose DC value a `.dc` sweep can set.
protocol SweepableSource: Device {
    /// The DC value: volts for a V source, amperes for an I source.
    var dcValue: Double { get set }
}

extension SweepableSource {
    mutating func setDCValue(_ value: Double) { dcValue = value }
}

/// SPICE convergence tolerances.
struct Tolerances: Sendable {
    var reltol: Double
    var vntol: Double
    var abstol: Double
}

/// Physical constants (CODATA 2018 exact values).
enum Physics {
    /// Boltzmann constant (J/K).
    static let boltzmann = 1.380649e-23
    /// Elementary charge (C).
    static let charge = 1.602176634e-19
    /// 0 °C in kelvin.
    static let zeroCelsius = 273.15

    /// Thermal voltage `kT/q` (V) at `celsius`.
    static func thermalVoltage(celsius: Double) -> Double {
        boltzmann * (celsius + zeroCelsius) / charge
    }
}
