import Netlist
import Randomness

/// Relative Gaussian component tolerances, e.g. `R=1%,IS=5%`.
///
/// Keys (case-insensitive): `R`, `C`, `L` scale every resistor, capacitor, inductor value; any other
/// key is a `.model` parameter (`IS`, `N`, `RS`, `BF`, `VTO`, ...) scaled on every semiconductor
/// element whose model has it (diode `IS` and `N` use their SPICE defaults when the card omits them).
/// Each element instance draws its own factor `1 + σ·z`, `z ~ N(0, 1)`: independent mismatch per device.
///
/// A factor must stay positive (a negative resistance or saturation current is no mismatch), so
/// `z` is drawn from the normal distribution truncated to `|z| < 1/σ` (a draw outside is drawn
/// again): the factor lies in `(0, 2)` and its mean stays 1. Below σ = 20 % a redraw needs
/// `|z| > 5` (one draw in 1.7 million) and the draws are the plain normal ones; at σ = 50 % the
/// spread of the factor is 0.87·σ instead of σ. σ must be below 100 % (`parse` refuses more).
public struct Tolerances: Sendable, Equatable {
    /// Lower-case key → relative sigma (0.01 for 1 %).
    public var sigma: [String: Double]

    public init(_ sigma: [String: Double] = [:]) {
        var lower: [String: Double] = [:]
        for (k, v) in sigma { lower[k.lowercased()] = v }
        self.sigma = lower
    }

    /// Parses `KEY=VALUE[%],...`; a bare value is a fraction (`0.01`), with `%` a percentage.
    public static func parse(_ text: String) throws -> Tolerances {
        var sigma: [String: Double] = [:]
        for item in text.split(separator: ",") {
            let parts = item.split(separator: "=").map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count == 2, !parts[0].isEmpty else {
                throw CharacterizationError.badTolerance(text: String(item), reason: "expected KEY=VALUE, e.g. R=1%")
            }
            var value = parts[1]
            var scale = 1.0
            if value.hasSuffix("%") {
                value.removeLast()
                scale = 0.01
            }
            guard let v = Double(value), v.isFinite, v >= 0, v * scale < 1 else {
                throw CharacterizationError.badTolerance(text: String(item), reason: "sigma must be a number in [0, 100%)")
            }
            sigma[parts[0].lowercased()] = v * scale
        }
        return Tolerances(sigma)
    }

    /// `R=1%,IS=5%` style text, keys sorted.
    public var text: String {
        sigma.keys.sorted().map { "\($0.uppercased())=\(sigma[$0].map { "\($0 * 100)" } ?? "")%" }.joined(separator: ",")
    }

    /// `1 + σ·z` with `z ~ N(0, 1)` truncated to `|z| < 1/σ` (redrawn outside), so the factor is
    /// in `(0, 2)`; `σ` in `[0, 1)`.
    static func factor(sigma: Double, using rng: inout SplitMix64) -> Double {
        while true {
            let z = rng.nextGaussian()
            if sigma * abs(z) < 1 { return 1 + sigma * z }
        }
    }

    /// SPICE defaults for model parameters a card may omit, by model type.
    static let defaults: [String: [String: Double]] = ["d": ["is": 1e-14, "n": 1]]

    /// A copy of `deck` with every toleranced value multiplied by its own `1 + σ·z`.
    /// Returns the keys that matched no element (so the caller can warn).
    func perturb(_ deck: Deck, using rng: inout SplitMix64) -> (deck: Deck, unused: Set<String>) {
        var unused = Set(sigma.keys)
        var out = deck
        func factor(_ key: String) -> Double? {
            guard let s = sigma[key] else { return nil }
            unused.remove(key)
            return Self.factor(sigma: s, using: &rng)
        }
        func model(_ m: Model) -> Model {
            var m = m
            for key in sigma.keys.sorted() where !["r", "c", "l"].contains(key) {
                guard let base = m.parameters[key] ?? Self.defaults[m.type]?[key], let f = factor(key) else { continue }
                m.parameters[key] = base * f
            }
            return m
        }
        for k in out.elements.indices {
            switch out.elements[k].kind {
            case .resistor(let r):
                if let f = factor("r") { out.elements[k].kind = .resistor(resistance: r * f) }
            case .capacitor(let c, let ic):
                if let f = factor("c") { out.elements[k].kind = .capacitor(capacitance: c * f, initialCondition: ic) }
            case .inductor(let l, let ic):
                if let f = factor("l") { out.elements[k].kind = .inductor(inductance: l * f, initialCondition: ic) }
            case .diode(let m, let inst): out.elements[k].kind = .diode(model: model(m), instance: inst)
            case .bjt(let m, let inst): out.elements[k].kind = .bjt(model: model(m), instance: inst)
            case .mosfet(let m, let inst): out.elements[k].kind = .mosfet(model: model(m), instance: inst)
            default: break
            }
        }
        return (out, unused)
    }
}
