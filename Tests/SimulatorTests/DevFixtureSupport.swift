import Foundation
import Netlist
import XCTest

@testable import Simulator

/// The device and AC decks in Tests/Fixtures/dev with their ngspice-39 references (produced by
/// Tests/Fixtures/generate_dev.py), and a column-by-name comparison.
enum DevFixtures {
    static let directory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures").appendingPathComponent("dev")

    /// Tests/Fixtures/behavioral: the behavioural-source decks (generate_behavioral.py).
    static let behavioralDirectory = directory.deletingLastPathComponent().appendingPathComponent("behavioral")

    /// Runs `deck` (a file name in `folder`, Tests/Fixtures/dev by default) through the parser and the simulator.
    static func simulate(_ deck: String, in folder: URL = directory) throws -> [SimulationResult] {
        try Simulation(deck: NetlistParser.parse(file: folder.appendingPathComponent(deck).path)).run()
    }

    /// The reference CSV `NAME.ANALYSIS.csv` in `folder`: header and rows.
    static func reference(_ file: String, in folder: URL = directory) throws -> (header: [String], rows: [[Double]]) {
        let text = try String(contentsOf: folder.appendingPathComponent(file), encoding: .utf8)
        let lines = text.split(separator: "\n").map(String.init)
        guard let first = lines.first else { return ([], []) }
        let header = headerFields(first)
        let rows = lines.dropFirst().map { $0.split(separator: ",").map { Double($0) ?? .nan } }
        return (header, rows)
    }

    /// The fields of a CSV header line; a field in double quotes may hold commas (`""` is a quote).
    static func headerFields(_ line: String) -> [String] {
        var fields: [String] = []
        var field = ""
        var quoted = false
        var previousQuote = false
        for c in line {
            if c == "\"" {
                if quoted { quoted = false; previousQuote = true; continue }
                if previousQuote { field.append("\"") }
                quoted = true
                previousQuote = false
                continue
            }
            previousQuote = false
            if c == ",", !quoted {
                fields.append(field)
                field = ""
            } else {
                field.append(c)
            }
        }
        fields.append(field)
        return fields
    }

    /// Compares every reference column of `deck`'s `analysis` with Kelvin's, value by value:
    /// `|Δ| ≤ relative·|ref| + absolute·(column full scale) + 1e-15`. Returns the worst ratio
    /// |Δ|/allowed with where it happened; fails the test when it exceeds 1.
    @discardableResult
    static func compare(_ deck: String, analysis: String, relative: Double = 1e-3, absolute: Double = 1e-5,
                        in folder: URL = directory, file: StaticString = #filePath, line: UInt = #line) throws -> String {
        let results = try simulate(deck, in: folder)
        guard let result = results.first(where: { $0.name == analysis }) else {
            XCTFail("\(deck): no \(analysis) in \(results.map(\.name))", file: file, line: line)
            return ""
        }
        let base = deck.replacingOccurrences(of: ".cir", with: "")
        let ref = try reference("\(base).\(analysis).csv", in: folder)
        XCTAssertEqual(result.rows.count, ref.rows.count, "\(deck): point count", file: file, line: line)
        var worst = (ratio: 0.0, text: "no values")
        for (c, name) in ref.header.enumerated() {
            guard let k = result.variables.firstIndex(of: name) else {
                XCTFail("\(deck): Kelvin has no column \(name)", file: file, line: line)
                continue
            }
            let scale = ref.rows.map { abs($0[c]) }.max() ?? 0
            for (r, row) in ref.rows.enumerated() where r < result.rows.count {
                let expected = row[c], actual = result.rows[r][k]
                let allowed = relative * abs(expected) + absolute * scale + 1e-15
                let ratio = actual.isFinite ? abs(actual - expected) / allowed : .infinity
                if ratio > worst.ratio {
                    worst = (ratio, "\(name) row \(r): kelvin \(actual), ngspice \(expected)")
                }
            }
        }
        let summary = "\(deck) \(analysis): worst |Δ|/allowed \(String(format: "%.3g", worst.ratio)) at \(worst.text)"
        XCTAssertLessThanOrEqual(worst.ratio, 1, summary, file: file, line: line)
        print(summary)
        return summary
    }
}
