import Foundation
import NN
import TestSupport
import TransferCurves
import XCTest

/// `mpirun -np 2 kelvin train`: data-parallel training against the one-process run, and a rank
/// killed mid-run; `mpirun -np 2 kelvin characterize`: the Monte Carlo split over the ranks. Needs Open MPI's `mpirun` (Debian: openmpi-bin, installed by `make test`);
/// skipped with the reason only where it is absent, and never when CI is set.
final class DistributedTrainTests: XCTestCase {
    private var scratch: ScratchDirectory!

    override func setUpWithError() throws { scratch = try ScratchDirectory("mpi") }
    override func tearDownWithError() throws { scratch.remove() }

    /// The `mpirun` on PATH; skips (fails on CI) when there is none.
    private func mpirun() throws -> String {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for directory in path.split(separator: ":") where FileManager.default.isExecutableFile(atPath: "\(directory)/mpirun") {
            return "\(directory)/mpirun"
        }
        if ProcessInfo.processInfo.environment["CI"] != nil {
            XCTFail("mpirun is not on PATH on CI: `make deps` installs openmpi-bin")
        }
        throw XCTSkip("mpirun is not on PATH (Debian: apt-get install openmpi-bin libopenmpi-dev, or `make deps`)")
    }

    private var kelvin: String { KelvinProcess.productsDirectory.appendingPathComponent("kelvin").path }

