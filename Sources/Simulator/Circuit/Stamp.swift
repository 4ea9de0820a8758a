import LinearAlgebra

/// The ground node's index: rows and columns with this index are never stored.
let groundIndex = -1

/// A reserved position in the MNA matrix. Positions in a ground row or column are reserved as
/// `dropped` so a device can stamp them unconditionally and the write disappears.
struct Slot: Sendable, Hashable {
    /// Index into the slot-value arrays, or −1 for a dropped (ground) position.
    var index: Int
    static let dropped = Slot(index: -1)
}

/// Collects the matrix pattern and device state storage during circuit setup.
///
/// Each device reserves its slots exactly once; Newton iterations only add values into them.
struct SlotReserver: Sendable {
    let dimension: Int
    private(set) var pattern: [MatrixEntry] = []
    private var lookup = PositionTable()
    /// Number of per-device state values reserved so far (junction voltages, currents, ...).
    private(set) var stateCount = 0

    init(dimension: Int) { self.dimension = dimension }

    /// Reserves `(row, column)`; a ground row or column yields `Slot.dropped`. Repeated
    /// reservations of one position share the slot.
    mutating func reserve(_ row: Int, _ column: Int) -> Slot {
        if row == groundIndex || column == groundIndex { return .dropped }
        let k = lookup.value(forKey: row * dimension + column, orInsert: pattern.count)
        if k == pattern.count { pattern.append(MatrixEntry(row: row, column: column)) }
        return Slot(index: k)
    }

    /// The four slots of a two-terminal conductance between `a` and `b`: (aa, ab, ba, bb).
    mutating func reservePair(_ a: Int, _ b: Int) -> ConductanceSlots {
        ConductanceSlots(aa: reserve(a, a), ab: reserve(a, b), ba: reserve(b, a), bb: reserve(b, b))
    }

    /// The incidence slots of branch `k` between `a` and `b`: (a,k), (b,k), (k,a), (k,b).
    mutating func reserveBranch(_ a: Int, _ b: Int, branch k: Int) -> BranchSlots {
        BranchSlots(ak: reserve(a, k), bk: reserve(b, k), ka: reserve(k, a), kb: reserve(k, b))
    }

    /// Reserves `count` consecutive state values; returns the first index.
    mutating func reserveState(_ count: Int) -> Int {
        defer { stateCount += count }
        return stateCount
    }
}

/// Non-negative integer keys → values, open addressing with linear probing (a `Dictionary` of
/// `MatrixEntry` hashed every key with SipHash: ~700 instructions a reservation, 3.9M of setting
/// up the 32×32 crossbar).
struct PositionTable: Sendable {
    private var keys = Array(repeating: -1, count: 64)
    private var values = Array(repeating: 0, count: 64)
    private var count = 0

    /// The value stored for `key`; when there is none, stores `value` and returns it.
    mutating func value(forKey key: Int, orInsert value: Int) -> Int {
        precondition(key >= 0, "PositionTable keys are non-negative")
        if 2 * (count + 1) > keys.count { grow() }
        var i = bucket(key)
        while keys[i] >= 0 {
            if keys[i] == key { return values[i] }
            i = (i + 1) & (keys.count - 1)
        }
        keys[i] = key
        values[i] = value
        count += 1
        return value
    }

    /// Fibonacci hashing of `key` into the power-of-two table.
    private func bucket(_ key: Int) -> Int {
        Int(truncatingIfNeeded: (UInt64(bitPattern: Int64(key)) &* 0x9E37_79B9_7F4A_7C15) >> 32) & (keys.count - 1)
    }

    private mutating func grow() {
        let oldKeys = keys, oldValues = values
        keys = Array(repeating: -1, count: 2 * oldKeys.count)
        values = Array(repeating: 0, count: 2 * oldKeys.count)
        for (k, key) in oldKeys.enumerated() where key >= 0 {
            var i = bucket(key)
            while keys[i] >= 0 { i = (i + 1) & (keys.count - 1) }
            keys[i] = key
            values[i] = oldValues[k]
        }
    }
}

/// Slots of a conductance stamp between two nodes.
struct ConductanceSlots: Sendable {
    var aa = Slot.dropped, ab = Slot.dropped, ba = Slot.dropped, bb = Slot.dropped
}

