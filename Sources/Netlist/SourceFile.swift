import Foundation

/// One decoded netlist file, split into physical lines of Unicode scalars.
struct SourceFile: Sendable {
    /// The name used in source locations (the path as opened).
    var name: String
    /// The directory that relative `.include` / `.lib` paths are resolved against.
    var directory: String
    /// Physical lines without their line terminators; index 0 is line 1.
    var lines: [[Unicode.Scalar]]

    /// Decodes `text`, rejecting control characters that only appear in binary data.
    init(text: String, name: String, directory: String) throws {
        self.name = name
        self.directory = directory
        var text = text
        if let lines = text.withUTF8({ Self.asciiLines($0) }) {
            self.lines = lines
            return
        }
        var lines: [[Unicode.Scalar]] = [[]]
        for scalar in text.unicodeScalars {
            if scalar == "\n" {
                lines.append([])
                continue
            }
            if scalar == "\r" || scalar.value == 0xFEFF { continue }
            if Self.isBinary(scalar) {
                let location = SourceLocation(file: name, line: lines.count, column: lines[lines.count - 1].count + 1)
                throw NetlistError.invalidEncoding(location, token: Self.escape(scalar.value))
            }
            lines[lines.count - 1].append(scalar)
        }
        self.lines = lines
    }

    /// The lines of `bytes` when it is ASCII without binary control characters (the checks of
    /// `init` then have nothing to find), else nil. A byte at a time, ~10× faster than scalars.
    private static func asciiLines(_ bytes: UnsafeBufferPointer<UInt8>) -> [[Unicode.Scalar]]? {
        var lines: [[Unicode.Scalar]] = []
        var line: [Unicode.Scalar] = []
        line.reserveCapacity(80)
        for byte in bytes {
            switch byte {
            case 0x0A:
                lines.append(line)
                line.removeAll(keepingCapacity: true)
            case 0x0D:
                continue
            case 0x09, 0x0C, 0x20..<0x7F:
                line.append(Unicode.Scalar(byte))
            default:
                return nil  // non-ASCII, DEL or a control character: decoded and checked as scalars
            }
        }
        lines.append(line)
        return lines
    }

    /// Reads and decodes the file at `path`; `name` is used in locations.
    /// Throws `includeNotFound` at `includedFrom` (or `unreadableFile` for the top-level deck).
    static func load(path: String, includedFrom: SourceLocation?) throws -> SourceFile {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue,
            let data = FileManager.default.contents(atPath: path)
        else {
            if let from = includedFrom { throw NetlistError.includeNotFound(from, path: path) }
            throw NetlistError.unreadableFile(SourceLocation(file: path, line: 1, column: 1), path: path)
        }
        let text = try decodeUTF8([UInt8](data), name: path)
        return try SourceFile(text: text, name: path, directory: PathUtilities.directory(of: path))
    }

    /// Strict UTF-8 decoding that reports the line and column of the first invalid byte.
    static func decodeUTF8(_ bytes: [UInt8], name: String) throws -> String {
        // Fast path: valid UTF-8 is validated in bulk (scalar by scalar cost 300 instructions a byte).
        if let text = String(validating: bytes, as: UTF8.self) { return text }
        var scalars = String.UnicodeScalarView()
        var decoder = UTF8()
        var iterator = bytes.makeIterator()
        var byteOffset = 0
        var line = 1
        var column = 1
        while true {
            switch decoder.decode(&iterator) {
            case .scalarValue(let scalar):
                scalars.append(scalar)
                byteOffset += UTF8.width(scalar)
                if scalar == "\n" {
                    line += 1
                    column = 1
                } else {
                    column += 1
                }
            case .emptyInput:
                return String(scalars)
            case .error:
                let bad = byteOffset < bytes.count ? bytes[byteOffset] : 0
                throw NetlistError.invalidEncoding(
                    SourceLocation(file: name, line: line, column: column), token: escape(UInt32(bad)))
            }
        }
    }

    /// Control characters other than tab, CR, LF and form feed mark binary input.
    static func isBinary(_ scalar: Unicode.Scalar) -> Bool {
        let v = scalar.value
        if v == 0x09 || v == 0x0A || v == 0x0D || v == 0x0C { return false }
        return v < 0x20 || v == 0x7F || v == 0xFFFD
    }

    /// `\xHH` for a byte or control character, `\u{HHHH}` above 0xFF.
    static func escape(_ value: UInt32) -> String {
        let hex = String(value, radix: 16, uppercase: true)
        return value <= 0xFF ? "\\x" + (hex.count < 2 ? "0" + hex : hex) : "\\u{\(hex)}"
    }
}

/// Small path helpers that work the same on every platform.
enum PathUtilities {
    /// The directory part of `path` (`.` when it has none).
    static func directory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        if slash == path.startIndex { return "/" }
        return String(path[path.startIndex..<slash])
    }

    /// `relative` resolved against `directory` unless it is absolute.
    static func resolve(_ relative: String, in directory: String) -> String {
        if relative.hasPrefix("/") || directory.isEmpty { return relative }
        if directory == "." { return relative }
        return directory.hasSuffix("/") ? directory + relative : directory + "/" + relative
    }
}
