import Foundation

/// The scale and the vectors of one plot as real numbers, and ngspice's measurement loops on them.
struct PlotData {
    let plot: Plot
    let analysis: String
    let scale: [Double]

    init(plot: Plot, analysis: String) throws {
        guard plot.kind == analysis || (analysis == "tran" && plot.kind == "tran") else {
            throw MeasurementCard.Failed(clause: analysis.uppercased(), message: "no \(analysis) results in plot \(plot.name)")
        }
        guard let s = plot.scale else {
            throw MeasurementCard.Failed(clause: analysis.uppercased(), message: "no scale vector")
        }
        self.plot = plot
        self.analysis = analysis
        scale = s.re
    }

    /// The real values of a vector expression (the real part of a complex one, as ngspice's default).
    func values(_ text: String) throws -> [Double] {
        let e: VectorExpression
        let v: VectorValue
        do {
            e = try VectorParser.single(text)
            v = try VectorEvaluator(plot: plot).evaluate(e)
        } catch let f as VectorParser.Failure {
            throw MeasurementCard.Failed(clause: "VEC", message: f.message)
        }
        guard v.count == scale.count else {
            throw MeasurementCard.Failed(clause: "VEC", message: "vector '\(text)' has \(v.count) points, the scale \(scale.count)")
        }
        return v.re
    }

    /// ngspice's `com_measure_when`: the scale value where the vector crosses `val` (or `vec2`).
    func when(_ s: inout MeasurementCard.Spec) throws {
        let d = try values(s.vec ?? "")
        let d2 = try s.vec2.map { try values($0) }
        var prevValue = 0.0, prevValue2 = 0.0, prevScale = 0.0
        var first = 0, section = 0  // 0 below, 1 above
        var riseCnt = 0, fallCnt = 0, crossCnt = 0
        var pending = false, initMeasured = true
        let dc = analysis == "dc", ac = analysis == "ac"
        for i in 0..<d.count {
            let value = d[i], scaleValue = scale[i]
            let value2 = d2?[i] ?? s.val
            if dc && i == 0 { s.td = scaleValue }
            if analysis == "tran" && scaleValue < s.td { continue }
            if ac && scaleValue < 0 { continue }
            if first > 1 && dc && s.td == scaleValue { first = 1 }
            if first == 1 {
                crossCnt = 0
                if value < value2 {
                    section = 0
                    if prevValue <= value2 && value >= value2 {
                        fallCnt = 1
                        crossCnt = 1
                    }
                } else {
                    section = 1
                    if prevValue <= value2 && value >= value2 {
                        riseCnt = 1
                        crossCnt = 1
                    }
                }
            }
            if first > 1 {
                if section == 0 && value >= value2 {
                    section = 1
                    crossCnt += 1
                    riseCnt += 1
                    if s.fall != MeasurementCard.last { pending = true }
                } else if section == 1 && value <= value2 {
                    section = 0
                    crossCnt += 1
                    fallCnt += 1
                    if s.rise != MeasurementCard.last { pending = true }
                }
                func crossing() -> Double {
                    if d2 != nil {
                        return prevScale + (prevValue2 - prevValue) * (scaleValue - prevScale)
                            / (value - prevValue - value2 + prevValue2)
                    }
                    return prevScale + (s.val - prevValue) * (scaleValue - prevScale) / (value - prevValue)
                }
                if crossCnt == s.cross || riseCnt == s.rise || fallCnt == s.fall {
                    s.measured = crossing()
                    return
                }
                if pending {
                    if s.cross == -1 && s.rise == -1 && s.fall == -1 {
                        s.measured = crossing()
                        return
                    } else if s.cross == MeasurementCard.last || s.rise == MeasurementCard.last || s.fall == MeasurementCard.last {
                        s.measured = crossing()
                        initMeasured = false
                    }
                    pending = false
                }
            }
            first += 1
            prevValue = value
            prevValue2 = value2
            prevScale = scaleValue
        }
        if initMeasured { s.measured = .nan }
    }

    /// ngspice's `measure_at`: the vector linearly interpolated at scale value `at`.
    func value(_ vec: String, at: Double) throws -> Double {
        let d = try values(vec)
        for i in 1..<max(d.count, 1) {
            let ps = scale[i - 1], s = scale[i]
            if (ps <= at && s >= at) || (analysis == "dc" && ps >= at && s <= at) {
                return d[i - 1] + (at - ps) * (d[i] - d[i - 1]) / (s - ps)
            }
        }
        return .nan
    }

    /// The slope of the linear interpolant at `at` (Kelvin's `deriv`; ngspice-39 has none).
    func derivative(_ vec: String, at: Double) throws -> Double {
        let d = try values(vec)
        guard d.count > 1 else { return .nan }
        func slope(_ k: Int) -> Double { (d[k + 1] - d[k]) / (scale[k + 1] - scale[k]) }
        for i in 1..<d.count {
            let ps = scale[i - 1], s = scale[i]
            if (ps <= at && s >= at) || (analysis == "dc" && ps >= at && s <= at) {
                if at == s, i + 1 < d.count { return 0.5 * (slope(i - 1) + slope(i)) }
                if at == ps, i >= 2 { return 0.5 * (slope(i - 2) + slope(i - 1)) }
                return slope(i - 1)
            }
        }
        return .nan
    }

