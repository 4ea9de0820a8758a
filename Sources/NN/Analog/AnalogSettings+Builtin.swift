import Foundation

extension AnalogSettings {
    /// The built-in profiles, as the documents `kelvin profile show NAME --json` prints (copy one
    /// and edit it to make your own). Cell tables are characterised from netlists/ on first use.
    public static let builtinDocuments: [String: String] = [
        "ideal": """
            {"name": "ideal", "description": "Ideal curves (x·w multiply, unit-gain summer with ±12 V rails, max(0, x) rectifier, exact log/exp/max for BM layers): reproduces digital.",
             "mac": {"table": "ideal"}, "summer": {"table": "ideal", "rails": 12}, "relu": {"table": "ideal"},
             "bm": {"log": "ideal", "exp": "ideal", "max": "ideal"}}
            """,
        "cells-bm": """
            {"name": "cells-bm", "description": "Bipolar-morphological layers on characterised cells (seed 003): a transdiode log converter per input (four decades), trees of four-input op-amp max circuits, a BJT exp converter per term (five decades), op-amp column summer, one chip's Monte Carlo mismatch, 8-bit converters. ReLU stays exact (BM activations exceed the rectifier's 5 V at the profiles' fixed 1 V per unit); conv and linear layers that are not BM stay digital.",
             "bm": {"log": "bjt_log_converter", "exp": "bjt_exp_converter", "max": "max_circuit"},
             "summer": {"table": "summing_amplifier"},
             "mismatch": true, "read_noise": 0.001, "dac_bits": 8, "adc_bits": 8}
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
        "cells-resistor": """
            {"name": "cells-resistor", "description": "Resistive crossbar of characterised resistor cells (conductance w/10 kOhm, w = 0.02-1, read into a virtual ground; differential pairs, rank-1 fit), op-amp column summer, precision-rectifier ReLU, one chip's Monte Carlo resistor mismatch, 8-bit converters.",
             "mac": {"table": "resistor", "rank": 1, "fit_tolerance": 0.05},
             "summer": {"table": "summing_amplifier"}, "relu": {"table": "precision_rectifier", "invert": true},
             "mismatch": true, "read_noise": 0.001, "dac_bits": 8, "adc_bits": 8}
            """,
        "yan-noise": """
            {"name": "yan-noise", "description": "The seed's training noise (000 §4): each weight perturbed by a relative 1e-3 in every step's forward and backward, and each update multiplied by (1 + 1e-3·N(0, 1)); arithmetic otherwise digital.",
             "weight_noise": 0.001, "update_noise": 0.001}
            """,
        "reram": """
            {"name": "reram", "description": "ReRAM crossbar (aihwkit's ReRamWan2022 fit: 0-40 uS, programming error polynomial, 1 % read noise, 256 levels; soft-bounds pulsed updates), ideal I = sum G*V multiply, 8-bit DAC and ADC.",
             "device": {"preset": "reram"}, "summer": {"table": "ideal", "rails": 1}, "dac_bits": 8, "adc_bits": 8}
            """,
        "sonos": """
            {"name": "sonos", "description": "40 nm SONOS crossbar (CrossSim's Agrawal IEDM 2022 model: 0-1600 nA, saturating programming and read error, 256 levels), ideal I = sum G*V multiply, 8-bit DAC and ADC.",
             "device": {"preset": "sonos"}, "summer": {"table": "ideal", "rails": 1}, "dac_bits": 8, "adc_bits": 8}
            """,
        "pcm": """
            {"name": "pcm", "description": "PCM crossbar (aihwkit's PCMLikeNoiseModel: 0-25 uS, programming polynomial, 1/f read noise, power-law drift with global compensation, 256 levels), ideal I = sum G*V multiply, 8-bit DAC and ADC; --drift-time sets t.",
             "device": {"preset": "pcm"}, "summer": {"table": "ideal", "rails": 1}, "dac_bits": 8, "adc_bits": 8}
            """,
        "ecram": """
            {"name": "ecram", "description": "ECRAM crossbar (aihwkit's EcRamPresetDevice: linear-step pulsed updates, 1000 levels), ideal I = sum G*V multiply, 8-bit DAC and ADC.",
             "device": {"preset": "ecram"}, "summer": {"table": "ideal", "rails": 1}, "dac_bits": 8, "adc_bits": 8}
            """,
    ]

    /// The built-in profile `name`, or nil.
    public static func builtin(_ name: String) throws -> AnalogSettings? {
        guard let text = builtinDocuments[name] else { return nil }
        return try AnalogSettings(json: Data(text.utf8), path: "built-in profile '\(name)'")
    }
}
