import Netlist

extension ControlInterpreter {
    /// `noise v(out[,ref]) SRC dec|oct|lin N FSTART FSTOP`, `tf OUTVAR SRC`, `sens OUTVAR`, with the
    /// same syntax as the `.noise`, `.tf` and `.sens` cards.
    func parseSmallSignalAnalysis(_ line: ControlLine, _ args: String) throws -> Analysis {
        let text = args.lowercased()
        guard let open = text.firstIndex(of: "("), let close = text.firstIndex(of: ")"), open < close,
            let head = text[..<open].split(separator: " ").last, head == "v" || head == "i"
        else { throw fail(line, "expected an output v(NODE[,REF]) or i(VSRC) after `\\(line.command)`") }
        let names = text[text.index(after: open)..<close].split(whereSeparator: { $0 == "," || $0 == " " }).map(String.init)
        let output: OutputVariable
        switch (head, names.count) {
        case ("v", 1): output = .voltage(names[0] == "gnd" ? "0" : names[0], "0")
        case ("v", 2): output = .voltage(names[0] == "gnd" ? "0" : names[0], names[1] == "gnd" ? "0" : names[1])
        case ("i", 1): output = .current(names[0])
        default: throw fail(line, "expected an output v(NODE[,REF]) or i(VSRC)")
        }
        let words = text[text.index(after: close)...].split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "," })
            .map(String.init)
        func value(_ w: String) throws -> Double {
            if let v = SpiceNumber.parse(w) { return v }
            throw fail(line, "expected a number, found '\(w)'")
        }
        switch line.command {
        case "sens":
            guard words.isEmpty else { throw fail(line, "expected `sens OUTVAR` (AC sensitivity is not supported)") }
            return Analysis(kind: .sensitivity(output: output), location: line.location)
        case "tf":
            guard words.count == 1 else { throw fail(line, "expected `tf OUTVAR SRC`") }
            return Analysis(kind: .transferFunction(output: output, source: words[0]), location: line.location)
        default:
            guard case .voltage = output else { throw fail(line, "`noise` needs a voltage output v(out[,ref])") }
            guard words.count == 5 || (words.count == 6 && SpiceNumber.parse(words[5]) == 0),
                let variation = ACVariation(rawValue: words[1])
            else { throw fail(line, "expected `noise v(OUT[,REF]) SRC dec|oct|lin N FSTART FSTOP`") }
            let n = try value(words[2])
            guard n >= 1, n == n.rounded(), n < 1e9 else { throw fail(line, "point count must be a positive integer") }
            return Analysis(kind: .noise(output: output, source: words[0], variation: variation, points: Int(n),
                                         start: try value(words[3]), stop: try value(words[4])),
                            location: line.location)
        }
    }
}
