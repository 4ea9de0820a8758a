import Foundation
import Netlist
import TestSupport
import XCTest

@testable import Simulator

/// PWL sources find their segment from a cursor: same values as the linear scan they replaced,
/// forward, backward (after a rejected step) and across repeats.
final class WaveformCursorTests: XCTestCase {
    /// The PWL evaluation before the cursor (a scan from the first point), kept as the reference.
    static func scanValue(times: [Double], values: [Double], repeatFrom: Double?, delay: Double, at t: Double) -> Double {
        guard let first = times.first, let last = times.last else { return 0 }
        var time = t - delay
        if let r = repeatFrom, time > last, last > r {
            time = r + (time - r).truncatingRemainder(dividingBy: last - r)
        }
        if time <= first { return values[0] }
        if time >= last { return values[values.count - 1] }
        var k = 1
        while k < times.count - 1 && times[k] < time { k += 1 }
        let t0 = times[k - 1], t1 = times[k]
        if t1 <= t0 { return values[k] }
        return values[k - 1] + (values[k] - values[k - 1]) * (time - t0) / (t1 - t0)
    }

    /// 20 000 points over about 20 ms, one in 50 repeating the previous time (a vertical step).
    static func longTable(seed: UInt64 = 7) -> [(time: Double, value: Double)] {
        var rng = SeededGenerator(seed: seed)
        var points: [(time: Double, value: Double)] = [(0, 0)]
        for _ in 1..<20_000 {
            let gap = Int.random(in: 0..<50, using: &rng) == 0 ? 0 : Double.random(in: 1e-7...1.9e-6, using: &rng)
            points.append((points[points.count - 1].time + gap, Double.random(in: -1...1, using: &rng)))
        }
        return points
    }

    func testCursorMatchesScanForwardBackwardAndRepeated() {
        let points = Self.longTable()
        let times = points.map(\.time), values = points.map(\.value)
        let r = times[5000], delay = 3e-6
        let waveform = TimeWaveform(.pwl(points: points, repeatFrom: r, delay: delay), step: 1e-6, stop: 0.05)
        var rng = SeededGenerator(seed: 99)
        var accepted = 0.0
        var cursor = 0
        var checked = 0, mismatches = 0
        func check(_ t: Double, hint: Int) -> Int {
            let (value, segment) = waveform.value(at: t, segment: hint)
            let expected = Self.scanValue(times: times, values: values, repeatFrom: r, delay: delay, at: t)
            checked += 1
            let bisected = waveform.value(at: t)
            if value.bitPattern != expected.bitPattern || bisected.bitPattern != expected.bitPattern {
                mismatches += 1
                if mismatches < 5 { XCTFail("t = \(t): cursor \(value), bisection \(bisected), scan \(expected)") }
            }
            return segment
        }
        // Through the table and on into its repeated part, steps from a tenth of a point spacing
        // to several points; a third of the trials are rejected and retried shorter.
        while accepted < 0.03 {
            let h = Double.random(in: 1e-8...8e-6, using: &rng)
            let trialCursor = check(accepted + h, hint: cursor)
            if Double.random(in: 0..<1, using: &rng) < 1.0 / 3 {
                // Rejected: retry at h/8 from the accepted point's cursor, and from the trial's (backwards).
                _ = check(accepted + h / 8, hint: trialCursor)
                cursor = check(accepted + h / 8, hint: cursor)
                accepted += h / 8
            } else {
                cursor = trialCursor
                accepted += h
            }
        }
        for t in [-1.0, 0, delay, times[1] + delay, times.last! + delay, 1e3, r + delay] { _ = check(t, hint: cursor) }
        for hint in [-5, 0, 1, 19_999, 20_000, Int.max / 2] { _ = check(0.7e-2, hint: hint) }
        XCTAssertGreaterThan(checked, 15_000)
        XCTAssertEqual(mismatches, 0, "of \(checked) evaluations")
    }

    func testTransientWithLongPWLFollowsTheTable() throws {
        let points = Self.longTable(seed: 3)
        let times = points.map(\.time), values = points.map(\.value)
        var t = TestDeck("long pwl")
        t.add("v1", ["in", "0"], .voltageSource(Source(dc: nil, waveform: .pwl(points: points, repeatFrom: nil, delay: 0))))
        t.r("r1", "in", "out", 1e3)
        t.c("c1", "out", "0", 1e-9)
        let stop = times.last! * 1.01
        t.deck.analyses = [
            Analysis(
                kind: .transient(step: 1e-6, stop: stop, start: 0, maxStep: nil, useInitialConditions: false),
                location: TestDeck.here)
        ]
        let started = Date()
        let result = try t.run()[0]
        let seconds = Date().timeIntervalSince(started)
        let time = try XCTUnwrap(result.column("time")), vin = try XCTUnwrap(result.column("v(in)"))
        XCTAssertGreaterThan(time.count, 19_000, "every PWL corner is a breakpoint")
        var worst = 0.0
        // Every 20th accepted point against the (slow) scan.
        for (k, tk) in time.enumerated() where k % 20 == 0 {
            let expected = Self.scanValue(times: times, values: values, repeatFrom: nil, delay: 0, at: tk)
            worst = max(worst, abs(vin[k] - expected))
        }
        XCTAssertLessThanOrEqual(worst, 1e-12, "v(in) is the table value at every accepted time")
        print("long PWL transient: \(time.count) points in \(String(format: "%.3f", seconds)) s")
    }
}
