import Foundation

/// A rectangle of source pixels: rows `y ..< y + height`, columns `x ..< x + width`.
public struct PixelBox: Sendable, Equatable, CustomStringConvertible {
    public var x: Int, y: Int, width: Int, height: Int

    public init(x: Int, y: Int, width: Int, height: Int) {
        self.x = x; self.y = y; self.width = width; self.height = height
    }

    public var description: String { "\(width)×\(height)+\(x)+\(y)" }
}

/// The geometry of torchvision's ImageNet transforms, with its integer rounding.
///
/// - Evaluation: `Resize(resize)` (shorter side to `resize`, the longer one to
///   `int(resize · long / short)`) then `CenterCrop(size)` (offsets `round((resized − size) / 2)`).
/// - Training: `RandomResizedCrop(size, scale: 0.08…1, ratio: ¾…4⁄3)` then a horizontal flip
///   with probability ½.
///
/// Python's `round` rounds halves to even; so does this code.
public enum ImageGeometry {
    /// The size after torchvision's `Resize(shorter)`: the shorter side becomes `shorter`, the
    /// longer side `int(shorter · long / short)`.
    public static func resized(width: Int, height: Int, shorter: Int) -> (width: Int, height: Int) {
        if width <= height {
            return (shorter, Int(Double(shorter) * Double(height) / Double(width)))
        }
        return (Int(Double(shorter) * Double(width) / Double(height)), shorter)
    }

    /// The top-left corner of torchvision's `CenterCrop(size)` in an image of `width × height`:
    /// `round((side − size) / 2)`, or, where the image is smaller than the crop (torchvision pads
    /// it with `(size − side) // 2` zero pixels before), minus that padding.
    public static func centerCropOrigin(width: Int, height: Int, size: Int) -> (x: Int, y: Int) {
        func origin(_ side: Int) -> Int {
            side >= size ? Int((Double(side - size) / 2).rounded(.toNearestOrEven)) : -((size - side) / 2)
        }
        return (origin(width), origin(height))
    }

    /// The box torchvision's `RandomResizedCrop.get_params` picks: up to 10 tries of an area
    /// fraction uniform in `scale` and an aspect ratio log-uniform in `ratio` whose box fits,
    /// placed uniformly; else the largest centred box whose aspect ratio lies in `ratio`.
    public static func randomResizedCrop(
        width: Int, height: Int, scale: ClosedRange<Double> = 0.08...1, ratio: ClosedRange<Double> = 0.75...(4.0 / 3),
        rng: inout RandomSource
    ) -> PixelBox {
        func uniform(_ range: ClosedRange<Double>) -> Double {
            range.lowerBound + (range.upperBound - range.lowerBound) * (Double(rng.next() >> 11) * 0x1p-53)
        }
        let area = Double(width * height)
        let logRatio = log(ratio.lowerBound)...log(ratio.upperBound)
        for _ in 0..<10 {
            let target = area * uniform(scale)
            let aspect = exp(uniform(logRatio))
            let w = Int((target * aspect).squareRoot().rounded(.toNearestOrEven))
            let h = Int((target / aspect).squareRoot().rounded(.toNearestOrEven))
            if w > 0, w <= width, h > 0, h <= height {
                let y = Int(rng.next() % UInt64(height - h + 1))
                let x = Int(rng.next() % UInt64(width - w + 1))
                return PixelBox(x: x, y: y, width: w, height: h)
            }
        }
        let inRatio = Double(width) / Double(height)
        var w = width, h = height
        if inRatio < ratio.lowerBound {
            h = Int((Double(w) / ratio.lowerBound).rounded(.toNearestOrEven))
        } else if inRatio > ratio.upperBound {
            w = Int((Double(h) * ratio.upperBound).rounded(.toNearestOrEven))
        }
        return PixelBox(x: (width - w) / 2, y: (height - h) / 2, width: w, height: h)
    }
}

/// The taps of a one-dimensional antialiased bilinear resampling (PIL's `BILINEAR`, which
/// torchvision's `Resize` uses on images): a triangle filter widened by the scale factor when
/// shrinking, so every source pixel contributes.
///
/// Output pixel `o` of `outputCount` (over an input of `inputCount` pixels) is centred at source
/// position `c = (o + ½) · s`, `s = inputCount / outputCount`; source pixel `i` gets weight
/// `max(0, 1 − |i + ½ − c| / max(s, 1))`, the weights normalised to sum 1 and the taps clipped to
/// the input.
struct ResampleTaps {
    /// First source pixel of each output pixel.
    var first: [Int]
    /// Number of taps of each output pixel.
    var count: [Int]
    /// Weights, `stride` per output pixel.
    var weights: [Float]
    var stride: Int

    /// The taps of the output pixels `outputs` (of `outputCount`) over `inputCount` input pixels.
    init(inputCount: Int, outputCount: Int, outputs: Range<Int>) {
        let scale = Double(inputCount) / Double(outputCount)
        let filterScale = max(scale, 1)
        let support = filterScale
        stride = Int(support.rounded(.up)) * 2 + 1
        first = []; count = []
        weights = [Float](repeating: 0, count: outputs.count * stride)
        first.reserveCapacity(outputs.count); count.reserveCapacity(outputs.count)
        for (k, o) in outputs.enumerated() {
            let center = (Double(o) + 0.5) * scale
            let lo = max(Int(center - support + 0.5), 0)
            let hi = min(Int(center + support + 0.5), inputCount)
            var taps = [Double](), total = 0.0
            for i in lo..<max(hi, lo) {
                let w = max(0, 1 - abs((Double(i) - center + 0.5) / filterScale))
                taps.append(w); total += w
            }
            first.append(lo); count.append(taps.count)
            for (t, w) in taps.enumerated() { weights[k * stride + t] = Float(total > 0 ? w / total : 0) }
        }
    }
}

