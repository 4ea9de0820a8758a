import Foundation
import Netlist

/// MOSFET, the Shichman–Hodges model as SPICE / ngspice level 1 (`MOS1`).
///
/// Terminals `d g s b`; `RD`, `RS` (Ω, or `RSH·NRD`, `RSH·NRS`) put internal nodes `d'`, `s'`.
/// With `t = +1` (NMOS) or `−1` (PMOS), `vgs = t·(v_g − v_s')`, `vds = t·(v_d' − v_s')`,
/// `vbs = t·(v_b − v_s')` (V). When `vds < 0` drain and source swap roles (`vgs → vgd`,
/// `vbs → vbd`, `vds → −vds`, current reversed). With `β = KP·W/(L − 2·LD)` (A/V²):
/// - `sarg = √(PHI − vbs)` (for `vbs > 0`: `√PHI − vbs/(2√PHI)`, not below 0),
///   `von = t·VTO + GAMMA·(sarg − √PHI)`, `vgst = vgs − von`;
/// - cutoff (`vgst ≤ 0`): `Id = 0`;
/// - saturation (`vgst ≤ vds`): `Id = β/2·vgst²·(1 + LAMBDA·vds)`;
/// - linear: `Id = β·vds·(vgst − vds/2)·(1 + LAMBDA·vds)` (A, drain to source, times `t`).
/// Bulk junctions: `Ibs = Is·(exp(vbs/Vt) − 1) + gmin·vbs` (`−Is + gmin·vbs` below `−3·Vt`), the
/// same for `vbd`, with `Is = IS` or `JS·AS` / `JS·AD`.
///
/// Charges (C) in `Q`: gate overlaps `CGSO·W·vgs`, `CGDO·W·vgd`, `CGBO·Leff·vgb` and junction
/// depletion charges with `CBD`, `CBS` (or `CJ·AD`, `CJ·AS`) and sidewalls `CJSW·PD`, `CJSW·PS`
/// (`PB`, `MJ`, `MJSW`, `FC`). Limiting as SPICE: `fetlim` on vgs (vgd when reversed), `limvds`
/// on vds, `pnjlim` on vbs (vbd).
///
/// Meyer gate capacitances (when TOX is given, `Cox = 3.9·ε0/TOX·W·Leff`) are capacitances, not
/// derivatives of a charge, so they cannot live in `Q`: they enter the AC analysis only
/// (`SmallSignalCapacitance`), as ngspice's AC load uses them; transient analysis does not see them.
/// Temperature scaling as ngspice's `MOS1temp` when TEMP ≠ TNOM; NSUB (with TOX, NSS, TPG) derives
/// PHI, GAMMA and VTO when they are not given.
struct MOSFET: Device {
    let name: String
    let drain: Int, gate: Int, source: Int, bulk: Int
    let drainPrime: Int, sourcePrime: Int
    /// +1 NMOS, −1 PMOS.
    let polarity: Double
    let vto: Double, beta: Double, gamma: Double, phi: Double, lambda: Double
    let vt: Double
    let drainSat: Double, sourceSat: Double
    let drainVcrit: Double, sourceVcrit: Double
    /// Series conductances (S), 0 without RD/RS.
    let gDrain: Double, gSource: Double
    /// Overlap capacitances (F).
    let cgs: Double, cgd: Double, cgb: Double
    /// Junction capacitances: bottom and sidewall (F), potential, gradings, FC.
    let cbd: Double, cbdsw: Double, cbs: Double, cbssw: Double
    let pb: Double, mj: Double, mjsw: Double, fc: Double
    let off: Bool
    /// Gate oxide capacitance `3.9·ε0/TOX·W·Leff` (F), 0 without TOX (no Meyer capacitances).
    let oxideCap: Double
    /// Flicker noise coefficient KF, exponent AF and the divisor `m·W·Leff·Cox'²` (F²/m², Cox' from
    /// TOX, default 1e-7 m): `.noise` density `KF·|Id|^AF/(f·m·W·Leff·Cox'²)` (A²/Hz), ngspice-39's.
    let flickerCoefficient: Double, flickerExponent: Double, flickerDivisor: Double
    /// Slots of the 4×4 block over (d', g, s', b), row-major.
    private var block: [Slot] = []
    private var rdSlots = ConductanceSlots(), rsSlots = ConductanceSlots()
    private(set) var stateBase = 0

