import TestSupport
import XCTest
@testable import Tensor

/// Winograd F(2×2, 3×3) convolution: forward against the naive loop, input gradient against
/// the im2col path and against finite differences.
final class WinogradTests: XCTestCase {
    var rng = SeededGenerator(seed: 31)

    /// Runs `body` with every eligible layer (or none) on the Winograd path.
    func withWinograd<R>(_ on: Bool, budget: Int? = nil, _ body: () -> R) -> R {
        let (savedChannels, savedBudget) = (Winograd.minChannels, Winograd.blockBudget)
        Winograd.minChannels = on ? 1 : Int.max
        if let budget { Winograd.blockBudget = budget }
        defer { (Winograd.minChannels, Winograd.blockBudget) = (savedChannels, savedBudget) }
        return body()
    }

    func geometry(_ n: Int, _ c: Int, _ h: Int, _ w: Int, _ co: Int, _ p: Int) -> ConvGeometry {
        ConvGeometry(n: n, c: c, h: h, w: w, cout: co, kh: 3, kw: 3, sh: 1, sw: 1, ph: p, pw: p, dh: 1, dw: 1, groups: 1)
    }

    func testEligibility() {
        XCTAssertTrue(Winograd.applies(geometry(8, 64, 28, 28, 64, 1)))
        XCTAssertFalse(Winograd.applies(geometry(8, 1, 28, 28, 64, 1)), "too few input channels")
        var strided = geometry(8, 64, 28, 28, 64, 1)
        strided.sh = 2; strided.sw = 2
        XCTAssertFalse(Winograd.applies(strided))
        XCTAssertEqual(Winograd.inputGradientGeometry(geometry(2, 64, 7, 7, 128, 1))?.ho, 7)
        XCTAssertNil(Winograd.inputGradientGeometry(geometry(2, 64, 9, 9, 64, 3)), "padding above 2")
    }

    /// Odd and even sizes (tiles past the edge), paddings 0–2, bias, several images per block.
    func testForwardMatchesNaive() {
        for (n, c, h, w, co, p) in [(2, 3, 7, 6, 4, 1), (3, 5, 8, 8, 2, 0), (1, 2, 5, 9, 3, 2), (4, 16, 4, 4, 24, 1),
                                    (2, 7, 1, 3, 5, 1), (5, 4, 6, 7, 6, 1), (2, 16, 28, 27, 16, 1)] {
            let x = randomTensor([n, c, h, w], &rng), k = randomTensor([co, c, 3, 3], &rng)
            let b = randomTensor([co], &rng)
            XCTAssertTrue(withWinograd(true) { Winograd.applies(geometry(n, c, h, w, co, p)) })
            let y = withWinograd(true) { conv2d(x, k, bias: b, padding: p) }
            let ref = naiveConv2d(x, k, b, stride: 1, padding: p, dilation: 1, groups: 1)
            assertAllClose(y.scalars, ref, tol: 1e-5)
        }
    }

    /// One image per block and one block per image (tiny budget), and the default channel
    /// threshold on a ResNet-shaped layer.
    func testBlocking() {
        let x = randomTensor([7, 16, 6, 6], &rng), k = randomTensor([16, 16, 3, 3], &rng)
        let ref = naiveConv2d(x, k, nil, stride: 1, padding: 1, dilation: 1, groups: 1)
        assertAllClose(withWinograd(true, budget: 1) { conv2d(x, k, padding: 1) }.scalars, ref, tol: 1e-5)
        XCTAssertTrue(Winograd.applies(geometry(7, 16, 6, 6, 16, 1)), "default threshold must take this layer")
        assertAllClose(conv2d(x, k, padding: 1).scalars, ref, tol: 1e-5)
    }

    /// The input gradient (rotated kernel, padding 2 − p) and the weight gradient (16 sgemms over
    /// transformed tiles) equal the im2col path's, with several images per block and with one.
    func testGradientsMatchIm2col() {
        for (n, c, h, w, co, p) in [(2, 3, 7, 6, 4, 1), (3, 5, 8, 8, 2, 0), (1, 2, 5, 9, 3, 2), (3, 16, 4, 5, 20, 1)] {
            let x = randomTensor([n, c, h, w], &rng), k = randomTensor([co, c, 3, 3], &rng)
            let dy = randomTensor([n, co, h + 2 * p - 2, w + 2 * p - 2], &rng)
            func gradients(_ on: Bool, budget: Int? = nil) -> (dx: [Float], dw: [Float]) {
                withWinograd(on, budget: budget) {
                    var xl = x, kl = k
                    xl.requiresGrad = true
                    kl.requiresGrad = true
                    (conv2d(xl, kl, padding: p) * dy).sum().backward()
                    return (xl.grad!.scalars, kl.grad!.scalars)
                }
            }
            let reference = gradients(false)
            for fast in [gradients(true), gradients(true, budget: 1)] {
                assertAllClose(fast.dx, reference.dx, tol: 1e-5)
                assertAllClose(fast.dw, reference.dw, tol: 1e-5)
            }
        }
    }

    func testGradientsAgainstFiniteDifferences() {
        withWinograd(true) {
            let x = randomTensor([2, 3, 5, 6], &rng), k = randomTensor([4, 3, 3, 3], &rng, scale: 0.5)
            checkGradients([x, k, randomTensor([4], &rng)]) { conv2d($0[0], $0[1], bias: $0[2], padding: 1) }
            checkGradients([x, k]) { conv2d($0[0], $0[1], padding: 2) }
        }
    }
}
