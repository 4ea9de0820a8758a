/// The model parameters Kelvin's devices read, by model type, and the model levels they implement.
///
/// A parameter on a `.model` card that is not listed here would change nothing in Kelvin's
/// circuit, so it is reported as a located warning (ngspice-39 likewise warns "unrecognized
/// parameter (bff) - ignored" for one it does not know). An unsupported `level=` would change
/// the device equations, so it is an error.
extension Model {
    /// Parameters every semiconductor model accepts: `level`, `tnom`, and the flicker-noise
    /// coefficients `kf`, `af` (used only by `.noise`, which changes no other analysis).
    static let commonParameters: Set<String> = ["level", "tnom", "kf", "af"]

    /// Parameter names (with ngspice's aliases) read by each device, by model type.
    static let knownParameters: [String: Set<String>] = {
        let diode: Set<String> = [
            "is", "n", "rs", "bv", "ibv", "nbv", "cjo", "cj0", "vj", "m", "tt", "fc", "eg", "xti", "tcv", "ikf",
            "ik", "ikr",
        ]
        let bjt: Set<String> = [
            "is", "bf", "br", "nf", "nr", "vaf", "va", "var", "vb", "ikf", "ik", "ikr", "ise", "ne", "isc", "nc",
            "rb", "irb", "rbm", "rc", "re", "cje", "vje", "pe", "mje", "me", "cjc", "vjc", "pc", "mjc", "mc",
            "xcjc", "cjs", "csub", "ccs", "vjs", "ps", "mjs", "ms", "subs", "tf", "xtf", "vtf", "itf", "ptf", "tr",
            "fc", "eg", "xti", "xtb", "ibe", "ibc",
        ]
        let mos: Set<String> = [
            "vto", "vt0", "kp", "gamma", "phi", "lambda", "rd", "rs", "rsh", "ld", "tox", "u0", "uo", "nsub",
            "nss", "tpg", "is", "js", "cbd", "cbs", "cj", "mj", "cjsw", "mjsw", "pb", "fc", "cgso", "cgdo", "cgbo",
            "l", "w",
        ]
        return [
            "d": diode.union(commonParameters), "npn": bjt.union(commonParameters),
            "pnp": bjt.union(commonParameters), "nmos": mos.union(commonParameters),
            "pmos": mos.union(commonParameters), "sw": ["vt", "vh", "ron", "roff"],
            "csw": ["it", "ih", "ron", "roff"],
        ]
    }()

    /// Model levels Kelvin implements, by model type (ngspice's default level 1 everywhere).
    static let supportedLevels: [String: Set<Double>] = [
        "d": [1], "npn": [1], "pnp": [1], "nmos": [1], "pmos": [1],
    ]

    /// A readable name of a model type for messages.
    static func kindName(_ type: String) -> String {
        switch type {
        case "d": return "diode"
        case "npn", "pnp": return "BJT"
        case "nmos", "pmos": return "MOSFET"
        case "sw": return "voltage switch"
        case "csw": return "current switch"
        default: return type
        }
    }
}
