/// A parsed, flattened circuit deck: what the simulator consumes.
///
/// Every name is lower case. Subcircuits are already expanded: an element `r1` inside instance `x1`
/// is named as ngspice names it (`r.x1.r1`), and an internal node `n1` of `x1` is `x1.n1`.
/// Ground is always the node `"0"` (`gnd` is mapped to it). Parameters and expressions are already
/// evaluated to numbers; models are resolved and embedded in the elements that use them.
public struct Deck: Sendable {
    /// The first line of the deck (ngspice always treats it as the title).
    public var title: String
    /// Flattened elements in deck order.
    public var elements: [Element]
    /// Analyses in deck order (`.op`, `.dc`, `.tran`, `.ac`).
    public var analyses: [Analysis]
    /// Simulator options from `.options` and `.temp`.
    public var options: Options
    /// Node voltages from `.ic` (node name → volts).
    public var initialConditions: [String: Double]
    /// Node voltages from `.nodeset` (node name → volts).
    public var nodeSets: [String: Double]
    /// Non-fatal remarks for the user (skipped `.control` blocks, ignored cards, ...).
    public var notes: [String]
    /// Located warnings, `FILE:LINE:COL: warning: MESSAGE ('TOKEN')`: something in the deck that
    /// Kelvin (like ngspice) accepts but ignores or reinterprets, e.g. an unknown model parameter.
    public var warnings: [String] = []
    /// The start of the title line of the top-level file.
    public var titleLocation = SourceLocation(file: "<deck>", line: 1, column: 1)
    /// Where each `.control` block starts.
    public var controlBlocks: [SourceLocation] = []
    /// The lines of the `.control` blocks in order, as written (the control interpreter in
    /// `Simulator` parses them).
    public var control: [ControlLine] = []
    /// `.meas`/`.measure` cards, the text after the keyword (`tran name when v(out)=0.5 ...`).
    public var measurements: [ControlLine] = []
    /// `.save` vectors in order, lower case as written (`v(out)`, `i(v1)`, `all`).
    public var saves: [String] = []
    /// `.print` cards: the analysis type (`tran`, `dc`, `ac`, `op`) and the vectors, lower case.
    public var prints: [PrintCard] = []
    /// Top-level `.param` values as evaluated (overrides applied), by lower-case name.
    public var parameters: [String: Double] = [:]
    /// The temperature coefficients of every resistor that has them, by index in `elements`, so
    /// that `at(temperature:)` can re-evaluate the resistance at another circuit temperature.
    var resistorTemperatures: [Int: ResistorTemperature] = [:]

    public init(
        title: String, elements: [Element] = [], analyses: [Analysis] = [], options: Options = Options(),
        initialConditions: [String: Double] = [:], nodeSets: [String: Double] = [:], notes: [String] = []
    ) {
        self.title = title
        self.elements = elements
        self.analyses = analyses
        self.options = options
        self.initialConditions = initialConditions
        self.nodeSets = nodeSets
        self.notes = notes
    }
}

extension Deck {
    /// Throws `NetlistError.noAnalysis` when the deck has no analysis card Kelvin can run, so that
    /// `kelvin sim` never reports "0 analyses" and succeeds on a deck that ngspice would simulate
    /// through its `.control` block (located at the first skipped `.control`, else the title).
    public func requireAnalysis() throws {
        guard analyses.isEmpty else { return }
        let runs: Set<String> = ["op", "dc", "tran", "ac", "noise", "tf", "sens", "run"]
        if control.contains(where: { runs.contains($0.command) }) { return }
        if let control = controlBlocks.first {
            throw NetlistError.noAnalysis(control, token: ".control")
        }
        throw NetlistError.noAnalysis(titleLocation, token: title)
    }
}

extension Deck {
    /// The sweep name of the circuit temperature in `.dc TEMP START STOP STEP` (as in ngspice).
    public static let temperatureSweep = "temp"

    /// The resistance element `index` has at the deck's temperature when its nominal (TNOM)
    /// value is `nominal`: `nominal · f(T)` for a resistor with temperature coefficients (f as
    /// in `at(temperature:)`), else `nominal`. ngspice's `alter` sets the nominal value and
    /// re-evaluates the temperature dependence on top of it.
    public func resistance(nominal: Double, element index: Int) -> Double {
        guard let coefficients = resistorTemperatures[index] else { return nominal }
        return nominal * coefficients.factor(options)
    }