    /// State: limited vgs, vds, vbs; von; channel current and its partials (∂/∂vgs, ∂/∂vds, ∂/∂vbs);
    /// Ibs, Ibd, gbs, gbd.
    static let stateCount = 12

    init(name: String, drain: Int, gate: Int, source: Int, bulk: Int, drainPrime: Int, sourcePrime: Int,
         model: Model, instance: InstanceParameters, options: Options) {
        self.name = name
        self.drain = drain
        self.gate = gate
        self.source = source
        self.bulk = bulk
        self.drainPrime = drainPrime
        self.sourcePrime = sourcePrime
        polarity = model.type == "pmos" ? -1 : 1
        let m = instance["m"] ?? 1
        // W and L (m): the instance's, else the model card's (ngspice-39 takes `l=`/`w=` on a
        // MOSFET `.model` line as instance defaults), else `.options defw/defl`, else 100 µm.
        let w = instance["w"] ?? model.parameters["w"] ?? options.values["defw"] ?? 100e-6
        let l = instance["l"] ?? model.parameters["l"] ?? options.values["defl"] ?? 100e-6
        let leff = l - 2 * model.value("ld", default: 0)
        flickerCoefficient = model.value("kf", default: 0)
        flickerExponent = model.value("af", default: 1)
        let noiseTox = model.parameters["tox"].flatMap { $0 > 0 ? $0 : nil } ?? 1e-7
        let noiseCox = 3.9 * 8.854214871e-12 / noiseTox
        flickerDivisor = m * w * leff * noiseCox * noiseCox
        var kp = model.value("kp", default: 2e-5)
        if model.parameters["kp"] == nil, let tox = model.parameters["tox"], tox > 0 {
            kp = model.value("u0", default: model.value("uo", default: 600)) * 1e-4 * 3.9 * 8.854214871e-12 / tox
        }
        let temp = (instance["temp"] ?? (options.temp + (instance["dtemp"] ?? 0))) + Physics.zeroCelsius
        let tnom = model.value("tnom", default: options.tnom) + Physics.zeroCelsius
        vt = Physics.boltzmann * temp / Physics.charge
        let t = polarity
        var vto = model.value("vto", default: model.value("vt0", default: 0))
        var gammaValue = model.value("gamma", default: 0)
        var phi = model.value("phi", default: 0.6)
        // NSUB (cm⁻³, with TOX) sets PHI, GAMMA and VTO when they are not given (ngspice MOS1temp):
        // PHI = 2·Vt·ln(NSUB/ni), GAMMA = √(2·εSi·q·NSUB)/Cox', VTO = VFB + t·(GAMMA·√PHI + PHI),
        // VFB from the gate work function (TPG, default 1) and NSS (cm⁻²).
        if let nsub = model.parameters["nsub"], nsub * 1e6 > 1.45e16, let tox = model.parameters["tox"], tox > 0 {
            let vtnom = Physics.boltzmann * tnom / Physics.charge
            let coxFactor = 3.9 * 8.854214871e-12 / tox
            let egfet1 = 1.16 - 7.02e-4 * tnom * tnom / (tnom + 1108)
            if model.parameters["phi"] == nil { phi = max(0.1, 2 * vtnom * log(nsub * 1e6 / 1.45e16)) }
            let fermis = t * 0.5 * phi
            var wkfng = 3.2
            let tpg = model.value("tpg", default: 1)
            if tpg != 0 { wkfng = 3.25 + 0.5 * egfet1 - t * tpg * 0.5 * egfet1 }
            let wkfngs = wkfng - (3.25 + 0.5 * egfet1 + fermis)
            if model.parameters["gamma"] == nil {
                gammaValue = (2 * 11.7 * 8.854214871e-12 * Physics.charge * nsub * 1e6).squareRoot() / coxFactor
            }
            if model.parameters["vto"] == nil && model.parameters["vt0"] == nil {
                let vfb = wkfngs - model.value("nss", default: 0) * 1e4 * Physics.charge / coxFactor
                vto = vfb + t * (gammaValue * phi.squareRoot() + phi)
            }
        }
        gamma = gammaValue
        lambda = model.value("lambda", default: 0)
        // Temperature (ngspice MOS1temp): KP ∝ (T/Tnom)^−1.5, PHI and the built-in voltage follow the
        // band gap, IS/JS ∝ exp(Eg(Tnom)/Vt(Tnom) − Eg(T)/Vt(T)), junctions as `Temperature.junction`.
        var satScale = 1.0
        let thermal = Temperature(temp: temp, tnom: tnom)
        if temp != tnom {
            let ratio = temp / tnom
            kp /= ratio * ratio.squareRoot()
            func egfet(_ x: Double) -> Double { 1.16 - 7.02e-4 * x * x / (x + 1108) }
            let phio = (phi - Temperature.pbfact(tnom)) / (tnom / Temperature.reference)
            let tphi = temp / Temperature.reference * phio + Temperature.pbfact(temp)
            let vbi = vto - t * gamma * phi.squareRoot() + 0.5 * (egfet(tnom) - egfet(temp)) + t * 0.5 * (tphi - phi)
            vto = vbi + t * gamma * tphi.squareRoot()
            phi = tphi
            let vtnom = Physics.boltzmann * tnom / Physics.charge
            satScale = exp(-egfet(temp) / vt + egfet(tnom) / vtnom)
        }
        self.vto = vto
        self.phi = phi
        beta = m * kp * w / leff
        let ad = instance["ad"] ?? options.values["defad"] ?? 0, asArea = instance["as"] ?? options.values["defas"] ?? 0
        let pd = instance["pd"] ?? 0, ps = instance["ps"] ?? 0
        let js = model.value("js", default: 0) * satScale
        let isat = model.value("is", default: 1e-14) * satScale
        if js == 0 || ad == 0 || asArea == 0 {
            drainSat = m * isat
            sourceSat = m * isat
        } else {
            drainSat = m * js * ad
            sourceSat = m * js * asArea
        }
        drainVcrit = drainSat > 0 ? vt * log(vt / (2.0.squareRoot() * drainSat)) : .greatestFiniteMagnitude
        sourceVcrit = sourceSat > 0 ? vt * log(vt / (2.0.squareRoot() * sourceSat)) : .greatestFiniteMagnitude
        let rsh = model.value("rsh", default: 0)
        if let rd = model.parameters["rd"], rd > 0 {
            gDrain = m / rd
        } else if rsh > 0, let nrd = instance["nrd"], nrd > 0 {
            gDrain = m / (rsh * nrd)
        } else { gDrain = 0 }
        if let rs = model.parameters["rs"], rs > 0 {
            gSource = m / rs
        } else if rsh > 0, let nrs = instance["nrs"], nrs > 0 {
            gSource = m / (rsh * nrs)
        } else { gSource = 0 }
        cgs = m * model.value("cgso", default: 0) * w
        cgd = m * model.value("cgdo", default: 0) * w
        cgb = m * model.value("cgbo", default: 0) * leff
        var cj = model.value("cj", default: 0), cjsw = model.value("cjsw", default: 0)
        var cbdGiven = model.parameters["cbd"], cbsGiven = model.parameters["cbs"]
        var pb = model.value("pb", default: 0.8)
        let mjValue = model.value("mj", default: 0.5), mjswValue = model.value("mjsw", default: 0.5)
        mj = mjValue
        mjsw = mjswValue
        if temp != tnom {
            let pb0 = pb
            cbdGiven = cbdGiven.map { thermal.junction(cj: $0, vj: pb0, m: mjValue).0 }
            cbsGiven = cbsGiven.map { thermal.junction(cj: $0, vj: pb0, m: mjValue).0 }
            cjsw = thermal.junction(cj: cjsw, vj: pb0, m: mjswValue).0
            (cj, pb) = thermal.junction(cj: cj, vj: pb0, m: mjValue)
        }
        self.pb = pb
        cbd = m * (cbdGiven ?? cj * ad)
        cbs = m * (cbsGiven ?? cj * asArea)
        cbdsw = m * cjsw * pd
        cbssw = m * cjsw * ps
        fc = model.value("fc", default: 0.5)
        off = (instance["off"] ?? 0) != 0
        if let tox = model.parameters["tox"], tox > 0 {
            oxideCap = m * 3.9 * 8.854214871e-12 / tox * w * leff
        } else {
            oxideCap = 0
        }
    }