/// Slots of a voltage-defined branch (V, L, E, H): the branch current `i = x_k` flows from `a`
/// through the element to `b`, and the branch row `k` holds the element's voltage equation.
struct BranchSlots: Sendable {
    var ak = Slot.dropped, bk = Slot.dropped, ka = Slot.dropped, kb = Slot.dropped
}

/// Everything a device may read while loading: the present Newton iterate and the device state
/// left by the previous load.
struct LoadContext: Sendable {
    /// The present iterate: node voltages (V) and branch currents (A).
    var x: [Double]
    /// Device state written by the previous load (e.g. the limited junction voltage).
    var previousState: [Double]
    /// Scale applied to every independent source (1 except during source stepping).
    var sourceFactor: Double = 1
    /// SPICE `gmin` (S): conductance every junction carries in parallel.
    var gmin: Double
    /// True on the first iteration of an operating point: junctions start at their critical voltage.
    var initJunction: Bool = false
    /// On the first iteration of a DC sweep point (SPICE's `MODEINITPRED`): the device state
    /// extrapolated from the two previous points, `2·s₁ − s₂`; a junction is linearised at its
    /// predicted voltage (limited against `previousState`) instead of at the iterate. Empty otherwise.
    var predictedState: [Double] = []
    /// Time (s) at which independent sources are evaluated; 0 for DC.
    var time: Double = 0
    /// True in a transient analysis (and its initial operating point): independent sources use their
    /// waveform at `time` instead of their DC value.
    var waveforms = false
    /// False in DC analyses, which have no integrator: `Q` and `dQ/dx` are not used, and devices
    /// skip them (as SPICE's MODEDC loads do), e.g. a third of a diode's load.
    var charges = true

    /// Voltage of the unknown `n` (0 for ground).
    @inline(__always) func v(_ n: Int) -> Double { n == groundIndex ? 0 : x[n] }
}

/// What devices write during a load: `F(x)`, `Q(x)`, `B(t)`, their Jacobians in the reserved slots,
/// new device state and the count of devices that limited their voltages this iteration.
struct LoadBuffer: Sendable {
    var f: [Double]
    var q: [Double]
    var b: [Double]
    /// `dF/dx` per slot.
    var jacobianF: [Double]
    /// `dQ/dx` per slot.
    var jacobianQ: [Double]
    var state: [Double]
    /// Number of devices that applied voltage limiting (their result is not yet trustworthy).
    var limited = 0
    /// True while `q` and `jacobianQ` are known to be all zero: set by a reset for a DC load
    /// (whose devices write no `Q`), cleared by a reset for a load with charges and by
    /// `replaceCharges`.
    private var chargesZero = true

    init(dimension: Int, slots: Int, states: Int) {
        f = Array(repeating: 0, count: dimension)
        q = f
        b = f
        jacobianF = Array(repeating: 0, count: slots)
        jacobianQ = jacobianF
        state = Array(repeating: 0, count: states)
    }

    /// Zeroes everything a load adds to. With `charges` false (a DC load: no device writes `Q`
    /// or `dQ/dx`), `q` and `jacobianQ` are zeroed only when something wrote them since.
    mutating func reset(charges: Bool = true) {
        for i in f.indices { f[i] = 0; b[i] = 0 }
        for i in jacobianF.indices { jacobianF[i] = 0 }
        if charges || !chargesZero {
            for i in q.indices { q[i] = 0 }
            for i in jacobianQ.indices { jacobianQ[i] = 0 }
        }
        chargesZero = !charges
        limited = 0
    }

    /// Replaces `q` by what `body` writes into it (outside a load).
    mutating func replaceCharges(_ body: (inout [Double]) -> Void) {
        chargesZero = false
        body(&q)
    }

    @inline(__always) mutating func addF(_ row: Int, _ value: Double) { if row != groundIndex { f[row] += value } }
    @inline(__always) mutating func addQ(_ row: Int, _ value: Double) { if row != groundIndex { q[row] += value } }
    @inline(__always) mutating func addB(_ row: Int, _ value: Double) { if row != groundIndex { b[row] += value } }
    @inline(__always) mutating func addJF(_ slot: Slot, _ value: Double) { if slot.index >= 0 { jacobianF[slot.index] += value } }
    @inline(__always) mutating func addJQ(_ slot: Slot, _ value: Double) { if slot.index >= 0 { jacobianQ[slot.index] += value } }

