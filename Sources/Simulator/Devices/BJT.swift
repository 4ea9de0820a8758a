import Foundation
import LinearAlgebra
import Netlist

/// Bipolar junction transistor, the Gummel–Poon model as SPICE2 / ngspice level 1 (`BJT`).
///
/// Terminals `c b e [s]`; `RC`, `RB`, `RE` (Ω, divided by the area) put internal nodes `c'`, `b'`,
/// `e'` behind the terminals. With `t = +1` (NPN) or `−1` (PNP), `vbe = t·(v_b' − v_e')`,
/// `vbc = t·(v_b' − v_c')` (V), `Vt = kT/q`:
/// - transport currents `Ibe = IS·(exp(vbe/(NF·Vt)) − 1)`, `Ibc = IS·(exp(vbc/(NR·Vt)) − 1)`,
///   leakage `Ilbe = ISE·(exp(vbe/(NE·Vt)) − 1)`, `Ilbc = ISC·(exp(vbc/(NC·Vt)) − 1)` (each plus
///   `gmin·v`), all with SPICE's cubic reverse extension below `−3·n·Vt`;
/// - base charge `qb = q1·(1 + √(1 + 4·q2))/2`, `q1 = 1/(1 − vbc/VAF − vbe/VAR)`,
///   `q2 = Ibe/IKF + Ibc/IKR` (infinite VAF, VAR, IKF, IKR when not given);
/// - collector current `Ic = (Ibe − Ibc)/qb − Ibc/BR − Ilbc`, base current
///   `Ib = Ibe/BF + Ilbe + Ibc/BR + Ilbc`, emitter `Ie = −(Ic + Ib)` (A, into the terminals, times `t`).
///
/// Charges (C) in `Q`: `Qbe = TF·Ibe/qb + Qdep(vbe; CJE, VJE, MJE, FC)` (`TF·Ibe` for `vbe ≤ 0`),
/// `Qbc = TR·Ibc + Qdep(vbc; CJC, VJC, MJC, FC)`, between `b'`–`e'` and `b'`–`c'`; for `vbe > 0`
/// the transit time is `TF·(1 + XTF·exp(vbc/(1.44·VTF))·(Ibe/(Ibe + ITF))²)`.
/// The area factor scales IS, ISE, ISC, IKF, IKR, CJE, CJC and divides the resistances. Temperature
/// (TEMP ≠ TNOM) scales IS (EG, XTI), BF and BR (XTB), ISE, ISC and the junction potentials and
/// capacitances as ngspice's `BJTtemp`. Junction voltages are limited with
/// `pnjlim` (`Vt`, `vcrit = Vt·ln(Vt/(√2·IS))`). RBM and IRB modulate the base resistance (see
/// `baseConductance`). Excess phase (PTF) enters the AC analysis as the transconductance
/// `(gm + go)·e^{−jω·PTF·π/180·TF} − go` (`SmallSignalAdmittance`). Not modelled: excess phase in
/// transient, temperature coefficients of resistances and transit times,
/// the substrate junction's DC current.
///
/// `XCJC` (default 1) puts the fraction `1 − XCJC` of CJC between the external base `b` and `c'`.
/// The substrate node `s` (ground when not given) carries the depletion charge of CJS (VJS, MJS) from
/// `c'` (vertical, SUBS = 1, the default) or `b'` (lateral, SUBS = −1): with
/// `vsub = t·SUBS·(v_s − v_con)`, `C = CJS·(1 − vsub/VJS)^(−MJS)` for `vsub < 0`, else
/// `CJS·(1 + MJS·vsub/VJS)`.
struct BJT: Device {
    /// Parameters after defaults, area scaling and inversion of the infinite ones.
    struct Parameters: Sendable {
        /// Transport saturation currents of the b-e and b-c junctions (A).
        var isat = 1e-16, isatBC = 1e-16
        var bf = 100.0, br = 1.0, nf = 1.0, nr = 1.0
        /// 1/VAF, 1/VAR (1/V); 1/IKF, 1/IKR (1/A): 0 means infinite.
        var invVAF = 0.0, invVAR = 0.0, invIKF = 0.0, invIKR = 0.0
        var ise = 0.0, ne = 1.5, isc = 0.0, nc = 2.0
        var cje = 0.0, vje = 0.75, mje = 0.33, cjc = 0.0, vjc = 0.75, mjc = 0.33, fc = 0.5
        var tf = 0.0, tr = 0.0
        /// Excess-phase delay `PTF·π/180·TF` (s).
        var excessPhaseDelay = 0.0
        /// Transit-time bias dependence: XTF, 1/(1.44·VTF) (1/V, 0 = none), ITF·area (A).
        var xtf = 0.0, invVTF = 0.0, itf = 0.0
        /// Fraction of CJC at the internal base; substrate capacitance (F), potential, grading, and
        /// orientation (+1 vertical, −1 lateral).
        var xcjc = 1.0, cjs = 0.0, vjs = 0.75, mjs = 0.0, subs = 1.0
        /// Series conductances (S), 0 when the resistance is 0.
        var gb = 0.0, gc = 0.0, ge = 0.0
        /// Base-resistance modulation: RBM/area and (RB − RBM)/area (Ω), IRB·area (A, 0 = qb form).
        var rbm = 0.0, rbi = 0.0, irb = 0.0
        /// Flicker noise coefficient KF and exponent AF (`.noise`: `KF·|Ib|^AF/f`, A²/Hz).
        var kf = 0.0, af = 1.0
        /// Whether the base resistance depends on the bias (RBM ≠ RB or IRB given).
        var modulatedBase: Bool { gb > 0 && (rbi != 0 || irb > 0) }