    /// Whether RD / RS created internal nodes.
    static func needsDrainNode(_ model: Model, _ instance: InstanceParameters) -> Bool {
        model.value("rd", default: 0) > 0 || (model.value("rsh", default: 0) > 0 && (instance["nrd"] ?? 0) > 0)
    }
    static func needsSourceNode(_ model: Model, _ instance: InstanceParameters) -> Bool {
        model.value("rs", default: 0) > 0 || (model.value("rsh", default: 0) > 0 && (instance["nrs"] ?? 0) > 0)
    }

    mutating func reserve(_ reserver: inout SlotReserver) {
        let nodes = [drainPrime, gate, sourcePrime, bulk]
        block = nodes.flatMap { r in nodes.map { c in reserver.reserve(r, c) } }
        if drainPrime != drain { rdSlots = reserver.reservePair(drain, drainPrime) }
        if sourcePrime != source { rsSlots = reserver.reservePair(source, sourcePrime) }
        stateBase = reserver.reserveState(Self.stateCount)
    }

    /// Shichman–Hodges drain current (A) for a forward-oriented device (`vds ≥ 0`), with
    /// `∂/∂vgs`, `∂/∂vds`, `∂/∂vbs` (S), and the threshold `von` (V).
    func channel(vgs: Double, vds: Double, vbs: Double) -> (id: Double, gm: Double, gds: Double, gmbs: Double, von: Double) {
        let sqphi = phi.squareRoot()
        var sarg: Double, dsarg: Double
        if vbs <= 0 {
            sarg = (phi - vbs).squareRoot()
            dsarg = sarg > 0 ? -1 / (2 * sarg) : 0
        } else {
            sarg = sqphi - vbs / (2 * sqphi)
            dsarg = -1 / (2 * sqphi)
            if sarg < 0 { sarg = 0; dsarg = 0 }
        }
        let von = polarity * vto + gamma * (sarg - sqphi)
        let vgst = vgs - von
        guard vgst > 0 else { return (0, 0, 0, 0, von) }
        let betap = beta * (1 + lambda * vds)
        let id: Double, gm: Double, gds: Double
        if vgst <= vds {
            id = betap * vgst * vgst / 2
            gm = betap * vgst
            gds = lambda * beta * vgst * vgst / 2
        } else {
            id = betap * vds * (vgst - vds / 2)
            gm = betap * vds
            gds = betap * (vgst - vds) + lambda * beta * vds * (vgst - vds / 2)
        }
        // ∂von/∂vbs = γ·∂sarg/∂vbs, so ∂Id/∂vbs = −gm·γ·∂sarg/∂vbs.
        return (id, gm, gds, -gm * gamma * dsarg, von)
    }

