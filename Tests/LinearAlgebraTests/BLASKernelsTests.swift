import CBLAS
import LinearAlgebra
import XCTest

final class BLASKernelsTests: XCTestCase {
    /// `C = A·B` for a 37×53 by 53×29 product (odd sizes reach every kernel's edge code).
    private func product() -> [Float] {
        let (m, n, k) = (37, 29, 53)
        let a = (0..<(m * k)).map { Float(($0 * 7919) % 101) / 50 - 1 }
        let b = (0..<(k * n)).map { Float(($0 * 104_729) % 103) / 51 - 1 }
        var c = [Float](repeating: 0, count: m * n)
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(m), Int32(n), Int32(k), 1, a, Int32(k), b, Int32(n),
                    0, &c, Int32(n))
        return c
    }

    /// Every candidate set becomes the one in use and computes the same product (to rounding), and
    /// switching back restores OpenBLAS's own set.
    func testEveryCandidateSwitchesAndAgrees() throws {
        let own = BLASKernels.openBLASChoice
        XCTAssertEqual(BLASKernels.candidates.first, own)
        let reference = product()
        for name in BLASKernels.candidates {
            try BLASKernels.use(name)
            XCTAssertEqual(BLASKernels.current.lowercased(), name.lowercased())
            for (x, y) in zip(product(), reference) { XCTAssertEqual(x, y, accuracy: 1e-4 * max(1, abs(y))) }
        }
        try BLASKernels.use(own)
        XCTAssertEqual(BLASKernels.current, own)
    }

    func testUnknownSetIsRefusedAndKeepsThePresentOne() {
        let before = BLASKernels.current
        XCTAssertThrowsError(try BLASKernels.use("NoSuchCore")) { error in
            XCTAssertTrue("\(error)".contains("NoSuchCore"), "\(error)")
        }
        XCTAssertEqual(BLASKernels.current, before)
    }
}