        /// - Parameters:
        ///   - area: the instance area factor (times `m`).
        ///   - areaBC: the b-c junction area (`areab` for vertical, `areac` for lateral devices;
        ///     default `area`).
        ///   - temp, tnom: device and nominal temperatures (K); the parameters are scaled as ngspice's
        ///     `BJTtemp` does when they differ.
        init(model: Model, area: Double, areaBC: Double? = nil, temp: Double = 300.15, tnom: Double = 300.15) {
            func inverse(_ keys: [String]) -> Double {
                for k in keys { if let v = model.parameters[k], v != 0 { return 1 / v } }
                return 0
            }
            func value(_ keys: [String], _ fallback: Double) -> Double {
                for k in keys { if let v = model.parameters[k] { return v } }
                return fallback
            }
            isat = value(["is"], 1e-16) * area
            // ngspice-39: without both IBE and IBC, the b-c transport current uses IS·area·areab
            // (area factor applied twice, as measured against ngspice); with them, IBC·areab.
            if let ibe = model.parameters["ibe"], let ibc = model.parameters["ibc"] {
                isat = ibe * area
                isatBC = ibc * (areaBC ?? area)
            } else {
                isatBC = isat * (areaBC ?? area)
            }
            bf = value(["bf"], 100)
            br = value(["br"], 1)
            nf = value(["nf"], 1)
            nr = value(["nr"], 1)
            invVAF = inverse(["vaf", "va"])
            invVAR = inverse(["var", "vb"])
            invIKF = inverse(["ikf", "ik"]) / area
            invIKR = inverse(["ikr"]) / area
            ise = value(["ise"], 0) * area
            ne = value(["ne"], 1.5)
            isc = value(["isc"], 0) * area
            nc = value(["nc"], 2)
            cje = value(["cje"], 0) * area
            vje = value(["vje", "pe"], 0.75)
            mje = value(["mje", "me"], 0.33)
            cjc = value(["cjc"], 0) * area
            vjc = value(["vjc", "pc"], 0.75)
            mjc = value(["mjc", "mc"], 0.33)
            fc = value(["fc"], 0.5)
            tf = value(["tf"], 0)
            excessPhaseDelay = value(["ptf"], 0) * Double.pi / 180 * value(["tf"], 0)
            xtf = value(["xtf"], 0)
            if let vtf = model.parameters["vtf"], vtf != 0 { invVTF = 1 / (1.44 * vtf) }
            itf = value(["itf"], 0) * area
            xcjc = min(max(value(["xcjc"], 1), 0), 1)
            cjs = value(["cjs", "csub", "ccs"], 0) * area
            vjs = value(["vjs", "ps"], 0.75)
            mjs = value(["mjs", "ms"], 0)
            subs = value(["subs"], 1) < 0 ? -1 : 1
            tr = value(["tr"], 0)
            if temp != tnom {
                let t = Temperature(temp: temp, tnom: tnom)
                let factlog = (temp / tnom - 1) * value(["eg"], 1.11) / t.vt + value(["xti"], 3) * log(temp / tnom)
                let bfactor = exp(log(temp / tnom) * value(["xtb"], 0))
                isat *= exp(factlog)
                isatBC *= exp(factlog)
                bf *= bfactor
                br *= bfactor
                ise *= exp(factlog / ne) / bfactor
                isc *= exp(factlog / nc) / bfactor
                (cje, vje) = t.junction(cj: cje, vj: vje, m: mje)
                (cjc, vjc) = t.junction(cj: cjc, vj: vjc, m: mjc)
                (cjs, vjs) = t.junction(cj: cjs, vj: vjs, m: mjs)
            }
            let rb = value(["rb"], 0), rc = value(["rc"], 0), re = value(["re"], 0)
            gb = rb > 0 ? area / rb : 0
            if rb > 0 {
                let rbmValue = min(value(["rbm"], rb), rb)
                rbm = rbmValue / area
                rbi = (rb - rbmValue) / area
                irb = value(["irb"], 0) * area
            }
            gc = rc > 0 ? area / rc : 0
            ge = re > 0 ? area / re : 0
            kf = value(["kf"], 0)
            af = value(["af"], 1)
        }
    }

