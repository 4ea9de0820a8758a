import Foundation
import Netlist

/// Junction diode, the SPICE level-1 model (ngspice `DIO` DC equations).
///
/// With `Vte = N·kT/q` (V) and the temperature-adjusted saturation current `Is` (A):
/// - forward (`v ≥ −3·Vte`): `I = Is·(exp(v/Vte) − 1)`
/// - reverse (`−BV ≤ v < −3·Vte`): `I = −Is·(1 + (3·Vte/(e·v))³)`
/// - breakdown (`v < −BV`): `I = −Is·exp(−(BV + v)/(NBV·Vt))`, BV adjusted so the current at
///   `−BV` equals `IBV`
/// optionally reduced at high injection to `I/(1 + √(I/IKF))` (IKR in reverse),
/// plus `gmin·v` in parallel with the junction. `RS` (Ω) puts a series resistor to an internal
/// anode node. Temperature: `Is(T) = Is·exp((T/Tnom − 1)·EG/Vte + XTI/N·ln(T/Tnom))`.
/// Charge (kept for transient): depletion `CJO, VJ, M, FC` and diffusion `TT·I`, in `Q`.
struct Diode: StampLoading {
    let name: String
    /// The diode without its name: what Newton loads (see `StampKernel`).
    private(set) var kernel: Kernel

    /// State layout: limited junction voltage, junction current, junction conductance.
    static let stateCount = 3

    init(name: String, anode: Int, anodePrime: Int, cathode: Int, model: Model, instance: InstanceParameters,
         options: Options) {
        self.name = name
        kernel = Kernel(anode: anode, anodePrime: anodePrime, cathode: cathode, model: model, instance: instance,
                        options: options)
    }

    mutating func reserve(_ reserver: inout SlotReserver) { kernel.reserve(&reserver) }

    var dcPaths: [(Int, Int)] { kernel.dcPaths }

    /// Connections, model parameters at the diode's temperature, slots and state index: the
    /// diode's equations, a trivially copyable value.
    struct Kernel: StampKernel {
        /// Anode, internal anode (equal to `anode` when RS = 0), cathode.
        let anode: Int, anodePrime: Int, cathode: Int
        let off: Bool
        /// Series conductance `area·m/RS` (S), 0 without RS.
        let seriesConductance: Double
        /// Temperature-adjusted saturation current (A), thermal voltage `kT/q` (V), `N·Vt`.
        let saturationCurrent: Double
        let vt: Double
        let vte: Double
        let vcrit: Double
        /// Effective breakdown voltage (V) when BV is given, and `NBV·Vt`.
        let breakdownVoltage: Double?
        let vtebrk: Double
        // Charge parameters.
        let junctionCap: Double, junctionPotential: Double, grading: Double, transitTime: Double
        let depletionCoeff: Double
        /// High-injection knee currents IKF (forward) and IKR (reverse), area-scaled (A); 0 = off.
        let forwardKnee: Double, reverseKnee: Double
        /// Flicker noise coefficient KF and exponent AF (`.noise`: `KF·|I|^AF/f`, A²/Hz).
        let flickerCoefficient: Double, flickerExponent: Double
        private var seriesSlots = ConductanceSlots()
        private var junctionSlots = ConductanceSlots()
        private(set) var stateBase = 0