    /// Bulk junction current (A) and conductance (S) with gmin, as ngspice's MOS1.
    func bulkJunction(_ v: Double, isat: Double, gmin: Double) -> (Double, Double) {
        if v <= -3 * vt { return (gmin * v - isat, gmin) }
        let e = exp(min(v / vt, 709))
        return (isat * (e - 1) + gmin * v, isat * e / vt + gmin)
    }

    func load(_ context: LoadContext, into buffer: inout LoadBuffer) {
        let t = polarity
        let vgsRaw = t * (context.v(gate) - context.v(sourcePrime))
        let vdsRaw = t * (context.v(drainPrime) - context.v(sourcePrime))
        let vbsRaw = t * (context.v(bulk) - context.v(sourcePrime))
        var vgs = vgsRaw, vds = vdsRaw, vbs = vbsRaw
        let prev = context.previousState, s = stateBase
        if context.initJunction {
            if off {
                vgs = 0; vds = 0; vbs = 0
            } else {
                vbs = -1; vgs = t * vto; vds = 0
            }
            buffer.limited += 1
        } else {
            let vgsOld = prev[s], vdsOld = prev[s + 1], vbsOld = prev[s + 2], vonOld = prev[s + 3]
            var vgd = vgs - vds
            if vdsOld >= 0 {
                vgs = Limiting.fetlim(vgs, vgsOld, vto: vonOld)
                vds = Limiting.limvds(vgs - vgd, vdsOld)
            } else {
                vgd = Limiting.fetlim(vgd, vgsOld - vdsOld, vto: vonOld)
                vds = -Limiting.limvds(-(vgs - vgd), -vdsOld)
                vgs = vgd + vds
            }
            var limited = false
            if vds >= 0 {
                (vbs, limited) = Limiting.pnjlim(vbs, vbsOld, vte: vt, vcrit: sourceVcrit)
            } else {
                let (vbd, l) = Limiting.pnjlim(vbs - vds, vbsOld - vdsOld, vte: vt, vcrit: drainVcrit)
                vbs = vbd + vds
                limited = l
            }
            if limited { buffer.limited += 1 }
        }
        let vbd = vbs - vds

        // Channel current into d' (forward frame), with partials in (vgs, vds, vbs).
        var id: Double, gIgs: Double, gIds: Double, gIbs: Double, von: Double
        if vds >= 0 {
            let c = channel(vgs: vgs, vds: vds, vbs: vbs)
            (id, gIgs, gIds, gIbs, von) = (c.id, c.gm, c.gds, c.gmbs, c.von)
        } else {
            let c = channel(vgs: vgs - vds, vds: -vds, vbs: vbd)
            id = -c.id
            gIgs = -c.gm
            gIbs = -c.gmbs
            gIds = c.gm + c.gds + c.gmbs
            von = c.von
        }
        let (ibs, gbs) = bulkJunction(vbs, isat: sourceSat, gmin: context.gmin)
        let (ibd, gbd) = bulkJunction(vbd, isat: drainSat, gmin: context.gmin)
        buffer.state[s] = vgs
        buffer.state[s + 1] = vds
        buffer.state[s + 2] = vbs
        buffer.state[s + 3] = von
        buffer.state[s + 4] = id
        buffer.state[s + 5] = gIgs
        buffer.state[s + 6] = gIds
        buffer.state[s + 7] = gIbs
        buffer.state[s + 8] = ibs
        buffer.state[s + 9] = ibd
        buffer.state[s + 10] = gbs
        buffer.state[s + 11] = gbd

        // Terminal currents (forward frame) and partials (∂/∂vgs, ∂/∂vds, ∂/∂vbs) for d', g, s', b,
        // evaluated at the iterate through the linearisation at the limited voltages.
        let dvgs = vgsRaw - vgs, dvds = vdsRaw - vds, dvbs = vbsRaw - vbs
        func current(_ node: Int, _ i: Double, _ dg: Double, _ dd: Double, _ db: Double, _ buffer: inout LoadBuffer) {
            buffer.addF(node, t * (i + dg * dvgs + dd * dvds + db * dvbs))
        }
        current(drainPrime, id - ibd, gIgs, gIds + gbd, gIbs - gbd, &buffer)
        current(sourcePrime, -id - ibs, -gIgs, -gIds, -gIbs - gbs, &buffer)
        current(bulk, ibs + ibd, 0, -gbd, gbs + gbd, &buffer)
        stamp(0, gIgs, gIds + gbd, gIbs - gbd, charge: false, &buffer)
        stamp(2, -gIgs, -gIds, -gIbs - gbs, charge: false, &buffer)
        stamp(3, 0, -gbd, gbs + gbd, charge: false, &buffer)
        if drainPrime != drain {
            buffer.addConductance(rdSlots, drain, drainPrime, gDrain, context)
        }
        if sourcePrime != source {
            buffer.addConductance(rsSlots, source, sourcePrime, gSource, context)
        }

        // Charges: overlaps (linear) and junction depletion.
        let vgd = vgs - vds, vgb = vgs - vbs
        let qgs = cgs * vgs, qgd = cgd * vgd, qgb = cgb * vgb
        let jbs = Junction.depletion(vbs, cj: cbs, vj: pb, m: mj, fc: fc)
        let jbssw = Junction.depletion(vbs, cj: cbssw, vj: pb, m: mjsw, fc: fc)
        let jbd = Junction.depletion(vbd, cj: cbd, vj: pb, m: mj, fc: fc)
        let jbdsw = Junction.depletion(vbd, cj: cbdsw, vj: pb, m: mjsw, fc: fc)
        let qbs = jbs.q + jbssw.q, cbsC = jbs.c + jbssw.c
        let qbd = jbd.q + jbdsw.q, cbdC = jbd.c + jbdsw.c
        buffer.addQ(drainPrime, t * (-qgd - qbd))
        buffer.addQ(gate, t * (qgs + qgd + qgb))
        buffer.addQ(sourcePrime, t * (-qgs - qbs))
        buffer.addQ(bulk, t * (-qgb + qbs + qbd))
        stamp(0, -cgd, cgd + cbdC, -cbdC, charge: true, &buffer)
        stamp(1, cgs + cgd + cgb, -cgd, -cgb, charge: true, &buffer)
        stamp(2, -cgs, 0, -cbsC, charge: true, &buffer)
        stamp(3, -cgb, -cbdC, cgb + cbsC + cbdC, charge: true, &buffer)
    }