    /// Currents, conductances, charges and capacitances at one (vbe, vbc), in the polarity-free frame.
    struct OperatingPoint: Sendable {
        /// Collector and base currents (A).
        var ic = 0.0, ib = 0.0
        /// `∂Ib/∂vbe`, `∂Ib/∂vbc`; `∂Ic/∂vbe = gm + go`, `∂Ic/∂vbc = −(go + gmu)` (S).
        var gpi = 0.0, gmu = 0.0, gm = 0.0, go = 0.0
        /// Junction charges (C) and `∂Qbe/∂vbe`, `∂Qbe/∂vbc`, `∂Qbc/∂vbc` (F).
        var qbe = 0.0, qbc = 0.0, cbe = 0.0, cbeVbc = 0.0, cbc = 0.0
        /// Base conductance (S) and its derivatives in vbe and vbc (S/V) when RB is modulated.
        var gx = 0.0, gxVbe = 0.0, gxVbc = 0.0
    }

    let name: String
    let collector: Int, base: Int, emitter: Int
    /// Substrate node (ground for a three-terminal BJT).
    let substrate: Int
    let collectorPrime: Int, basePrime: Int, emitterPrime: Int
    /// +1 for NPN, −1 for PNP.
    let polarity: Double
    let parameters: Parameters
    let vt: Double
    let vcrit: Double
    let off: Bool
    /// Slots of the 3×3 block over (c', b', e'), row-major.
    private var block: [Slot] = []
    private var rcSlots = ConductanceSlots(), rbSlots = ConductanceSlots(), reSlots = ConductanceSlots()
    /// Row b, columns (c', b', e'), for a modulated base resistance.
    private var baseRow: [Slot] = []
    /// External b–c' capacitance slots (XCJC < 1) and substrate–connection slots (CJS > 0).
    private var bxSlots = ConductanceSlots(), subSlots = ConductanceSlots()
    private(set) var stateBase = 0

    /// State layout: limited vbe, vbc, then ic, ib, gpi, gmu, gm, go.
    static let stateCount = 8

    init(name: String, collector: Int, base: Int, emitter: Int, substrate: Int = groundIndex, collectorPrime: Int,
         basePrime: Int, emitterPrime: Int, model: Model, instance: InstanceParameters, options: Options) {
        self.name = name
        self.substrate = substrate
        self.collector = collector
        self.base = base
        self.emitter = emitter
        self.collectorPrime = collectorPrime
        self.basePrime = basePrime
        self.emitterPrime = emitterPrime
        self.polarity = model.type == "pnp" ? -1 : 1
        let area = (instance["area"] ?? 1) * (instance["m"] ?? 1)
        let temp = (instance["temp"] ?? (options.temp + (instance["dtemp"] ?? 0))) + Physics.zeroCelsius
        let tnom = model.value("tnom", default: options.tnom) + Physics.zeroCelsius
        self.parameters = Parameters(model: model, area: area, areaBC: Self.areaBC(model: model, instance: instance),
                                     temp: temp, tnom: tnom)
        let vt = Physics.boltzmann * temp / Physics.charge
        self.vt = vt
        self.vcrit = vt * log(vt / (2.0.squareRoot() * parameters.isat))
        self.off = (instance["off"] ?? 0) != 0
    }

