import Foundation
import Netlist

/// Runs a deck's `.control` block the way `ngspice -b` does, for the subset of commands Kelvin
/// implements: `op dc tran ac run`, `let print wrdata write meas set unset alter alterparam reset
/// option foreach repeat end echo setplot destroy save quit exit`. Anything else is a located
/// `SimulatorError.control` naming the command.
///
/// ```swift
/// var control = ControlInterpreter(deck: deck) { overrides in
///     try NetlistParser.parse(file: path, parameterOverrides: overrides)
/// }
/// try control.run()          // text goes to control.write / control.writeError
/// control.results            // every analysis run, named op1, tran1, tran2, ...
/// ```
///
/// Differences from ngspice, documented in Docs/netlist-dialect.md: ngspice -b runs the deck's
/// analysis cards once more after the block (unless it quits); Kelvin does not. Plots and `.meas`
/// results are printed in ngspice's formats, without ngspice's progress lines.
public struct ControlInterpreter {
    /// The deck as parsed (with `alterparam` overrides after `reset`).
    public private(set) var deck: Deck
    /// The deck the next analysis runs (`alter` changes it; `reset` restores `deck`).
    var circuitDeck: Deck
    let reparse: ([String: Double]) throws -> Deck
    /// Where `print`, `echo` and measurement lines go (stdout in `kelvin sim`).
    public var write: (String) -> Void = { FileHandle.standardOutput.write(Data($0.utf8)) }
    /// Where ngspice's error lines for failed measurements go (stderr).
    public var writeError: (String) -> Void = { FileHandle.standardError.write(Data($0.utf8)) }
    /// The directory relative output file names (`wrdata`, `write`) are resolved against.
    public var directory: String = FileManager.default.currentDirectoryPath

    /// Every analysis result, in run order, named per kind (`op1`, `tran1`, `tran2`, ...).
    public private(set) var results: [SimulationResult] = []
    /// Every measurement (`.meas` cards after each analysis, `meas` commands), in order.
    public private(set) var measurements: [MeasurementCard.Outcome] = []
    /// Files written by `wrdata` and `write`.
    public private(set) var writtenFiles: [String] = []
    var plots: [Plot] = []
    var current: Int?
    var variables: [String: String] = [:]
    var overrides: [String: Double] = [:]
    var counts: [String: Int] = [:]
    var saved: [String] = []
    var quit = false

    public init(deck: Deck, reparse: @escaping ([String: Double]) throws -> Deck) {
        self.deck = deck
        self.circuitDeck = deck
        self.reparse = reparse
        self.saved = deck.saves
    }

    /// One statement of the block.
    indirect enum Statement {
        case command(ControlLine)
        case foreach(ControlLine, variable: String, values: [String], body: [Statement])
        case repeatBlock(ControlLine, count: String, body: [Statement])
    }

    /// Parses the block into statements (`foreach`/`repeat` ... `end`).
    static func parse(_ lines: [ControlLine]) throws -> [Statement] {
        var index = 0
        func block(_ opener: ControlLine?) throws -> [Statement] {
            var statements: [Statement] = []
            while index < lines.count {
                let line = lines[index]
                index += 1
                let words = line.text.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
                switch line.command {
                case "end":
                    guard opener != nil else {
                        throw SimulatorError.control(location: line.location.description, command: "end",
                                                     message: "`end` without `foreach` or `repeat`")
                    }
                    return statements
                case "foreach":
                    guard words.count >= 2 else {
                        throw SimulatorError.control(location: line.location.description, command: "foreach",
                                                     message: "expected `foreach VAR VALUE ...`")
                    }
                    let body = try block(line)
                    statements.append(.foreach(line, variable: words[1], values: Array(words.dropFirst(2)), body: body))
                case "repeat":
                    let body = try block(line)
                    statements.append(.repeatBlock(line, count: words.count > 1 ? words[1] : "", body: body))
                case "if", "while", "dowhile", "else", "label", "goto", "break", "continue":
                    throw SimulatorError.control(
                        location: line.location.description, command: line.command,
                        message: "unsupported .control command (Kelvin runs op, dc, tran, ac, run, let, print, wrdata, "
                            + "write, meas, set, alter, alterparam, reset, foreach, repeat, echo, quit)")
                default:
                    statements.append(.command(line))
                }
            }
            if let opener {
                throw SimulatorError.control(location: opener.location.description, command: opener.command,
                                             message: "`\(opener.command)` without `end`")
            }
            return statements
        }
        return try block(nil)
    }