    /// Adds row `r` (0 = d', 1 = g, 2 = s', 3 = b) of `dF/dx` (or `dQ/dx`) from its partials in
    /// (vgs, vds, vbs): columns d' = ∂/∂vds, g = ∂/∂vgs, b = ∂/∂vbs, s' = −(their sum).
    @inline(__always)
    private func stamp(_ r: Int, _ dg: Double, _ dd: Double, _ db: Double, charge: Bool, _ buffer: inout LoadBuffer) {
        let k = 4 * r
        if charge {
            buffer.addJQ(block[k], dd)
            buffer.addJQ(block[k + 1], dg)
            buffer.addJQ(block[k + 2], -(dg + dd + db))
            buffer.addJQ(block[k + 3], db)
        } else {
            buffer.addJF(block[k], dd)
            buffer.addJF(block[k + 1], dg)
            buffer.addJF(block[k + 2], -(dg + dd + db))
            buffer.addJF(block[k + 3], db)
        }
    }

    /// SPICE's MOS test: drain and bulk currents predicted by the last linearisation at `x` must
    /// match the load's within `reltol·max(|î|, |i|) + abstol`.
    func isConverged(x: [Double], state: [Double], tolerances: Tolerances) -> Bool {
        func v(_ n: Int) -> Double { n == groundIndex ? 0 : x[n] }
        let t = polarity, s = stateBase
        let vgs = t * (v(gate) - v(sourcePrime)), vds = t * (v(drainPrime) - v(sourcePrime))
        let vbs = t * (v(bulk) - v(sourcePrime))
        let dgs = vgs - state[s], dds = vds - state[s + 1], dbs = vbs - state[s + 2]
        let dbd = dbs - dds
        let id = state[s + 4] - state[s + 9]
        let idhat = id + state[s + 5] * dgs + state[s + 6] * dds + state[s + 7] * dbs - state[s + 11] * dbd
        let ib = state[s + 8] + state[s + 9]
        let ibhat = ib + state[s + 10] * dbs + state[s + 11] * dbd
        let tolD = tolerances.reltol * max(abs(idhat), abs(id)) + tolerances.abstol
        let tolB = tolerances.reltol * max(abs(ibhat), abs(ib)) + tolerances.abstol
        return abs(idhat - id) <= tolD && abs(ibhat - ib) <= tolB
    }