/// Renders part of an image into a normalised `3 × height × width` float tensor.
public struct ImageRender: Sendable, Equatable {
    /// The source box resampled (the crop of `RandomResizedCrop`, or the whole image).
    public var box: PixelBox
    /// The size the box is resampled to.
    public var gridWidth: Int, gridHeight: Int
    /// The window of the resampled grid that is written out (`CenterCrop`, or the whole grid).
    public var window: PixelBox
    /// Whether the output is mirrored left-right.
    public var flip: Bool

    public init(box: PixelBox, gridWidth: Int, gridHeight: Int, window: PixelBox, flip: Bool) {
        self.box = box; self.gridWidth = gridWidth; self.gridHeight = gridHeight; self.window = window; self.flip = flip
    }

    /// torchvision's evaluation transform: `Resize(resize)` then `CenterCrop(size)`.
    public static func evaluation(width: Int, height: Int, resize: Int, size: Int) -> ImageRender {
        let r = ImageGeometry.resized(width: width, height: height, shorter: resize)
        let o = ImageGeometry.centerCropOrigin(width: r.width, height: r.height, size: size)
        return ImageRender(box: PixelBox(x: 0, y: 0, width: width, height: height), gridWidth: r.width, gridHeight: r.height,
                           window: PixelBox(x: o.x, y: o.y, width: size, height: size), flip: false)
    }

    /// torchvision's training transform: `RandomResizedCrop(size)` then, with `flip`, a horizontal
    /// flip with probability ½ (one draw per image, after the crop's).
    public static func training(width: Int, height: Int, size: Int, flip: Bool, rng: inout RandomSource) -> ImageRender {
        let box = ImageGeometry.randomResizedCrop(width: width, height: height, rng: &rng)
        let mirrored = flip && (rng.next() & 1) == 1
        return ImageRender(box: box, gridWidth: size, gridHeight: size,
                           window: PixelBox(x: 0, y: 0, width: size, height: size), flip: mirrored)
    }

    /// Writes `(pixel / 255 − mean[c]) / std[c]` of the rendered window into `out`
    /// (`3 × window.height × window.width`, channel-major). A window reaching outside the grid
    /// (an image smaller than the crop) is padded with zeros before normalisation, as
    /// torchvision's `CenterCrop` pads.
    public func render(_ image: RGBImage, mean: [Float], std: [Float], into out: UnsafeMutableBufferPointer<Float>) {
        let outW = window.width, outH = window.height, plane = outW * outH
        precondition(out.count == 3 * plane && mean.count == 3 && std.count == 3, "ImageRender: output of \(out.count) floats")
        // The window's columns and rows inside the grid; outside them the output is padding.
        let cols = max(window.x, 0)..<min(window.x + outW, gridWidth)
        let rows = max(window.y, 0)..<min(window.y + outH, gridHeight)
        let scale = (0..<3).map { 1 / (255 * std[$0]) }, shift = (0..<3).map { -mean[$0] / std[$0] }
        for c in 0..<3 { for i in 0..<plane { out[c * plane + i] = shift[c] } }
        guard !cols.isEmpty, !rows.isEmpty else { return }
        let hTaps = ResampleTaps(inputCount: box.width, outputCount: gridWidth, outputs: cols)
        let vTaps = ResampleTaps(inputCount: box.height, outputCount: gridHeight, outputs: rows)
        // Horizontal pass over the source rows the vertical taps read: tmp[row][col][channel].
        let rowLo = vTaps.first.min()!, rowHi = zip(vTaps.first, vTaps.count).map { $0 + $1 }.max()!
        let nc = cols.count
        var tmp = [Float](repeating: 0, count: max(rowHi - rowLo, 0) * nc * 3)
        image.pixels.withUnsafeBufferPointer { px in
            tmp.withUnsafeMutableBufferPointer { t in
                hTaps.weights.withUnsafeBufferPointer { hw in
                    for r in rowLo..<rowHi {
                        let src = ((box.y + r) * image.width + box.x) * 3
                        let dst = (r - rowLo) * nc * 3
                        for k in 0..<nc {
                            var s0: Float = 0, s1: Float = 0, s2: Float = 0
                            let f = hTaps.first[k], base = k * hTaps.stride
                            for j in 0..<hTaps.count[k] {
                                let w = hw[base + j], p = src + (f + j) * 3
                                s0 += w * Float(px[p]); s1 += w * Float(px[p + 1]); s2 += w * Float(px[p + 2])
                            }
                            t[dst + 3 * k] = s0; t[dst + 3 * k + 1] = s1; t[dst + 3 * k + 2] = s2
                        }
                    }
                }
            }
        }
        // Vertical pass, normalisation and flip.
        tmp.withUnsafeBufferPointer { t in
            vTaps.weights.withUnsafeBufferPointer { vw in
                for (k, gy) in rows.enumerated() {
                    let oy = gy - window.y, f = vTaps.first[k] - rowLo, base = k * vTaps.stride
                    for (m, gx) in cols.enumerated() {
                        var s0: Float = 0, s1: Float = 0, s2: Float = 0
                        for j in 0..<vTaps.count[k] {
                            let w = vw[base + j], p = ((f + j) * nc + m) * 3
                            s0 += w * t[p]; s1 += w * t[p + 1]; s2 += w * t[p + 2]
                        }
                        let wx = gx - window.x, ox = flip ? outW - 1 - wx : wx
                        let o = oy * outW + ox
                        out[o] = s0 * scale[0] + shift[0]
                        out[plane + o] = s1 * scale[1] + shift[1]
                        out[2 * plane + o] = s2 * scale[2] + shift[2]
                    }
                }
            }
        }
    }
}
