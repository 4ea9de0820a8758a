import Foundation
import NN
import TestSupport
import XCTest

/// `mpirun -np 2 kelvin train`: data-parallel training against the one-process run, and a rank
/// killed mid-run. Needs Open MPI's `mpirun` (Debian: openmpi-bin, installed by `make test`);
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
         "--max-steps", "\(steps)", "--lr", "0.05", "--threads", "1", "--quiet", "--out", scratch.url.path + "/" + out] + extra
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

        let synchronised = try largestDifference("one", "two")
        let local = try largestDifference("one", "local")
        print("largest relative difference to one rank × 128: sync-bn \(synchronised), per-rank bn \(local)")
        XCTAssertLessThan(synchronised, 1e-5, "2 ranks × 64 with --sync-bn should match 1 rank × 128")
        // Not by accident: per-rank statistics (batch 64) must give measurably other weights.
        XCTAssertGreaterThan(local, 100 * max(synchronised, 1e-7))
        // Rank 0 alone wrote the run directory, with the global batch's metrics.
        let metrics = try String(contentsOfFile: scratch.url.path + "/two/metrics.jsonl", encoding: .utf8)
        XCTAssertEqual(metrics.split(separator: "\n").count, 1, metrics)
    }
}
