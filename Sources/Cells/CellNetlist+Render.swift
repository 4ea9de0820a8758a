import Foundation

// The one place cell text is emitted (decks, subcircuits, numbers). When the Netlist target gains
// its general writer, this file is what switches to it.

extension CellNetlist {
    /// The standalone deck: `NAME: summary`, `* documentation`, `* characterize:`/`* ideal:`,
    /// `.include`s, every card in order, `.end`.
    public func deckText(name: String) -> String {
        var lines = ["\(name): \(summary)"]
        lines += documentation.map { "* \($0)" }
        if let characterization {
            lines.append("* characterize: \(characterization.fields)")
            if let ideal = characterization.ideal { lines.append("* ideal: \(ideal)") }
        }
        lines += includes.map { ".include \($0)" }
        lines += cards.map(render)
        lines.append(".end")
        return lines.joined(separator: "\n") + "\n"
    }

    /// `.subckt NAME ports…` with the cell's model and element cards, `.ends NAME`, preceded by a
    /// comment naming the ports and the files to include.
    public func subcircuitText(name: String) -> String {
        var lines = ["* \(name): \(summary)"]
        lines.append("* ports: " + ports.map(\.description).joined(separator: ", "))
        if !includes.isEmpty { lines.append("* needs: " + includes.map { ".include \($0)" }.joined(separator: ", ")) }
        lines.append(".subckt \(name) " + ports.map(\.name).joined(separator: " "))
        lines += cards.filter { $0.role != .bench }.map { card in
            card.name.map { ([$0] + card.fields).joined(separator: " ") } ?? card.fields.joined(separator: " ")
        }
        lines.append(".ends \(name)")
        return lines.joined(separator: "\n") + "\n"
    }

    /// One card: the name padded to `nameColumn`, then its fields separated by spaces.
    func render(_ card: Card) -> String {
        guard let name = card.name else { return card.fields.joined(separator: " ") }
        let padded = name.count < nameColumn ? name + String(repeating: " ", count: nameColumn - name.count) : name
        return ([padded] + card.fields).joined(separator: " ")
    }
}

/// SPICE number text for generated cards and documentation.
package enum SpiceText {
    /// Engineering notation with a SPICE scale suffix: 10000 → `10k`, 1e-4 → `100u`,
    /// 1.59e-11 → `15.9p`, 1e6 → `1meg`, 0.5 → `500m`; 12 significant digits at most.
    package static func eng(_ value: Double) -> String {
        guard value != 0, value.isFinite else { return plain(value) }
        let suffixes: [(Int, String)] = [
            (12, "t"), (9, "g"), (6, "meg"), (3, "k"), (0, ""), (-3, "m"), (-6, "u"), (-9, "n"), (-12, "p"), (-15, "f"),
        ]
        var exponent = Int((log10(abs(value)) / 3).rounded(.down)) * 3
        exponent = min(12, max(-15, exponent))
        var mantissa = value / pow(10, Double(exponent))
        // 999.9999999999 rounds to 1000: move up one suffix.
        if abs(Double(String(format: "%.12g", mantissa)) ?? mantissa) >= 1000, exponent < 12 {
            exponent += 3
            mantissa = value / pow(10, Double(exponent))
        }
        let suffix = suffixes.first { $0.0 == exponent }?.1 ?? ""
        return plain(Double(String(format: "%.12g", mantissa)) ?? mantissa) + suffix
    }

    /// Plain text: C's `%.12g` with the exponent written as SPICE does (`15`, `-2`, `0.25`,
    /// `1000000`, `1e12`, `1e-5`).
    package static func plain(_ value: Double) -> String { exponentStyle(String(format: "%.12g", value)) }

    /// C's `%g` (6 significant digits, as Python's `:g`).
    package static func g(_ value: Double) -> String { String(format: "%g", value) }

    /// `digits` significant digits in scientific notation with a SPICE exponent: `2.7e-5`.
    package static func sci(_ value: Double, digits: Int) -> String {
        exponentStyle(String(format: "%.\(max(0, digits - 1))e", value))
    }

    /// `1e+12` → `1e12`, `2.70e-05` → `2.7e-5` (mantissa trailing zeros dropped).
    static func exponentStyle(_ text: String) -> String {
        guard let e = text.firstIndex(where: { $0 == "e" || $0 == "E" }) else { return text }
        var mantissa = String(text[..<e])
        if mantissa.contains(".") {
            while mantissa.hasSuffix("0") { mantissa.removeLast() }
            if mantissa.hasSuffix(".") { mantissa.removeLast() }
        }
        var exponent = String(text[text.index(after: e)...])
        let negative = exponent.hasPrefix("-")
        exponent = String(exponent.drop { $0 == "+" || $0 == "-" }.drop { $0 == "0" })
        return mantissa + "e" + (negative ? "-" : "") + (exponent.isEmpty ? "0" : exponent)
    }

    /// English word for small counts (`three inputs`), digits beyond twelve.
    package static func count(_ n: Int) -> String {
        let words = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve"]
        return n >= 0 && n < words.count ? words[n] : String(n)
    }
}