    /// The deck at circuit temperature `celsius` (°C), as ngspice's `CKTtemp` re-evaluates every
    /// device for a `.dc TEMP` point: the `temp` option is set (semiconductor models, `temper`
    /// and noise read it when the simulator builds its devices), and every resistor with
    /// temperature coefficients is rescaled from the deck's temperature `T₀` to `T`,
    ///
    ///     R(T) = R(T₀) · f(T) / f(T₀),   f(T) = 1 + TC1·(T − TNOM) + TC2·(T − TNOM)²  (or 1.01^(TCE·(T − TNOM)))
    ///
    /// so a value changed after reading (`alter`, a Monte Carlo factor) keeps its ratio. A resistor
    /// with its own `temp=` does not change. `nominal` also sets TNOM (`option tnom=` in a
    /// `.control` block). Throws `NetlistError.invalidExpression` at the resistor when its
    /// resistance at `celsius` is zero or not finite.
    public func at(temperature celsius: Double, nominal: Double? = nil) throws -> Deck {
        var out = self
        out.options.values["temp"] = celsius
        if let nominal { out.options.values["tnom"] = nominal }
        for (index, coefficients) in resistorTemperatures {
            guard index < out.elements.count, case .resistor(let r) = out.elements[index].kind else { continue }
            let scaled = r * coefficients.factor(out.options) / coefficients.factor(options)
            guard scaled.isFinite, scaled != 0 else {
                throw NetlistError.invalidExpression(
                    out.elements[index].location, token: out.elements[index].name,
                    message: "resistance at \(celsius) °C is \(scaled)")
            }
            out.elements[index].kind = .resistor(resistance: scaled)
        }
        return out
    }
}

/// One line of a `.control` block (or the text of a `.meas` card after its keyword), as written.
public struct ControlLine: Sendable, Equatable {
    public var text: String
    public var location: SourceLocation

    public init(text: String, location: SourceLocation) {
        self.text = text
        self.location = location
    }

    /// The first word, lower case (`let`, `print`, ...).
    public var command: String {
        String(text.prefix(while: { !$0.isWhitespace && $0 != "=" })).lowercased()
    }
}

/// A `.print TYPE v1 v2 ...` card.
public struct PrintCard: Sendable, Equatable {
    public var analysis: String
    public var vectors: [String]
    public var location: SourceLocation

    public init(analysis: String, vectors: [String], location: SourceLocation) {
        self.analysis = analysis
        self.vectors = vectors
        self.location = location
    }
}

/// A position in a netlist source file, reported with every error.
public struct SourceLocation: Sendable, Hashable, CustomStringConvertible {
    public var file: String
    public var line: Int
    public var column: Int

    public init(file: String, line: Int, column: Int) {
        self.file = file
        self.line = line
        self.column = column
    }

    public var description: String { "\(file):\(line):\(column)" }
}

/// One circuit element after subcircuit expansion.
public struct Element: Sendable {
    /// Flattened lower-case name, e.g. `r1`, `r.x1.r1`, `v.x1.x2.vcc`.
    public var name: String
    /// Flattened lower-case node names in the element's terminal order; ground is `"0"`.
    public var nodes: [String]
    public var kind: ElementKind
    /// Where the element's card starts (inside a subcircuit: the card in the `.subckt` body).
    public var location: SourceLocation

    public init(name: String, nodes: [String], kind: ElementKind, location: SourceLocation) {
        self.name = name
        self.nodes = nodes
        self.kind = kind
        self.location = location
    }
}