    /// Runs the block.
    public mutating func run() throws {
        let statements = try Self.parse(deck.control)
        try execute(statements)
        // ngspice -b runs the deck's analysis cards after the block unless it quit. Kelvin does so
        // when the block ran no analysis itself (`set` and `echo` only), so such a deck still
        // simulates; after a block that ran analyses ngspice runs them again, Kelvin does not.
        if !quit && results.isEmpty && !circuitDeck.analyses.isEmpty {
            for analysis in Self.ngspiceRunOrder(circuitDeck.analyses) { try runAnalysis(analysis) }
        }
    }

    mutating func execute(_ statements: [Statement]) throws {
        for statement in statements {
            if quit { return }
            switch statement {
            case .command(let line):
                try command(ControlLine(text: substitute(line.text), location: line.location))
            case .foreach(_, let variable, let values, let body):
                for value in values {
                    variables[variable] = value
                    try execute(body)
                    if quit { return }
                }
            case .repeatBlock(let line, let countText, let body):
                let text = substitute(countText)
                guard let n = text.isEmpty ? Double(Int32.max) : SpiceNumber.parse(text), n >= 0 else {
                    throw SimulatorError.control(location: line.location.description, command: "repeat",
                                                 message: "expected a count, found '\(text)'")
                }
                var k = 0
                while Double(k) < n {
                    try execute(body)
                    if quit { return }
                    k += 1
                }
            }
        }
    }

    /// Replaces `$var` by the variable's value and `$&vec` by the vector's value (empty if unset);
    /// `$curplot` and `$plots` are the current plot's name and every plot's, as in ngspice.
    func substitute(_ text: String) -> String {
        guard text.contains("$") else { return text }
        var out = ""
        var chars = Array(text)[...]
        while let c = chars.first {
            chars = chars.dropFirst()
            guard c == "$" else {
                out.append(c)
                continue
            }
            var vector = false
            if chars.first == "&" {
                vector = true
                chars = chars.dropFirst()
            }
            let name = String(chars.prefix(while: { $0.isLetter || $0.isNumber || $0 == "_" || $0 == "." }))
            chars = chars.dropFirst(name.count)
            let key = name.lowercased()
            if vector {
                if let plot = current.map({ plots[$0] }),
                    let v = try? VectorEvaluator(plot: plot).evaluate(.name(key))
                {
                    out += v.re.map { String(format: "%G", $0) }.joined(separator: " ")
                }
            } else if let value = variables[key] {
                out += value
            } else if key == "curplot", let k = current {
                out += plots[k].name
            } else if key == "plots" {
                out += (["const"] + plots.map(\.name).filter { $0 != "const" }).joined(separator: " ")
            }
        }
        return out
    }

    func fail(_ line: ControlLine, _ message: String, command: String? = nil) -> SimulatorError {
        .control(location: line.location.description, command: command ?? line.command, message: message)
    }

    /// Words split at blanks outside quotes, the quotes removed (ngspice's word list):
    /// `echo "a  b" 'c'` gives `a  b`, `c`; `set x="a b"` gives `x=a b`.
    static func words(_ text: String) -> [String] {
        var words: [String] = []
        var current = ""
        var quote: Character?
        var started = false
        for c in text {
            if let q = quote {
                if c == q { quote = nil } else { current.append(c) }
            } else if c == "\"" || c == "'" {
                quote = c
                started = true
            } else if c == " " || c == "\t" {
                if started || !current.isEmpty { words.append(current) }
                current = ""
                started = false
            } else {
                current.append(c)
            }
        }
        if started || !current.isEmpty { words.append(current) }
        return words
    }

    /// The text after the command word.
    static func arguments(_ line: ControlLine) -> String {
        String(line.text.dropFirst(line.command.count)).trimmingCharacters(in: .whitespaces)
    }

