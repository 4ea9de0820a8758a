import Foundation

extension AnalogSettings {
    /// The built-in profiles, as the documents `kelvin profile show NAME --json` prints (copy one
    /// and edit it to make your own). Cell tables are characterised from netlists/ on first use.
    public static let builtinDocuments: [String: String] = [
        "ideal": """
            {"name": "ideal", "description": "Ideal curves (x·w multiply, unit-gain summer with ±12 V rails, max(0, x) rectifier): reproduces digital.",
             "mac": {"table": "ideal"}, "summer": {"table": "ideal", "rails": 12}, "relu": {"table": "ideal"}}
            """,
        "cells-vcr": """
            {"name": "cells-vcr", "description": "The seed's design: an NMOS voltage-controlled-resistor multiply cell per weight (differential pairs, rank-1 separable fit), op-amp column summer, precision-rectifier ReLU, one chip's Monte Carlo mismatch, 8-bit converters.",
             "mac": {"table": "nmos_vcr_amplifier", "rank": 1, "fit_tolerance": 0.05},
             "summer": {"table": "summing_amplifier"}, "relu": {"table": "precision_rectifier", "invert": true},
             "mismatch": true, "read_noise": 0.001, "dac_bits": 8, "adc_bits": 8}
            """,
        "cells-logmul": """
            {"name": "cells-logmul", "description": "Log-antilog BJT multiplier cells (one quadrant: inputs and weights on an offset), op-amp column summer, precision-rectifier ReLU, one chip's Monte Carlo mismatch, 8-bit converters.",
             "mac": {"table": "log_multiplier", "fit_tolerance": 0.05},
             "summer": {"table": "summing_amplifier"}, "relu": {"table": "precision_rectifier", "invert": true},
             "mismatch": true, "read_noise": 0.001, "dac_bits": 8, "adc_bits": 8}
            """,
        "yan-noise": """
            {"name": "yan-noise", "description": "The seed's training noise (000 §4): each weight perturbed by a relative 1e-3 in every step's forward and backward, and each update multiplied by (1 + 1e-3·N(0, 1)); arithmetic otherwise digital.",
             "weight_noise": 0.001, "update_noise": 0.001}
            """,
    ]

    /// The built-in profile `name`, or nil.
    public static func builtin(_ name: String) throws -> AnalogSettings? {
        guard let text = builtinDocuments[name] else { return nil }
        return try AnalogSettings(json: Data(text.utf8), path: "built-in profile '\(name)'")
    }
}
