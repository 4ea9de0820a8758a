import Foundation
import Netlist

/// One `.meas` card or `meas` command, evaluated on a plot as ngspice-39's `com_measure2.c` does.
///
/// `ANALYSIS NAME FUNCTION ...` with FUNCTION one of `find` (`at=` or `when`), `when`
/// (`VEC=VAL` or `VEC=VEC2`), `trig ... targ ...`, `avg min max pp rms integ` (`from= to= td=`) and
/// `deriv` (`at=` or `when`). Crossings count `rise=`, `fall=`, `cross=` (a number or `last`) after
/// `td=`; values between points are interpolated linearly in the scale, as ngspice does. On an
/// `.ac` plot a complex vector counts by its real part; `vdb() vm() vp() vr() vi()` select the form.
/// `rms` and `integ` integrate with Simpson's 3/8, 1/3 or the trapezoidal rule per segment as
/// ngspice does; `avg` is the trapezoidal mean up to the first point after `to=`.
/// `deriv` is Kelvin's (ngspice-39 reports "function 'deriv' currently not supported"): the slope of
/// the linear interpolant at the point, the mean of the two segment slopes at a data point.
public struct MeasurementCard: Sendable {
    /// `tran`, `ac` or `dc`.
    public var analysis: String
    public var name: String
    /// The text as written (after `.meas`/`meas`), for the "failed" line.
    public var text: String
    public var location: SourceLocation
    var function: String
    var words: [String]

    /// The outcome: a value and ngspice's printed line, or a failure with ngspice's message.
    public struct Outcome: Sendable, Equatable {
        public var name: String
        public var analysis: String
        /// nil when the measurement failed.
        public var value: Double?
        /// The stdout line ngspice prints (`tt  =  8.837501e-05 targ=...`, or ` .meas ... failed!`).
        public var line: String
        /// For a failure, ngspice's stderr message (`Error: measure  x  when(WHEN) : out of interval`).
        public var error: String?
    }

    /// Parses the words; throws a located `SimulatorError.control` on a malformed card.
    public init(_ line: ControlLine) throws {
        text = line.text
        location = line.location
        // `v(out) = 0.5` and `val = 1` are one word each, as ngspice reads them.
        var t = line.text.lowercased()
        while let r = t.range(of: " =") { t.replaceSubrange(r, with: "=") }
        while let r = t.range(of: "= ") { t.replaceSubrange(r, with: "=") }
        var words: [String] = []
        var current = ""
        var depth = 0
        for c in t {
            if c == "(" { depth += 1 }
            if c == ")" { depth -= 1 }
            if depth == 0, c == " " || c == "\t" {
                if !current.isEmpty { words.append(current) }
                current = ""
            } else {
                current.append(c)
            }
        }
        if !current.isEmpty { words.append(current) }
        guard words.count >= 3 else {
            throw SimulatorError.control(location: location.description, command: "meas",
                                         message: "expected ANALYSIS NAME FUNCTION ... (`tran t1 when v(out)=0.5`)")
        }
        if ["tran", "ac", "dc"].contains(words[0]) {
            analysis = words.removeFirst()
        } else if ["op", "noise", "sp", "tf", "sens", "disto", "pz"].contains(words[0]) {
            throw SimulatorError.control(location: location.description, command: words[0],
                                         message: "measurements run on tran, ac or dc results only")
        } else {
            analysis = "tran"
        }
        guard words.count >= 2 else {
            throw SimulatorError.control(location: location.description, command: "meas",
                                         message: "expected NAME FUNCTION ... after the analysis")
        }
        name = words.removeFirst()
        function = words.removeFirst()
        let known: Set<String> = ["trig", "delay", "find", "when", "avg", "min", "max", "pp", "rms", "integ", "integral",
                                  "deriv", "derivative", "min_at", "max_at"]
        guard known.contains(function) else {
            throw SimulatorError.control(
                location: location.description, command: function,
                message: "unknown measurement function (Kelvin implements find, when, trig/targ, avg, rms, min, max, "
                    + "min_at, max_at, pp, integ, deriv)")
        }
        self.words = words
    }

    /// A crossing or window specification (ngspice's `MEASURE` struct).
    struct Spec {
        var vec: String?
        var vec2: String?
        var val = 1e99
        var rise = -1, fall = -1, cross = -1
        var td = 0.0, from = 0.0, to = 0.0, at = 1e99
        var measured = Double.nan
        var measuredAt = Double.nan

        init(dc: Bool) {
            if dc {
                from = -1e99
                to = 1e99
            }
        }
    }

    static let last = -2

    struct Failed: Error {
        var clause: String
        var message: String
    }