    /// The b-c junction area: `areab` for vertical devices (SUBS = 1, the default), `areac` for
    /// lateral ones (SUBS = −1); each defaults to `area`.
    static func areaBC(model: Model, instance: InstanceParameters) -> Double? {
        let key = model.value("subs", default: 1) < 0 ? "areac" : "areab"
        return instance[key].map { $0 * (instance["m"] ?? 1) }
    }

    /// The node the substrate junction attaches to: `c'` (vertical) or `b'` (lateral).
    var substrateConnection: Int { parameters.subs > 0 ? collectorPrime : basePrime }

    /// Series-resistance node pairs that exist (external, internal, conductance).
    private var seriesResistors: [(Int, Int, Double)] {
        var r: [(Int, Int, Double)] = []
        if collectorPrime != collector { r.append((collector, collectorPrime, parameters.gc)) }
        if basePrime != base { r.append((base, basePrime, parameters.gb)) }
        if emitterPrime != emitter { r.append((emitter, emitterPrime, parameters.ge)) }
        return r
    }

    mutating func reserve(_ reserver: inout SlotReserver) {
        let nodes = [collectorPrime, basePrime, emitterPrime]
        block = nodes.flatMap { r in nodes.map { c in reserver.reserve(r, c) } }
        if collectorPrime != collector { rcSlots = reserver.reservePair(collector, collectorPrime) }
        if basePrime != base {
            rbSlots = reserver.reservePair(base, basePrime)
            if parameters.modulatedBase {
                baseRow = [collectorPrime, basePrime, emitterPrime].map { reserver.reserve(base, $0) }
            }
        }
        if emitterPrime != emitter { reSlots = reserver.reservePair(emitter, emitterPrime) }
        if parameters.xcjc < 1 && parameters.cjc > 0 { bxSlots = reserver.reservePair(base, collectorPrime) }
        if parameters.cjs > 0 { subSlots = reserver.reservePair(substrate, substrateConnection) }
        stateBase = reserver.reserveState(Self.stateCount)
    }

    /// The Gummel–Poon equations at junction voltages `vbe`, `vbc` (V).
    func evaluate(vbe: Double, vbc: Double, gmin: Double) -> OperatingPoint {
        let p = parameters
        let (ibe, gbe) = Junction.current(vbe, isat: p.isat, vte: p.nf * vt)
        var (ilbe, glbe) = Junction.current(vbe, isat: p.ise, vte: p.ne * vt)
        glbe += gmin
        ilbe += gmin * vbe
        let (ibc, gbc) = Junction.current(vbc, isat: p.isatBC, vte: p.nr * vt)
        var (ilbc, glbc) = Junction.current(vbc, isat: p.isc, vte: p.nc * vt)
        glbc += gmin
        ilbc += gmin * vbc

        // Normalised base charge and its derivatives.
        let q1 = 1 / (1 - p.invVAF * vbc - p.invVAR * vbe)
        let qb: Double, dqbdve: Double, dqbdvc: Double
        if p.invIKF == 0 && p.invIKR == 0 {
            qb = q1
            dqbdve = q1 * qb * p.invVAR
            dqbdvc = q1 * qb * p.invVAF
        } else {
            let q2 = p.invIKF * ibe + p.invIKR * ibc
            let arg = max(0, 1 + 4 * q2)
            let sqarg = arg != 0 ? arg.squareRoot() : 1
            qb = q1 * (1 + sqarg) / 2
            dqbdve = q1 * (qb * p.invVAR + p.invIKF * gbe / sqarg)
            dqbdvc = q1 * (qb * p.invVAF + p.invIKR * gbc / sqarg)
        }

        var op = OperatingPoint()
        op.ic = (ibe - ibc) / qb - ibc / p.br - ilbc
        op.ib = ibe / p.bf + ilbe + ibc / p.br + ilbc
        op.gpi = gbe / p.bf + glbe
        op.gmu = gbc / p.br + glbc
        op.go = (gbc + (ibe - ibc) * dqbdvc / qb) / qb
        op.gm = (gbe - (ibe - ibc) * dqbdve / qb) / qb - op.go

        // Diffusion charges (transit times) and depletion charges.
        var qdiff = p.tf * ibe, cdiff = p.tf * gbe, cross = 0.0
        if p.tf != 0 && vbe > 0 {
            // TF·(1 + XTF·exp(vbc/(1.44·VTF))·(Ibe/(Ibe + ITF))²) · Ibe/qb, with its derivatives.
            var a = 0.0, dA = 0.0, aVbc = 0.0
            if p.xtf != 0 {
                a = p.xtf
                if p.invVTF != 0 { a *= exp(vbc * p.invVTF) }
                dA = a
                if p.itf != 0 {
                    let ratio = ibe / (ibe + p.itf)
                    a *= ratio * ratio
                    dA = a * (3 - 2 * ratio)
                }
                aVbc = ibe * a * p.invVTF
            }
            let i = ibe * (1 + a) / qb
            qdiff = p.tf * i
            cdiff = p.tf * (gbe * (1 + dA) - i * dqbdve) / qb
            cross = p.tf * (aVbc - i * dqbdvc) / qb
        }
        let depBE = Junction.depletion(vbe, cj: p.cje, vj: p.vje, m: p.mje, fc: p.fc)
        let depBC = Junction.depletion(vbc, cj: p.cjc * p.xcjc, vj: p.vjc, m: p.mjc, fc: p.fc)
        op.qbe = qdiff + depBE.q
        op.cbe = cdiff + depBE.c
        op.cbeVbc = cross
        op.qbc = p.tr * ibc + depBC.q
        op.cbc = p.tr * gbc + depBC.c
        if p.modulatedBase {
            (op.gx, op.gxVbe, op.gxVbc) = baseConductance(qb: qb, dqbdve: dqbdve, dqbdvc: dqbdvc, op: op)
        }
        return op
    }

