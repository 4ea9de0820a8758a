import Foundation
import TestSupport
import XCTest

/// `--analog` in `kelvin train` and `kelvin eval`, `kelvin profile`, and profile errors.
final class AnalogCommandTests: XCTestCase {
    private var scratch: ScratchDirectory!

    override func setUpWithError() throws {
        scratch = try ScratchDirectory("analog")
        setenv("XDG_CACHE_HOME", scratch.url.path + "/cache", 1)
    }
    override func tearDownWithError() throws { scratch.remove() }

    private func train(_ out: String, _ extra: [String]) throws -> KelvinProcess.Outcome {
        try KelvinProcess.run(["train", "--dataset", "synthetic", "--batch", "32", "--epochs", "1", "--max-steps", "2",
                               "--threads", "1", "--quiet", "--model", "cnn", "--width", "2",
                               "--out", scratch.url.path + "/" + out] + extra)
    }

    private func json(_ text: String) throws -> [String: Any] {
        try XCTUnwrap(JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any], text)
    }

    func testEvalUnderIdealMatchesDigitalAndReportsRepeats() throws {
        XCTAssertEqual(try train("a", []).status, 0)
        let ck = scratch.url.path + "/a/last.ckpt"
        let digital = try KelvinProcess.run(["eval", "--checkpoint", ck, "--json", "--threads", "1"])
        XCTAssertEqual(digital.status, 0, digital.stderr)
        let ideal = try KelvinProcess.run(["eval", "--checkpoint", ck, "--json", "--analog", "ideal", "--repeat", "2", "--chip-seed", "5", "--threads", "1"])
        XCTAssertEqual(ideal.status, 0, ideal.stderr)
        let d = try json(digital.stdout), a = try json(ideal.stdout)
        XCTAssertEqual(a["top1"] as? Double, d["top1"] as? Double)
        XCTAssertEqual(a["top1_std"] as? Double, 0)
        let repeats = try XCTUnwrap(a["repeats"] as? [[String: Any]])
        XCTAssertEqual(repeats.compactMap { $0["chip_seed"] as? Int }, [5, 6])
        XCTAssertTrue(a["energy_per_image_j"] is NSNull || a["energy_per_image_j"] == nil, ideal.stdout)
        let ops = try XCTUnwrap(a["operations_per_image"] as? [String: Double])
        // cnn width 2 on 1×28×28: conv 1→2 (9 weights) on 28², conv 2→4 (18) on 14², linear 196→10; two cells each.
        XCTAssertEqual(ops["cells"], Double(2 * (2 * 28 * 28 * 9 + 4 * 14 * 14 * 18 + 10 * 196)))
    }

    func testTrainRecordsTheProfileAndResumeKeepsIt() throws {
        XCTAssertEqual(try train("n", ["--analog", "yan-noise"]).status, 0)
        let record = try json(String(contentsOfFile: scratch.url.path + "/n/profile.json", encoding: .utf8))
        XCTAssertEqual(record["name"] as? String, "yan-noise")
        let other = try KelvinProcess.run(["train", "--out", scratch.url.path + "/n", "--resume", "--analog", "ideal", "--max-steps", "3", "--quiet"])
        XCTAssertEqual(other.status, 1)
        XCTAssertTrue(other.stderr.contains("cannot resume under another profile") && other.stderr.contains("'yan-noise'"), other.stderr)
        let seeded = try KelvinProcess.run(["train", "--out", scratch.url.path + "/n", "--resume", "--chip-seed", "4", "--quiet"])
        XCTAssertEqual(seeded.status, 1)
        XCTAssertTrue(seeded.stderr.contains("--chip-seed: profile 'yan-noise' draws nothing per chip"), seeded.stderr)
        let same = try KelvinProcess.run(["train", "--out", scratch.url.path + "/n", "--resume", "--max-steps", "3", "--quiet"])
        XCTAssertEqual(same.status, 0, same.stderr)
        let metrics = try String(contentsOfFile: scratch.url.path + "/n/metrics.jsonl", encoding: .utf8)
        XCTAssertTrue(metrics.contains("\"profile\":\"yan-noise\""), metrics)
    }

    func testBadProfilesAreRefusedWithFileAndKey() throws {
        let path = try scratch.write("p.json", #"{"name": "p", "mac": {"table": "ideal"}, "read_nosie": 0.1}"#)
        let bad = try train("b", ["--analog", path])
        XCTAssertEqual(bad.status, 1)
        XCTAssertTrue(bad.stderr.contains(path) && bad.stderr.contains("unknown key 'read_nosie' (did you mean 'read_noise'?)"), bad.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: scratch.url.path + "/b/last.ckpt"))
        let missing = try scratch.write("m.json", #"{"name": "m", "mac": {"table": "no_such_cell"}}"#)
        let result = try train("c", ["--analog", missing])
        XCTAssertEqual(result.status, 1)
        XCTAssertTrue(result.stderr.contains("no_such_cell") && result.stderr.contains(missing), result.stderr)
        let unknown = try train("d", ["--analog", "nonesuch"])
        XCTAssertTrue(unknown.stderr.contains("unknown profile 'nonesuch'"), unknown.stderr)
    }

    func testProfileShowCharacterisesAndCachesTheCells() throws {
        let show = try KelvinProcess.run(["profile", "show", "cells-vcr"], in: URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent())
        XCTAssertEqual(show.status, 0, show.stderr)
        XCTAssertTrue(show.stdout.contains("table nmos_vcr_amplifier: SHA-256 "), show.stdout)
        XCTAssertTrue(show.stdout.contains("multiply cell: rank 1"), show.stdout)
        let cached = try FileManager.default.contentsOfDirectory(atPath: scratch.url.path + "/cache/kelvin")
        XCTAssertEqual(cached.filter { $0.hasPrefix("nmos_vcr_amplifier-") && $0.hasSuffix(".lut") }.count, 1)
        let json = try KelvinProcess.run(["profile", "show", "ideal", "--json"])
        XCTAssertTrue(json.stdout.contains("\"name\" : \"ideal\""), json.stdout)
    }

    /// `--drift-time` with s/m/h/d/y suffixes and `--drift-compensation` under a drift profile;
    /// both refused, with the reason, for a profile without drift and for bad values.
    func testDriftTimeOptions() throws {
        XCTAssertEqual(try train("p", []).status, 0)
        let ck = scratch.url.path + "/p/last.ckpt"
        func eval(_ extra: [String]) throws -> KelvinProcess.Outcome {
            try KelvinProcess.run(["eval", "--checkpoint", ck, "--json", "--threads", "1", "--limit", "64"] + extra)
        }
        for time in ["0", "90s", "30m", "1h", "1.5d", "2y"] {
            let r = try eval(["--analog", "pcm", "--drift-time", time])
            XCTAssertEqual(r.status, 0, time + ": " + r.stderr)
            XCTAssertEqual(try json(r.stdout)["profile"] as? String, "pcm")
        }
        for mode in ["on", "off", "column"] {
            let r = try eval(["--analog", "pcm", "--drift-time", "1d", "--drift-compensation", mode])
            XCTAssertEqual(r.status, 0, mode + ": " + r.stderr)
        }
        let reram = try eval(["--analog", "reram", "--drift-time", "1h"])
        XCTAssertEqual(reram.status, 1)
        XCTAssertTrue(reram.stderr.contains("--drift-time: profile 'reram'") && reram.stderr.contains("has no drift model"), reram.stderr)
        let ideal = try eval(["--analog", "ideal", "--drift-compensation", "on"])
        XCTAssertTrue(ideal.stderr.contains("--drift-compensation: profile 'ideal'"), ideal.stderr)
        let week = try eval(["--analog", "pcm", "--drift-time", "3w"])
        XCTAssertEqual(week.status, 1)
        XCTAssertTrue(week.stderr.contains("'3w' is not a time"), week.stderr)
        let mode = try eval(["--analog", "pcm", "--drift-compensation", "maybe"])
        XCTAssertTrue(mode.stderr.contains("use on, off, global or column"), mode.stderr)
        let list = try KelvinProcess.run(["profile", "list"])
        for name in ["reram", "sonos", "pcm", "ecram"] { XCTAssertTrue(list.stdout.contains(name + ": "), list.stdout) }
        let show = try KelvinProcess.run(["profile", "show", "pcm"])
        XCTAssertTrue(show.stdout.contains("device pcm: G 0–25 µS"), show.stdout)
    }
}