    /// Evaluates on `plot`; `command` selects the `meas` command's print format (`when`, `rms`
    /// and `integ` differ from the `.meas` card's in ngspice-39).
    public func evaluate(on plot: Plot, command: Bool) -> Outcome {
        let functionName = function
        do {
            let (value, line) = try compute(plot, command: command)
            return Outcome(name: name, analysis: analysis, value: value, line: line, error: nil)
        } catch let f as Failed {
            return Outcome(
                name: name, analysis: analysis, value: nil,
                line: " \(command ? "meas" : ".meas") \(text) failed!",
                error: "Error: measure  \(name)  \(functionName)(\(f.clause)) : \(f.message)")
        } catch {
            return Outcome(name: name, analysis: analysis, value: nil,
                           line: " \(command ? "meas" : ".meas") \(text) failed!",
                           error: "Error: measure  \(name)  \(functionName) : \(error)")
        }
    }

    static func e(_ x: Double, _ digits: Int = 6) -> String { String(format: "%.\(digits)e", x) }
    var label: String { name.padding(toLength: max(20, name.count), withPad: " ", startingAt: 0) }

    func compute(_ plot: Plot, command: Bool) throws -> (Double, String) {
        let dc = analysis == "dc"
        let data = try PlotData(plot: plot, analysis: analysis)
        var w = words[...]
        switch function {
        case "trig", "delay":
            guard let targIndex = w.firstIndex(of: "targ") else { throw Failed(clause: "TARG", message: "bad syntax of 'targ'") }
            var trig = try parseTrigTarg(Array(w[..<targIndex]), clause: "TRIG", dc: dc)
            var targ = try parseTrigTarg(Array(w[(targIndex + 1)...]), clause: "TARG", dc: dc)
            for (s, clause) in [(trig, "TRIG"), (targ, "TARG")] where s.rise == -1 && s.fall == -1 && s.cross == -1 && s.at == 1e99 {
                throw Failed(clause: clause, message: "at, rise, fall or cross must be given")
            }
            if trig.at == 1e99 { try data.when(&trig) } else { trig.measured = trig.at }
            if trig.measured.isNaN { throw Failed(clause: "TRIG", message: "out of interval") }
            try data.when(&targ)
            if targ.measured.isNaN { throw Failed(clause: "TARG", message: "out of interval") }
            let v = targ.measured - trig.measured
            return (v, "\(label)=  \(Self.e(v)) targ=  \(Self.e(targ.measured)) trig=  \(Self.e(trig.measured))")
        case "find", "deriv", "derivative":
            let isDeriv = function != "find"
            let clause = isDeriv ? "DERIV" : "FIND"
            guard let first = w.first else { throw Failed(clause: clause, message: "missing vector") }
            var s = Spec(dc: dc)
            s.vec = first
            w = w.dropFirst()
            var at: Double
            if let whenIndex = w.firstIndex(of: "when") {
                try parseStd(&s, Array(w[..<whenIndex]), clause: clause)
                var cond = Spec(dc: dc)
                try parseWhen(&cond, Array(w[(whenIndex + 1)...]), plot: plot)
                try data.when(&cond)
                if cond.measured.isNaN { throw Failed(clause: "AT", message: "out of interval") }
                at = cond.measured
            } else {
                guard let atWord = w.first, atWord.hasPrefix("at=") else {
                    throw Failed(clause: "WHEN", message: "bad syntax of WHEN")
                }
                try parseStd(&s, Array(w), clause: clause)
                at = s.at
            }
            let v = isDeriv ? try data.derivative(s.vec!, at: at) : try data.value(s.vec!, at: at)
            if v.isNaN { throw Failed(clause: "AT", message: "out of interval") }
            return (v, "\(label)=  \(Self.e(v))")
        case "when":
            var s = Spec(dc: dc)
            try parseWhen(&s, Array(w), plot: plot)
            try data.when(&s)
            if s.measured.isNaN { throw Failed(clause: "WHEN", message: "out of interval") }
            return (s.measured, command ? "\(label)=  \(Self.e(s.measured))" : "\(label)=   \(Self.e(s.measured, 5))")
        case "rms", "integ", "integral":
            var s = try parseTrigTarg(Array(w), clause: "TRIG", dc: dc)
            try data.rmsIntegral(&s, rms: function == "rms")
            if s.measured.isNaN { throw Failed(clause: "TRIG", message: "out of interval") }
            let head = command ? "=  " : "=   "
            return (s.measured, "\(label)\(head)\(Self.e(s.measured, 5)) from=  \(Self.e(s.from, 5)) to=  \(Self.e(s.to, 5))")
        case "avg":
            var s = try parseTrigTarg(Array(w), clause: "TRIG", dc: dc)
            try data.minMaxAvg(&s, "avg")
            if s.measured.isNaN { throw Failed(clause: "TRIG", message: "out of interval") }
            if s.at == 1e99 { s.at = s.from }
            return (s.measured, "\(label)=  \(Self.e(s.measured)) from=  \(Self.e(s.at)) to=  \(Self.e(s.measuredAt))")
        case "min", "max", "min_at", "max_at":
            var s = try parseTrigTarg(Array(w), clause: "TRIG", dc: dc)
            try data.minMaxAvg(&s, function.hasPrefix("min") ? "min" : "max")
            if s.measured.isNaN { throw Failed(clause: "TRIG", message: "out of interval") }
            if function.hasSuffix("_at") {
                return (s.measuredAt, "\(label)=  \(Self.e(s.measuredAt)) with=  \(Self.e(s.measured))")
            }
            return (s.measured, "\(label)=  \(Self.e(s.measured)) at=  \(Self.e(s.measuredAt))")
        default:  // pp
            var s = try parseTrigTarg(Array(w), clause: "TRIG", dc: dc)
            try data.minMaxAvg(&s, "min")
            if s.measured.isNaN { throw Failed(clause: "TRIG", message: "out of interval") }
            let low = s.measured
            try data.minMaxAvg(&s, "max")
            if s.measured.isNaN { throw Failed(clause: "TRIG", message: "out of interval") }
            let v = s.measured - low
            return (v, "\(label)=  \(Self.e(v)) from=  \(Self.e(s.from)) to=  \(Self.e(s.to))")
        }
    }

