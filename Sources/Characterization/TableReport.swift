import Foundation
import Netlist
import TransferCurves

/// Human-readable summary and SVG plot of a lookup table.
public enum TableReport {
    /// The ideal of `table` evaluated on its grid (row-major), or nil without an ideal.
    public static func idealValues(_ table: LookupTable) throws -> [Double]? {
        guard let text = table.provenance.ideal else { return nil }
        let ideal = try IdealFunction(text, inputs: table.axes.map(\.name))
        let x = table.axes[0].values
        if table.axes.count == 1 { return try x.map { try ideal($0) } }
        let w = table.axes[1].values
        return try x.flatMap { xv in try w.map { try ideal(xv, $0) } }
    }

    /// The ideal on the grid, or the reason it cannot be evaluated (a report still shows the table).
    static func tolerantIdeal(_ table: LookupTable) -> (values: [Double]?, problem: String?) {
        do { return (try idealValues(table), nil) } catch { return (nil, "\(error)") }
    }

    /// A multi-line summary: provenance, grid, range, deviation from the ideal, Monte Carlo, fit.
    ///
    /// `version` is the file's format version (`LookupTable.fileVersion(_:)`); default the current one.
    public static func summary(_ table: LookupTable, path: String, version: UInt32 = LookupTable.formatVersion) throws -> String {
        let p = table.provenance
        func g(_ v: Double) -> String { String(format: "%.6g", v) }
        var lines = [
            "\(path): Kelvin lookup table, format v\(version)",
            "  cell         \(p.cell)  (\(p.netlistPath))",
            "  netlist      sha256 \(p.netlistSHA256)",
        ]
        for (name, hash) in p.includedSHA256.sorted(by: { $0.key < $1.key }) {
            lines.append("  include      \(name) sha256 \(hash)")
        }
        lines.append("  produced     Kelvin \(p.kelvinVersion), \(p.date)" + (p.command.map { ", by: \($0)" } ?? ""))
        lines.append("  temperature  \(g(p.temperature)) °C")
        for (name, params) in p.modelParameters.sorted(by: { $0.key < $1.key }) {
            let list = params.sorted(by: { $0.key < $1.key }).map { "\($0.key)=\(g($0.value))" }.joined(separator: " ")
            lines.append("  model        \(name): \(list)")
        }
        let axes = table.axes.map { "\($0.name) \(g($0.values[0]))…\(g($0.values[$0.values.count - 1]))\($0.unit.isEmpty ? "" : " " + $0.unit), \($0.values.count) points" }
        lines.append("  grid         " + axes.joined(separator: " × ") + " → \(table.output.name) [\(table.output.unit)]")
        let lo = table.values.min() ?? 0, hi = table.values.max() ?? 0
        lines.append("  output       \(g(lo)) … \(g(hi)) \(table.output.unit)")
        let (idealOrNil, idealProblem) = tolerantIdeal(table)
        if let problem = idealProblem {
            lines.append("  ideal        \(p.ideal ?? "");  cannot evaluate: \(problem)")
        } else if let ideal = idealOrNil {
            var worst = 0.0, at = 0
            for k in table.values.indices where abs(table.values[k] - ideal[k]) > worst {
                worst = abs(table.values[k] - ideal[k])
                at = k
            }
            let location = table.axes.count == 1
                ? "x = \(g(table.axes[0].values[at]))"
                : "x = \(g(table.axes[0].values[at / table.axes[1].values.count])), w = \(g(table.axes[1].values[at % table.axes[1].values.count]))"
            lines.append("  ideal        \(p.ideal ?? "");  max |table − ideal| = \(g(worst)) \(table.output.unit) at \(location)")
        } else {
            lines.append("  ideal        (not declared)")
        }
        if let mc = table.monteCarlo {
            func meanStd(_ v: [Double]) -> (Double, Double) {
                let m = v.reduce(0, +) / Double(max(1, v.count))
                let s = v.count > 1 ? (v.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(v.count - 1)).squareRoot() : 0
                return (m, s)
            }
            let (gm, gs) = meanStd(mc.gain), (om, os) = meanStd(mc.offset)
            let tol = mc.tolerances.sorted(by: { $0.key < $1.key }).map { "\($0.key.uppercased())=\(g($0.value * 100))%" }
            lines.append("  monte carlo  \(mc.instances) instances (\(mc.failedInstances) failed), seed \(mc.seed), \(tol.joined(separator: ","))")
            let range = mc.fitRange.map { "fitted over x in [\(g($0.lowerBound)), \(g($0.upperBound))]" } ?? "fitted over the whole grid"
            lines.append("               per-instance gain/offset against nominal, \(range):")
            lines.append("               gain \(g(gm)) ± \(g(gs)) (σ/gain \(g(gm != 0 ? gs / abs(gm) : 0))), offset \(g(om)) ± \(g(os)) \(table.output.unit)")
            lines.append("               max σ over grid \(g(mc.standardDeviation.max() ?? 0)) \(table.output.unit), max fit residual \(g(mc.residual.max() ?? 0))")
            if !mc.contributions.isEmpty {
                // Each tolerance alone (same seed); to first order the gain variances add.
                lines.append("               per tolerance (each alone, same seed; share of the gain variance, to first order):")
                for (key, c) in mc.contributions.sorted(by: { $0.key < $1.key }) {
                    let name = "\(key.uppercased())=\(g((mc.tolerances[key] ?? 0) * 100))%"
                    let share = mc.share(of: key).map { String(format: "%.0f %%", 100 * $0) } ?? "?"
                    lines.append("                 " + name.padding(toLength: max(10, name.count), withPad: " ", startingAt: 0)
                        + " σ/gain \(g(c.gainSpread)) (\(share)), offset σ \(g(c.offsetSpread)) \(table.output.unit), "
                        + "max σ \(g(c.maxStandardDeviation)) \(table.output.unit)")
                }
            } else if mc.tolerances.filter({ $0.value > 0 }).count == 1, let key = mc.tolerances.first(where: { $0.value > 0 })?.key {
                lines.append("               all of the spread from \(key.uppercased()) (the only tolerance)")
            }
        } else {
            lines.append("  monte carlo  (none)")
        }
        if let fit = table.separableFit {
            lines.append("  separable    rank \(fit.rank), relative residual \(g(fit.relativeResidual)) (target \(g(fit.target))), max error \(g(fit.maxAbsoluteError))")
        }
        if let d = table.dynamics {
            if d.settlingTime != nil || d.stepFrom != nil {
                lines.append("  dynamics     settling(0.1%) \(d.settlingTime.map(g) ?? "?") s, step \(d.stepFrom.map(g) ?? "?") → \(d.stepTo.map(g) ?? "?") \(table.axes[0].unit)")
            }
            if let e = d.energyPerOperation {
                let op = d.operationTime.map { "\(g($0)) s (" + (d.operationTimeStated == true ? "stated" : "settling time") + ")" } ?? "?"
                lines.append("  energy/op    \(g(e)) J = static \(d.staticEnergy.map(g) ?? "?") J + dynamic \(d.dynamicEnergy.map(g) ?? "?") J "
                    + "over one operation of \(op); quiescent \(d.quiescentPower.map(g) ?? "?") W (supplies \(d.supplies.joined(separator: ", ")))")
            } else if let legacy = d.legacyWindowEnergy {
                lines.append("  energy       \(g(legacy)) J from the step to tstop (format v1: not per operation; re-characterise)")
            } else if d.settlingTime != nil {
                lines.append("  energy/op    n/a (no supplies declared)")
            }
            if let tau = d.holdTimeConstant {
                let window = d.holdWindow.map { " over the hold \(g($0.lowerBound))…\(g($0.upperBound)) s" } ?? ""
                lines.append("  hold droop   τ = \(g(tau)) s\(window)")
            }
            if let sigma = d.readNoise {
                let band = d.noiseBandwidth.map { " over \(g($0.lowerBound))…\(g($0.upperBound)) Hz" } ?? ""
                lines.append("  read noise   σ = \(g(sigma)) \(table.output.unit) rms\(band)")
            }
        } else {
            lines.append("  dynamics     (not measured: add tstop= or droop= to the cell header, or give --tstop)")
        }
        return lines.joined(separator: "\n")
    }

