import CMPI
#if canImport(Glibc)
import Glibc
#endif

/// The processes of one job and the collective operations between them (MPI_COMM_WORLD).
///
/// A value type: `single` is the one-process job, where every operation is the identity and
/// MPI is never loaded; `mpi()` joins the job an MPI launcher (`mpirun -np N`) started. All
/// ranks must call the collective operations in the same order with the same lengths. A failure
/// of MPI after start-up (a rank that died) ends the whole job with a one-line error naming the
/// rank and the operation (see CMPI.h): no rank is left waiting for a peer that is gone.
public struct Communicator: Sendable, Equatable {
    /// This process's index, 0 ..< size.
    public let rank: Int
    /// Number of processes in the job.
    public let size: Int
    /// Whether operations go through MPI (false: the one-process job).
    public let usesMPI: Bool

    /// The one-process job.
    public static let single = Communicator(rank: 0, size: 1, usesMPI: false)

    private init(rank: Int, size: Int, usesMPI: Bool) { self.rank = rank; self.size = size; self.usesMPI = usesMPI }

    /// Whether this is rank 0, the one that writes results.
    public var isRoot: Bool { rank == 0 }

    /// Environment variables through which Open MPI's `mpirun` (and PMIx / PMI launchers such as
    /// Slurm's `srun`) tell a process that it is one rank of a job.
    public static let launcherVariables = ["OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_SIZE"]

    /// The job this process was started in: MPI's when a launcher variable is present in
    /// `environment`, else `single` (MPI is not loaded). Throws when a launcher started the
    /// process but Open MPI cannot be loaded or initialised.
    public static func fromLauncher(environment: [String: String]) throws -> Communicator {
        guard let variable = launcherVariables.first(where: { environment[$0] != nil }) else { return .single }
        do { return try mpi() } catch CollectiveError.mpiUnavailable(_, let reason) {
            throw CollectiveError.mpiUnavailable(variable: variable, reason: reason)
        }
    }

    /// Loads Open MPI (dlopen of `library`, on first use) and joins the job. Call once per process.
    public static func mpi(library: String = KELVIN_MPI_LIBRARY) throws -> Communicator {
        var rank: Int32 = 0, size: Int32 = 0
        var message = [CChar](repeating: 0, count: 512)
        let status = message.withUnsafeMutableBufferPointer { kelvin_mpi_init(library, &rank, &size, $0.baseAddress, $0.count) }
        guard status == 0 else {
            throw CollectiveError.mpiUnavailable(variable: "", reason: String(decoding: message.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
        }
        return Communicator(rank: Int(rank), size: Int(size), usesMPI: true)
    }

    /// Replaces each element by its sum over all ranks. `what` names the data in error messages.
    public func sum(_ values: UnsafeMutableBufferPointer<Float>, what: String) {
        guard usesMPI, let base = values.baseAddress else { return }
        kelvin_mpi_allreduce_sum_float(base, values.count, what)
    }

    /// Replaces each element by its sum over all ranks.
    public func sum(_ values: UnsafeMutableBufferPointer<Double>, what: String) {
        guard usesMPI, let base = values.baseAddress else { return }
        kelvin_mpi_allreduce_sum_double(base, values.count, what)
    }

    /// Replaces each element by its sum over all ranks.
    public func sum(_ values: inout [Double], what: String) {
        values.withUnsafeMutableBufferPointer { sum($0, what: what) }
    }

    /// Whether `flag` is true on any rank.
    public func any(_ flag: Bool, what: String) -> Bool {
        var v = [flag ? 1.0 : 0.0]
        sum(&v, what: what)
        return v[0] > 0
    }

    /// Starts summing `values` over all ranks in place; the buffer must stay valid and untouched
    /// until the returned operation completes. In the one-process job it completes at once.
    public func startSum(_ values: UnsafeMutableBufferPointer<Float>, what: String) -> PendingSum {
        let pending = PendingSum(what: what)
        guard usesMPI, let base = values.baseAddress else { return pending }
        kelvin_mpi_iallreduce_sum_float(base, values.count, &pending.request, what)
        return pending
    }

    /// Copies rank `root`'s bytes into every rank's buffer.
    public func broadcast(_ bytes: UnsafeMutableRawBufferPointer, root: Int = 0, what: String) {
        guard usesMPI, let base = bytes.baseAddress else { return }
        kelvin_mpi_broadcast(base, bytes.count, Int32(root), what)
    }

    /// Waits until every rank has reached this point.
    public func barrier(what: String) {
        if usesMPI { kelvin_mpi_barrier(what) }
    }

    /// Ends every rank of the job with exit status `code` (the error has been printed already).
    public func abort(code: Int32) -> Never {
        if usesMPI { kelvin_mpi_abort(code) }
        exit(code)
    }

    /// Leaves the job (MPI_Finalize); the last call to MPI in this process.
    public func finish() {
        if usesMPI { kelvin_mpi_finalize() }
    }

    /// The part of `0 ..< total` that this rank takes when `total` items are split into `size`
    /// contiguous runs, the first `total % size` of them one longer.
    public func share(of total: Int) -> Range<Int> { Self.share(of: total, rank: rank, size: size) }

    /// Rank `rank`'s part of `0 ..< total` split over `size` ranks (see `share(of:)`).
    public static func share(of total: Int, rank: Int, size: Int) -> Range<Int> {
        let base = total / size, extra = total % size
        let start = rank * base + min(rank, extra)
        return start..<(start + base + (rank < extra ? 1 : 0))
    }
}

/// A sum over ranks in flight (MPI_Iallreduce).
public final class PendingSum {
    fileprivate var request: UnsafeMutableRawPointer?
    private let what: String

    fileprivate init(what: String) { self.what = what }

    /// Whether it has completed; drives MPI's progress, so call it while other work goes on.
    public func test() -> Bool {
        guard request != nil else { return true }
        return kelvin_mpi_test(&request, what) != 0
    }

    /// Waits until it has completed.
    public func wait() {
        guard request != nil else { return }
        kelvin_mpi_wait(&request, what)
    }
}