/// What an element is, with its evaluated values. Terminal order is the SPICE card order.
public enum ElementKind: Sendable {
    /// R: nodes (n+, n−); ohms.
    case resistor(resistance: Double)
    /// C: nodes (n+, n−); farads; optional `ic=` volts.
    case capacitor(capacitance: Double, initialCondition: Double?)
    /// L: nodes (n+, n−); henries; optional `ic=` amperes.
    case inductor(inductance: Double, initialCondition: Double?)
    /// V: nodes (n+, n−).
    case voltageSource(Source)
    /// I: nodes (n+, n−); positive current flows from n+ through the source to n−.
    case currentSource(Source)
    /// E: nodes (n+, n−, nc+, nc−); V(n+,n−) = gain · V(nc+,nc−).
    case vcvs(gain: Double)
    /// G: nodes (n+, n−, nc+, nc−); I(n+→n−) = gm · V(nc+,nc−).
    case vccs(transconductance: Double)
    /// F: nodes (n+, n−); I(n+→n−) = gain · I(controlling V source), name flattened.
    case cccs(controllingSource: String, gain: Double)
    /// H: nodes (n+, n−); V(n+,n−) = r · I(controlling V source), name flattened.
    case ccvs(controllingSource: String, transresistance: Double)
    /// D: nodes (anode, cathode); `model.type == "d"`.
    case diode(model: Model, instance: InstanceParameters)
    /// Q: nodes (collector, base, emitter[, substrate]); `model.type` is `npn` or `pnp`.
    case bjt(model: Model, instance: InstanceParameters)
    /// M: nodes (drain, gate, source, bulk); `model.type` is `nmos` or `pmos`.
    case mosfet(model: Model, instance: InstanceParameters)
    /// S: nodes (n+, n−, nc+, nc−); `model.type == "sw"`.
    case voltageSwitch(model: Model, instance: InstanceParameters)
    /// W: nodes (n+, n−); controlled by the current through a V source; `model.type == "csw"`.
    case currentSwitch(controllingSource: String, model: Model, instance: InstanceParameters)
    /// B with `V=expr`, E with `value=`/`vol=`/`table`, E and H with `POLY(n)`: nodes (n+, n−);
    /// V(n+,n−) = f(controls) (V), with a branch current as a V source's.
    case behavioralVoltage(BehavioralExpression)
    /// B with `I=expr`, G with `value=`/`cur=`/`table`, F and G with `POLY(n)`: nodes (n+, n−);
    /// I(n+→n−) = f(controls) (A) through the source, as an I source's.
    case behavioralCurrent(BehavioralExpression)
    /// K: no nodes; couples two inductors (flattened names) with coefficient `k`, |k| ≤ 1:
    /// mutual inductance `M = k·√(L1·L2)` (H).
    case mutualInductance(first: String, second: String, coupling: Double)
}

/// Instance parameters of a semiconductor or switch card (`area`, `w=`, `l=`, `off`, `ic=`, ...).
/// Keys are lower case; flags such as `off` or `on` are stored with the value 1.
public typealias InstanceParameters = [String: Double]

/// A `.model` card with its parameters evaluated.
public struct Model: Sendable {
    /// Lower-case model name as written (not flattened).
    public var name: String
    /// Lower-case model type: `d`, `npn`, `pnp`, `nmos`, `pmos`, `sw`, `csw`, `r`, `c`, ...
    public var type: String
    /// Lower-case parameter names to values. Parameters not given are absent: devices apply defaults.
    public var parameters: [String: Double]
    public var location: SourceLocation

    public init(name: String, type: String, parameters: [String: Double], location: SourceLocation) {
        self.name = name
        self.type = type
        self.parameters = parameters
        self.location = location
    }

    /// The parameter `key` (lower case) or `fallback` when the card does not give it.
    public func value(_ key: String, default fallback: Double) -> Double {
        parameters[key] ?? fallback
    }
}

/// An independent source specification: DC value, AC small-signal value and transient waveform.
public struct Source: Sendable {
    /// The DC value when written (`DC 5` or a bare value); nil when the card gives only a waveform.
    public var dc: Double?
    /// AC magnitude (0 when no `AC` spec) and phase in degrees.
    public var acMagnitude: Double
    public var acPhase: Double
    public var waveform: Waveform?

    public init(dc: Double?, acMagnitude: Double = 0, acPhase: Double = 0, waveform: Waveform? = nil) {
        self.dc = dc
        self.acMagnitude = acMagnitude
        self.acPhase = acPhase
        self.waveform = waveform
    }
}

/// Transient waveform of an independent source, with the parameters as written (missing trailing
/// parameters are absent from the array; the transient analysis applies ngspice's defaults).
public enum Waveform: Sendable {
    /// PULSE(V1 V2 TD TR TF PW PER [NP]).
    case pulse([Double])
    /// SIN(VO VA FREQ TD THETA PHASE).
    case sin([Double])
    /// EXP(V1 V2 TD1 TAU1 TD2 TAU2).
    case exp([Double])
    /// PWL(t1 v1 t2 v2 ...) with optional `r=` (repeat from this time; -1 means none) and `td=` delay.
    case pwl(points: [(time: Double, value: Double)], repeatFrom: Double?, delay: Double)
}

/// An analysis card.
public struct Analysis: Sendable {
    public var kind: AnalysisKind
    public var location: SourceLocation

    public init(kind: AnalysisKind, location: SourceLocation) {
        self.kind = kind
        self.location = location
    }
}

