/// Everything that can go wrong while reading a netlist, each case with the offending location and token.
///
/// `description` is a single line in the compiler style `FILE:LINE:COL: error: MESSAGE ('TOKEN')`.
public enum NetlistError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The input holds no title and no cards.
    case emptyInput(SourceLocation)
    /// The top-level deck file cannot be read.
    case unreadableFile(SourceLocation, path: String)
    /// The input is not UTF-8 text or holds control characters (binary data).
    case invalidEncoding(SourceLocation, token: String)
    /// A malformed card; `message` says what was expected.
    case syntax(SourceLocation, token: String, message: String)
    /// A token that should be a number is not one.
    case invalidNumber(SourceLocation, token: String)
    /// A card ends before a required field (node, value, model, ...).
    case missingField(SourceLocation, token: String, expected: String)
    /// An element card whose first letter names no known element type.
    case unknownElement(SourceLocation, token: String)
    /// A construct ngspice knows but this parser does not support (POLY, behavioral sources, ...).
    case unsupported(SourceLocation, token: String, feature: String)
    /// An expression refers to a parameter that is not defined.
    case undefinedParameter(SourceLocation, name: String)
    /// An expression calls a function that does not exist or with the wrong argument count.
    case badFunctionCall(SourceLocation, name: String, message: String)
    /// An expression is malformed or evaluates to a non-finite number.
    case invalidExpression(SourceLocation, token: String, message: String)
    /// An element refers to a model that is not defined in its scope.
    case undefinedModel(SourceLocation, name: String)
    /// An element refers to a model of the wrong type (e.g. a diode using an `npn` model).
    case modelTypeMismatch(SourceLocation, name: String, type: String, expected: String)
    /// An instance refers to a subcircuit that is not defined in its scope.
    case undefinedSubcircuit(SourceLocation, name: String)
    /// An instance connects a different number of nodes than its subcircuit declares.
    case nodeCountMismatch(SourceLocation, instance: String, subcircuit: String, expected: Int, found: Int)
    /// A subcircuit instantiates itself, directly or through others.
    case recursiveSubcircuit(SourceLocation, name: String, chain: [String])
    /// An `.include` or `.lib` file does not exist or cannot be read.
    case includeNotFound(SourceLocation, path: String)
    /// An `.include` or `.lib` file includes itself.
    case recursiveInclude(SourceLocation, path: String)
    /// A `.lib FILE SECTION` names a section the library does not define.
    case librarySectionNotFound(SourceLocation, section: String, path: String)
    /// Two elements have the same (flattened) name.
    case duplicateElement(SourceLocation, name: String, first: SourceLocation)
    /// A block (`.subckt`, `.lib` section, `{`, `'`) is never closed.
    case unterminated(SourceLocation, token: String, expected: String)
    /// A deck or netlist document holds something `NetlistWriter` cannot write so that it reads
    /// back the same (a name that is not one token, a non-finite value, ...); at the element's
    /// location, or `NetlistWriter.generated` for cards built in code.
    case unwritable(SourceLocation, token: String, message: String)
    /// A dot card that is no ngspice command (ngspice: "unimplemented control card"); `suggestion`
    /// is the nearest known card by edit distance, when one is close.
    case unknownCard(SourceLocation, token: String, suggestion: String?)
    /// The deck has no analysis card Kelvin can run, and no `.control` command that runs one.
    case noAnalysis(SourceLocation, token: String)

    /// Where the error was found.
    public var location: SourceLocation {
        switch self {
        case .emptyInput(let l), .unreadableFile(let l, _), .invalidEncoding(let l, _), .syntax(let l, _, _),
            .invalidNumber(let l, _), .missingField(let l, _, _), .unknownElement(let l, _),
            .unsupported(let l, _, _), .undefinedParameter(let l, _), .badFunctionCall(let l, _, _),
            .invalidExpression(let l, _, _), .undefinedModel(let l, _), .modelTypeMismatch(let l, _, _, _),
            .undefinedSubcircuit(let l, _), .nodeCountMismatch(let l, _, _, _, _),
            .recursiveSubcircuit(let l, _, _), .includeNotFound(let l, _), .recursiveInclude(let l, _),
            .librarySectionNotFound(let l, _, _), .duplicateElement(let l, _, _), .unterminated(let l, _, _),
            .unwritable(let l, _, _), .unknownCard(let l, _, _), .noAnalysis(let l, _):
            return l
        }
    }

    /// The offending token as written (lower case for names).
    public var token: String {
        switch self {
        case .emptyInput: return "<eof>"
        case .unreadableFile(_, let t), .invalidEncoding(_, let t), .syntax(_, let t, _), .invalidNumber(_, let t),
            .missingField(_, let t, _), .unknownElement(_, let t), .unsupported(_, let t, _),
            .undefinedParameter(_, let t), .badFunctionCall(_, let t, _), .invalidExpression(_, let t, _),
            .undefinedModel(_, let t), .modelTypeMismatch(_, let t, _, _), .undefinedSubcircuit(_, let t),
            .nodeCountMismatch(_, let t, _, _, _), .recursiveSubcircuit(_, let t, _), .includeNotFound(_, let t),
            .recursiveInclude(_, let t), .librarySectionNotFound(_, let t, _), .duplicateElement(_, let t, _),
            .unterminated(_, let t, _), .unwritable(_, let t, _), .unknownCard(_, let t, _), .noAnalysis(_, let t):
            return t
        }
    }

    /// The human-readable message, without location and token.
    public var message: String {
        switch self {
        case .emptyInput: return "empty netlist"
        case .unreadableFile: return "cannot read netlist file"
        case .invalidEncoding: return "input is not UTF-8 text (binary data)"
        case .syntax(_, _, let m): return m
        case .invalidNumber: return "expected a number"
        case .missingField(_, _, let e): return "card ends early: expected \(e)"
        case .unknownElement: return "unknown element type"
        case .unsupported(_, _, let f): return "unsupported: \(f)"
        case .undefinedParameter: return "undefined parameter"
        case .badFunctionCall(_, _, let m): return m
        case .invalidExpression(_, _, let m): return "invalid expression: \(m)"
        case .undefinedModel: return "undefined model"
        case .modelTypeMismatch(_, _, let type, let expected):
            return "model has type '\(type)', expected \(expected)"
        case .undefinedSubcircuit: return "undefined subcircuit"
        case .nodeCountMismatch(_, _, let sub, let expected, let found):
            return "subcircuit '\(sub)' has \(expected) node\(expected == 1 ? "" : "s"), instance connects \(found)"
        case .recursiveSubcircuit(_, _, let chain):
            return "recursive subcircuit instantiation (\(chain.joined(separator: " -> ")))"
        case .includeNotFound: return "cannot open included file"
        case .recursiveInclude: return "file includes itself"
        case .librarySectionNotFound(_, _, let path): return "library '\(path)' has no such section"
        case .duplicateElement(_, _, let first): return "duplicate element name (first defined at \(first))"
        case .unterminated(_, _, let e): return "unterminated block: missing \(e)"
        case .unwritable(_, _, let m): return "cannot write netlist: \(m)"
        case .unknownCard(_, _, let suggestion):
            return "unknown dot card" + (suggestion.map { "; did you mean `\($0)`?" } ?? "")
        case .noAnalysis(_, let token):
            return token == ".control"
                ? "no analysis to run: the deck has no analysis card and its .control block runs none (op, dc, tran, ac, run)"
                : "no analysis to run: the deck has no .op, .dc, .tran or .ac card"
        }
    }

    public var description: String {
        let oneLine = message.map { $0 == "\n" || $0 == "\r" ? " " : $0 }
        return "\(location): error: \(String(oneLine)) ('\(token)')"
    }
}
