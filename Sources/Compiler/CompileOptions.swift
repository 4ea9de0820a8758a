/// What `kelvin compile` is asked for.
public struct CompileOptions: Sendable, Equatable {
    /// The multiply cell.
    public var cell: CellFlavour = .vcr
    /// Images (the first N of the data given) with decks.
    public var images = 1
    /// Output positions per layer and image with decks (evenly spread; all when fewer).
    public var positions = 4
    /// Rows per module before the fan-in is tiled (whole input channels, as `Tiling.tiles`).
    public var rowsPerTile = 256
    /// Fraction of each range the compiler's own calibration uses.
    public var headroom = 0.9
    /// Column output range (V) the compiler's own calibration aims at (`β·max|Y| = h·rails`).
    public var rails = 10.0
    /// Ignore scales stored in the checkpoint and calibrate on the compiled images.
    public var recalibrate = false
    /// The switches of the switched (`.tran`) decks.
    public var switches: SwitchFlavour = .ideal
    /// Directory holding `opamp.lib` (netlists/).
    public var cellsDirectory = "netlists"
    /// Also write the training step's weight-update decks (`WeightUpdateModule`, VCR cells; weighted
    /// stages of sequential networks with `[N, classes]` logits, up to `Builder.updatePairLimit` weights).
    public var updateDecks = false
    /// Prepended to every module's name (its subcircuit, module file and deck files): `m1_` for the
    /// second model of a multi-model compile, so that no two models' modules share a subcircuit name.
    public var modulePrefix = ""

    public init() {}
}

/// The sampling switches of the switched decks (`--switch`).
///
/// - `ideal`: SPICE's `S` element (`Switch`, RON = 100 Ω, ROFF = 1 TΩ), control 0 V / 5 V.
/// - `mos`: an NMOS pass transistor with overlap capacitances (`Switch.sampling`: level 1,
///   W/L = 1 µm / 1 µm, CGSO = CGDO = 0.5 nF/m, bulk at −15 V), its gate driven from +15 V (closed)
///   to −15 V (open), so the held value carries the charge injection and clock feedthrough of a
///   real switch: `ΔV ≈ −CGDO·W·30 V/(C_H + CGDO·W)` ≈ −15 mV on 1 pF.
public enum SwitchFlavour: String, Sendable, CaseIterable, Codable {
    case ideal, mos

    /// The control source's (closed, open) levels (V).
    public var levels: (closed: Double, open: Double) { self == .mos ? (15, -15) : (5, 0) }
}