    /// The modulated base conductance `1/rbb` (S) with its derivatives in vbe and vbc:
    /// without IRB `rbb = RBM + (RB − RBM)/qb`; with IRB (A) `rbb = RBM + 3·(RB − RBM)·(tan z − z)/(z·tan²z)`,
    /// `z = (√(1 + 144/π²·Ib/IRB) − 1)/((24/π²)·√(Ib/IRB))` (Ib the base current).
    func baseConductance(qb: Double, dqbdve: Double, dqbdvc: Double, op: OperatingPoint) -> (Double, Double, Double) {
        let p = parameters
        var rbb: Double, dVbe: Double, dVbc: Double
        if p.irb > 0 {
            let u = op.ib / p.irb
            let c1 = 144 / (Double.pi * Double.pi), c2 = 24 / (Double.pi * Double.pi)
            let uu = max(u, 1e-9)
            let s = (1 + c1 * uu).squareRoot(), r = uu.squareRoot()
            let z = (s - 1) / (c2 * r)
            // h(z) = (tan z − z)/(z·tan²z) and h'(z); below z = 0.01 by its series
            // (1/3 + 2z²/15 + 17z⁴/315)/(1 + 2z²/3 + 17z⁴/45), avoiding the cancellation in tan z − z.
            let h: Double, dh: Double
            if z < 0.01 {
                let z2 = z * z
                let n = 1.0 / 3 + 2 * z2 / 15 + 17 * z2 * z2 / 315, d = 1 + 2 * z2 / 3 + 17 * z2 * z2 / 45
                let dn = 4 * z / 15 + 68 * z2 * z / 315, dd = 4 * z / 3 + 68 * z2 * z / 45
                h = n / d
                dh = (dn * d - n * dd) / (d * d)
            } else {
                let tz = tan(z)
                let num = tz - z, den = z * tz * tz
                h = num / den
                dh = (tz * tz * den - num * (tz * tz + 2 * z * tz * (1 + tz * tz))) / (den * den)
            }
            rbb = p.rbm + 3 * p.rbi * h
            var dRdu = 0.0
            if u > 1e-9 {
                let dz = (c1 / (2 * s) * r - (s - 1) / (2 * r)) / (c2 * uu)
                dRdu = 3 * p.rbi * dh * dz
            }
            dVbe = dRdu * op.gpi / p.irb
            dVbc = dRdu * op.gmu / p.irb
        } else {
            rbb = p.rbm + p.rbi / qb
            dVbe = -p.rbi / (qb * qb) * dqbdve
            dVbc = -p.rbi / (qb * qb) * dqbdvc
        }
        let gx = 1 / rbb
        return (gx, -gx * gx * dVbe, -gx * gx * dVbc)
    }

