import Foundation
import CKernels
import TestSupport
import XCTest
@testable import Tensor

/// Every C kernel variant this CPU runs (AVX2, AVX-512) against the portable one, forced through
/// `ck_set_variant`: the variants compute the same operations in the same order, so results
/// (forward values and all gradients) must be bit-identical. Covers the Winograd transforms at
/// row lengths that pick 4-, 8- and 16-tile groups, im2col/col2im, batch norm, ReLU, add,
/// gradient accumulation and the table look-ups.
final class CKernelsTests: XCTestCase {
    var rng = SeededGenerator(seed: 13)

    /// Variants other than portable that this machine supports.
    var simdVariants: [Int32] { [Int32(CK_AVX2), Int32(CK_AVX512)].filter { ck_kernels($0) != nil } }

    func testDispatchChoosesTheBestSupportedVariant() {
        XCTAssertNotNil(ck_kernels(Int32(CK_PORTABLE)))
        XCTAssertEqual(ck_active_variant(), ck_best_variant())
        XCTAssertNil(ck_kernels(Int32(CK_VARIANT_COUNT)))
        XCTAssertEqual(ck_set_variant(-1), 0)
        print("CKernels: best variant \(String(cString: ck_active().pointee.name)), SIMD variants tested: \(simdVariants)")
    }

    /// Outputs and input gradients of `f` with the kernels of `variant`.
    func run(_ variant: Int32, _ inputs: [Tensor], _ f: ([Tensor]) -> Tensor) -> [[Float]] {
        let saved = ck_active_variant()
        XCTAssertEqual(ck_set_variant(variant), 1)
        defer { _ = ck_set_variant(saved) }
        let leaves = inputs.map { t -> Tensor in var l = t.detached(); l.requiresGrad = true; return l }
        let y = f(leaves)
        var weightRng = SeededGenerator(seed: 5)
        let w = randomTensor(y.shape, &weightRng)
        (y * w).sum().backward()
        return [y.scalars] + leaves.map { $0.grad?.scalars ?? [] }
    }

    func assertVariantsIdentical(_ inputs: [Tensor], _ what: String, file: StaticString = #filePath, line: UInt = #line,
                                 _ f: ([Tensor]) -> Tensor) {
        let reference = run(Int32(CK_PORTABLE), inputs, f)
        for v in simdVariants {
            let got = run(v, inputs, f)
            for (k, (a, b)) in zip(got, reference).enumerated() {
                XCTAssertEqual(a.count, b.count, file: file, line: line)
                if let i = a.indices.first(where: { a[$0].bitPattern != b[$0].bitPattern }) {
                    XCTFail("\(what), variant \(v), result \(k) element \(i): \(a[i]) vs portable \(b[i])", file: file, line: line)
                }
            }
        }
    }

    func testWinogradVariantsMatchPortable() {
        let (savedChannels, savedMode) = (Winograd.minChannels, Winograd.mode)
        Winograd.minChannels = 1
        defer { (Winograd.minChannels, Winograd.mode) = (savedChannels, savedMode) }
        // F(2×2): widths 40, 28, 27, 13, 9, 5, 4 → rows of 20, 14, 14, 7, 5, 3, 2 tiles.
        // F(4×4): widths 70, 50, 40, 28, 27, 13, 9, 5, 4 → rows of 18, 13, 10, 7, 7, 4, 3, 2, 1 tiles
        // (16-, 8- and 4-tile groups). Paddings 0–2.
        for mode in [Winograd.Mode.f2, .f4] {
            Winograd.mode = mode
            for (n, c, h, w, co, p) in [(2, 3, 9, 40, 4, 1), (2, 16, 28, 28, 8, 1), (3, 5, 7, 27, 6, 0), (2, 4, 13, 13, 5, 2),
                                        (3, 6, 9, 9, 3, 1), (2, 3, 5, 5, 4, 1), (4, 8, 4, 4, 8, 1), (2, 3, 6, 70, 3, 1),
                                        (2, 4, 10, 50, 3, 1)] {
                let x = randomTensor([n, c, h, w], &rng), k = randomTensor([co, c, 3, 3], &rng), b = randomTensor([co], &rng)
                assertVariantsIdentical([x, k, b], "winograd F(\(mode.rawValue)) \(n)×\(c)×\(h)×\(w) → \(co), padding \(p)") {
                    conv2d($0[0], $0[1], bias: $0[2], padding: p)
                }
            }
        }
    }