    /// `VEC [at=T] [val= rise= ...]` (ngspice's `measure_parse_trigtarg`).
    func parseTrigTarg(_ words: [String], clause: String, dc: Bool) throws -> Spec {
        var s = Spec(dc: dc)
        guard !words.isEmpty else { throw Failed(clause: clause, message: "bad syntax of '\(clause.lowercased())'") }
        var rest = words[...]
        if !words[0].hasPrefix("at") || !words[0].contains("=") {
            s.vec = words[0]
            rest = rest.dropFirst()
        }
        if !rest.isEmpty { try parseStd(&s, Array(rest), clause: clause) }
        return s
    }

    /// `VEC=VAL` or `VEC=VEC2`, then the standard parameters (ngspice's `measure_parse_when`).
    func parseWhen(_ s: inout Spec, _ words: [String], plot: Plot) throws {
        guard let first = words.first, let eq = first.firstIndex(of: "=") else {
            throw Failed(clause: "WHEN", message: "bad syntax")
        }
        s.vec = String(first[..<eq])
        let rhs = String(first[first.index(after: eq)...])
        if let v = SpiceNumber.parse(rhs) {
            s.val = v
        } else {
            s.vec2 = rhs
        }
        if words.count > 1 { try parseStd(&s, Array(words.dropFirst()), clause: "WHEN") }
    }

    /// `rise= fall= cross= val= td= from= to= at=` (ngspice's `measure_parse_stdParams`).
    func parseStd(_ s: inout Spec, _ words: [String], clause: String) throws {
        for word in words {
            let parts = word.split(separator: "=", maxSplits: 1).map(String.init)
            if parts.count == 1, parts[0] == "last" {
                s.cross = Self.last
                s.rise = -1
                s.fall = -1
                continue
            }
            guard parts.count == 2 else { throw Failed(clause: clause, message: "bad syntax. equal sign missing ?") }
            let value: Double
            if parts[1] == "last" {
                value = Double(Self.last)
            } else if let v = SpiceNumber.parse(parts[1]) {
                value = v
            } else {
                throw Failed(clause: clause, message: "bad syntax, cannot evaluate right hand side of \(word)")
            }
            switch parts[0] {
            case "rise": (s.rise, s.fall, s.cross) = (Int((value + 0.5).rounded(.down)), -1, -1)
            case "fall": (s.fall, s.rise, s.cross) = (Int((value + 0.5).rounded(.down)), -1, -1)
            case "cross": (s.cross, s.rise, s.fall) = (Int((value + 0.5).rounded(.down)), -1, -1)
            case "val": s.val = value
            case "td": s.td = value
            case "from": s.from = value
            case "to": s.to = value
            case "at": s.at = value
            default: throw Failed(clause: clause, message: "no such parameter as '\(parts[0])'")
            }
        }
        if analysis == "dc", s.to < s.from { swap(&s.from, &s.to) }
    }
}