    func load(_ context: LoadContext, into buffer: inout LoadBuffer) {
        let t = polarity
        let vbeRaw = t * (context.v(basePrime) - context.v(emitterPrime))
        let vbcRaw = t * (context.v(basePrime) - context.v(collectorPrime))
        var vbe = vbeRaw, vbc = vbcRaw
        if context.initJunction {
            vbe = off ? 0 : vcrit
            vbc = 0
            buffer.limited += 1
        } else {
            let (a, la) = Limiting.pnjlim(vbeRaw, context.previousState[stateBase], vte: vt, vcrit: vcrit)
            let (b, lb) = Limiting.pnjlim(vbcRaw, context.previousState[stateBase + 1], vte: vt, vcrit: vcrit)
            vbe = a
            vbc = b
            if la || lb { buffer.limited += 1 }
        }
        let op = evaluate(vbe: vbe, vbc: vbc, gmin: context.gmin)
        let s = stateBase
        buffer.state.withUnsafeMutableBufferPointer { state in
            (state[s], state[s + 1], state[s + 2], state[s + 3]) = (vbe, vbc, op.ic, op.ib)
            (state[s + 4], state[s + 5], state[s + 6], state[s + 7]) = (op.gpi, op.gmu, op.gm, op.go)
        }

        // Currents of the linearisation at the limited voltages, evaluated at the iterate.
        let dvbe = vbeRaw - vbe, dvbc = vbcRaw - vbc
        let ic = op.ic + (op.gm + op.go) * dvbe - (op.go + op.gmu) * dvbc
        let ib = op.ib + op.gpi * dvbe + op.gmu * dvbc
        buffer.addF(collectorPrime, t * ic, basePrime, t * ib, emitterPrime, -t * (ic + ib))
        // Terminal-current partials (∂/∂vbe, ∂/∂vbc) for rows c', b', e'.
        stamp((op.gm + op.go, -(op.go + op.gmu)), (op.gpi, op.gmu), (-(op.gm + op.go + op.gpi), op.go),
              charge: false, &buffer)
        if collectorPrime != collector { buffer.addConductance(rcSlots, collector, collectorPrime, parameters.gc, context) }
        if basePrime != base {
            if parameters.modulatedBase {
                // I = gx(vbe, vbc)·(v_b − v_b'), linearised at the limited junction voltages.
                let vrb = context.v(base) - context.v(basePrime)
                let gx = op.gx + op.gxVbe * dvbe + op.gxVbc * dvbc
                let i = gx * vrb
                buffer.addF(base, i)
                buffer.addF(basePrime, -i)
                buffer.addConductanceF(rbSlots, gx)
                // ∂I/∂v through vbe = t·(v_b' − v_e'), vbc = t·(v_b' − v_c').
                let a = t * vrb * op.gxVbe, c = t * vrb * op.gxVbc
                buffer.addJF(baseRow[0], -c)
                buffer.addJF(rbSlots.ab, a + c)
                buffer.addJF(baseRow[2], -a)
                buffer.addJF(block[3], c)
                buffer.addJF(block[4], -(a + c))
                buffer.addJF(block[5], a)
            } else {
                buffer.addConductance(rbSlots, base, basePrime, parameters.gb, context)
            }
        }
        if emitterPrime != emitter { buffer.addConductance(reSlots, emitter, emitterPrime, parameters.ge, context) }
        guard context.charges else { return }

        // Charges: Qbe between b' and e', Qbc between b' and c'.
        buffer.addQ(basePrime, t * (op.qbe + op.qbc))
        buffer.addQ(emitterPrime, -t * op.qbe)
        buffer.addQ(collectorPrime, -t * op.qbc)
        stamp((0, -op.cbc), (op.cbe, op.cbeVbc + op.cbc), (-op.cbe, -op.cbeVbc), charge: true, &buffer)

        // The external part of CJC (XCJC < 1) between b and c', and the substrate junction.
        let p = parameters
        if p.xcjc < 1 && p.cjc > 0 {
            let vbx = t * (context.v(base) - context.v(collectorPrime))
            let (q, c) = Junction.depletion(vbx, cj: p.cjc * (1 - p.xcjc), vj: p.vjc, m: p.mjc, fc: p.fc)
            buffer.addQ(base, t * q)
            buffer.addQ(collectorPrime, -t * q)
            buffer.addCapacitanceQ(bxSlots, c)
        }
        if p.cjs > 0 {
            let sign = t * p.subs
            let vsub = sign * (context.v(substrate) - context.v(substrateConnection))
            let q: Double, c: Double
            if vsub < 0 {
                let arg = 1 - vsub / p.vjs
                let sarg = exp(-p.mjs * log(arg))
                q = p.vjs * p.cjs * (1 - arg * sarg) / (1 - p.mjs)
                c = p.cjs * sarg
            } else {
                q = vsub * p.cjs * (1 + p.mjs * vsub / (2 * p.vjs))
                c = p.cjs * (1 + p.mjs * vsub / p.vjs)
            }
            buffer.addQ(substrate, sign * q)
            buffer.addQ(substrateConnection, -sign * q)
            buffer.addCapacitanceQ(subSlots, c)
        }
    }