    /// An SVG plot: the curve (2-D: a family over x for several w) with the ideal dashed beside it and
    /// the Monte Carlo band mean ± 3σ; below, the residual table − ideal. With a Monte Carlo fit
    /// range (`fit=lo:hi`, the linear range of a saturating cell) the range is shaded in both panels
    /// and the residual axis spans the residuals inside it (outside, the curves leave the panel),
    /// so saturation does not flatten the residual that matters.
    public static func svg(_ table: LookupTable) throws -> String {
        let ideal = tolerantIdeal(table).values
        let x = table.axes[0].values
        let nw = table.axes.count == 2 ? table.axes[1].values.count : 1
        let columns: [Int] = nw == 1 ? [0] : Array(Set([0, nw / 4, nw / 2, (3 * nw) / 4, nw - 1])).sorted()
        func series(_ v: [Double], _ j: Int) -> [Double] { x.indices.map { v[$0 * nw + j] } }

        let width: Double = 760, left: Double = 86, right: Double = 24
        let colors = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e"]
        // The legend, above the plot: a line sample then its label, wrapped onto as many rows as
        // it needs (≈ 6.5 px a character). A 2-D table: one entry per plotted w value, in its
        // curve's colour; each Monte Carlo band is drawn in its curve's colour too.
        var legend: [(style: String, text: String)] = nw == 1
            ? [("stroke=\"\(colors[0])\" stroke-width=\"2\"", "table (simulated)")]
            : columns.enumerated().map { n, j in
                ("stroke=\"\(colors[n % colors.count])\" stroke-width=\"2\"",
                 "\(table.axes[1].name)=" + String(format: "%.3g", table.axes[1].values[j]))
            }
        if ideal != nil {
            legend.append(("stroke=\"#555\" stroke-width=\"1.2\" stroke-dasharray=\"6,4\"", "ideal: \(table.provenance.ideal ?? "")"))
        }
        if table.monteCarlo != nil {
            legend.append(("stroke=\"\(colors[0])\" stroke-opacity=\"0.25\" stroke-width=\"8\"",
                           "Monte Carlo mean ± 3σ" + (nw == 1 ? "" : " (band in its curve's colour)")))
        }
        var legendPlaces: [(x: Double, row: Int)] = []
        var lx = left, row = 0
        for item in legend {
            let itemWidth = 40 + 6.5 * Double(item.text.count)
            if lx > left, lx + itemWidth > width - right {
                row += 1
                lx = left
            }
            legendPlaces.append((lx, row))
            lx += itemWidth
        }
        let top1: Double = 62 + 16 * Double(row), height1: Double = 300
        let top2: Double = top1 + height1 + 50, height2: Double = 150
        let totalHeight: Double = ideal == nil ? top1 + height1 + 50.0 : top2 + height2 + 50.0
        var ys = table.values + (ideal ?? [])
        if let mc = table.monteCarlo {
            for (m, sd) in zip(mc.mean, mc.standardDeviation) {
                let band: Double = 3 * sd
                ys.append(m - band)
                ys.append(m + band)
            }
        }
        let (ylo, yhi) = rounded(padded(ys.min() ?? 0, ys.max() ?? 1))
        let (xlo, xhi) = (x[0], x[x.count - 1])
        // A positive input spanning two decades or more (log converter) is drawn on a log axis.
        let logX = xlo > 0 && xhi / xlo >= 100
        func scaled(_ v: Double) -> Double { logX ? log10(v) : v }
        func px(_ v: Double) -> Double { left + (scaled(v) - scaled(xlo)) / (scaled(xhi) - scaled(xlo)) * (width - left - right) }
        func py(_ v: Double, _ lo: Double, _ hi: Double, _ top: Double, _ h: Double) -> Double { top + (hi - v) / (hi - lo) * h }
        func path(_ v: [Double], _ lo: Double, _ hi: Double, _ top: Double, _ h: Double) -> String {
            zip(x, v).enumerated().map { k, p in
                String(format: "%@%.2f,%.2f", k == 0 ? "M" : "L", px(p.0), py(p.1, lo, hi, top, h))
            }.joined(separator: " ")
        }
        var s = [
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(totalHeight))\" font-family=\"sans-serif\" font-size=\"12\">",
            "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>",
            "<text x=\"\(left)\" y=\"22\" font-size=\"15\">\(escape(table.provenance.cell)): \(escape(table.output.name)) vs \(escape(table.axes[0].name))"
                + (table.axes.count == 2 ? " for several \(escape(table.axes[1].name))" : "") + "</text>",
        ]
        for (item, place) in zip(legend, legendPlaces) {
            let y = 44 + 16 * Double(place.row)
            s.append(String(format: "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" %@/>", place.x, y, place.x + 22, y, item.style))
            s.append(String(format: "<text x=\"%.1f\" y=\"%.1f\" fill=\"#333\">%@</text>", place.x + 27, y + 4, escape(item.text)))
        }
        s += frame(left: left, top: top1, width: width - left - right, height: height1, xlo: xlo, xhi: xhi, logX: logX, ylo: ylo, yhi: yhi,
                   xlabel: "\(table.axes[0].name) [\(table.axes[0].unit)]", ylabel: "\(table.output.name) [\(table.output.unit)]")
        if let mc = table.monteCarlo {
            for (n, j) in columns.enumerated() {
                let band: [Double] = mc.standardDeviation.map { 3 * $0 }
                let upper = series(zip(mc.mean, band).map { $0 + $1 }, j)
                let lower = series(zip(mc.mean, band).map { $0 - $1 }, j)
                let forward = zip(x, upper).map { String(format: "%.2f,%.2f", px($0), py($1, ylo, yhi, top1, height1)) }
                let back = zip(x, lower).reversed().map { String(format: "%.2f,%.2f", px($0), py($1, ylo, yhi, top1, height1)) }
                s.append("<polygon points=\"\((forward + back).joined(separator: " "))\" fill=\"\(colors[n % colors.count])\" fill-opacity=\"0.2\" stroke=\"none\"/>")
            }
        }
        for (n, j) in columns.enumerated() {
            let color = colors[n % colors.count]
            if let ideal {
                s.append("<path d=\"\(path(series(ideal, j), ylo, yhi, top1, height1))\" fill=\"none\" stroke=\"#555\" stroke-width=\"1.2\" stroke-dasharray=\"6,4\"/>")
            }
            s.append("<path d=\"\(path(series(table.values, j), ylo, yhi, top1, height1))\" fill=\"none\" stroke=\"\(color)\" stroke-width=\"2\"/>")
        }
        // The fit range, clamped to the grid (nil: none, or it covers the whole grid).
        let fit = table.monteCarlo?.fitRange.flatMap { r -> ClosedRange<Double>? in
            let lo = max(r.lowerBound, xlo), hi = min(r.upperBound, xhi)
            return lo <= hi && (lo > xlo || hi < xhi) ? lo...hi : nil
        }
        func shade(_ top: Double, _ h: Double) -> String {
            guard let fit else { return "" }
            return String(format: "<rect x=\"%.2f\" y=\"%.1f\" width=\"%.2f\" height=\"%.1f\" fill=\"#888\" fill-opacity=\"0.08\"/>",
                          px(fit.lowerBound), top, max(1, px(fit.upperBound) - px(fit.lowerBound)), h)
        }
        if fit != nil { s.append(shade(top1, height1)) }
        if let ideal {
            let dev = zip(table.values, ideal).map { $0 - $1 }
            let shown = x.indices.filter { fit?.contains(x[$0]) ?? true }.flatMap { i in columns.map { dev[i * nw + $0] } }
            let (dlo, dhi) = rounded(padded(shown.min() ?? 0, shown.max() ?? 0))
            s += frame(left: left, top: top2, width: width - left - right, height: height2, xlo: xlo, xhi: xhi, logX: logX, ylo: dlo, yhi: dhi,
                       xlabel: "\(table.axes[0].name) [\(table.axes[0].unit)]", ylabel: "table − ideal [\(table.output.unit)]")
            if let fit {
                s.append(shade(top2, height2))
                s.append(String(format: "<text x=\"%.2f\" y=\"%.1f\" fill=\"#555\">fit range %@ … %@</text>",
                                px(fit.lowerBound) + 4, top2 + 14, String(format: "%.3g", fit.lowerBound), String(format: "%.3g", fit.upperBound)))
            }
            s.append(String(format: "<clipPath id=\"residual-panel\"><rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\"/></clipPath>",
                            left, top2, width - left - right, height2))
            for (n, j) in columns.enumerated() {
                s.append("<path d=\"\(path(series(dev, j), dlo, dhi, top2, height2))\" fill=\"none\" stroke=\"\(colors[n % colors.count])\" stroke-width=\"1.5\" clip-path=\"url(#residual-panel)\"/>")
            }
        }
        s.append("</svg>")
        return s.joined(separator: "\n") + "\n"
    }

    static func padded(_ lo: Double, _ hi: Double) -> (Double, Double) {
        let span = hi - lo
        if !(span > 0) { let d = max(abs(lo) * 0.1, 1e-12); return (lo - d, hi + d) }
        return (lo - 0.05 * span, hi + 0.05 * span)
    }

    /// A range widened outwards to whole round tick steps.
    static func rounded(_ range: (Double, Double)) -> (Double, Double) {
        let step = PlotTicks.step(range.0, range.1)
        return PlotTicks.snapped(range.0, range.1, step: step)
    }

    static func frame(left: Double, top: Double, width: Double, height: Double, xlo: Double, xhi: Double, logX: Bool, ylo: Double,
                      yhi: Double, xlabel: String, ylabel: String) -> [String] {
        var s = ["<rect x=\"\(left)\" y=\"\(top)\" width=\"\(width)\" height=\"\(height)\" fill=\"none\" stroke=\"#222\"/>"]
        // Round tick values: 1, 2 or 5 × 10^k apart (decades on a log axis); y ranges arrive
        // already widened to whole steps (`rounded`).
        let yStep = PlotTicks.step(ylo, yhi)
        for yv in PlotTicks.values(ylo, yhi, step: yStep) {
            let gy = top + (yhi - yv) / (yhi - ylo) * height
            s.append(String(format: "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#ddd\"/>", left, gy, left + width, gy))
            s.append(String(format: "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">%@</text>", left - 5, gy + 4, PlotTicks.label(yv, step: yStep)))
        }
        var xTicks: [(value: Double, label: String)]
        if logX {
            let decades = (log10(xlo).rounded(.up)...log10(xhi).rounded(.down))
            xTicks = decades.lowerBound <= decades.upperBound
                ? stride(from: decades.lowerBound, through: decades.upperBound, by: 1).map { (pow(10, $0), String(format: "%g", pow(10, $0))) }
                : []
        } else {
            let xStep = PlotTicks.step(xlo, xhi)
            xTicks = PlotTicks.values(xlo, xhi, step: xStep).map { ($0, PlotTicks.label($0, step: xStep)) }
        }
        for tick in xTicks {
            let f = logX ? log10(tick.value / xlo) / log10(xhi / xlo) : (tick.value - xlo) / (xhi - xlo)
            let gx = left + f * width
            s.append(String(format: "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#ddd\"/>", gx, top, gx, top + height))
            s.append(String(format: "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%@</text>", gx, top + height + 15, tick.label))
        }
        s.append(String(format: "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%@</text>", left + width / 2, top + height + 32, escape(xlabel)))
        s.append(String(format: "<text transform=\"translate(14,%.1f) rotate(-90)\" text-anchor=\"middle\">%@</text>", top + height / 2, escape(ylabel)))
        return s
    }

    static func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;")
    }
}