    /// ngspice's `measure_minMaxAvg` (`kind`: `min`, `max`, `avg`).
    func minMaxAvg(_ s: inout MeasurementCard.Spec, _ kind: String) throws {
        let d = try values(s.vec ?? "")
        s.measured = .nan
        s.measuredAt = .nan
        var first = false
        var mValue = 0.0, mValueAt = 0.0, svalue = 0.0, pvalue = 0.0, sprev = 0.0, tsum = 0.0
        for i in 0..<d.count {
            let value = d[i]
            svalue = scale[i]
            if analysis == "dc" {
                if svalue < s.from || svalue > s.to { continue }
            } else {
                if svalue < s.from { continue }
                if s.to != 0 && svalue > s.to { break }
            }
            if !first {
                first = true
                mValue = kind == "avg" ? 0 : value
                mValueAt = svalue
                pvalue = value
                sprev = svalue
            } else {
                switch kind {
                case "min":
                    if value <= mValue { (mValue, mValueAt) = (value, svalue) }
                case "max":
                    if value >= mValue { (mValue, mValueAt) = (value, svalue) }
                default:
                    mValue += 0.5 * (value + pvalue) * (svalue - sprev)
                    tsum += svalue - sprev
                    pvalue = value
                    sprev = svalue
                }
            }
        }
        if kind == "avg" {
            s.measured = mValue / (first ? tsum : 1)
            s.measuredAt = svalue
        } else {
            s.measured = mValue
            s.measuredAt = mValueAt
        }
        if !first && kind != "avg" { s.measured = .nan }
    }

    /// C's `AlmostEqualUlps(a, b, 100)` as ngspice uses it.
    static func almostEqual(_ a: Double, _ b: Double) -> Bool {
        if a == b { return true }
        let ia = Int64(bitPattern: a.bitPattern), ib = Int64(bitPattern: b.bitPattern)
        let la = ia < 0 ? Int64.min &- ia : ia, lb = ib < 0 ? Int64.min &- ib : ib
        let diff = la &- lb
        return diff.magnitude <= 100
    }

    /// ngspice's `measure_rms_integral`: Simpson 3/8, 1/3 or trapezoid per run of equal widths.
    func rmsIntegral(_ s: inout MeasurementCard.Spec, rms: Bool) throws {
        let d = try values(s.vec ?? "")
        s.measured = .nan
        s.measuredAt = .nan
        var x: [Double] = [], y: [Double] = []
        var toVal = -1.0, first = false
        for i in 0..<d.count {
            var value = d[i], xvalue = scale[i]
            if xvalue < s.from { continue }
            if s.to != 0 && xvalue > s.to {
                if !Self.almostEqual(xvalue, s.to), i > 0 {
                    let slope = (d[i] - d[i - 1]) / (scale[i] - scale[i - 1])
                    value = d[i - 1] + slope * (s.to - scale[i - 1])
                    xvalue = s.to
                }
                x.append(xvalue)
                y.append(rms ? value * value : value)
                toVal = xvalue
                break
            }
            if !first {
                if s.from != 0 && i > 0 && !Self.almostEqual(xvalue, s.from) {
                    let slope = (d[i] - d[i - 1]) / (scale[i] - scale[i - 1])
                    value = d[i - 1] + slope * (s.from - scale[i - 1])
                    xvalue = s.from
                }
                s.measuredAt = xvalue
                first = true
            }
            x.append(xvalue)
            y.append(rms ? value * value : value)
        }
        let n = x.count
        var width = [Double](repeating: 0, count: n + 2)
        for i in 0..<max(n - 1, 0) { width[i] = x[i + 1] - x[i] }
        var sum = 0.0, i = 0
        func yy(_ k: Int) -> Double { k < n ? y[k] : 0 }
        while i < n - 1 {
            if Self.almostEqual(width[i], width[i + 1]) && Self.almostEqual(width[i], width[i + 2]) {
                sum += 3 * width[i] * (yy(i) + 3 * (yy(i + 1) + yy(i + 2)) + yy(i + 3)) / 8
                i += 3
            } else if Self.almostEqual(width[i], width[i + 1]) {
                sum += width[i] * (yy(i) + 4 * yy(i + 1) + yy(i + 2)) / 3
                i += 2
            } else {
                sum += width[i] * (yy(i) + yy(i + 1)) / 2
                i += 1
            }
        }
        if toVal < 0 { toVal = scale.last ?? .nan }
        s.from = s.measuredAt
        s.to = toVal
        s.measured = rms ? (sum / (toVal - s.measuredAt)).squareRoot() : sum
    }
}
