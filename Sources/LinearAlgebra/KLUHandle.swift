import CKLU
import Foundation

/// The only place KLU's C objects and pointers live: the pattern in compressed-column form, the
/// `klu_common` settings, the symbolic analysis and the numeric factorisation.
///
/// All calls hold `lock`, because `klu_solve` writes scratch space inside the numeric object;
/// `SparseLU` copies the handle before mutating a shared one, so each value owns its factors.
final class KLUHandle: @unchecked Sendable {
    /// Outcome of a full factorisation.
    enum FactorResult {
        case ok
        /// Zero pivot in this column of the original matrix.
        case singular(column: Int)
        /// Any other KLU status (out of memory, invalid input).
        case failed(status: Int)
    }

    let dimension: Int
    private let columnStarts: UnsafeMutablePointer<Int32>
    private let rows: UnsafeMutablePointer<Int32>
    private let nonZeros: Int
    private let common: UnsafeMutablePointer<klu_common>
    private var symbolic: UnsafeMutablePointer<klu_symbolic>?
    private var numeric: UnsafeMutablePointer<klu_numeric>?
    private let lock = NSLock()

    /// Analyses the pattern given as column starts (`dimension + 1` entries) and row indices.
    init(dimension: Int, columnStarts starts: [Int32], rows rowIndices: [Int32]) throws {
        self.dimension = dimension
        nonZeros = rowIndices.count
        columnStarts = .allocate(capacity: starts.count)
        columnStarts.initialize(from: starts, count: starts.count)
        rows = .allocate(capacity: max(1, rowIndices.count))
        rows.initialize(from: rowIndices, count: rowIndices.count)
        common = .allocate(capacity: 1)
        common.initialize(to: klu_common())
        klu_defaults(common)
        // No row scaling: KLU would recompute it at every refactorisation (7% of a 41x41
        // characterisation), and MNA matrices pivot well without it, as in ngspice's solver.
        // Negative also skips KLU's check of the input structure at every (re)factorisation
        // (another 6%): SparseLU builds it sorted and free of duplicates.
        common.pointee.scale = -1
        if dimension > 0 {
            symbolic = klu_analyze(Int32(dimension), columnStarts, rows, common)
            if symbolic == nil { throw LinearAlgebraError.klu(routine: "klu_analyze", status: Int(common.pointee.status)) }
        }
    }

    /// A fresh handle for the same pattern (analysed again, not factored).
    func copy() throws -> KLUHandle {
        try KLUHandle(
            dimension: dimension,
            columnStarts: Array(UnsafeBufferPointer(start: columnStarts, count: dimension + 1)),
            rows: Array(UnsafeBufferPointer(start: rows, count: nonZeros)))
    }

    deinit {
        if numeric != nil { klu_free_numeric(&numeric, common) }
        if symbolic != nil { klu_free_symbolic(&symbolic, common) }
        common.deinitialize(count: 1)
        common.deallocate()
        columnStarts.deallocate()
        rows.deallocate()
    }

    var hasNumeric: Bool { numeric != nil }

    /// `klu_factor` with fresh pivoting, replacing any earlier factorisation.
    func factor(_ values: [Double]) -> FactorResult {
        lock.lock()
        defer { lock.unlock() }
        if numeric != nil { klu_free_numeric(&numeric, common) }
        guard let symbolic else { return .failed(status: Int(KLU_INVALID)) }
        numeric = values.withUnsafeBufferPointer { v in
            klu_factor(columnStarts, rows, UnsafeMutablePointer(mutating: v.baseAddress), symbolic, common)
        }
        if numeric != nil, common.pointee.status == KLU_OK { return .ok }
        if common.pointee.status == KLU_SINGULAR {
            if numeric != nil { klu_free_numeric(&numeric, common) }
            let column = Int(common.pointee.singular_col)
            return .singular(column: column >= 0 && column < dimension ? column : 0)
        }
        return .failed(status: Int(common.pointee.status))
    }

    /// `klu_refactor` with the pivot order of the last `factor`; false when it met a zero pivot.
    func refactor(_ values: [Double]) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        guard let symbolic, let numeric else { return false }
        let ok = values.withUnsafeBufferPointer { v in
            klu_refactor(columnStarts, rows, UnsafeMutablePointer(mutating: v.baseAddress), symbolic, numeric, common)
        }
        return ok != 0 && common.pointee.status == KLU_OK
    }

    /// `min|Uᵢᵢ| / max|Uᵢᵢ|` of the present factorisation (`klu_rcond`); 0 without one.
    func pivotRatio() -> Double {
        lock.lock()
        defer { lock.unlock() }
        guard let symbolic, let numeric else { return 0 }
        guard klu_rcond(symbolic, numeric, common) != 0 else { return 0 }
        return common.pointee.rcond
    }

    /// Solves in place with the present factorisation; returns 0 or the KLU status.
    func solve(_ rhs: inout [Double]) -> Int {
        lock.lock()
        defer { lock.unlock() }
        guard let symbolic, let numeric else { return Int(KLU_INVALID) }
        let ok = rhs.withUnsafeMutableBufferPointer { b in
            klu_solve(symbolic, numeric, Int32(dimension), 1, b.baseAddress, common)
        }
        return ok != 0 ? 0 : Int(common.pointee.status)
    }
}
