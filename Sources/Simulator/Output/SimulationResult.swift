/// The output of one analysis, named and laid out as ngspice's plots.
public struct SimulationResult: Sendable, Equatable {
    /// ngspice plot name style: "op1", "dc1", "dc2", "tran1", "ac1".
    public var name: String
    /// "Operating Point", "DC transfer characteristic", "Transient Analysis", "AC Analysis".
    public var plotName: String
    /// Deck title.
    public var title: String
    /// Column names: the scale first if any ("v-sweep"/"i-sweep", "time", "frequency"), then
    /// "v(node)" for every non-ground node, then "i(name)" for branch currents.
    public var variables: [String]
    /// One row per point, in `variables` order.
    public var rows: [[Double]]
    /// Newton iterations the analysis took (all points, including gmin/source stepping).
    public var newtonIterations: Int

    public init(name: String, plotName: String, title: String, variables: [String], rows: [[Double]],
                newtonIterations: Int) {
        self.name = name
        self.plotName = plotName
        self.title = title
        self.variables = variables
        self.rows = rows
        self.newtonIterations = newtonIterations
    }

    /// The column of `variable` (exact name), if present.
    public func column(_ variable: String) -> [Double]? {
        guard let k = variables.firstIndex(of: variable) else { return nil }
        return rows.map { $0[k] }
    }

    /// The value of `variable` in row `row` (default the first).
    public func value(_ variable: String, row: Int = 0) -> Double? {
        guard let k = variables.firstIndex(of: variable), row < rows.count else { return nil }
        return rows[row][k]
    }
}