        init(anode: Int, anodePrime: Int, cathode: Int, model: Model, instance: InstanceParameters, options: Options) {
            self.anode = anode
            self.anodePrime = anodePrime
            self.cathode = cathode
            let area = instance["area"] ?? 1
            let m = instance["m"] ?? 1
            self.off = (instance["off"] ?? 0) != 0
            let temp = (instance["temp"] ?? (options.temp + (instance["dtemp"] ?? 0))) + Physics.zeroCelsius
            let tnom = model.value("tnom", default: options.tnom) + Physics.zeroCelsius
            let n = model.value("n", default: 1)
            let vt = Physics.boltzmann * temp / Physics.charge
            self.vt = vt
            self.vte = n * vt
            let eg = model.value("eg", default: 1.11)
            let xti = model.value("xti", default: 3)
            let isat = model.value("is", default: 1e-14)
            let ratio = temp / tnom
            let tis = m * isat * area * exp((ratio - 1) * eg / vte + xti / n * log(ratio))
            self.saturationCurrent = tis
            self.vcrit = vte * log(vte / (2.0.squareRoot() * tis))
            flickerCoefficient = model.value("kf", default: 0)
            flickerExponent = model.value("af", default: 1)
            let rs = model.value("rs", default: 0)
            self.seriesConductance = rs > 0 ? m * area / rs : 0
            let nbv = model.value("nbv", default: n)
            self.vtebrk = nbv * vt
            if let bvGiven = model.parameters["bv"] {
                let bv = bvGiven - model.value("tcv", default: 0) * (temp - tnom)
                var cbv = m * model.value("ibv", default: 1e-3)
                var xbv = bv
                if cbv < tis * bv / vt {
                    cbv = tis * bv / vt
                } else {
                    // Match the breakdown current: solve Is·(exp((BV − x)/(NBV·Vt)) − 1 + x/Vt) = IBV for x.
                    let tol = options.reltol * cbv
                    xbv = bv - nbv * vt * log(1 + cbv / tis)
                    for _ in 0..<25 {
                        xbv = bv - nbv * vt * log(cbv / tis + 1 - xbv / vt)
                        let xcbv = tis * (exp((bv - xbv) / (nbv * vt)) - 1 + xbv / vt)
                        if abs(xcbv - cbv) <= tol { break }
                    }
                }
                self.breakdownVoltage = xbv
            } else {
                self.breakdownVoltage = nil
            }
            self.junctionCap = m * area * (model.parameters["cjo"] ?? model.value("cj0", default: 0))
            self.junctionPotential = model.value("vj", default: 1)
            self.grading = model.value("m", default: 0.5)
            self.transitTime = model.value("tt", default: 0)
            self.depletionCoeff = model.value("fc", default: 0.5)
            self.forwardKnee = m * area * (model.parameters["ikf"] ?? model.value("ik", default: 0))
            self.reverseKnee = m * area * model.value("ikr", default: 0)
        }

        mutating func reserve(_ reserver: inout SlotReserver) {
            if anodePrime != anode { seriesSlots = reserver.reservePair(anode, anodePrime) }
            junctionSlots = reserver.reservePair(anodePrime, cathode)
            stateBase = reserver.reserveState(Diode.stateCount)
        }

        /// Junction current (A) and conductance (S) at `vd`, without gmin.
        @inline(__always)
        func junction(_ vd: Double) -> (current: Double, conductance: Double) {
            let isat = saturationCurrent
            if vd >= -3 * vte {
                let e = exp(vd / vte)
                return (isat * (e - 1), isat * e / vte)
            }
            if let bv = breakdownVoltage, vd < -bv {
                let e = exp(-(bv + vd) / vtebrk)
                return (-isat * e, isat * e / vtebrk)
            }
            var arg = 3 * vte / (vd * M_E)
            arg = arg * arg * arg
            return (-isat * (1 + arg), isat * 3 * arg / vd)
        }

        /// Inlined into its run's loop (`StampLoading.run(of:)`), which then makes no call per
        /// diode but `exp` (and `log` when limiting): with the kernel and the stamp handle, the
        /// 1000-diode ladder sweep went from 725 M to 638 M instructions.
        @inline(__always)
        func load(_ context: LoadContext, stamps: inout StampHandle) {
            let vRaw = context.v(anodePrime) - context.v(cathode)
            var vd: Double
            if context.initJunction {
                vd = off ? 0 : vcrit
                stamps.limited += 1
            } else {
                // A sweep point's first iteration starts from the extrapolated junction voltage (DEVpred).
                vd = context.predictedState.isEmpty ? vRaw : context.predictedState[stateBase]
                let vold = context.previousState[stateBase]
                var limited = false
                if let bv = breakdownVoltage, vd < min(0, -bv + 10 * vtebrk) {
                    let (t, l) = Limiting.pnjlim(-(vd + bv), -(vold + bv), vte: vtebrk, vcrit: vcrit)
                    vd = -(t + bv)
                    limited = l
                } else {
                    (vd, limited) = Limiting.pnjlim(vd, vold, vte: vte, vcrit: vcrit)
                }
                if limited { stamps.limited += 1 }
            }
            var (cd, gd) = junction(vd)
            // High injection: I/(1 + √(I/IK)) with its derivative.
            if vd >= -3 * vte, forwardKnee > 0, cd > 1e-18 {
                let r = (cd / forwardKnee).squareRoot()
                gd = ((1 + r) * gd - cd * gd / (2 * r * forwardKnee)) / (1 + 2 * r + cd / forwardKnee)
                cd /= 1 + r
            } else if vd < -3 * vte, reverseKnee > 0, cd < -1e-18 {
                let r = (-cd / reverseKnee).squareRoot()
                gd = ((1 + r) * gd + cd * gd / (2 * r * reverseKnee)) / (1 + 2 * r - cd / reverseKnee)
                cd /= 1 + r
            }
            gd += context.gmin
            cd += context.gmin * vd
            (stamps.state[stateBase], stamps.state[stateBase + 1], stamps.state[stateBase + 2]) = (vd, cd, gd)

            // Residual of the linearisation at the limited voltage, evaluated at the iterate.
            stamps.addCurrentF(anodePrime, cathode, cd + gd * (vRaw - vd))
            stamps.addConductanceF(junctionSlots, gd)
            if anodePrime != anode {
                stamps.addConductance(seriesSlots, anode, anodePrime, seriesConductance, context)
            }
            guard context.charges else { return }

            let (q, c) = charge(vd, current: cd - context.gmin * vd, conductance: gd - context.gmin)
            stamps.addQ(anodePrime, q)
            stamps.addQ(cathode, -q)
            stamps.addCapacitanceQ(junctionSlots, c)
        }