    mutating func command(_ line: ControlLine) throws {
        let args = Self.arguments(line)
        switch line.command {
        case "": return
        case "op", "dc", "tran", "ac", "noise", "tf", "sens":
            try runAnalysis(parseAnalysis(line, args))
        case "run":
            guard !circuitDeck.analyses.isEmpty else {
                throw fail(line, "`run`: the deck has no analysis card (.op, .dc, .tran, .ac, .noise, .tf, .sens)")
            }
            for analysis in Self.ngspiceRunOrder(circuitDeck.analyses) { try runAnalysis(analysis) }
        case "let": try letCommand(line, args)
        case "print": try printCommand(line, args)
        case "wrdata": try wrdataCommand(line, args)
        case "write": try writeCommand(line, args)
        case "meas", "measure":
            let plot = try currentPlot(line)
            let m = try MeasurementCard(ControlLine(text: args, location: line.location))
            let outcome = m.evaluate(on: plot, command: true)
            report(outcome)
            if let value = outcome.value, let k = current {
                plots[k].set(ControlVector(name: m.name, re: [value]))
            }
        case "set": try setCommand(line, args)
        case "unset":
            for word in args.split(separator: " ") { variables[word.lowercased()] = nil }
        case "alter": try alterCommand(line, args)
        case "alterparam":
            let text = args.replacingOccurrences(of: " ", with: "")
            let parts = text.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2, let value = SpiceNumber.parse(parts[1]) ?? (try? Self.number(parts[1])) else {
                throw fail(line, "expected `alterparam NAME=VALUE` with a number")
            }
            overrides[parts[0].lowercased()] = value
        case "reset":
            do {
                deck = try reparse(overrides)
            } catch {
                throw fail(line, "reset: \(error)")
            }
            circuitDeck = deck
        case "echo":
            write(Self.words(args).joined(separator: " ") + "\n")
        case "setplot":
            guard let k = plots.firstIndex(where: { $0.name == args.lowercased() }) else {
                throw fail(line, "no plot named '\(args)' (plots: \(plots.map(\.name).joined(separator: ", ")))")
            }
            current = k
        case "save":
            let words = args.split(separator: " ").map { $0.lowercased() }
            saved = words.contains("all") ? [] : words
        case "quit", "exit":
            quit = true
        case "plot":
            // ngspice -b cannot plot either: it reports "Can't open viewport for graphics" and goes on.
            writeError("kelvin: \(line.location): warning: `plot` needs graphics; skipped, as ngspice -b "
                + "does (\"Can't open viewport for graphics\"); use print or wrdata ('plot')\n")
        case "option", "options", "opt":
            try optionCommand(line, args)
        case "destroy":
            // `destroy` (the current plot), `destroy all`, `destroy PLOT ...`.
            let names = args.split(separator: " ").map { $0.lowercased() }
            let doomed: Set<String> = names.contains("all") ? Set(plots.map(\.name))
                : names.isEmpty ? Set(current.map { [plots[$0].name] } ?? []) : Set(names)
            let keep = current.map { plots[$0].name }
            plots.removeAll { doomed.contains($0.name) }
            current = keep.flatMap { name in plots.firstIndex { $0.name == name } } ?? (plots.isEmpty ? nil : plots.count - 1)
        case "remzerovec", "display", "rusage", "version", "shell", "gnuplot", "asciiplot",
            "listing", "show", "showmod", "source", "load", "linearize", "fourier", "spec",
            "pz", "disto", "sp", "setcs", "define", "undefine", "compose", "shift", "iplot",
            "snsave", "hardcopy", "cd", "stop", "resume", "step", "trace", "status", "delete", "unlet", "strcmp",
            "transpose", "setscale", "settype", "sysinfo", "inventory", "mc_source", "pre_osdi", "edit", "altermod",
            "meas_all":
            throw fail(line, "`\(line.command)` is not implemented by Kelvin's .control interpreter (it runs op, dc, "
                + "tran, ac, noise, tf, sens, run, let, print, wrdata, write, meas, set, alter, alterparam, reset, foreach, repeat, echo, quit)")
        default:
            throw fail(line, "unknown .control command")
        }
    }

    static func number(_ text: String) throws -> Double {
        let e = try VectorParser.single(text)
        let plot = Plot(name: "const", typeName: "Constants", title: "", date: "", vectors: [], hasScale: false)
        guard let v = try VectorEvaluator(plot: plot).evaluate(e).re.first else { throw VectorParser.Failure(message: "empty") }
        return v
    }