    /// Runs `mpirun -np ranks kelvin arguments` (as root on CI, more ranks than cores allowed).
    private func launch(_ mpirun: String, ranks: Int, _ arguments: [String], output: URL) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: mpirun)
        process.arguments = ["--allow-run-as-root", "--oversubscribe", "-np", "\(ranks)", kelvin] + arguments
        FileManager.default.createFile(atPath: output.path, contents: nil)
        let log = try FileHandle(forWritingTo: output)
        process.standardOutput = log
        process.standardError = log
        try process.run()
        return process
    }

    private func runMPI(_ ranks: Int, _ arguments: [String]) throws -> (status: Int32, output: String) {
        let logURL = scratch.url.appendingPathComponent("mpirun-\(UUID().uuidString).log")
        let process = try launch(try mpirun(), ranks: ranks, arguments, output: logURL)
        process.waitUntilExit()
        return (process.terminationStatus, try String(contentsOf: logURL, encoding: .utf8))
    }

    private func trainArguments(_ out: String, steps: Int, extra: [String] = []) -> [String] {
        ["train", "--dataset", "synthetic", "--model", "cnn", "--width", "4", "--batch", "128", "--epochs", "1",
         "--max-steps", "\(steps)", "--lr", "0.05", "--augment", "--threads", "1", "--quiet", "--out", scratch.url.path + "/" + out] + extra
    }

    /// Largest |a − b| / (1 + |a|) over every array of two checkpoints (weights, batch-norm
    /// statistics, momentum buffers), which must hold the same arrays.
    private func largestDifference(_ a: String, _ b: String) throws -> Float {
        let x = try Checkpoint(path: scratch.url.path + "/" + a + "/last.ckpt")
        let y = try Checkpoint(path: scratch.url.path + "/" + b + "/last.ckpt")
        XCTAssertEqual(x.arrays.map(\.name), y.arrays.map(\.name))
        XCTAssertEqual(x.header.step, y.header.step)
        var worst: Float = 0
        for (p, q) in zip(x.arrays, y.arrays) {
            XCTAssertEqual(p.shape, q.shape, p.name)
            for (u, v) in zip(p.values, q.values) { worst = max(worst, abs(u - v) / (1 + abs(u))) }
        }
        return worst
    }

    func testTwoRanksOfHalfTheBatchWithSyncBNGiveTheOneRankWeights() throws {
        let single = try KelvinProcess.run(trainArguments("one", steps: 4))
        XCTAssertEqual(single.status, 0, single.stderr)
        let synced = try runMPI(2, trainArguments("two", steps: 4, extra: ["--sync-bn"]))
        XCTAssertEqual(synced.status, 0, synced.output)
        XCTAssertTrue(synced.output.contains("data-parallel over 2 MPI ranks: 64 images per rank"), synced.output)
        let perRank = try runMPI(2, trainArguments("local", steps: 4))
        XCTAssertEqual(perRank.status, 0, perRank.output)
        let four = try runMPI(4, trainArguments("four", steps: 4, extra: ["--sync-bn"]))
        XCTAssertEqual(four.status, 0, four.output)

        let synchronised = try largestDifference("one", "two")
        let fourRanks = try largestDifference("one", "four")
        let local = try largestDifference("one", "local")
        print("largest relative difference to one rank × 128: 2 × 64 sync-bn \(synchronised), 4 × 32 sync-bn \(fourRanks), "
            + "2 × 64 per-rank bn \(local)")
        XCTAssertLessThan(synchronised, 1e-5, "2 ranks × 64 with --sync-bn should match 1 rank × 128")
        XCTAssertLessThan(fourRanks, 1e-5, "4 ranks × 32 with --sync-bn should match 1 rank × 128")
        // Not by accident: per-rank statistics (batch 64) must give measurably other weights.
        XCTAssertGreaterThan(local, 100 * max(synchronised, 1e-7))
        // Rank 0 alone wrote the run directory, with the global batch's metrics.
        let metrics = try String(contentsOfFile: scratch.url.path + "/two/metrics.jsonl", encoding: .utf8)
        XCTAssertEqual(metrics.split(separator: "\n").count, 1, metrics)
    }

    /// The process id of MPI rank `rank` of a kelvin whose command line contains `marker`.
    private func rankProcess(_ rank: Int, marker: String) -> Int32? {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        for entry in entries {
            guard let pid = Int32(entry),
                  let command = FileManager.default.contents(atPath: "/proc/\(entry)/cmdline"),
                  String(decoding: command, as: UTF8.self).contains(marker),
                  let environment = FileManager.default.contents(atPath: "/proc/\(entry)/environ")
            else { continue }
            let variables = environment.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
            if variables.contains("OMPI_COMM_WORLD_RANK=\(rank)") { return pid }
        }
        return nil
    }

    func testAKilledRankEndsTheJobWithTheLastCheckpointIntactAndResumableOnOtherRankCounts() throws {
        let mpirun = try mpirun()
        // 4 steps per epoch and a checkpoint at every epoch end; 200 epochs outlast the test.
        var arguments = trainArguments("run", steps: 800)
        arguments[arguments.firstIndex(of: "--epochs")! + 1] = "200"
        let logURL = scratch.url.appendingPathComponent("killed.log")
        let job = try launch(mpirun, ranks: 2, arguments, output: logURL)
        let metrics = scratch.url.path + "/run/metrics.jsonl"
        let deadline = Date().addingTimeInterval(120)
        var victim: Int32?
        while Date() < deadline, job.isRunning {
            let epochs = (try? String(contentsOfFile: metrics, encoding: .utf8))?.split(separator: "\n").count ?? 0
            if epochs >= 2, let pid = rankProcess(1, marker: scratch.url.path + "/run") { victim = pid; break }
            Thread.sleep(forTimeInterval: 0.05)
        }
        guard let victim else {
            job.terminate()
            return XCTFail("rank 1 never got past 2 epochs: " + ((try? String(contentsOf: logURL, encoding: .utf8)) ?? ""))
        }
        XCTAssertEqual(kill(victim, SIGKILL), 0)
        let stop = Date().addingTimeInterval(60)
        while job.isRunning, Date() < stop { Thread.sleep(forTimeInterval: 0.05) }
        XCTAssertFalse(job.isRunning, "mpirun did not end the job after rank 1 was killed")
        if job.isRunning { job.terminate(); return }
        let output = try String(contentsOf: logURL, encoding: .utf8)
        XCTAssertNotEqual(job.terminationStatus, 0, output)
        XCTAssertTrue(output.contains("rank 1") && output.contains("signal 9"), output)

        // The last checkpoint is whole (it is written by rename) and at an epoch end.
        let checkpoint = try Checkpoint(path: scratch.url.path + "/run/last.ckpt")
        let step = checkpoint.header.step
        XCTAssertGreaterThanOrEqual(step, 8)
        XCTAssertEqual(step % 4, 0)
        XCTAssertLessThan(step, 800)

        // Resume on one process, then on two ranks again, each for 2 more steps.
        let resume = ["train", "--out", scratch.url.path + "/run", "--resume", "--threads", "1", "--quiet"]
        let one = try KelvinProcess.run(resume + ["--max-steps", "\(step + 2)"])
        XCTAssertEqual(one.status, 0, one.stderr)
        XCTAssertTrue(one.stderr.contains("resuming"), one.stderr)
        XCTAssertEqual(try Checkpoint(path: scratch.url.path + "/run/last.ckpt").header.step, step + 2)
        let two = try runMPI(2, resume + ["--max-steps", "\(step + 4)"])
        XCTAssertEqual(two.status, 0, two.output)
        XCTAssertEqual(try Checkpoint(path: scratch.url.path + "/run/last.ckpt").header.step, step + 4)
    }

    func testAOneProcessRunNeverLoadsMPI() throws {
        // LD_DEBUG=libs makes the dynamic loader report every library it opens, dlopen included.
        let process = Process()
        process.executableURL = URL(fileURLWithPath: kelvin)
        process.arguments = trainArguments("plain", steps: 1)
        var environment = ProcessInfo.processInfo.environment
        environment["LD_DEBUG"] = "libs"
        process.environment = environment
        let err = Pipe()
        process.standardError = err
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let log = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0, String(log.suffix(2000)))
        XCTAssertTrue(log.contains("libopenblas"), "LD_DEBUG reported no dlopen at all: the check below would prove nothing")
        XCTAssertFalse(log.contains("libmpi"), "a one-process run loaded MPI")
    }

    func testMonteCarloSplitOverTwoRanksGivesTheOneProcessStatistics() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let arguments = ["characterize", "summing_amplifier", "--mc", "7", "--tolerance", "R=1%", "--no-dynamics", "--quiet",
                         "--cells", root.path + "/netlists", "--out"]
        let one = try KelvinProcess.run(arguments + [scratch.url.path + "/one.lut"])
        XCTAssertEqual(one.status, 0, one.stderr)
        let two = try runMPI(2, arguments + [scratch.url.path + "/two.lut"])
        XCTAssertEqual(two.status, 0, two.output)
        XCTAssertEqual(two.output.components(separatedBy: "wrote ").count, 2, "rank 0 alone writes: " + two.output)
        let expected = try XCTUnwrap(try LookupTable.read(from: scratch.url.path + "/one.lut").monteCarlo)
        let split = try XCTUnwrap(try LookupTable.read(from: scratch.url.path + "/two.lut").monteCarlo)
        XCTAssertEqual(split.instances, 7)
        XCTAssertEqual(split, expected, "the same instances, gathered in the same order")
        XCTAssertEqual(Set(expected.gain).count, 7, "every instance is a different draw")
    }

    func testAGlobalBatchThatDoesNotSplitIsAClearErrorThatEndsEveryRank() throws {
        let result = try runMPI(2, trainArguments("uneven", steps: 1, extra: ["--batch", "63"]))
        XCTAssertNotEqual(result.status, 0)
        XCTAssertTrue(result.output.contains("does not split evenly over 2 MPI ranks; choose a multiple of 2"), result.output)
        XCTAssertFalse(FileManager.default.fileExists(atPath: scratch.url.path + "/uneven/last.ckpt"))
    }
}
