/// A device whose load is exactly linear and source-free: it adds `F(x) = G·x` with a constant
/// `G` to `F` and `G` to `dF/dx`, and nothing to `Q`, `B` or the device state; it is always
/// converged. Newton applies such devices through `LinearPart` instead of loading them one by one.
///
/// Conform only devices whose `load` satisfies this exactly (checked for each conforming type by
/// `LinearPartTests`); anything with sources, charge, state or limiting must not conform.
protocol LinearDevice: Device {}

extension Resistor: LinearDevice {}
extension VCCS: LinearDevice {}
extension VCVS: LinearDevice {}
extension CCCS: LinearDevice {}
extension CCVS: LinearDevice {}

/// The constant Jacobian of a circuit's linear devices, stamped without loading them.
///
/// Built once per Newton solver: the linear devices are loaded once to read their constant
/// `dF/dx`; each iteration then adds those values to `dF/dx` and `G·x` to `F` with one pass over
/// the non-zeros. On the 32×32 crossbar (1,100 resistors, 2,054 devices) this removes about half
/// of the per-iteration device loads and their existential dispatch.
struct LinearPart: Sendable {
    /// Devices that still load each iteration (indices into `Circuit.devices`), in circuit order.
    let loadedDevices: [Int]
    /// Non-zero constant stamps: slot, its row and column, and the value.
    private let slots: [Int]
    private let rows: [Int]
    private let columns: [Int]
    private let values: [Double]

    init(circuit: Circuit) {
        var buffer = LoadBuffer(dimension: circuit.dimension, slots: circuit.pattern.count, states: circuit.stateCount)
        let context = LoadContext(
            x: Array(repeating: 0, count: circuit.dimension), previousState: Array(repeating: 0, count: circuit.stateCount),
            gmin: 0)
        var loaded: [Int] = []
        for (k, device) in circuit.devices.enumerated() {
            if device is any LinearDevice {
                device.load(context, into: &buffer)
            } else {
                loaded.append(k)
            }
        }
        loadedDevices = loaded
        var slots: [Int] = [], rows: [Int] = [], columns: [Int] = [], values: [Double] = []
        for (k, value) in buffer.jacobianF.enumerated() where value != 0 {
            slots.append(k)
            rows.append(circuit.pattern[k].row)
            columns.append(circuit.pattern[k].column)
            values.append(value)
        }
        self.slots = slots
        self.rows = rows
        self.columns = columns
        self.values = values
    }

    /// Adds the linear devices' `G` to `dF/dx` and `G·x` to `F`, as their loads at `x` would.
    func apply(x: [Double], to buffer: inout LoadBuffer) {
        buffer.jacobianF.withUnsafeMutableBufferPointer { jacobian in
            buffer.f.withUnsafeMutableBufferPointer { f in
                for k in values.indices {
                    let g = values[k]
                    jacobian[slots[k]] += g
                    f[rows[k]] += g * x[columns[k]]
                }
            }
        }
    }
}
