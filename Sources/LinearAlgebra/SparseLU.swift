/// Sparse LU of a square matrix with a fixed non-zero pattern, via SuiteSparse KLU (the solver
/// ngspice and Xyce use for circuit matrices).
///
/// The pattern is analysed once (`klu_analyze`: block triangular form, AMD ordering). The first
/// `factor()` runs `klu_factor` (partial pivoting within each block); later calls run
/// `klu_refactor`, which reuses that pivot order and skips the search, and fall back to a full
/// `klu_factor` when the reused pivots have gone bad — the refactored `U` has a zero pivot or its
/// pivot ratio `min|Uᵢᵢ|/max|Uᵢᵢ|` (`klu_rcond`) dropped below `refactorRatio` times the ratio of
/// the last full factorisation. A zero pivot in a full factorisation throws
/// `LinearAlgebraError.singular(column:)` naming the column of the original matrix.
///
/// Cost per factorisation is proportional to the fill-in of `L` and `U`, typically a small
/// multiple of the non-zeros for circuit matrices, against `2n³/3` for `DenseLU`.
public struct SparseLU: PatternSolver {
    public typealias Scalar = Double

    /// A refactorisation whose pivot ratio falls below this fraction of the last full
    /// factorisation's is redone with fresh pivoting.
    public static let refactorRatio = 1e-4

    public let dimension: Int
    /// Position in the compressed-column value array of each pattern entry (duplicates share one).
    private let position: [Int]
    /// Whether two pattern entries share a position (`load` then sums them).
    private let hasDuplicates: Bool
    /// Compressed-column values, in the order of `handle`'s row indices.
    private var columnValues: [Double]
    private var handle: KLUHandle
    public private(set) var isFactored = false
    /// Full factorisations (`klu_factor`) and reuses of the pivot order (`klu_refactor`) so far.
    public private(set) var fullFactorizations = 0
    public private(set) var refactorizations = 0
    /// Pivot ratio of the last full factorisation.
    private var referenceRatio = 0.0

    public init(dimension: Int, pattern: [MatrixEntry]) throws {
        for e in pattern where e.row < 0 || e.row >= dimension || e.column < 0 || e.column >= dimension {
            throw LinearAlgebraError.entryOutOfRange(row: e.row, column: e.column, dimension: dimension)
        }
        self.dimension = dimension
        // Compressed columns: unique entries sorted by column, then row.
        let order = Self.columnMajorOrder(pattern, dimension: dimension)
        var position = Array(repeating: 0, count: pattern.count)
        var unique: [MatrixEntry] = []
        unique.reserveCapacity(pattern.count)
        for k in order {
            if unique.last != pattern[k] { unique.append(pattern[k]) }
            position[k] = unique.count - 1
        }
        var columnStarts = Array(repeating: Int32(0), count: dimension + 1)
        for e in unique { columnStarts[e.column + 1] += 1 }
        for j in 0..<dimension { columnStarts[j + 1] += columnStarts[j] }
        self.position = position
        self.hasDuplicates = unique.count < pattern.count
        self.columnValues = Array(repeating: 0, count: unique.count)
        self.handle = try KLUHandle(dimension: dimension, columnStarts: columnStarts, rows: unique.map { Int32($0.row) })
    }

    /// The indices of `pattern` ordered by column, then row: a stable counting sort by row, then
    /// one by column, O(n + dimension) (a comparison sort was ~500 instructions an entry).
    static func columnMajorOrder(_ pattern: [MatrixEntry], dimension: Int) -> [Int] {
        func countingSort(_ indices: [Int], key: (MatrixEntry) -> Int) -> [Int] {
            var starts = Array(repeating: 0, count: dimension + 1)
            for k in indices { starts[key(pattern[k]) + 1] += 1 }
            for j in 0..<dimension { starts[j + 1] += starts[j] }
            var sorted = Array(repeating: 0, count: indices.count)
            for k in indices {
                let bucket = key(pattern[k])
                sorted[starts[bucket]] = k
                starts[bucket] += 1
            }
            return sorted
        }
        return countingSort(countingSort(Array(pattern.indices), key: \.row), key: \.column)
    }

    public mutating func load(values: [Double]) throws {
        guard values.count == position.count else {
            throw LinearAlgebraError.dimensionMismatch(expected: position.count, actual: values.count)
        }
        columnValues.withUnsafeMutableBufferPointer { column in
            position.withUnsafeBufferPointer { position in
                values.withUnsafeBufferPointer { values in
                    if hasDuplicates {
                        column.update(repeating: 0)
                        for k in values.indices { column[position[k]] += values[k] }
                    } else {
                        // `position` is a permutation: every value lands once, nothing to clear
                        // (`+ 0` turns −0 into +0 as the sum from zero did).
                        for k in values.indices { column[position[k]] = values[k] + 0 }
                    }
                }
            }
        }
        isFactored = false
    }

    public mutating func factor() throws {
        isFactored = false
        if dimension == 0 { isFactored = true; return }
        if !isKnownUniquelyReferenced(&handle) { handle = try handle.copy() }
        if handle.hasNumeric, handle.refactor(columnValues) {
            let ratio = handle.pivotRatio()
            if ratio.isFinite, ratio > 0, ratio >= Self.refactorRatio * referenceRatio {
                refactorizations += 1
                isFactored = true
                return
            }
        }
        switch handle.factor(columnValues) {
        case .ok:
            fullFactorizations += 1
            referenceRatio = handle.pivotRatio()
            isFactored = true
        case .singular(let column):
            throw LinearAlgebraError.singular(column: column)
        case .failed(let status):
            throw LinearAlgebraError.klu(routine: "klu_factor", status: status)
        }
    }

    public func solve(_ rhs: inout [Double]) throws {
        guard isFactored else { throw LinearAlgebraError.notFactored }
        guard rhs.count == dimension else {
            throw LinearAlgebraError.dimensionMismatch(expected: dimension, actual: rhs.count)
        }
        if dimension == 0 { return }
        let status = handle.solve(&rhs)
        if status != 0 { throw LinearAlgebraError.klu(routine: "klu_solve", status: status) }
    }
}