    /// Stamps a linear conductance `g` (S) from `a` to `b`: the current `i = g·(v_a − v_b)` into
    /// `F_a` (+) and `F_b` (−), and `g` into `dF/dx`.
    mutating func addConductance(_ s: ConductanceSlots, _ a: Int, _ b: Int, _ g: Double, _ context: LoadContext) {
        addCurrentF(a, b, g * (context.v(a) - context.v(b)))
        addConductanceF(s, g)
    }

    /// Stamps a conductance `g` between the nodes of `s` into `dF/dx` (one uniqueness check for
    /// the four writes, where `addJF` makes one each).
    mutating func addConductanceF(_ s: ConductanceSlots, _ g: Double) {
        jacobianF.withUnsafeMutableBufferPointer { j in
            j.add(s.aa, g); j.add(s.ab, -g); j.add(s.ba, -g); j.add(s.bb, g)
        }
    }

    /// Adds `va`, `vb`, `vc` to `F` at rows `a`, `b`, `c` (ground dropped) with one uniqueness check.
    mutating func addF(_ a: Int, _ va: Double, _ b: Int, _ vb: Double, _ c: Int, _ vc: Double) {
        f.withUnsafeMutableBufferPointer { f in
            if a != groundIndex { f[a] += va }
            if b != groundIndex { f[b] += vb }
            if c != groundIndex { f[c] += vc }
        }
    }

    /// Adds a current `i` leaving node `a` and entering node `b`: `F_a += i`, `F_b −= i`.
    mutating func addCurrentF(_ a: Int, _ b: Int, _ i: Double) {
        f.withUnsafeMutableBufferPointer { f in
            if a != groundIndex { f[a] += i }
            if b != groundIndex { f[b] -= i }
        }
    }

    /// Adds a voltage-defined branch's incidence: KCL `F_a += i`, `F_b −= i` for the branch current
    /// `i = x_k`, `v_a − v_b` on the branch row, and the ±1 entries of `dF/dx`. The element adds the
    /// rest of its branch equation (a source value in `B`, `−A·v_ctrl`, the inductor's flux in `Q`).
    mutating func addBranchIncidence(_ s: BranchSlots, a: Int, b: Int, branch k: Int, _ context: LoadContext) {
        addCurrentF(a, b, context.v(k))
        addF(k, context.v(a) - context.v(b))
        addJF(s.ak, 1)
        addJF(s.bk, -1)
        addJF(s.ka, 1)
        addJF(s.kb, -1)
    }

    /// Stamps a capacitance `c` between the nodes of `s` into `dQ/dx` (one uniqueness check).
    mutating func addCapacitanceQ(_ s: ConductanceSlots, _ c: Double) {
        jacobianQ.withUnsafeMutableBufferPointer { j in
            j.add(s.aa, c); j.add(s.ab, -c); j.add(s.ba, -c); j.add(s.bb, c)
        }
    }
}

extension UnsafeMutableBufferPointer<Double> {
    /// Adds `value` at `slot` of slot values (nothing for a dropped slot).
    @inline(__always) func add(_ slot: Slot, _ value: Double) { if slot.index >= 0 { self[slot.index] += value } }
}

/// A `LoadBuffer`'s arrays as unsafe buffers, for the duration of one `LoadBuffer.withStamps`:
/// the same stamp operations without a uniqueness check (and possible copy) per write.
///
/// A device that conforms to `StampLoading` loads through this handle; its devices are then
/// loaded in runs under one `withStamps` (`DeviceRun`), where the loop has no opaque call left
/// and so neither copies each device nor re-checks the arrays. Indices are the circuit's own
/// (unknowns and reserved slots), checked in debug builds only.
struct StampHandle {
    let f: UnsafeMutableBufferPointer<Double>
    let q: UnsafeMutableBufferPointer<Double>
    let b: UnsafeMutableBufferPointer<Double>
    let jacobianF: UnsafeMutableBufferPointer<Double>
    let jacobianQ: UnsafeMutableBufferPointer<Double>
    let state: UnsafeMutableBufferPointer<Double>
    /// Devices that limited their voltages in this handle's loads (added to `LoadBuffer.limited`).
    var limited = 0

