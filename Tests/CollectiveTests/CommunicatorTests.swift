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

    func testSharesCoverTheRangeInOrderWithoutOverlap() {
        // share(of:) must give consecutive runs whose sizes differ by at most one.
        for total in [0, 1, 7, 64, 129] {
            XCTAssertEqual(Communicator.single.share(of: total), 0..<total)
        }
    }
}
