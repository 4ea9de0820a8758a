import Collective
import XCTest

/// The one-process job and the arithmetic of splitting work over ranks. (MPI itself is tested
/// end to end under mpirun in CLITests/DistributedTrainTests.)
final class CommunicatorTests: XCTestCase {
    func testWithoutALauncherTheJobIsOneProcessAndMPIIsNotLoaded() throws {
        let c = try Communicator.fromLauncher(environment: ["PATH": "/usr/bin"])
        XCTAssertEqual(c, .single)
        XCTAssertFalse(c.usesMPI)
        var values = [1.5, -2.0]
        c.sum(&values, what: "test")
        XCTAssertEqual(values, [1.5, -2.0])
        XCTAssertTrue(c.any(true, what: "test"))
        XCTAssertFalse(c.any(false, what: "test"))
    }

    func testAMissingMPILibraryIsAOneLineErrorNamingThePackages() {
        XCTAssertThrowsError(try Communicator.mpi(library: "libmpi-kelvin-absent.so.40")) { error in
            guard case CollectiveError.mpiUnavailable(_, let reason) = error else { return XCTFail("\(error)") }
            XCTAssertTrue("\(error)".hasPrefix("MPI is unavailable: cannot load Open MPI"), "\(error)")
            XCTAssertTrue(reason.contains("cannot load Open MPI"), reason)
            XCTAssertTrue(reason.contains("apt-get install -y libopenmpi-dev openmpi-bin"), reason)
            XCTAssertFalse(reason.contains("\n"), reason)
        }
    }

    func testSharesCoverTheRangeInOrderWithoutOverlap() {
        for total in [0, 1, 7, 64, 129] {
            XCTAssertEqual(Communicator.single.share(of: total), 0..<total)
            for size in 1...9 {
                let shares = (0..<size).map { Communicator.share(of: total, rank: $0, size: size) }
                XCTAssertEqual(shares.first?.lowerBound, 0)
                XCTAssertEqual(shares.last?.upperBound, total)
                for (a, b) in zip(shares, shares.dropFirst()) { XCTAssertEqual(a.upperBound, b.lowerBound) }
                let counts = shares.map(\.count)
                XCTAssertLessThanOrEqual(counts.max()! - counts.min()!, 1, "\(total) over \(size): \(counts)")
            }
        }
        // A global batch that splits evenly gives the contiguous halves the trainer uses.
        XCTAssertEqual(Communicator.share(of: 128, rank: 1, size: 2), 64..<128)
    }
}
