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
    /// Directory holding `opamp.lib` (netlists/).
    public var cellsDirectory = "netlists"

    public init() {}
}