public enum AnalysisKind: Sendable {
    /// `.op`
    case operatingPoint
    /// `.dc SRC start stop step [SRC2 start stop step]`: the first sweep is the inner one.
    case dcSweep([SweepSpec])
    /// `.tran TSTEP TSTOP [TSTART [TMAX]] [UIC]`
    case transient(step: Double, stop: Double, start: Double, maxStep: Double?, useInitialConditions: Bool)
    /// `.ac dec|oct|lin N fstart fstop`
    case ac(variation: ACVariation, points: Int, start: Double, stop: Double)
    /// `.tf OUTVAR INSRC`: small-signal DC transfer function, input and output resistance.
    case transferFunction(output: OutputVariable, source: String)
    /// `.sens OUTVAR`: DC sensitivity of an output to every device parameter.
    case sensitivity(output: OutputVariable)
    /// `.noise v(out[,ref]) SRC dec|oct|lin N fstart fstop [PTS_PER_SUMMARY]`
    case noise(output: OutputVariable, source: String, variation: ACVariation, points: Int, start: Double, stop: Double)
}

/// The output of a `.tf`, `.sens` or `.noise` card: a node voltage `v(p[,n])` or the current of
/// a voltage source `i(vname)` (names lower case and flattened; ground is `"0"`).
public enum OutputVariable: Sendable, Equatable, CustomStringConvertible {
    case voltage(String, String)
    case current(String)

    /// As written in SPICE: `v(out)`, `v(a,b)`, `i(vx)`.
    public var description: String {
        switch self {
        case .voltage(let p, let n): return n == "0" ? "v(\(p))" : "v(\(p),\(n))"
        case .current(let source): return "i(\(source))"
        }
    }
}

/// One `.dc` sweep: a V or I source (flattened lower-case name) stepped from start to stop.
public struct SweepSpec: Sendable {
    public var source: String
    public var start: Double
    public var stop: Double
    public var step: Double

    public init(source: String, start: Double, stop: Double, step: Double) {
        self.source = source
        self.start = start
        self.stop = stop
        self.step = step
    }
}

public enum ACVariation: String, Sendable {
    case decade = "dec"
    case octave = "oct"
    case linear = "lin"
}

/// Simulator options (`.options`, `.temp`) with SPICE defaults.
public struct Options: Sendable {
    /// Every option as written, lower case; flags (e.g. `method=gear` is stored under `method` as text).
    public var values: [String: Double]
    public var text: [String: String]

    public init(values: [String: Double] = [:], text: [String: String] = [:]) {
        self.values = values
        self.text = text
    }

    public var reltol: Double { values["reltol"] ?? 1e-3 }
    public var abstol: Double { values["abstol"] ?? 1e-12 }
    public var vntol: Double { values["vntol"] ?? 1e-6 }
    public var chgtol: Double { values["chgtol"] ?? 1e-14 }
    public var trtol: Double { values["trtol"] ?? 7 }
    public var gmin: Double { values["gmin"] ?? 1e-12 }
    /// DC iteration limit.
    public var itl1: Int { Int(values["itl1"] ?? 100) }
    /// DC transfer-curve iteration limit per point.
    public var itl2: Int { Int(values["itl2"] ?? 50) }
    /// Transient iteration limit per time point.
    public var itl4: Int { Int(values["itl4"] ?? 10) }
    /// Circuit temperature in °C.
    public var temp: Double { values["temp"] ?? 27 }
    /// Nominal (model) temperature in °C.
    public var tnom: Double { values["tnom"] ?? 27 }
    /// Integration method: `trap` (default) or `gear`.
    public var method: String { text["method"] ?? "trap" }

    /// The option names Kelvin reads.
    public static let readNames: Set<String> = [
        "reltol", "abstol", "vntol", "chgtol", "trtol", "gmin", "gminfactor", "gminsteps", "srcsteps", "noopiter",
        "itl1", "itl2", "itl4", "temp", "tnom", "method", "defw", "defl", "defad", "defas", "solver",
    ]
    /// ngspice options that do not change the solution (listing, accounting, pivoting, the choice
    /// of sparse package), accepted without a word.
    public static let inertNames: Set<String> = [
        "acct", "noacct", "norefvalue", "list", "nolist", "node", "nonode", "opts", "nomod", "nopage", "numdgt",
        "klu", "sparse", "pivtol", "pivrel", "bypass", "warn", "maxwarns", "keepopinfo", "noinit", "itl3", "itl5",
    ]

    /// The warning for an option Kelvin neither reads nor may ignore (`rshunt`, `ramptime`,
    /// `interp`, a misspelling), as `FILE:LINE:COL: warning: ...`; nil for a read or inert one.
    public static func warning(for name: String, at location: SourceLocation) -> String? {
        guard !readNames.contains(name), !inertNames.contains(name) else { return nil }
        return "\(location): warning: option '\(name)' is not implemented by Kelvin, ignored ('\(name)')"
    }
}
