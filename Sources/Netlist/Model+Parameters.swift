/// The model parameters Kelvin's devices read, by model type, and the model levels they implement.
///
/// A parameter on a `.model` card that is not listed here would change nothing in Kelvin's
/// circuit, so it is reported as a located warning (ngspice-39 likewise warns "unrecognized
/// parameter (bff) - ignored" for one it does not know). An unsupported `level=` would change
/// the device equations, so it is an error.
extension Model {
    /// Parameters every semiconductor model accepts: `level`, `tnom`, and the flicker-noise
    /// coefficients `kf`, `af` (used only by `.noise`, which changes no other analysis).
    static let commonParameters = ["level", "tnom", "kf", "af"]

    /// Parameter names (with ngspice's aliases) read by each device, by model type; nil for a type
    /// without a list. Arrays searched in order: building hashed sets of these ~150 names cost
    /// ~116,000 instructions of every deck with a `.model` card, more than all its look-ups.
    static func knownParameters(_ type: String) -> [String]? {
        switch type {
        case "d": return diodeParameters
        case "npn", "pnp": return bjtParameters
        case "nmos", "pmos": return mosParameters
        case "sw": return ["vt", "vh", "ron", "roff"]
        case "csw": return ["it", "ih", "ron", "roff"]
        default: return nil
        }
    }

    /// Whether a device of model `type` reads parameter `name` (true for a type without a list).
    static func isKnownParameter(_ name: String, type: String) -> Bool {
        guard let known = knownParameters(type) else { return true }
        switch type {
        case "sw", "csw": return known.contains(name)
        default: return known.contains(name) || commonParameters.contains(name)
        }
    }

    private static let diodeParameters = [
        "is", "n", "rs", "bv", "ibv", "nbv", "cjo", "cj0", "vj", "m", "tt", "fc", "eg", "xti", "tcv", "ikf",
        "ik", "ikr",
    ]
    private static let bjtParameters = [
        "is", "bf", "br", "nf", "nr", "vaf", "va", "var", "vb", "ikf", "ik", "ikr", "ise", "ne", "isc", "nc",
        "rb", "irb", "rbm", "rc", "re", "cje", "vje", "pe", "mje", "me", "cjc", "vjc", "pc", "mjc", "mc",
        "xcjc", "cjs", "csub", "ccs", "vjs", "ps", "mjs", "ms", "subs", "tf", "xtf", "vtf", "itf", "ptf", "tr",
        "fc", "eg", "xti", "xtb", "ibe", "ibc",
    ]
    private static let mosParameters = [
        "vto", "vt0", "kp", "gamma", "phi", "lambda", "rd", "rs", "rsh", "ld", "tox", "u0", "uo", "nsub",
        "nss", "tpg", "is", "js", "cbd", "cbs", "cj", "mj", "cjsw", "mjsw", "pb", "fc", "cgso", "cgdo", "cgbo",
        "l", "w",
    ]

    /// Model levels Kelvin implements, by model type (ngspice's default level 1 everywhere).
    static func supportedLevels(_ type: String) -> [Double]? {
        switch type {
        case "d", "npn", "pnp", "nmos", "pmos": return [1]
        default: return nil
        }
    }

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