    func testIm2colVariantsMatchPortable() {
        for (c, h, w, co, s, p) in [(3, 11, 10, 4, 2, 1), (2, 9, 9, 3, 1, 0), (4, 70, 70, 2, 1, 3)] {
            let x = randomTensor([2, c, h, w], &rng), k = randomTensor([co, c, 3, 3], &rng)
            assertVariantsIdentical([x, k], "im2col \(c)×\(h)×\(w), stride \(s), padding \(p)") {
                conv2d($0[0], $0[1], stride: s, padding: p)
            }
        }
    }

    func testBatchNormAndElementwiseVariantsMatchPortable() {
        // Planes of 1, 5, 16 and 49 values (tails of the 16-wide reductions).
        for (n, c, h) in [(7, 3, 1), (4, 2, 5), (3, 4, 4), (2, 3, 7)] {
            let x = randomTensor([n, c, h, h], &rng), r = randomTensor([n, c, h, h], &rng)
            let gamma = randomTensor([c], &rng), beta = randomTensor([c], &rng)
            assertVariantsIdentical([x, r, gamma, beta], "batch norm, relu, add on \(n)×\(c)×\(h)×\(h)") {
                let state = BatchNormState(channels: c)
                let y = batchNorm($0[0], gamma: $0[2], beta: $0[3], state: state, training: true)
                return (y + $0[1]).relu() + $0[0].relu()
            }
        }
    }

    func testLookupVariantsMatchPortable() throws {
        let even = try PiecewiseLinear(x: (0...20).map { Float($0) * 0.1 - 1 }, y: (0...20).map { sin(Float($0) * 0.4) })
        let clip = try PiecewiseLinear(x: [-0.5, 0.5], y: [-1, 1])
        var x = randomTensor([1000], &rng, scale: 1.5)
        x = Tensor(shape: [1003], data: x.scalars + [-1, 0.1, 1])  // grid points
        for (table, name) in [(even, "even"), (clip, "clip")] {
            for gradient in [LookupGradient.slope, .straightThrough(gain: 0.5)] {
                assertVariantsIdentical([x], "lookup \(name) \(gradient)") { $0[0].lookup(table, gradient: gradient) }
            }
        }
    }

    /// Tables of 21, 50 and 101 points (AVX-512 reads them by permutes from one, two and four register
    /// pairs), 200 points (gathers) and a clip.
    func testChannelLookupVariantsMatchPortable() throws {
        let grids = try [21, 50, 101, 200].map { n in
            try PiecewiseLinear(x: (0..<n).map { Float($0) * 2 / Float(n - 1) - 1 }, y: (0..<n).map { sin(Float($0) * 8 / Float(n)) })
        }
        let clip = try PiecewiseLinear(x: [-0.5, 0.5], y: [-1, 1])
        let x = randomTensor([3, 4, 5, 7], &rng, scale: 1.5)
        for table in grids + [clip] {
            assertVariantsIdentical([x], "lookup of \(table.x.count) points") { $0[0].lookup(table) }
            for gradient in [LookupGradient.slope, .straightThrough(gain: 0.5)] {
                let map = ChannelLookup(table: table, scale: [0.9, 1.1, -0.7, 2], shift: [0.05, -0.1, 0, 0.2], post: [1, 2, -0.5, 0.25],
                                        input: Converter(lo: -0.8, hi: 0.9, bits: 5), output: Converter(lo: -0.6, hi: 0.7, bits: 4),
                                        gradient: gradient)
                assertVariantsIdentical([x], "channel lookup \(gradient)") { $0[0].lookup(map) }
            }
        }
    }

    /// `gaussian_fill`: the same numbers on every variant, and Box–Muller on the generator's
    /// uniforms within 2e-6·max(1, |z|) of a double-precision evaluation.
    func testGaussianFillVariantsAgreeAndMatchBoxMuller() {
        let state: UInt64 = 0x1234_5678_9ABC_DEF0, n = 4001
        func fill(_ variant: Int32) -> [Float] {
            var out = [Float](repeating: .nan, count: n)
            out.withUnsafeMutableBufferPointer { ck_kernels(variant)!.pointee.gaussian_fill!(state, 1.5, $0.baseAddress!, n) }
            return out
        }
        let reference = fill(Int32(CK_PORTABLE))
        for v in simdVariants { XCTAssertEqual(fill(v).map(\.bitPattern), reference.map(\.bitPattern), "variant \(v)") }
        var z = state
        func next() -> UInt64 {
            z &+= 0x9E37_79B9_7F4A_7C15
            var x = z
            x = (x ^ (x >> 30)) &* 0xBF58_476D_1CE4_E5B9
            x = (x ^ (x >> 27)) &* 0x94D0_49BB_1331_11EB
            return x ^ (x >> 31)
        }
        for m in stride(from: 0, to: n, by: 2) {
            let u1 = 1 - Double(Float(next() >> 40) * 0x1p-24), u2 = Double(Float(next() >> 40) * 0x1p-24)
            let r = 1.5 * (-2 * Foundation.log(u1)).squareRoot()
            let pair = [r * Foundation.cos(2 * .pi * u2), r * Foundation.sin(2 * .pi * u2)]
            for k in 0..<min(2, n - m) {
                XCTAssertEqual(Double(reference[m + k]), pair[k], accuracy: 2e-6 * max(1, abs(pair[k])), "sample \(m + k)")
            }
        }
    }

