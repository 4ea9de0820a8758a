/// Consecutive devices of one concrete type, loaded and tested for convergence as a typed array.
///
/// Loading the nonlinear devices through `[any Device]` copied each boxed device out of its
/// existential (value-witness copy, retain and release of its name) and called `load` through the
/// witness table: ~6 % of the 1000-diode ladder sweep. A run holds `[D]` for the device type `D`
/// and closures made in code specialised for `D` (`Device.run(of:)`), so each device's `load` is
/// a direct call; a `StampLoading` device's run holds its trivially copyable kernels and loads
/// them under one `LoadBuffer.withStamps`, so nothing is copied or retained per device. Runs keep
/// the devices' order, so every sum into `F` and the Jacobian is formed in the same order as before.
///
/// A run is a snapshot: it is built once per Newton solver from devices that never change after
/// set-up (only independent sources are changed by sweeps, and those are not in runs).
struct DeviceRun: Sendable {
    /// Loads every device of the run at the iterate in the context, in order.
    let load: @Sendable (_ context: LoadContext, _ buffer: inout LoadBuffer) -> Void
    /// Whether every device of the run accepts the step to `x` (`Device.isConverged`).
    let isConverged: @Sendable (_ x: [Double], _ state: [Double], _ tolerances: Tolerances) -> Bool

    /// The devices `devices[indices]` as runs: each maximal stretch of consecutive indices whose
    /// devices have the same type becomes one run.
    static func runs(_ devices: [any Device], indices: [Int]) -> [DeviceRun] {
        var runs: [DeviceRun] = []
        var start = 0
        while start < indices.count {
            let kind = ObjectIdentifier(type(of: devices[indices[start]]))
            var end = start + 1
            while end < indices.count, ObjectIdentifier(type(of: devices[indices[end]])) == kind { end += 1 }
            let members = indices[start..<end].map { devices[$0] }
            runs.append(type(of: devices[indices[start]]).run(of: members))
            start = end
        }
        return runs
    }
}

extension Device {
    /// `devices`, all of type `Self`, as one run (see `DeviceRun`). The default implementation is
    /// the only one: as a protocol requirement it is compiled for each device type, which is
    /// what makes the run's loop direct.
    static func run(of devices: [any Device]) -> DeviceRun {
        // `runs(_:indices:)` groups devices by their dynamic type, so the cast cannot fail.
        let typed = devices.map { $0 as! Self }
        return DeviceRun(
            load: { context, buffer in
                for k in typed.indices { typed[k].load(context, into: &buffer) }
            },
            isConverged: { x, state, tolerances in
                for k in typed.indices where !typed[k].isConverged(x: x, state: state, tolerances: tolerances) {
                    return false
                }
                return true
            })
    }
}

extension StampLoading {
    /// As `Device.run(of:)`, over the devices' kernels, the whole run under one
    /// `LoadBuffer.withStamps`.
    static func run(of devices: [any Device]) -> DeviceRun {
        assert(_isPOD(Kernel.self), "\(Kernel.self) must be trivially copyable")
        // `runs(_:indices:)` groups devices by their dynamic type, so the cast cannot fail.
        let kernels = devices.map { ($0 as! Self).kernel }
        return DeviceRun(
            load: { context, buffer in
                buffer.withStamps { stamps in
                    for k in kernels.indices { kernels[k].load(context, stamps: &stamps) }
                }
            },
            isConverged: { x, state, tolerances in
                for k in kernels.indices where !kernels[k].isConverged(x: x, state: state, tolerances: tolerances) {
                    return false
                }
                return true
            })
    }
}