    func currentPlot(_ line: ControlLine) throws -> Plot {
        guard let k = current else { throw fail(line, "no results yet: run an analysis first") }
        return plots[k]
    }

    mutating func report(_ outcome: MeasurementCard.Outcome) {
        measurements.append(outcome)
        if let error = outcome.error {
            writeError("\n\(error)\n")
            write(outcome.line + "\n\n")
        } else {
            write(outcome.line + "\n")
        }
    }

    /// `op`, `dc SRC START STOP STEP [...]`, `tran TSTEP TSTOP [TSTART [TMAX]] [uic]`, `ac dec N F1 F2`.
    func parseAnalysis(_ line: ControlLine, _ args: String) throws -> Analysis {
        let words = args.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "," }).map { $0.lowercased() }
        func value(_ w: String) throws -> Double {
            if let v = SpiceNumber.parse(w) { return v }
            if let v = try? Self.number(w) { return v }
            throw fail(line, "expected a number, found '\(w)'")
        }
        switch line.command {
        case "noise", "tf", "sens":
            return try parseSmallSignalAnalysis(line, args)
        case "op":
            guard words.isEmpty else { throw fail(line, "`op` takes no arguments") }
            return Analysis(kind: .operatingPoint, location: line.location)
        case "dc":
            guard words.count == 4 || words.count == 8 else { throw fail(line, "expected `dc SRC START STOP STEP [SRC2 START STOP STEP]`") }
            var specs: [SweepSpec] = []
            for base in stride(from: 0, to: words.count, by: 4) {
                guard words[base] == Deck.temperatureSweep || circuitDeck.elements.contains(where: { $0.name == words[base] })
                else {
                    throw fail(line, "sweep source '\(words[base])' is not an element of the circuit")
                }
                specs.append(SweepSpec(source: words[base], start: try value(words[base + 1]),
                                       stop: try value(words[base + 2]), step: try value(words[base + 3])))
            }
            return Analysis(kind: .dcSweep(specs), location: line.location)
        case "tran":
            var w = words
            let uic = w.last == "uic"
            if uic { w.removeLast() }
            guard (2...4).contains(w.count) else { throw fail(line, "expected `tran TSTEP TSTOP [TSTART [TMAX]] [uic]`") }
            let v = try w.map(value)
            return Analysis(kind: .transient(step: v[0], stop: v[1], start: v.count > 2 ? v[2] : 0,
                                             maxStep: v.count > 3 ? v[3] : nil, useInitialConditions: uic),
                            location: line.location)
        default:
            guard words.count == 4, let variation = ACVariation(rawValue: words[0]) else {
                throw fail(line, "expected `ac dec|oct|lin N FSTART FSTOP`")
            }
            let n = try value(words[1])
            guard n >= 1, n == n.rounded(), n < 1e9 else { throw fail(line, "point count must be a positive integer") }
            return Analysis(kind: .ac(variation: variation, points: Int(n), start: try value(words[2]),
                                      stop: try value(words[3])), location: line.location)
        }
    }

    /// The order in which ngspice-39's `run` does a deck's analysis cards: by kind (`.ac`, `.dc`,
    /// `.op`, `.tran`, the order of its analysis table), a later card of one kind first. So after
    /// `run` the current plot is the last of that order (a `.tran` when there is one), as in ngspice.
    static func ngspiceRunOrder(_ analyses: [Analysis]) -> [Analysis] {
        let rank = ["ac": 0, "dc": 1, "op": 2, "tran": 3]
        return analyses.enumerated().sorted { a, b in
            let ra = rank[prefix(a.element.kind)] ?? 4, rb = rank[prefix(b.element.kind)] ?? 4
            return ra != rb ? ra < rb : a.offset > b.offset
        }.map(\.element)
    }

    /// The plot name prefix of an analysis (`op`, `dc`, `tran`, `ac`).
    static func prefix(_ analysis: AnalysisKind) -> String {
        switch analysis {
        case .operatingPoint: return "op"
        case .dcSweep: return "dc"
        case .transient: return "tran"
        case .ac: return "ac"
        case .transferFunction: return "tf"
        case .sensitivity: return "sens"
        case .noise: return "noise"
        }
    }

    /// Runs one analysis on the present circuit, makes its plot current and evaluates the deck's
    /// `.meas` cards of its kind.
    mutating func runAnalysis(_ analysis: Analysis) throws {
        var d = circuitDeck
        d.analyses = [analysis]
        let prefix = Self.prefix(analysis.kind)
        let heading = Self.kindHeading(prefix)
        // One result per analysis, two for `noise` (noise1 densities, noise2 totals; as in ngspice-39
        // the totals are the current plot afterwards).
        for var result in try Simulation(deck: d).run() {
            let n = (counts[prefix] ?? 0) + 1
            counts[prefix] = n
            result.name = "\(prefix)\(n)"
            results.append(result)
            var plot = Plot(result: result)
            switch analysis.kind {
            case .ac(let variation, _, _, _), .noise(_, _, let variation, _, _, _):
                plot.logarithmicScale = variation != .linear
            default: break
            }
            plots.append(plot)
        }
        current = plots.count - 1
        let text = Self.measureCards(deck.measurements, on: plots[plots.count - 1], heading: heading)
        for outcome in text.outcomes { measurements.append(outcome) }
        if !text.stderr.isEmpty { writeError(text.stderr) }
        if !text.stdout.isEmpty { write(text.stdout) }
    }

    /// The heading ngspice prints above a plot kind's measurements (`Transient Analysis`).
    public static func kindHeading(_ kind: String) -> String {
        switch kind {
        case "tran": return "Transient Analysis"
        case "ac": return "AC Analysis"
        case "dc": return "DC Analysis"
        default: return "Operating Point"
        }
    }

    /// ngspice's `print` output for `text` (vector expressions) on `plot`, for a `.print` card.
    public static func printText(_ text: String, plot: Plot, location: SourceLocation) throws -> String {
        var interpreter = ControlInterpreter(deck: Deck(title: plot.title)) { _ in Deck(title: "") }
        interpreter.plots = [plot]
        interpreter.current = 0
        var output = ""
        interpreter.write = { output += $0 }
        try interpreter.printCommand(ControlLine(text: "print " + text, location: location), text)
        return output
    }

    /// Evaluates the `.meas` cards of `plot`'s kind as ngspice prints them after an analysis.
    public static func measureCards(_ cards: [ControlLine], on plot: Plot, heading: String)
        -> (stdout: String, stderr: String, outcomes: [MeasurementCard.Outcome])
    {
        var outcomes: [MeasurementCard.Outcome] = []
        var stdout = "", stderr = ""
        var lines = ""
        var any = false
        for card in cards {
            let words = card.text.split(separator: " ")
            let analysis = words.first.map { ["tran", "ac", "dc"].contains(String($0)) ? String($0) : "tran" } ?? "tran"
            guard analysis == plot.kind else { continue }
            any = true
            do {
                let m = try MeasurementCard(card)
                let outcome = m.evaluate(on: plot, command: false)
                outcomes.append(outcome)
                if let error = outcome.error {
                    // ngspice-39 writes a failed card's message and its "failed!" line to stderr.
                    stderr += "\n\(error)\n\(outcome.line)\n\n"
                } else {
                    lines += outcome.line + "\n"
                }
            } catch {
                // A card Kelvin cannot read fails as in ngspice, with the location and the reason.
                let name = words.count > 1 ? String(words[1]) : "?"
                let line = " .meas \(card.text) failed!"
                outcomes.append(MeasurementCard.Outcome(name: name, analysis: analysis, value: nil, line: line,
                                                    error: "\(error)"))
                stderr += "\n\(error)\n\(line)\n\n"
            }
        }
        guard any else { return ("", "", []) }
        stdout += "\n  Measurements for \(heading)\n\n"
        stdout += lines + "\n"
        return (stdout, stderr, outcomes)
    }

    mutating func letCommand(_ line: ControlLine, _ args: String) throws {
        guard let eq = args.firstIndex(of: "=") else { throw fail(line, "expected `let NAME = EXPRESSION`") }
        let name = args[..<eq].trimmingCharacters(in: .whitespaces).lowercased()
        guard !name.isEmpty, name.allSatisfy({ VectorParser.isNameCharacter($0) }) else {
            throw fail(line, "bad vector name '\(name)'")
        }
        let value = try evaluate(line, String(args[args.index(after: eq)...]))
        let vector = ControlVector(name: name, re: value.re, im: value.im)
        if let k = current {
            plots[k].set(vector)
        } else {
            plots.append(Plot(name: "const", typeName: "Constants", title: deck.title, date: Plot.date(),
                              vectors: [vector], hasScale: false))
            current = plots.count - 1
        }
    }

    func evaluate(_ line: ControlLine, _ text: String) throws -> VectorValue {
        do {
            let plot = current.map { plots[$0] }
                ?? Plot(name: "const", typeName: "Constants", title: "", date: "", vectors: [], hasScale: false)
            return try VectorEvaluator(plot: plot, plots: plots).evaluate(VectorParser.single(text))
        } catch let f as VectorParser.Failure {
            throw fail(line, f.message)
        }
    }

    /// The vectors named by `print`/`wrdata` arguments (`all`: every vector but the scale).
    func columns(_ line: ControlLine, _ text: String) throws -> [ControlOutput.Column] {
        let plot = try currentPlot(line)
        var result: [ControlOutput.Column] = []
        let items: [(text: String, expression: VectorExpression)]
        do {
            items = try VectorParser.list(text)
        } catch let f as VectorParser.Failure {
            throw fail(line, f.message)
        }
        for item in items {
            if case .name("all") = item.expression {
                // ngspice's `all`: every vector of the plot, the scale too, sorted by name.
                for v in plot.vectors.sorted(by: { Plot.sortKey($0.name).lexicographicallyPrecedes(Plot.sortKey($1.name)) }) {
                    result.append(.init(name: v.name, value: VectorValue(v)))
                }
                continue
            }
            do {
                let value = try VectorEvaluator(plot: plot, plots: plots).evaluate(item.expression)
                result.append(.init(name: item.text.lowercased(), value: value))
            } catch let f as VectorParser.Failure {
                throw fail(line, f.message)
            }
        }
        return result
    }

    var digits: Int? {
        variables["numdgt"].flatMap { Int($0) }.flatMap { $0 > 1 ? $0 : nil }
    }

    mutating func printCommand(_ line: ControlLine, _ args: String) throws {
        var text = args
        var mode: String?
        if let first = text.split(separator: " ").first, first == "col" || first == "line" {
            mode = String(first)
            text = String(text.dropFirst(first.count))
        }
        let cols = try columns(line, text)
        guard !cols.isEmpty else { throw fail(line, "nothing to print") }
        let column = mode.map { $0 == "col" } ?? cols.contains { $0.value.count > 1 }
        write(column ? ControlOutput.table(cols, plot: try currentPlot(line), digits: digits ?? 6)
                     : ControlOutput.lines(cols, digits: digits ?? 6))
    }

    func path(_ name: String) -> String {
        name.hasPrefix("/") ? name : (directory as NSString).appendingPathComponent(name)
    }

    mutating func wrdataCommand(_ line: ControlLine, _ args: String) throws {
        let words = args.split(separator: " ", maxSplits: 1).map(String.init)
        guard words.count == 2 else { throw fail(line, "expected `wrdata FILE VECTOR ...`") }
        let cols = try columns(line, words[1])
        let plot = try currentPlot(line)
        // An operating point has no scale: ngspice writes its first vector in that place.
        let scale = (plot.scale ?? plot.vectors.first).map { ControlOutput.Column(name: $0.name, value: VectorValue($0)) }
        let text = ControlOutput.wrdata(cols, scale: scale, digits: digits ?? 8,
                                        singleScale: variables["wr_singlescale"] != nil,
                                        names: variables["wr_vecnames"] != nil)
        var file = words[0]
        if !file.contains(".") { file += ".data" }
        try save(text, to: path(file), line: line)
    }

    func save(_ text: String, to file: String, line: ControlLine) throws {
        do {
            try text.write(toFile: file, atomically: false, encoding: .utf8)
        } catch {
            throw fail(line, "cannot write '\(file)': \(error.localizedDescription)")
        }
    }

    mutating func writeCommand(_ line: ControlLine, _ args: String) throws {
        let words = args.split(separator: " ", maxSplits: 1).map(String.init)
        let file = path(words.first ?? "rawspice.raw")
        let plot = try currentPlot(line)
        var vectors: [ControlVector] = []
        if words.count > 1 || !saved.isEmpty {
            let cols = try columns(line, words.count > 1 ? words[1] : saved.joined(separator: " "))
            // An operating point has no scale: ngspice writes its first vector in that place.
            if let scale = plot.scale ?? plot.vectors.first { vectors.append(scale) }
            for c in cols where Self.plainName(c.name) != vectors.first?.name {
                let name = Self.plainName(c.name)
                let type = plot.vector(name)?.type ?? "notype"
                vectors.append(ControlVector(name: name, re: c.value.re, im: c.value.im, type: type))
            }
        } else if let scale = plot.scale {
            vectors = [scale] + plot.vectors.filter { $0.name != scale.name }
        } else {
            vectors = plot.vectors
        }
        var selected = plot
        selected.vectors = vectors
        let binary = (variables["filetype"] ?? "binary") != "ascii"
        let data = ControlRawfile.data(selected, binary: binary)
        let append = variables["appendwrite"] != nil && writtenFiles.contains(file)
        do {
            if append, let handle = FileHandle(forWritingAtPath: file) {
                handle.seekToEndOfFile()
                handle.write(data)
                handle.closeFile()
            } else {
                try data.write(to: URL(fileURLWithPath: file))
            }
        } catch {
            throw fail(line, "cannot write '\(file)': \(error.localizedDescription)")
        }
        writtenFiles.append(file)
        write("\(binary ? "binary" : "ASCII") raw file \"\(words.first ?? "rawspice.raw")\"\n")
    }

    /// `v(out)` → `out`, `i(v1)` → `v1#branch`, as the plot names them.
    static func plainName(_ name: String) -> String { Plot.internalName(name) }

    /// `set NAME[=VALUE] ...`: variables. As in ngspice, a variable that is also a simulator
    /// option Kelvin reads (`set temp=85`, `set gmin=1e-3`) sets that option too, as `option` does.
    mutating func setCommand(_ line: ControlLine, _ args: String) throws {
        // `set a = b`, `set a=b`, `set flag`, several per line.
        var text = args
        while let r = text.range(of: " =") { text.replaceSubrange(r, with: "=") }
        while let r = text.range(of: "= ") { text.replaceSubrange(r, with: "=") }
        for word in Self.words(text) {
            let parts = word.split(separator: "=", maxSplits: 1).map(String.init)
            variables[parts[0].lowercased()] = parts.count > 1 ? parts[1] : ""
            if Self.simulatorOptions.contains(parts[0].lowercased()) { try optionCommand(line, word) }
        }
    }

    /// The simulator options Kelvin reads, which ngspice's `set` passes on to the circuit.
    static let simulatorOptions: Set<String> = [
        "abstol", "chgtol", "gmin", "gminfactor", "gminsteps", "itl1", "itl2", "itl4", "method", "noopiter", "reltol",
        "srcsteps", "trtol", "vntol", "temp", "tnom", "defad", "defas", "defl", "defw",
    ]

    /// `option NAME=VALUE ... FLAG`: simulator options (as `.options`) for the following analyses.
    mutating func optionCommand(_ line: ControlLine, _ args: String) throws {
        var text = args.lowercased()
        while let r = text.range(of: " =") { text.replaceSubrange(r, with: "=") }
        while let r = text.range(of: "= ") { text.replaceSubrange(r, with: "=") }
        for word in text.split(whereSeparator: { $0 == " " || $0 == "\t" }) {
            let parts = word.split(separator: "=", maxSplits: 1).map(String.init)
            // The circuit temperature: every device re-evaluated at it, as ngspice's CKTtemp
            // (resistors' coefficients included), as a `.dc TEMP` point does.
            if parts[0] == "temp" || parts[0] == "tnom", parts.count == 2 {
                guard let value = SpiceNumber.parse(parts[1]) ?? (try? Self.number(parts[1])), value.isFinite else {
                    throw fail(line, "expected a temperature in °C, found '\(parts[1])'")
                }
                do {
                    circuitDeck = parts[0] == "temp"
                        ? try circuitDeck.at(temperature: value) : try circuitDeck.at(temperature: circuitDeck.options.temp, nominal: value)
                } catch {
                    throw fail(line, "\(parts[0]) = \(parts[1]): \(error)")
                }
                continue
            }
            if let warning = Options.warning(for: parts[0], at: line.location) { writeError("kelvin: \(warning)\n") }
            if parts[0] == "method", parts.count == 2, !["trap", "trapezoidal", "gear"].contains(parts[1]) {
                writeError("kelvin: \(line.location): warning: integration method '\(parts[1])' is not one Kelvin implements "
                    + "(trap, gear); trapezoidal is used ('\(parts[1])')\n")
            }
            // Read while the deck is parsed (MOSFET defaults): changing them here would silently
            // change nothing.
            if ["temp", "tnom", "defw", "defl", "defad", "defas"].contains(parts[0]) {
                throw fail(line, "`option \(parts[0])` in a .control block is not implemented by Kelvin "
                    + "(it is applied when the deck is read: use .options in the deck)", command: "option")
            }
            if parts.count == 1 {
                circuitDeck.options.values[parts[0]] = 1
            } else if let value = SpiceNumber.parse(parts[1]) {
                circuitDeck.options.values[parts[0]] = value
            } else {
                circuitDeck.options.text[parts[0]] = parts[1]
            }
        }
        guard !text.isEmpty else { throw fail(line, "expected `option NAME=VALUE ...`") }
    }

    /// `alter NAME VALUE`, `alter NAME=VALUE`, `alter NAME dc=VALUE`, `alter @NAME[PARAM]=VALUE`.
    mutating func alterCommand(_ line: ControlLine, _ args: String) throws {
        var text = args.lowercased()
        while let r = text.range(of: " =") { text.replaceSubrange(r, with: "=") }
        while let r = text.range(of: "= ") { text.replaceSubrange(r, with: "=") }
        var words = text.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "=" }).map(String.init)
        guard words.count >= 2 else { throw fail(line, "expected `alter NAME VALUE`") }
        var name = words.removeFirst()
        var parameter: String?
        if name.hasPrefix("@"), let open = name.firstIndex(of: "[") {
            parameter = String(name[name.index(after: open)...].dropLast())
            name = String(name.dropFirst().prefix(while: { $0 != "[" }))
        }
        if words.count == 2 { parameter = words.removeFirst() }
        guard words.count == 1 else { throw fail(line, "expected `alter NAME VALUE`") }
        let valueText = words[0]
        guard let value = SpiceNumber.parse(valueText) ?? (try? Self.number(valueText)) else {
            throw fail(line, "expected a number, found '\(valueText)'")
        }
        guard let k = circuitDeck.elements.firstIndex(where: { $0.name == name }) else {
            throw fail(line, "no element '\(name)' in the circuit")
        }
        var element = circuitDeck.elements[k]
        let p = parameter ?? ""
        switch element.kind {
        case .resistor where ["", "r", "resistance"].contains(p):
            // The nominal value, with the temperature coefficients applied on top (as ngspice).
            element.kind = .resistor(resistance: circuitDeck.resistance(nominal: value, element: k))
        case .capacitor(_, let ic) where ["", "c", "capacitance"].contains(p):
            element.kind = .capacitor(capacitance: value, initialCondition: ic)
        case .inductor(_, let ic) where ["", "l", "inductance"].contains(p):
            element.kind = .inductor(inductance: value, initialCondition: ic)
        case .voltageSource(var s) where ["", "dc"].contains(p):
            s.dc = value
            element.kind = .voltageSource(s)
        case .currentSource(var s) where ["", "dc"].contains(p):
            s.dc = value
            element.kind = .currentSource(s)
        case .voltageSource(var s) where ["acmag", "ac"].contains(p):
            s.acMagnitude = value
            element.kind = .voltageSource(s)
        case .currentSource(var s) where ["acmag", "ac"].contains(p):
            s.acMagnitude = value
            element.kind = .currentSource(s)
        case .vcvs where ["", "gain"].contains(p): element.kind = .vcvs(gain: value)
        case .vccs where ["", "gain", "gm"].contains(p): element.kind = .vccs(transconductance: value)
        case .cccs(let c, _) where ["", "gain"].contains(p): element.kind = .cccs(controllingSource: c, gain: value)
        case .ccvs(let c, _) where ["", "gain"].contains(p): element.kind = .ccvs(controllingSource: c, transresistance: value)
        default:
            throw fail(line, "Kelvin alters the value of R, C, L, V, I, E, F, G and H elements only"
                + (parameter.map { " (not '\($0)' of '\(name)')" } ?? " (not '\(name)')"))
        }
        circuitDeck.elements[k] = element
    }
}