    var dcPaths: [(Int, Int)] {
        var p: [(Int, Int)] = [(drainPrime, sourcePrime), (bulk, sourcePrime), (bulk, drainPrime)]
        if drainPrime != drain { p.append((drain, drainPrime)) }
        if sourcePrime != source { p.append((source, sourcePrime)) }
        return p
    }
}

extension MOSFET: SmallSignalCapacitance {
    /// Meyer's gate capacitances (F) of a forward-oriented device at `vgs`, `vds` (V) with threshold
    /// `von`; `vdsat = max(vgs − von, 0)`, `vgst = vgs − von`:
    /// - `vgst ≤ −PHI`: `Cgb = Cox`;  `−PHI < vgst ≤ −PHI/2`: `Cgb = −Cox·vgst/PHI`;
    /// - `−PHI/2 < vgst ≤ 0`: `Cgb = −Cox·vgst/PHI`, `Cgs = 2/3·Cox + 4/3·Cox·vgst/PHI`;
    /// - saturation: `Cgs = 2/3·Cox`; linear: `Cgs = 2/3·Cox·(1 − ((vdsat − vds)/(2·vdsat − vds))²)`,
    ///   `Cgd = 2/3·Cox·(1 − (vdsat/(2·vdsat − vds))²)`.
    func meyer(vgs: Double, vds: Double, von: Double) -> (cgs: Double, cgd: Double, cgb: Double) {
        let cox = oxideCap
        let vgst = vgs - von
        let vdsat = max(vgst, 0)
        if vgst <= -phi { return (0, 0, cox) }
        if vgst <= -phi / 2 { return (0, 0, -vgst * cox / phi) }
        if vgst <= 0 { return (4 * vgst * cox / (3 * phi) + 2 * cox / 3, 0, -vgst * cox / phi) }
        if vdsat <= vds { return (2 * cox / 3, 0, 0) }
        let vddif = 2 * vdsat - vds, vddif1 = vdsat - vds
        let vddif2 = vddif * vddif
        return (2 * cox * (1 - vddif1 * vddif1 / vddif2) / 3, 2 * cox * (1 - vdsat * vdsat / vddif2) / 3, 0)
    }

