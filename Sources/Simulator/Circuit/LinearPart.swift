import LinearAlgebra

/// A device whose load is exactly linear and source-free: it adds `F(x) = G·x` and `Q(x) = C·x`
/// with constant `G` and `C` to `F`, `Q`, `dF/dx = G` and `dQ/dx = C`, and nothing to `B` or the
/// device state; it is always converged. Newton applies such devices through `LinearPart` instead
/// of loading them one by one.
///
/// Conform only devices whose `load` satisfies this exactly (checked for each conforming type by
/// `LinearPartTests`); anything with sources, state, limiting or a nonlinear charge must not conform.
protocol LinearDevice: Device {}

extension LinearDevice {
    static var linearity: Linearity { .linear }
}

/// A device whose `F` is linear, `F(x) = G·x` with a constant `G`, and that adds only that, its
/// Jacobian and an `x`-independent `B(t)`: no `Q`, no limiting, always converged (independent
/// sources); its only state is a PWL segment cursor, a search hint that never changes what it loads. A circuit of `LinearDevice`s and `AffineDevice`s is affine in `x`, so one
/// Newton step from any iterate solves it exactly. Newton applies the `G·x` part through
/// `LinearPart` and loads only `B(t)` (`loadSource`), so `load` must equal the two together
/// (checked by `LinearPartTests`).
protocol AffineDevice: Device {}

extension AffineDevice {
    static var linearity: Linearity { .affine }
}

extension VoltageSource: AffineDevice {}
extension CurrentSource: AffineDevice {}

extension Resistor: LinearDevice {}
extension VCCS: LinearDevice {}
extension VCVS: LinearDevice {}
extension CCCS: LinearDevice {}
extension CCVS: LinearDevice {}
extension Capacitor: LinearDevice {}
extension Inductor: LinearDevice {}
extension MutualInductance: LinearDevice {}

/// The constant Jacobian of a circuit's linear devices, stamped without loading them.
///
/// Built once per Newton solver: the linear devices are loaded once to read their constant
/// `dF/dx` and `dQ/dx`; each iteration then adds those values to the Jacobians, `G·x` to `F` and
/// `C·x` to `Q` with one pass over the non-zeros. On the 32×32 crossbar (1,100 resistors, 2,054 devices) this removes about half
/// of the per-iteration device loads and their existential dispatch.
struct LinearPart: Sendable {
    /// Devices that still load each iteration (indices into `Circuit.devices`), in circuit order.
    let loadedDevices: [Int]
    /// The same devices as typed runs, in the same order: what Newton loads and tests.
    let loadedRuns: [DeviceRun]
    /// `AffineDevice`s: their `G` is in the stamps, only their `B(t)` is loaded (`loadSource`).
    let sourceDevices: [Int]
    /// True when every loaded device is an `AffineDevice`: the circuit equations are affine in `x`.
    let isAffine: Bool
    /// Non-zero constant stamps of `dF/dx` (`G`) and of `dQ/dx` (`C`).
    private let resistive: Stamps
    private let reactive: Stamps

    /// Constant matrix entries: slot, its row and column, and the value.
    private struct Stamps: Sendable {
        var slots: [Int] = []
        var rows: [Int] = []
        var columns: [Int] = []
        var values: [Double] = []

        init(_ jacobian: [Double], pattern: [MatrixEntry]) {
            for (k, value) in jacobian.enumerated() where value != 0 {
                slots.append(k)
                rows.append(pattern[k].row)
                columns.append(pattern[k].column)
                values.append(value)
            }
        }

        /// Number of stamps.
        var slotCount: Int { values.count }

        /// Adds the values to `jacobian` and the product with `x` to `vector`; with `compact`,
        /// `jacobian` has one entry per stamp instead of one per pattern slot.
        func apply(x: [Double], jacobian: inout [Double], vector: inout [Double], compact: Bool = false) {
            jacobian.withUnsafeMutableBufferPointer { jacobian in
                vector.withUnsafeMutableBufferPointer { vector in
                    x.withUnsafeBufferPointer { x in
                        values.withUnsafeBufferPointer { values in
                            slots.withUnsafeBufferPointer { slots in
                                rows.withUnsafeBufferPointer { rows in
                                    columns.withUnsafeBufferPointer { columns in
                                        for k in values.indices {
                                            let g = values[k]
                                            jacobian[compact ? k : slots[k]] += g
                                            vector[rows[k]] += g * x[columns[k]]
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    init(circuit: Circuit) {
        var buffer = LoadBuffer(dimension: circuit.dimension, slots: circuit.pattern.count, states: circuit.stateCount)
        let context = LoadContext(
            x: Array(repeating: 0, count: circuit.dimension), previousState: Array(repeating: 0, count: circuit.stateCount),
            gmin: 0)
        var loaded: [Int] = []
        var sources: [Int] = []
        for (k, device) in circuit.devices.enumerated() {
            switch type(of: device).linearity {
            case .linear:
                device.load(context, into: &buffer)
            case .affine:
                device.load(context, into: &buffer)  // for its G; the B this adds is not kept
                sources.append(k)
            case .nonlinear:
                loaded.append(k)
            }
        }
        loadedDevices = loaded
        loadedRuns = DeviceRun.runs(circuit.devices, indices: loaded)
        sourceDevices = sources
        isAffine = loaded.isEmpty
        resistive = Stamps(buffer.jacobianF, pattern: circuit.pattern)
        reactive = Stamps(buffer.jacobianQ, pattern: circuit.pattern)
    }

    /// Replaces `q` by the linear devices' charges `C·x` (all of `Q` in an affine circuit).
    func charges(at x: [Double], into q: inout [Double]) {
        for i in q.indices { q[i] = 0 }
        var scratch = Array(repeating: 0.0, count: reactive.slotCount)
        reactive.apply(x: x, jacobian: &scratch, vector: &q, compact: true)
    }

    /// Adds the linear devices' `G` to `dF/dx`, `G·x` to `F`, and with `charges`, `C` to `dQ/dx`
    /// and `C·x` to `Q`, as their loads at `x` would.
    func apply(x: [Double], to buffer: inout LoadBuffer, charges: Bool = true) {
        resistive.apply(x: x, jacobian: &buffer.jacobianF, vector: &buffer.f)
        if charges { reactive.apply(x: x, jacobian: &buffer.jacobianQ, vector: &buffer.q) }
    }
}
