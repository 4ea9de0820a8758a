import Foundation

/// One line of `metrics.jsonl`: the summary of one training epoch.
public struct EpochMetrics: Codable, Sendable, Equatable {
    public var epoch: Int
    public var train_loss: Double
    public var train_top1: Double
    public var test_top1: Double?
    public var test_top5: Double?
    /// Mean cross-entropy on the test set (absent in metrics written before it was recorded).
    public var test_loss: Double?
    public var images_per_s: Double
    public var seconds: Double
    public var lr: Double
    /// The execution profile's name (absent in metrics written before profiles existed).
    public var profile: String?

    public init(epoch: Int, train_loss: Double, train_top1: Double, test_top1: Double?, test_top5: Double?,
                images_per_s: Double, seconds: Double, lr: Double, profile: String? = nil, test_loss: Double? = nil) {
        self.epoch = epoch; self.train_loss = train_loss; self.train_top1 = train_top1
        self.test_top1 = test_top1; self.test_top5 = test_top5
        self.images_per_s = images_per_s; self.seconds = seconds; self.lr = lr
        self.profile = profile
        self.test_loss = test_loss
    }
}

/// Appends one JSON object per line to a metrics file.
public struct MetricsWriter: Sendable {
    public let path: String
    public init(path: String) { self.path = path }

    /// The JSON line for `metrics` (keys sorted, no trailing newline).
    public static func line(_ metrics: EpochMetrics) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try encoder.encode(metrics), as: UTF8.self)
    }

    /// Appends `metrics` as one line, creating the file if needed.
    public func append(_ metrics: EpochMetrics) throws {
        let line = try Self.line(metrics) + "\n"
        if !FileManager.default.fileExists(atPath: path) {
            guard FileManager.default.createFile(atPath: path, contents: nil) else {
                throw NNError.writeFailed(path: path, reason: "cannot create file")
            }
        }
        guard let handle = FileHandle(forWritingAtPath: path) else {
            throw NNError.writeFailed(path: path, reason: "cannot open for appending")
        }
        defer { try? handle.close() }
        do {
            try handle.seekToEnd()
            try handle.write(contentsOf: Data(line.utf8))
        } catch { throw NNError.writeFailed(path: path, reason: "\(error)") }
    }

    /// Reads all lines back.
    public func read() throws -> [EpochMetrics] {
        guard let data = FileManager.default.contents(atPath: path) else { return [] }
        return try Self.parse(data, path: path)
    }

    /// Parses `metrics.jsonl` text (one JSON object per line); `path` names the file in errors.
    public static func parse(_ data: Data, path: String) throws -> [EpochMetrics] {
        var out = [EpochMetrics]()
        for (i, line) in String(decoding: data, as: UTF8.self).split(separator: "\n").enumerated() where !line.isEmpty {
            do { out.append(try JSONDecoder().decode(EpochMetrics.self, from: Data(line.utf8))) } catch {
                throw NNError.corruptFile(path: path, reason: "line \(i + 1): \(error)")
            }
        }
        return out
    }

    /// Keeps only the entries with `epoch < keepBefore` (used on resume so no epoch is logged twice).
    public func truncate(keepBefore epoch: Int) throws {
        let kept = try read().filter { $0.epoch < epoch }
        let text = try kept.map { try Self.line($0) + "\n" }.joined()
        do { try Data(text.utf8).write(to: URL(fileURLWithPath: path), options: .atomic) } catch {
            throw NNError.writeFailed(path: path, reason: "\(error)")
        }
    }
}