    /// Adds the Meyer capacitances at the voltages of the last load (`state`) to `dQ/dx`, as the
    /// two-terminal capacitors g–s', g–d', g–b (drain and source swapped when `vds < 0`).
    func addSmallSignalCapacitance(state: [Double], into jacobianQ: inout [Double]) {
        guard oxideCap > 0 else { return }
        let s = stateBase
        let vgs = state[s], vds = state[s + 1], von = state[s + 3]
        var c: (cgs: Double, cgd: Double, cgb: Double)
        if vds >= 0 {
            c = meyer(vgs: vgs, vds: vds, von: von)
        } else {
            let r = meyer(vgs: vgs - vds, vds: -vds, von: von)
            c = (r.cgd, r.cgs, r.cgb)
        }
        func add(_ r: Int, _ col: Int, _ value: Double) {
            let slot = block[4 * r + col]
            if slot.index >= 0 { jacobianQ[slot.index] += value }
        }
        // Rows/columns: 0 = d', 1 = g, 2 = s', 3 = b.
        add(1, 1, c.cgs + c.cgd + c.cgb)
        add(1, 2, -c.cgs); add(2, 1, -c.cgs); add(2, 2, c.cgs)
        add(1, 0, -c.cgd); add(0, 1, -c.cgd); add(0, 0, c.cgd)
        add(1, 3, -c.cgb); add(3, 1, -c.cgb); add(3, 3, c.cgb)
    }
}

extension Limiting {
    /// SPICE's FET gate-voltage limiting (`fetlim`): around the threshold `vto` a step may not cross
    /// far into or out of conduction in one iteration (at most to `vto + 4` on, `vto − 0.5` off,
    /// steps bounded by `2·|vold − vto| + 2` deep in conduction).
    static func fetlim(_ vnew: Double, _ vold: Double, vto: Double) -> Double {
        let vtsthi = abs(2 * (vold - vto)) + 2
        let vtstlo = abs(vold - vto) + 1
        let vtox = vto + 3.5
        let delv = vnew - vold
        var v = vnew
        if vold >= vto {
            if vold >= vtox {
                if delv <= 0 {
                    if vnew >= vtox {
                        if -delv > vtstlo { v = vold - vtstlo }
                    } else {
                        v = max(vnew, vto + 2)
                    }
                } else if delv >= vtsthi {
                    v = vold + vtsthi
                }
            } else {
                v = delv <= 0 ? max(vnew, vto - 0.5) : min(vnew, vto + 4)
            }
        } else {
            if delv <= 0 {
                if -delv > vtsthi { v = vold - vtsthi }
            } else {
                let vtemp = vto + 0.5
                if vnew <= vtemp {
                    if delv > vtstlo { v = vold + vtstlo }
                } else {
                    v = vtemp
                }
            }
        }
        return v
    }

    /// SPICE's drain-source limiting (`limvds`): above 3.5 V a rise is capped at `3·vold + 2` and a
    /// fall stops at 2 V; below, a rise is capped at 4 V and a fall at −0.5 V.
    static func limvds(_ vnew: Double, _ vold: Double) -> Double {
        if vold >= 3.5 {
            if vnew > vold { return min(vnew, 3 * vold + 2) }
            if vnew < 3.5 { return max(vnew, 2) }
            return vnew
        }
        return vnew > vold ? min(vnew, 4) : max(vnew, -0.5)
    }
}
