import Foundation

/// A fresh, uniquely named temporary directory for one test; `remove()` deletes it.
public struct ScratchDirectory: Sendable {
    public let url: URL

    /// Creates `TMPDIR/kelvin-PREFIX-UUID`.
    public init(_ prefix: String) throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("kelvin-\(prefix)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    /// Writes `text` to the file `name` inside the directory and returns its path.
    @discardableResult
    public func write(_ name: String, _ text: String) throws -> String {
        let file = url.appendingPathComponent(name)
        try text.write(to: file, atomically: true, encoding: .utf8)
        return file.path
    }

    public func remove() { try? FileManager.default.removeItem(at: url) }
}
