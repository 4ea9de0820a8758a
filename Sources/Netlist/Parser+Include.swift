import Foundation

/// Turns a deck file into one stream of cards: follows `.include` and `.lib`, collects `.control`
/// blocks (their lines as written, for the control interpreter), skips library sections, and stops at `.end`.
struct CardReader {
    /// What reading one file found.
    struct Outcome {
        /// `.end` was reached.
        var sawEnd = false
        /// The requested `.lib` section was found (always true when no section was requested).
        var foundSection = false
    }

    /// Non-fatal remarks collected on the way.
    var notes: [String] = []
    /// Where each `.control` block starts.
    var controlBlocks: [SourceLocation] = []
    /// The lines of every `.control` block, in order.
    var controlLines: [ControlLine] = []
    /// Files (and library sections) being read, outermost first, to reject recursive inclusion.
    var includeStack: [String] = []
    var cards: [Card] = []

    /// Reads `file` from 0-based physical line `firstLine`; with `section`, only that `.lib` section.
    mutating func read(_ file: SourceFile, firstLine: Int, section: String? = nil) throws -> Outcome {
        let lines = try Lexer.logicalLines(of: file, firstLine: firstLine)
        var outcome = Outcome(foundSection: section == nil)
        var inSection = section == nil
        var index = 0
        while index < lines.count {
            let line = lines[index]
            index += 1
            let word = line.firstWord
            if !inSection {
                if word == ".lib", let wanted = section {
                    let arguments = Self.rawArguments(line)
                    if arguments.count == 1, arguments[0].text.lowercased() == wanted {
                        inSection = true
                        outcome.foundSection = true
                    }
                }
                continue
            }
            switch word {
            case ".control":
                let start = line.location(at: 0)
                controlBlocks.append(start)
                while index < lines.count, lines[index].firstWord != ".endc" {
                    controlLines.append(Self.controlLine(lines[index], in: file))
                    index += 1
                }
                index += 1
            case ".endc", ".endl":
                if section != nil && word == ".endl" { return outcome }
            case ".end":
                outcome.sawEnd = true
                return outcome
            case ".include", ".inc":
                let arguments = Self.rawArguments(line)
                guard let path = arguments.first else {
                    throw NetlistError.missingField(line.location(at: 0), token: word, expected: "a file name")
                }
                try include(path.text, section: nil, from: line.location(at: path.offset), in: file)
            case ".lib":
                let arguments = Self.rawArguments(line)
                if arguments.count >= 2 {
                    try include(
                        arguments[0].text, section: arguments[1].text.lowercased(),
                        from: line.location(at: arguments[0].offset), in: file)
                } else if arguments.count == 1 {
                    // A section definition read as part of the normal flow: skip it.
                    while index < lines.count, lines[index].firstWord != ".endl" { index += 1 }
                    index += 1
                } else {
                    throw NetlistError.missingField(line.location(at: 0), token: word, expected: "a library file name")
                }
            default:
                let tokens = try Lexer.tokenize(line)
                if !tokens.isEmpty { cards.append(Card(tokens: tokens, line: line)) }
            }
        }
        return outcome
    }

    /// Reads the file `path` (relative to `file`'s directory) in place of the including card.
    mutating func include(_ path: String, section: String?, from location: SourceLocation, in file: SourceFile) throws {
        let resolved = PathUtilities.resolve(path, in: file.directory)
        let key = section.map { resolved + "#" + $0 } ?? resolved
        if includeStack.contains(key) || includeStack.count > 64 {
            throw NetlistError.recursiveInclude(location, path: path)
        }
        let included: SourceFile
        do {
            included = try SourceFile.load(path: resolved, includedFrom: location)
        } catch NetlistError.includeNotFound(let l, _) {
            throw NetlistError.includeNotFound(l, path: path)
        }
        includeStack.append(key)
        defer { includeStack.removeLast() }
        let outcome = try read(included, firstLine: 0, section: section)
        if let section, !outcome.foundSection {
            throw NetlistError.librarySectionNotFound(location, section: section, path: path)
        }
    }

    /// A control line as written on its physical line (so `$var` survives: the lexer reads ` $` as
    /// a comment), with its location; continuation lines are appended.
    static func controlLine(_ line: LogicalLine, in file: SourceFile) -> ControlLine {
        let location = line.location(at: 0)
        var text = line.text(0..<line.scalars.count)
        if line.segments.count == 1, location.line - 1 < file.lines.count {
            let physical = file.lines[location.line - 1]
            let start = max(0, location.column - 1)
            if start < physical.count {
                var raw = String(scalars: physical[start...])
                // `;` still starts a comment in a control line.
                if let semicolon = raw.firstIndex(of: ";") { raw = String(raw[..<semicolon]) }
                text = raw
            }
        }
        return ControlLine(text: text.trimmingCharacters(in: .whitespaces), location: location)
    }

    /// The whitespace-separated arguments after the first word, as written, quotes removed.
    static func rawArguments(_ line: LogicalLine) -> [(text: String, offset: Int)] {
        let s = line.scalars
        var i = 0
        while i < s.count, !Lexer.isSpace(s[i]) { i += 1 }
        var result: [(text: String, offset: Int)] = []
        while i < s.count {
            if Lexer.isSpace(s[i]) {
                i += 1
                continue
            }
            if s[i] == "\"" || s[i] == "'" {
                let quote = s[i]
                var j = i + 1
                while j < s.count, s[j] != quote { j += 1 }
                result.append((line.text((i + 1)..<j), i))
                i = j + 1
                continue
            }
            var j = i
            while j < s.count, !Lexer.isSpace(s[j]) { j += 1 }
            result.append((line.text(i..<j), i))
            i = j
        }
        return result
    }
}
