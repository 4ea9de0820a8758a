import Foundation

/// ngspice's text formats for `print` and `wrdata` (`postcoms.c` `com_print`, `ft_writesimple`).
enum ControlOutput {
    /// ngspice's `printnum`: `%.Ne` with N = `numdgt` (default 6), one digit less for a negative number.
    static func printnum(_ x: Double, digits: Int = 6) -> String {
        String(format: "%.*e", x < 0 ? digits - 1 : digits, x)
    }

    /// A vector to print, named as written.
    struct Column {
        var name: String
        var value: VectorValue
        var isComplex: Bool { value.im != nil }
    }

    /// `print` in line form (every vector has one point): `name = value`, `name = re,im`.
    static func lines(_ columns: [Column], digits: Int) -> String {
        var out = ""
        for c in columns where c.value.count >= 1 {
            if c.value.count == 1 {
                if let im = c.value.im {
                    out += "\(c.name) = \(printnum(c.value.re[0], digits: digits)),\(printnum(im[0], digits: digits))\n"
                } else {
                    out += "\(c.name) = \(printnum(c.value.re[0], digits: digits))\n"
                }
            } else {
                // ngspice's `name = ( v1 v2 ... )` with tab stops, width 80.
                out += "\(c.name) = (  "
                var ll = 10
                for k in 0..<c.value.count {
                    let text = c.value.im.map { "\(printnum(c.value.re[k], digits: digits)),\(printnum($0[k], digits: digits))" }
                        ?? printnum(c.value.re[k], digits: digits)
                    out += text
                    ll += text.count
                    ll = (ll + 7) / 8 * 8 + 1
                    if ll > 80 {
                        out += "\n\t"
                        ll = 9
                    } else {
                        out += "\t"
                    }
                }
                out += ")\n"
            }
        }
        return out
    }

    /// `print` in column form: pages of 60 lines, 80 columns, the scale first on every page set.
    static func table(_ columns: [Column], plot: Plot, digits: Int, width: Int = 80, height: Int = 60) -> String {
        var out = ""
        var rest = columns[...]
        let dashes = String(repeating: "-", count: width) + "\n"
        while !rest.isEmpty {
            var group: [Column] = []
            if let scale = plot.scale, rest.first?.name != scale.name {
                group.append(Column(name: scale.name, value: VectorValue(scale)))
            }
            // Count widths: the `.ac` frequency counts as complex, as in ngspice.
            func cellWidth(_ c: Column) -> Int { c.isComplex ? 32 : 16 }
            /// ngspice prints a frequency with a zero imaginary part as a real column.
            func realFrequency(_ c: Column, _ j: Int) -> Bool {
                c.name == "frequency" && (c.value.im?[min(j, c.value.count - 1)] ?? 0) == 0
            }
            var ll = 8 + group.reduce(0) { $0 + cellWidth($1) }
            while let next = rest.first {
                ll += cellWidth(next)
                if ll > width && group.count >= 2 { break }
                group.append(next)
                rest = rest.dropFirst()
            }
            let pad = max(0, (width - plot.title.count) / 2)
            out += String(repeating: " ", count: pad) + plot.title + "\n"
            out += String(repeating: " ", count: pad) + "\(plot.typeName)  \(plot.date)\n"
            out += dashes
            var header = "Index   "
            for c in group {
                let w = c.isComplex && !realFrequency(c, 0) ? 32 : 16
                let name = String(c.name.prefix(w - 1))
                header += name.padding(toLength: w, withPad: " ", startingAt: 0)
            }
            header += "\n"
            let points = group.map(\.value.count).max() ?? 0
            var lineno = 3
            var j = 0
            while true {
                out += header + dashes
                lineno += 2
                while j < points && lineno < height {
                    out += "\(j)\t"
                    for c in group {
                        if c.value.count <= j {
                            out += c.isComplex ? "\t\t\t\t" : "\t\t"
                        } else if let im = c.value.im, !realFrequency(c, j) {
                            out += "\(printnum(c.value.re[j], digits: digits)),\t\(printnum(im[j], digits: digits))\t"
                        } else {
                            out += "\(printnum(c.value.re[j], digits: digits))\t"
                        }
                    }
                    out += "\n"
                    j += 1
                    lineno += 1
                }
                if j == points { break }
                lineno = 0
                out += "\u{0C}\n"
            }
            if !rest.isEmpty { out += "\u{0C}\n" }
        }
        return out
    }

    /// `wrdata`: per point, `scale value` per vector (`re im` for a complex one), `% .Ne ` cells
    /// (N = `numdgt`, default 8); with `wr_singlescale` the scale only once; with `wr_vecnames` a
    /// header of ` name` cells padded to the number width.
    static func wrdata(_ columns: [Column], scale: Column?, digits: Int, singleScale: Bool, names: Bool) -> String {
        let cellWidth = digits + 7
        func cell(_ x: Double) -> String { String(format: "% .*e ", digits, x) }
        func head(_ name: String) -> String { " " + name.padding(toLength: max(cellWidth, name.count), withPad: " ", startingAt: 0) }
        var out = ""
        if names {
            var line = ""
            for (k, c) in columns.enumerated() {
                if let scale, !singleScale || k == 0 { line += head(scale.name) }
                line += head(c.name)
                if c.isComplex { line += head(c.name) }
            }
            out += line + "\n"
        }
        let points = columns.map(\.value.count).max() ?? 0
        for j in 0..<points {
            var line = ""
            for (k, c) in columns.enumerated() {
                if let scale, !singleScale || k == 0 {
                    line += cell(j < scale.value.count ? scale.value.re[j] : 0)
                }
                let i = c.value.count == 1 ? 0 : j
                guard i < c.value.count else { continue }
                line += cell(c.value.re[i])
                if let im = c.value.im { line += cell(im[i]) }
            }
            out += line + "\n"
        }
        return out
    }
}
