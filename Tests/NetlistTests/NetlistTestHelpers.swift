import Foundation
import XCTest

import TestSupport

@testable import Netlist

/// Parses `text` as a deck named `file` in `directory`.
func parseDeck(_ text: String, file: String = "test.cir", directory: String = "/nonexistent") throws -> Deck {
    try NetlistParser.parse(text: text, fileName: file, directory: directory)
}

/// The error thrown by parsing `text` (fails the test when none is thrown).
func parseError(
    _ text: String, file: String = "test.cir", directory: String = "/nonexistent",
    sourceFile: StaticString = #filePath, line: UInt = #line
) -> NetlistError? {
    do {
        let deck = try parseDeck(text, file: file, directory: directory)
        XCTFail("expected an error, parsed \(deck.elements.count) elements", file: sourceFile, line: line)
    } catch let error as NetlistError {
        return error
    } catch {
        XCTFail("unexpected error type \(error)", file: sourceFile, line: line)
    }
    return nil
}

/// Asserts that parsing `text` fails with a one-line description holding `location` and `token`.
func assertParseError(
    _ text: String, at location: String, token: String, message: String? = nil, file: String = "test.cir",
    directory: String = "/nonexistent", sourceFile: StaticString = #filePath, line: UInt = #line
) {
    guard let error = parseError(text, file: file, directory: directory, sourceFile: sourceFile, line: line) else { return }
    assertDescription(error, at: location, token: token, message: message, sourceFile: sourceFile, line: line)
}

/// Asserts the format `FILE:LINE:COL: error: MESSAGE ('TOKEN')` of an error's description.
func assertDescription(
    _ error: NetlistError, at location: String, token: String, message: String? = nil,
    sourceFile: StaticString = #filePath, line: UInt = #line
) {
    let d = error.description
    XCTAssertFalse(d.contains("\n"), "description must be one line: \(d)", file: sourceFile, line: line)
    XCTAssertTrue(d.hasPrefix(location + ": error: "), "\(d) should start with \(location)", file: sourceFile, line: line)
    XCTAssertTrue(d.hasSuffix("('\(token)')"), "\(d) should end with ('\(token)')", file: sourceFile, line: line)
    if let message {
        XCTAssertTrue(d.contains(message), "\(d) should mention \(message)", file: sourceFile, line: line)
    }
}

/// A fresh temporary directory for deck files.
func temporaryDirectory() throws -> String {
    let path = NSTemporaryDirectory() + "kelvin-netlist-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

/// Writes `text` to `directory/name`.
@discardableResult
func writeFile(_ text: String, named name: String, in directory: String) throws -> String {
    let path = directory + "/" + name
    try text.write(toFile: path, atomically: true, encoding: .utf8)
    return path
}

extension Deck {
    /// The element named `name` (flattened, lower case).
    func element(_ name: String) -> Element? { elements.first { $0.name == name } }

    /// The resistance of resistor `name`, or nil.
    func resistance(_ name: String) -> Double? {
        guard case .resistor(let r)? = element(name)?.kind else { return nil }
        return r
    }
}
