import Foundation
import NN
import Tensor
import TestSupport
import TransferCurves
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

    /// `--chip-draws step` is stored in the run's profile (and so kept on resume); it is refused
    /// without a profile, for a profile with nothing drawn per chip, and for an unknown mode.
    func testChipDrawsOption() throws {
        let run = try train("c", ["--analog", "reram", "--chip-draws", "step"])
        XCTAssertEqual(run.status, 0, run.stderr)
        let record = try json(String(contentsOfFile: scratch.url.path + "/c/profile.json", encoding: .utf8))
        let document = try json(try XCTUnwrap(record["document"] as? String, "\(record)"))
        XCTAssertEqual(document["chip_draws"] as? String, "step")
        let resumed = try KelvinProcess.run(["train", "--out", scratch.url.path + "/c", "--resume", "--max-steps", "3", "--quiet"])
        XCTAssertEqual(resumed.status, 0, resumed.stderr)
        let digital = try train("d", ["--chip-draws", "step"])
        XCTAssertEqual(digital.status, 1)
        XCTAssertTrue(digital.stderr.contains("--chip-draws applies to an analog profile"), digital.stderr)
        let ideal = try train("i", ["--analog", "yan-noise", "--chip-draws", "step"])
        XCTAssertEqual(ideal.status, 1)
        XCTAssertTrue(ideal.stderr.contains("key 'chip_draws'") && ideal.stderr.contains("needs per-chip draws"), ideal.stderr)
        let bad = try train("b", ["--analog", "pcm", "--chip-draws", "epoch"])
        XCTAssertTrue(bad.stderr.contains("use fixed or step"), bad.stderr)
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

    /// The cached table of `cell` that `kelvin` characterised for a profile (`CELL-KEY.lut`).
    private func cachedTable(_ cell: String) throws -> LookupTable {
        let directory = scratch.url.path + "/cache/kelvin"
        let files = try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasPrefix(cell + "-") && $0.hasSuffix(".lut") }
        XCTAssertEqual(files.count, 1, "\(cell): \(files)")
        return try LookupTable.read(from: directory + "/" + XCTUnwrap(files.first, cell))
    }

    /// `kelvin eval --analog cells-vcr` and `cells-resistor` report the energy per image with every
    /// cell kind in use: multiply cells, summer and rectifier each `operations × energy per
    /// operation` of its characterised table (the VCR cell and the rectifier on the supplied op-amp,
    /// the resistor from its row driver), and the total their sum.
    func testEvalReportsEnergyOfEveryCell() throws {
        XCTAssertEqual(try train("e", []).status, 0)
        let root = CharacterizeCommandTests.root
        for (profile, multiply) in [("cells-vcr", "nmos_vcr_amplifier"), ("cells-resistor", "resistor")] {
            let r = try KelvinProcess.run(["eval", "--checkpoint", scratch.url.path + "/e/last.ckpt", "--json", "--threads", "1", "--limit", "32",
                                           "--analog", profile], in: root)
            XCTAssertEqual(r.status, 0, r.stderr)
            let a = try json(r.stdout)
            let total = try XCTUnwrap(a["energy_per_image_j"] as? Double, r.stdout)
            let byCell = try XCTUnwrap(a["energy_per_image_by_cell_j"] as? [String: Double], r.stdout)
            let ops = try XCTUnwrap(a["operations_per_image"] as? [String: Double])
            XCTAssertEqual(Set(byCell.keys), ["cells", "summer", "rectifier"], profile)
            for (kind, cell) in [("cells", multiply), ("summer", "summing_amplifier"), ("rectifier", "precision_rectifier")] {
                let perOperation = try XCTUnwrap(try cachedTable(cell).dynamics?.energyPerOperation, cell)
                XCTAssertGreaterThan(perOperation, 0, cell)
                assertClose(try XCTUnwrap(byCell[kind]), try XCTUnwrap(ops[kind]) * perOperation, relative: 1e-9, "\(profile) \(kind)")
            }
            assertClose(total, byCell.values.reduce(0, +), relative: 1e-12, profile)
        }
    }

    /// `cells-resistor` resolves: `kelvin profile show` characterises the resistor cell (its
    /// conductance a swept `.param`) into the cache, the multiply cell is the rank-1 `f = −x·w`
    /// (fit residual ≤ 1e-12 against the profile's 0.05, `κ = −1`) on x = 0 ± 1 V, w = 0.51 ± 0.49. Through
    /// those cached tables a small CNN's logits are within 3 % (worst) and 1 % (RMS) of the largest
    /// digital logit: mostly the 8-bit DAC and ADC of each of its three layers (an ADC step is
    /// 0.9 % of a layer's calibrated output range), then one chip's 0.1 % resistor mismatch and
    /// 1 mV read noise (seen: 1.9 % and 0.7 %).
    func testCellsResistorResolvesAndTracksDigital() throws {
        let show = try KelvinProcess.run(["profile", "show", "cells-resistor"], in: CharacterizeCommandTests.root)
        XCTAssertEqual(show.status, 0, show.stderr)
        XCTAssertTrue(show.stdout.contains("table resistor: SHA-256 "), show.stdout)
        let line = try XCTUnwrap(show.stdout.split(separator: "\n").first { $0.hasPrefix("multiply cell: rank 1, fit residual ") }, show.stdout)
        let residual = try XCTUnwrap(Double(line.dropFirst("multiply cell: rank 1, fit residual ".count).prefix { $0 != "," }), String(line))
        XCTAssertLessThanOrEqual(residual, 1e-12)
        XCTAssertTrue(line.contains("gain κ = -1, x = 0 ± 1 V, w = 0.51 ± 0.49"), String(line))
        XCTAssertFalse(line.contains("0.49 V"), "a conductance ratio has no unit: \(line)")
        let list = try KelvinProcess.run(["profile", "list"])
        XCTAssertTrue(list.stdout.contains("cells-resistor: Resistive crossbar"), list.stdout)

        let settings = try XCTUnwrap(try AnalogSettings.builtin("cells-resistor"))
        let tables = try Dictionary(uniqueKeysWithValues: ["resistor", "summing_amplifier", "precision_rectifier"].map { ($0, try cachedTable($0)) })
        XCTAssertEqual(tables["resistor"]?.monteCarlo?.instances, 100)
        let profile = try AnalogProfile(settings: settings, tables: tables, chipSeed: 1, path: "cells-resistor")
        let model = try Model(.cnn(inputChannels: 1, height: 8, width: 8, classes: 5, channels: 4), seed: 3)
        var rng = RandomSource(seed: 11)
        let x = Tensor(shape: [16, 1, 8, 8], data: (0..<(16 * 64)).map { _ in rng.nextNormal() })
        let digital = model(x, context: ForwardContext(training: false)).scalars
        let analog = model(x, context: ForwardContext(training: false, profile: profile)).scalars
        let scale = digital.reduce(0) { max($0, abs($1)) }
        let worst = zip(analog, digital).reduce(0) { max($0, abs($1.0 - $1.1)) }
        let rms = (zip(analog, digital).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) } / Float(digital.count)).squareRoot()
        print("cells-resistor: |analog − digital| worst \(worst), rms \(rms), of \(scale)")
        XCTAssertLessThanOrEqual(worst, 0.03 * scale)
        XCTAssertLessThanOrEqual(rms, 0.01 * scale)
        XCTAssertGreaterThan(worst, 0, "the profile's converters, mismatch and noise change the result")
        XCTAssertNotNil(profile.energy(of: profile.counts))
    }

    /// `--drift-time` with s/m/h/d/y suffixes and `--drift-compensation` under a drift profile;
    /// both refused, with the reason, for a profile without drift and for bad values.
    /// `kelvin compile --analog cells-vcr` on a checkpoint trained digitally: the profile calibrates
    /// its summer gain β on the convolution's own sums, but the compiled module also carries the
    /// folded batch norm and bias, which here drive one layer's columns to about 24 V. The compile
    /// lowers that β to fit, says so on stderr naming the layer, and its decks verify.
    func testCompileUnderAProfileLowersAStoredGainThatOverflows() throws {
        guard (try? Datasets.locateFashionMNIST()) != nil else { throw XCTSkip("Fashion-MNIST not installed") }
        let root = CharacterizeCommandTests.root
        let run = scratch.url.path + "/fm"
        let t = try KelvinProcess.run(["train", "--model", "cnn", "--width", "8", "--dataset", "fashion-mnist", "--epochs", "1",
                                       "--train-limit", "4000", "--test-limit", "100", "--threads", "1", "--quiet", "--out", run])
        XCTAssertEqual(t.status, 0, t.stderr)
        let c = try KelvinProcess.run(["compile", "--checkpoint", run + "/last.ckpt", "--out", run + "/circuits", "--images", "1",
                                       "--positions", "1", "--cells", root.path + "/netlists", "--analog", "cells-vcr"], in: root)
        XCTAssertEqual(c.status, 0, c.stderr)
        XCTAssertTrue(c.stderr.contains("note: layer 4 (conv2d '4.weight'): stored summer gain β"), c.stderr)
        XCTAssertTrue(c.stderr.contains("lowered to"), c.stderr)
        let v = try KelvinProcess.run(["verify", run + "/circuits"], in: root)
        XCTAssertEqual(v.status, 0, v.stdout + v.stderr)
    }

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