    @inline(__always) func addF(_ row: Int, _ value: Double) { if row != groundIndex { f[row] += value } }
    @inline(__always) func addQ(_ row: Int, _ value: Double) { if row != groundIndex { q[row] += value } }
    @inline(__always) func addB(_ row: Int, _ value: Double) { if row != groundIndex { b[row] += value } }
    @inline(__always) func addJF(_ slot: Slot, _ value: Double) { jacobianF.add(slot, value) }
    @inline(__always) func addJQ(_ slot: Slot, _ value: Double) { jacobianQ.add(slot, value) }

    /// Adds a current `i` leaving node `a` and entering node `b`: `F_a += i`, `F_b −= i`.
    @inline(__always) func addCurrentF(_ a: Int, _ b: Int, _ i: Double) {
        if a != groundIndex { f[a] += i }
        if b != groundIndex { f[b] -= i }
    }

    /// Stamps a conductance `g` between the nodes of `s` into `dF/dx`.
    @inline(__always) func addConductanceF(_ s: ConductanceSlots, _ g: Double) {
        jacobianF.add(s.aa, g); jacobianF.add(s.ab, -g); jacobianF.add(s.ba, -g); jacobianF.add(s.bb, g)
    }

    /// Stamps a linear conductance `g` (S) from `a` to `b`: `i = g·(v_a − v_b)` into `F` and `g`
    /// into `dF/dx` (as `LoadBuffer.addConductance`).
    @inline(__always) func addConductance(_ s: ConductanceSlots, _ a: Int, _ b: Int, _ g: Double, _ context: LoadContext) {
        addCurrentF(a, b, g * (context.v(a) - context.v(b)))
        addConductanceF(s, g)
    }

    /// Stamps a capacitance `c` between the nodes of `s` into `dQ/dx`.
    @inline(__always) func addCapacitanceQ(_ s: ConductanceSlots, _ c: Double) {
        jacobianQ.add(s.aa, c); jacobianQ.add(s.ab, -c); jacobianQ.add(s.ba, -c); jacobianQ.add(s.bb, c)
    }
}

/// What a `StampLoading` device loads with: the device without its name, a trivially copyable
/// value (connections, model parameters, slots, state index; no `String`, array or class).
///
/// Newton's loop over a run of kernels then copies no reference-counted field per device: with
/// the name inside, every iteration retained and released it (~130 instructions a diode).
protocol StampKernel: Sendable {
    /// Adds `F`, `Q`, `B` and their Jacobians at the iterate in `context` (as `Device.load`).
    func load(_ context: LoadContext, stamps: inout StampHandle)
    /// As `Device.isConverged`.
    func isConverged(x: [Double], state: [Double], tolerances: Tolerances) -> Bool
}

/// A device that loads through its `kernel` and a `StampHandle`; its runs are loaded under one
/// `LoadBuffer.withStamps` (`DeviceRun`).
protocol StampLoading: Device {
    associatedtype Kernel: StampKernel
    var kernel: Kernel { get }
}

extension StampLoading {
    func load(_ context: LoadContext, into buffer: inout LoadBuffer) {
        buffer.withStamps { kernel.load(context, stamps: &$0) }
    }

    func isConverged(x: [Double], state: [Double], tolerances: Tolerances) -> Bool {
        kernel.isConverged(x: x, state: state, tolerances: tolerances)
    }
}

extension LoadBuffer {
    /// Runs `body` with the arrays as one `StampHandle` (one uniqueness check each), then adds
    /// the handle's `limited` count.
    mutating func withStamps(_ body: (inout StampHandle) -> Void) {
        var limitedNow = 0
        f.withUnsafeMutableBufferPointer { f in
            q.withUnsafeMutableBufferPointer { q in
                b.withUnsafeMutableBufferPointer { b in
                    jacobianF.withUnsafeMutableBufferPointer { jf in
                        jacobianQ.withUnsafeMutableBufferPointer { jq in
                            state.withUnsafeMutableBufferPointer { state in
                                var stamps = StampHandle(f: f, q: q, b: b, jacobianF: jf, jacobianQ: jq, state: state)
                                body(&stamps)
                                limitedNow = stamps.limited
                            }
                        }
                    }
                }
            }
        }
        limited += limitedNow
    }
}
