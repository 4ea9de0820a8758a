import XCTest

/// Asserts `|actual − expected| ≤ absolute + relative · |expected|`, the SPICE-style mixed tolerance.
public func assertClose(
    _ actual: Double, _ expected: Double, relative: Double = 1e-9, absolute: Double = 0,
    _ message: @autoclosure () -> String = "", file: StaticString = #filePath, line: UInt = #line
) {
    let bound = absolute + relative * abs(expected)
    if !(abs(actual - expected) <= bound) {
        XCTFail(
            "\(actual) is not within \(bound) of \(expected)" + (message().isEmpty ? "" : ": \(message())"),
            file: file, line: line)
    }
}
