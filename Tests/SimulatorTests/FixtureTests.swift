import Foundation
import Netlist
import XCTest

@testable import Simulator

/// Golden-reference tests: every deck in Tests/Fixtures, and every cell in netlists/ whose
/// references are in Tests/Fixtures (the cells that need only .op/.dc; read where they live, not
/// copied), is simulated by Kelvin and compared, column by column (by name), with the ngspice-39
/// references NAME.ANALYSIS.csv in Tests/Fixtures produced by Tests/Fixtures/generate.py.
///
/// Tolerance per value, `ref` the ngspice value:
///   voltages (`v(...)`, `v-sweep`): |Δ| ≤ 0.002·|ref| + 1e-3 V
///   currents (`i(...)`, `i-sweep`): |Δ| ≤ 0.002·|ref| + 1e-9 A
/// Every reference column must exist in Kelvin's result; Kelvin may report extra columns.
final class FixtureTests: XCTestCase {
    /// Tests/Fixtures, found from this file's path (no bundle resources needed).
    static let fixturesDirectory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()  // Tests/SimulatorTests
        .deletingLastPathComponent()  // Tests
        .appendingPathComponent("Fixtures")

    /// netlists/ (the cells).
    static let cellsDirectory = fixturesDirectory.deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("netlists")

    /// The decks: `Tests/Fixtures/*.cir` and the `netlists/*.cir` cells with a reference in
    /// Tests/Fixtures, sorted by name.
    static func decks() throws -> [URL] {
        let fixtures = try FileManager.default.contentsOfDirectory(atPath: fixturesDirectory.path)
        let cells = try FileManager.default.contentsOfDirectory(atPath: cellsDirectory.path)
            .filter { name in name.hasSuffix(".cir") && fixtures.contains { $0.hasPrefix(name.dropLast(4) + ".") && $0.hasSuffix(".csv") } }
        return (fixtures.filter { $0.hasSuffix(".cir") }.map { fixturesDirectory.appendingPathComponent($0) }
            + cells.map { cellsDirectory.appendingPathComponent($0) })
            .sorted { $0.lastPathComponent < $1.lastPathComponent }
    }

    /// The reference CSVs of a deck: analysis name ("op1", "dc1") → file.
    static func references(of deck: URL) throws -> [(analysis: String, url: URL)] {
        let stem = deck.deletingPathExtension().lastPathComponent
        return try FileManager.default.contentsOfDirectory(atPath: fixturesDirectory.path)
            .filter { $0.hasPrefix(stem + ".") && $0.hasSuffix(".csv") }
            .sorted()
            .compactMap { file in
                let parts = file.split(separator: ".")
                guard parts.count == 3, String(parts[0]) == stem else { return nil }
                return (String(parts[1]), fixturesDirectory.appendingPathComponent(file))
            }
    }

    func testFixtureSetIsComplete() throws {
        let decks = try Self.decks()
        XCTAssertGreaterThanOrEqual(decks.count, 16, "expected at least 16 golden decks in \(Self.fixturesDirectory.path)")
        for deck in decks {
            XCTAssertFalse(try Self.references(of: deck).isEmpty, "\(deck.lastPathComponent) has no reference CSV; run Tests/Fixtures/generate.py")
        }
    }

    func testEveryFixtureMatchesNgspice() throws {
        var summary: [String] = []
        for deck in try Self.decks() {
            summary.append(check(deck: deck))
        }
        print("FixtureTests: worst mismatch per deck (|Δ| / allowed):\n  " + summary.joined(separator: "\n  "))
    }

    /// The same comparison with each linear solver forced (`.options solver=klu|dense`).
    func testEveryFixtureMatchesNgspiceWithEachSolver() throws {
        for solver in ["klu", "dense"] {
            for deck in try Self.decks() { _ = check(deck: deck, solver: solver) }
        }
    }

    /// Simulates one deck (with `.options solver=SOLVER` when given), compares it with its
    /// references and returns a one-line summary.
    private func check(deck: URL, solver: String? = nil) -> String {
        let name = deck.lastPathComponent + (solver.map { " (solver=\($0))" } ?? "")
        let results: [SimulationResult]
        do {
            var parsed = try NetlistParser.parse(file: deck.path)
            if let solver { parsed.options.text["solver"] = solver }
            results = try Simulation(deck: parsed).run()
        } catch {
            XCTFail("\(name): \(error)")
            return "\(name): error: \(error)"
        }
        var worst = Mismatch()
        do {
            for (analysis, url) in try Self.references(of: deck) {
                let reference = try ReferenceTable(contentsOf: url)
                guard let result = results.first(where: { $0.name == analysis }) else {
                    XCTFail("\(name): Kelvin produced no analysis \(analysis) (got \(results.map(\.name)))")
                    continue
                }
                compare(result, with: reference, deck: name, analysis: analysis, worst: &worst)
            }
        } catch {
            XCTFail("\(name): cannot read references: \(error)")
        }
        if worst.ratio > 1 {
            XCTFail("\(name): worst mismatch \(worst)")
        }
        return "\(name): \(worst)"
    }

    private func compare(
        _ result: SimulationResult, with reference: ReferenceTable, deck: String, analysis: String,
        worst: inout Mismatch
    ) {
        guard result.rows.count == reference.rows.count else {
            XCTFail("\(deck) \(analysis): \(result.rows.count) points, ngspice has \(reference.rows.count)")
            return
        }
        for (column, header) in reference.header.enumerated() {
            guard let mine = result.variables.firstIndex(of: header) else {
                XCTFail("\(deck) \(analysis): no column \(header) in Kelvin's result \(result.variables)")
                continue
            }
            let isCurrent = header.hasPrefix("i(") || header == "i-sweep"
            let absolute = isCurrent ? 1e-9 : 1e-3
            for (row, values) in reference.rows.enumerated() {
                let expected = values[column]
                let actual = result.rows[row][mine]
                let allowed = 0.002 * abs(expected) + absolute
                let ratio = actual.isFinite ? abs(actual - expected) / allowed : .infinity
                if ratio > worst.ratio || worst.column.isEmpty {
                    worst = Mismatch(
                        analysis: analysis, column: header, row: row, expected: expected, actual: actual, ratio: ratio)
                }
            }
        }
    }
}

/// The largest |Δ| / allowed over a deck, with where it happened.
private struct Mismatch: CustomStringConvertible {
    var analysis = ""
    var column = ""
    var row = 0
    var expected = 0.0
    var actual = 0.0
    var ratio = 0.0

    var description: String {
        column.isEmpty
            ? "no values compared"
            : String(format: "%.3g", ratio)
                + " at \(analysis) \(column) row \(row): kelvin \(actual), ngspice \(expected)"
    }
}

/// A reference CSV: a header line of column names, then rows of numbers.
private struct ReferenceTable {
    var header: [String]
    var rows: [[Double]]

    init(contentsOf url: URL) throws {
        let text = try String(contentsOf: url, encoding: .utf8)
        let lines = text.split(whereSeparator: \.isNewline).map(String.init).filter { !$0.isEmpty }
        guard let first = lines.first else { throw ReferenceError.empty(url.lastPathComponent) }
        header = first.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        rows = try lines.dropFirst().enumerated().map { index, line in
            let values = line.split(separator: ",").map { Double($0.trimmingCharacters(in: .whitespaces)) }
            guard values.count == first.split(separator: ",").count, values.allSatisfy({ $0 != nil }) else {
                throw ReferenceError.badRow(url.lastPathComponent, index + 2)
            }
            return values.compactMap { $0 }
        }
    }

    enum ReferenceError: Error {
        case empty(String)
        case badRow(String, Int)
    }
}
