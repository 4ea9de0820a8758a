import Characterization
import Foundation

/// A minimal SVG line chart: one panel, any number of series over a shared x axis.
struct LinePlot {
    struct Series {
        var name: String
        var color: String
        var points: [(x: Double, y: Double)]
        /// Draw markers instead of a line (sparse series such as per-epoch test accuracy).
        var markers = false
        /// Line width and opacity (a noisy per-step series is drawn thin and light).
        var width = 1.5
        var opacity = 1.0
    }

    var title: String
    var xLabel: String
    var yLabel: String
    var series: [Series]
    /// The lowest value the y axis may show (0 for a learning rate), nil: no bound.
    var yFloor: Double? = nil
    /// The smallest x tick spacing (1 for optimizer steps).
    var xMinimumStep: Double = 0

    /// The panel as an SVG `<g>` placed at `(0, top)`, `width × height` pixels.
    func svgGroup(top: Double, width: Double, height: Double) -> String {
        let left = 64.0, right = 16.0, upper = 28.0, lower = 40.0
        let all = series.flatMap(\.points).filter { $0.x.isFinite && $0.y.isFinite }
        guard let xmin = all.map(\.x).min(), let xmax = all.map(\.x).max(),
            var ymin = all.map(\.y).min(), var ymax = all.map(\.y).max()
        else { return "<g transform=\"translate(0,\(top))\"><text x=\"\(left)\" y=\"20\">\(title): no data</text></g>" }
        if ymax == ymin {
            let pad = ymax == 0 ? 0.5 : abs(ymax) * 0.1
            ymax += pad
            ymin -= pad
        }
        if let yFloor { ymin = max(ymin, yFloor) }
        // Round ticks: the y range widened to whole tick steps (never below yFloor); x ticks inside the data range.
        let yStep = PlotTicks.step(ymin, ymax)
        (ymin, ymax) = PlotTicks.snapped(ymin, ymax, step: yStep)
        if let yFloor { ymin = max(ymin, yFloor) }
        let xspan = xmax > xmin ? xmax - xmin : 1
        let xStep = PlotTicks.step(xmin, xmin + xspan, minimumStep: xMinimumStep)
        let pw = width - left - right, ph = height - upper - lower
        func px(_ x: Double) -> Double { left + (x - xmin) / xspan * pw }
        func py(_ y: Double) -> Double { upper + (ymax - y) / (ymax - ymin) * ph }
        func f(_ v: Double) -> String { String(format: "%.1f", v) }

        var s = ["<g transform=\"translate(0,\(f(top)))\">"]
        s.append("<text x=\"\(f(left))\" y=\"18\" font-weight=\"bold\">\(Self.escape(title))</text>")
        s.append("<rect x=\"\(f(left))\" y=\"\(f(upper))\" width=\"\(f(pw))\" height=\"\(f(ph))\" fill=\"none\" stroke=\"#888\"/>")
        for xv in PlotTicks.values(xmin, xmin + xspan, step: xStep) {
            s.append("<text x=\"\(f(px(xv)))\" y=\"\(f(upper + ph + 16))\" text-anchor=\"middle\">\(PlotTicks.label(xv, step: xStep))</text>")
        }
        for yv in PlotTicks.values(ymin, ymax, step: yStep) {
            s.append("<text x=\"\(f(left - 6))\" y=\"\(f(py(yv) + 4))\" text-anchor=\"end\">\(PlotTicks.label(yv, step: yStep))</text>")
            s.append("<line x1=\"\(f(left))\" x2=\"\(f(left + pw))\" y1=\"\(f(py(yv)))\" y2=\"\(f(py(yv)))\" stroke=\"#eee\"/>")
        }
        s.append("<text x=\"\(f(left + pw / 2))\" y=\"\(f(height - 6))\" text-anchor=\"middle\">\(Self.escape(xLabel))</text>")
        s.append("<text transform=\"translate(14,\(f(upper + ph / 2))) rotate(-90)\" text-anchor=\"middle\">\(Self.escape(yLabel))</text>")
        for line in series {
            let pts = line.points.filter { $0.x.isFinite && $0.y.isFinite }
            if line.markers {
                for p in pts { s.append("<circle cx=\"\(f(px(p.x)))\" cy=\"\(f(py(p.y)))\" r=\"4\" fill=\"\(line.color)\"/>") }
            } else if !pts.isEmpty {
                let d = pts.enumerated().map { "\($0.offset == 0 ? "M" : "L")\(f(px($0.element.x))),\(f(py($0.element.y)))" }
                s.append("<path d=\"\(d.joined(separator: " "))\" fill=\"none\" stroke=\"\(line.color)\" "
                    + "stroke-width=\"\(line.width)\" stroke-opacity=\"\(line.opacity)\"/>")
            }
        }
        // The legend: a box sized to its longest name (≈ 7 px a character), top right, over a white ground.
        let longest = series.map(\.name.count).max() ?? 0
        let boxWidth = min(pw - 8, 26 + 7 * Double(longest)), boxHeight = 8 + 16 * Double(series.count)
        let bx = left + pw - boxWidth - 4, by = upper + 4
        s.append("<rect x=\"\(f(bx))\" y=\"\(f(by))\" width=\"\(f(boxWidth))\" height=\"\(f(boxHeight))\" "
            + "fill=\"white\" fill-opacity=\"0.85\" stroke=\"#ccc\"/>")
        for (i, line) in series.enumerated() {
            let ly = by + 16 + 16 * Double(i)
            s.append("<rect x=\"\(f(bx + 6))\" y=\"\(f(ly - 9))\" width=\"10\" height=\"10\" fill=\"\(line.color)\"/>")
            s.append("<text x=\"\(f(bx + 21))\" y=\"\(f(ly))\">\(Self.escape(line.name))</text>")
        }
        s.append("</g>")
        return s.joined(separator: "\n")
    }

    /// Stacks panels vertically into one SVG document.
    static func document(_ panels: [LinePlot], width: Double = 720, panelHeight: Double = 300) -> String {
        let height = panelHeight * Double(panels.count)
        var s = ["<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height))\" "
            + "font-family=\"sans-serif\" font-size=\"12\">",
            "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>"]
        for (i, panel) in panels.enumerated() {
            s.append(panel.svgGroup(top: panelHeight * Double(i), width: width, height: panelHeight))
        }
        s.append("</svg>")
        return s.joined(separator: "\n") + "\n"
    }

    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;")
    }
}