    /// Adds rows c', b', e' of `dF/dx` (or `dQ/dx`) from each row's partials in vbe and vbc:
    /// `∂/∂v_b' = ∂/∂vbe + ∂/∂vbc`, `∂/∂v_e' = −∂/∂vbe`, `∂/∂v_c' = −∂/∂vbc` (the polarity cancels).
    @inline(__always)
    private func stamp(_ c: (dbe: Double, dbc: Double), _ b: (dbe: Double, dbc: Double), _ e: (dbe: Double, dbc: Double),
                       charge: Bool, _ buffer: inout LoadBuffer) {
        block.withUnsafeBufferPointer { block in
            func rows(_ j: inout UnsafeMutableBufferPointer<Double>) {
                func row(_ r: Int, _ p: (dbe: Double, dbc: Double)) {
                    j.add(block[3 * r], -p.dbc)
                    j.add(block[3 * r + 1], p.dbe + p.dbc)
                    j.add(block[3 * r + 2], -p.dbe)
                }
                row(0, c); row(1, b); row(2, e)
            }
            if charge { buffer.jacobianQ.withUnsafeMutableBufferPointer(rows) } else { buffer.jacobianF.withUnsafeMutableBufferPointer(rows) }
        }
    }

    /// SPICE's BJT test: the collector and base currents predicted by the last linearisation at `x`
    /// must match the load's within `reltol·max(|î|, |i|) + abstol`.
    func isConverged(x: [Double], state: [Double], tolerances: Tolerances) -> Bool {
        func v(_ n: Int) -> Double { n == groundIndex ? 0 : x[n] }
        let s = stateBase
        let delvbe = polarity * (v(basePrime) - v(emitterPrime)) - state[s]
        let delvbc = polarity * (v(basePrime) - v(collectorPrime)) - state[s + 1]
        let ic = state[s + 2], ib = state[s + 3]
        let gpi = state[s + 4], gmu = state[s + 5], gm = state[s + 6], go = state[s + 7]
        let ichat = ic + (gm + go) * delvbe - (go + gmu) * delvbc
        let ibhat = ib + gpi * delvbe + gmu * delvbc
        let tolC = tolerances.reltol * max(abs(ichat), abs(ic)) + tolerances.abstol
        let tolB = tolerances.reltol * max(abs(ibhat), abs(ib)) + tolerances.abstol
        return abs(ichat - ic) <= tolC && abs(ibhat - ib) <= tolB
    }

    var dcPaths: [(Int, Int)] {
        seriesResistors.map { ($0.0, $0.1) } + [(basePrime, emitterPrime), (basePrime, collectorPrime)]
    }
}

extension BJT: SmallSignalAdmittance {
    /// Replaces the transconductance by `(gm + go)·e^{−jωτ} − go` (τ the excess-phase delay), as
    /// ngspice's BJT AC load: adds `Δ = (gm + go)·(e^{−jωτ} − 1)` to the c'–b' and e'–e' entries and
    /// `−Δ` to c'–e' and e'–b'.
    func addSmallSignalAdmittance(omega: Double, state: [Double], into matrix: inout ComplexDenseLU) {
        let tau = parameters.excessPhaseDelay
        guard tau != 0 else { return }
        let g = state[stateBase + 6] + state[stateBase + 7]
        let dr = g * (cos(omega * tau) - 1), di = -g * sin(omega * tau)
        func add(_ r: Int, _ c: Int, _ sign: Double) {
            guard r != groundIndex, c != groundIndex else { return }
            matrix.add(r, c, re: sign * dr, im: sign * di)
        }
        add(collectorPrime, basePrime, 1)
        add(collectorPrime, emitterPrime, -1)
        add(emitterPrime, basePrime, -1)
        add(emitterPrime, emitterPrime, 1)
    }
}
