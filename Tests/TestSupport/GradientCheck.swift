import XCTest

/// Central-difference gradient of `f` at `x`: `(f(x + h·eᵢ) − f(x − h·eᵢ)) / 2h` for every i.
/// `f` should accumulate in Double; with Float32 forwards a step of ~1e-2 balances truncation
/// against rounding error.
public func numericalGradient(at x: [Float], step: Float = 1e-2, _ f: ([Float]) -> Double) -> [Double] {
    var x = x
    var g = [Double](repeating: 0, count: x.count)
    for i in x.indices {
        let v = x[i]
        x[i] = v + step
        let fp = f(x)
        x[i] = v - step
        let fm = f(x)
        x[i] = v
        g[i] = (fp - fm) / (2 * Double(step))
    }
    return g
}

/// Asserts every analytic gradient entry is within `absolute + relative·max(|analytic|, |numeric|)`
/// of the finite-difference estimate, and reports the worst entry.
public func assertGradientsMatch(
    analytic: [Float], numeric: [Double], relative: Double = 2e-2, absolute: Double = 2e-3,
    _ message: @autoclosure () -> String = "", file: StaticString = #filePath, line: UInt = #line
) {
    guard analytic.count == numeric.count else {
        XCTFail("gradient sizes differ: \(analytic.count) vs \(numeric.count) \(message())", file: file, line: line)
        return
    }
    var worst = -1, worstExcess = 0.0
    for i in analytic.indices {
        let a = Double(analytic[i]), n = numeric[i]
        let bound = absolute + relative * max(abs(a), abs(n))
        let excess = abs(a - n) - bound
        if !(excess <= 0), worst < 0 || excess > worstExcess || excess.isNaN { worst = i; worstExcess = excess }
    }
    if worst >= 0 {
        XCTFail("gradient mismatch at \(worst): analytic \(analytic[worst]) vs numeric \(numeric[worst]) \(message())",
                file: file, line: line)
    }
}
