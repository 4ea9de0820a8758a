import Foundation

/// One row of `steps.csv`: the state of training after one optimizer step.
public struct StepRecord: Sendable, Equatable {
    public var step: Int
    public var epoch: Int
    /// Mean training loss over the epoch so far.
    public var loss: Double
    /// Training top-1 accuracy over the epoch so far.
    public var accuracy: Double
    public var learningRate: Double
    public var imagesPerSecond: Double
    /// The loss of this step's batch alone (nil in logs written before it was recorded).
    public var stepLoss: Double?

    public init(step: Int, epoch: Int, loss: Double, accuracy: Double, learningRate: Double, imagesPerSecond: Double,
                stepLoss: Double? = nil) {
        self.step = step; self.epoch = epoch; self.loss = loss; self.accuracy = accuracy
        self.learningRate = learningRate; self.imagesPerSecond = imagesPerSecond; self.stepLoss = stepLoss
    }
}

/// `RUNDIR/steps.csv`: one row per optimizer step, so training curves can be plotted
/// (`kelvin plot RUNDIR`). On resume the rows after the checkpoint's step are dropped first, so a
/// step is never logged twice.
public struct StepLog: Sendable {
    /// The columns; files written before `step_loss` existed have the first six and read with
    /// `stepLoss` nil (an empty `step_loss` field reads the same).
    public static let header = "step,epoch,loss,accuracy,learning_rate,images_per_s,step_loss"
    public let path: String

    public init(path: String) { self.path = path }

    /// The CSV row for `record` (no newline).
    static func row(_ r: StepRecord) -> String {
        "\(r.step),\(r.epoch),\(r.loss),\(r.accuracy),\(r.learningRate),\(r.imagesPerSecond),\(r.stepLoss.map { "\($0)" } ?? "")"
    }

    /// Keeps the rows with `step ≤ last` (all of them are earlier steps of this run), rewriting the
    /// file atomically, and creates it with its header when absent.
    public func truncate(keepThrough last: Int) throws {
        let kept = try read().filter { $0.step <= last }
        let text = ([Self.header] + kept.map(Self.row)).joined(separator: "\n") + "\n"
        do { try Data(text.utf8).write(to: URL(fileURLWithPath: path), options: .atomic) } catch {
            throw NNError.writeFailed(path: path, reason: "\(error)")
        }
    }

    /// Appends rows; the handle stays open for the run.
    public final class Appender {
        private let handle: FileHandle
        private let path: String

        init(path: String) throws {
            guard let handle = FileHandle(forWritingAtPath: path) else {
                throw NNError.writeFailed(path: path, reason: "cannot open for appending")
            }
            self.handle = handle
            self.path = path
            do { try handle.seekToEnd() } catch { throw NNError.writeFailed(path: path, reason: "\(error)") }
        }

        deinit { try? handle.close() }

        public func append(_ record: StepRecord) throws {
            do { try handle.write(contentsOf: Data((StepLog.row(record) + "\n").utf8)) } catch {
                throw NNError.writeFailed(path: path, reason: "\(error)")
            }
        }
    }

    /// An appender positioned at the end of the file (call `truncate` first to create it).
    public func appender() throws -> Appender { try Appender(path: path) }

    /// Reads every row back; a missing file has none.
    public func read() throws -> [StepRecord] {
        guard let data = FileManager.default.contents(atPath: path) else { return [] }
        return try Self.parse(data, path: path)
    }

    /// Parses `steps.csv` text; `path` names the file in errors. `step` and `epoch` must be
    /// non-negative integers (a `nan` or `1e30` there is a located error, not a trap).
    public static func parse(_ data: Data, path: String) throws -> [StepRecord] {
        var out = [StepRecord]()
        for (i, line) in String(decoding: data, as: UTF8.self).split(separator: "\n").enumerated() where i > 0 {
            let text = line.hasSuffix("\r") ? line.dropLast() : line
            if text.isEmpty { continue }
            var fields = text.split(separator: ",", omittingEmptySubsequences: false)
            let stepLossField = fields.count == 7 ? fields.removeLast() : nil
            let f = fields.map { Double($0) }
            let stepLoss = stepLossField.flatMap { $0.isEmpty ? nil : Double($0) }
            guard f.count == 6, f.allSatisfy({ $0 != nil }), stepLossField.map({ $0.isEmpty || stepLoss != nil }) ?? true else {
                throw NNError.corruptFile(path: path, reason: "line \(i + 1): expected \(Self.header)")
            }
            guard let step = Int(fields[0]), step >= 0 else {
                throw NNError.corruptFile(path: path, reason: "line \(i + 1): step '\(fields[0])' is not a non-negative integer")
            }
            guard let epoch = Int(fields[1]), epoch >= 0 else {
                throw NNError.corruptFile(path: path, reason: "line \(i + 1): epoch '\(fields[1])' is not a non-negative integer")
            }
            out.append(StepRecord(step: step, epoch: epoch, loss: f[2]!, accuracy: f[3]!,
                                  learningRate: f[4]!, imagesPerSecond: f[5]!, stepLoss: stepLoss))
        }
        return out
    }
}