    /// `exp` and `ln`: within 2 ulp of the double-precision result (rounded to float) over every
    /// 997th float bit pattern (all signs, subnormals, both infinities, NaNs), the IEEE special
    /// values exact, and the same bits on every variant; `Tensor.exp()`/`.log()` go through them.
    func testExpAndLogWithinTwoUlpOnEveryVariant() {
        var xs: [Float] = [0, -0, .infinity, -.infinity, .nan, -1, 1, 88.72283, 88.7229, -103.97, -104, -1e4,
                           .leastNonzeroMagnitude, .leastNormalMagnitude, .greatestFiniteMagnitude]
        for bits in stride(from: UInt64(0), to: 1 << 32, by: 997) { xs.append(Float(bitPattern: UInt32(bits))) }
        func apply(_ variant: Int32, _ f: KeyPath<CKKernels, (@convention(c) (UnsafePointer<Float>?, UnsafeMutablePointer<Float>?, Int) -> Void)?>) -> [Float] {
            var out = [Float](repeating: 0, count: xs.count)
            out.withUnsafeMutableBufferPointer { ck_kernels(variant)!.pointee[keyPath: f]!(xs, $0.baseAddress!, xs.count) }
            return out
        }
        /// |got − want| in units of the last place of `want` (float spacing at |want|, at least the
        /// subnormal spacing); 0 when both are the same infinity or both NaN.
        func ulps(_ got: Float, _ want: Double) -> Double {
            if want.isNaN { return got.isNaN ? 0 : .infinity }
            let rounded = Float(want)
            if rounded.isInfinite { return got == rounded ? 0 : .infinity }
            let spacing = Double(max(abs(rounded), .leastNormalMagnitude).ulp)
            return abs(Double(got) - want) / spacing
        }
        for (name, f, exact) in [("exp", \CKKernels.exp, { (x: Float) in Foundation.exp(Double(x)) }),
                                 ("log", \CKKernels.log, { (x: Float) in Foundation.log(Double(x)) })] {
            let reference = apply(Int32(CK_PORTABLE), f)
            for v in simdVariants { XCTAssertEqual(apply(v, f).map(\.bitPattern), reference.map(\.bitPattern), "\(name), variant \(v)") }
            var worst = (ulps: 0.0, x: Float(0))
            for (x, y) in zip(xs, reference) {
                let e = ulps(y, exact(x))
                if !(e <= worst.ulps) { worst = (e, x) }
            }
            XCTAssertLessThanOrEqual(worst.ulps, 2, "\(name) of \(worst.x)")
            print("CKernels \(name): \(xs.count) values, worst \(worst.ulps) ulp at \(worst.x)")
        }
        XCTAssertEqual(apply(Int32(CK_PORTABLE), \.exp)[0...5].map(\.bitPattern),
                       [Float(1), 1, .infinity, 0, .nan, Float(Foundation.exp(-1.0))].map(\.bitPattern))
        let logs = apply(Int32(CK_PORTABLE), \.log)
        XCTAssertEqual(Array(logs[0...2]), [-.infinity, -.infinity, .infinity])
        XCTAssertTrue(logs[3].isNaN && logs[4].isNaN && logs[5].isNaN)  // ln(−∞), ln NaN, ln(−1)
        XCTAssertEqual(logs[6], 0)
        let t = Tensor(shape: [xs.count], data: xs)
        XCTAssertEqual(t.exp().scalars.map(\.bitPattern), apply(ck_active_variant(), \.exp).map(\.bitPattern))
        XCTAssertEqual(t.log().scalars.map(\.bitPattern), apply(ck_active_variant(), \.log).map(\.bitPattern))
    }
}