        /// Junction charge (C) and capacitance (F) at junction voltage `vd` (V), stored in `Q` so the
        /// transient integrator owns the method:
        ///
        /// - diffusion: `q = TT·I_d`, `c = TT·g_d` (TT in s, `I_d` the junction current without gmin);
        /// - depletion for `vd < FC·VJ`: `q = CJO·VJ·(1 − (1 − vd/VJ)^(1−M))/(1 − M)`,
        ///   `c = CJO·(1 − vd/VJ)^(−M)`;
        /// - depletion for `vd ≥ FC·VJ` (SPICE's linearisation, continuous in q and c):
        ///   `q = CJO·F1 + CJO/F2·(F3·(vd − FC·VJ) + M/(2·VJ)·(vd² − (FC·VJ)²))`,
        ///   `c = CJO/F2·(F3 + M·vd/VJ)`, with `F1 = VJ·(1 − (1 − FC)^(1−M))/(1 − M)`,
        ///   `F2 = (1 − FC)^(1+M)`, `F3 = 1 − FC·(1 + M)`.
        func charge(_ vd: Double, current: Double, conductance: Double) -> (Double, Double) {
            var q = transitTime * current
            var c = transitTime * conductance
            if junctionCap > 0 {
                let vj = junctionPotential, mg = grading, fc = depletionCoeff
                if vd < fc * vj {
                    let arg = 1 - vd / vj
                    let sarg = exp(-mg * log(arg))
                    q += vj * junctionCap * (1 - arg * sarg) / (1 - mg)
                    c += junctionCap * sarg
                } else {
                    let f1 = vj * (1 - exp((1 - mg) * log(1 - fc))) / (1 - mg)
                    let f2 = exp((1 + mg) * log(1 - fc))
                    let f3 = 1 - fc * (1 + mg)
                    let vdep = fc * vj
                    q += junctionCap * f1 + junctionCap / f2 * (f3 * (vd - vdep) + mg / (2 * vj) * (vd * vd - vdep * vdep))
                    c += junctionCap / f2 * (f3 + mg * vd / vj)
                }
            }
            return (q, c)
        }

        /// SPICE's diode current test: the current predicted by the last linearisation must match the
        /// load current within `reltol·max(|î|, |i|) + abstol`.
        @inline(__always)
        func isConverged(x: [Double], state: [Double], tolerances: Tolerances) -> Bool {
            let va = anodePrime == groundIndex ? 0 : x[anodePrime]
            let vc = cathode == groundIndex ? 0 : x[cathode]
            let delvd = (va - vc) - state[stateBase]
            let cd = state[stateBase + 1]
            let cdhat = cd + state[stateBase + 2] * delvd
            let tol = tolerances.reltol * max(abs(cdhat), abs(cd)) + tolerances.abstol
            return abs(cdhat - cd) <= tol
        }

        var dcPaths: [(Int, Int)] { anode == anodePrime ? [(anode, cathode)] : [(anode, anodePrime), (anodePrime, cathode)] }
    }
}
