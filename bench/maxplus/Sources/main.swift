// Forward and backward of `maxPlusConv2d` on the shapes of a BM ResNet-18 (small stem, width 8,
// 28×28 input) at batch 32, plus its fully connected layer [32, 64] → 10, and of whole BM layers
// (`BipolarMorphological.conv2d`: relu, log, four max-plus convolutions, exp, sums): median and
// minimum wall time of REPS calls each (the development machine is shared; see bench/maxplus/run.sh).
import Foundation
import NN
import Tensor

struct Shape {
    var label: String
    var x: [Int], w: [Int], stride: Int, padding: Int
}

let shapes = [
    Shape(label: "stem 1→8 28×28 3×3", x: [32, 1, 28, 28], w: [8, 1, 3, 3], stride: 1, padding: 1),
    Shape(label: "8→8 28×28 3×3", x: [32, 8, 28, 28], w: [8, 8, 3, 3], stride: 1, padding: 1),
    Shape(label: "8→16 28×28 3×3 s2", x: [32, 8, 28, 28], w: [16, 8, 3, 3], stride: 2, padding: 1),
    Shape(label: "8→16 28×28 1×1 s2", x: [32, 8, 28, 28], w: [16, 8, 1, 1], stride: 2, padding: 0),
    Shape(label: "16→16 14×14 3×3", x: [32, 16, 14, 14], w: [16, 16, 3, 3], stride: 1, padding: 1),
    Shape(label: "32→32 7×7 3×3", x: [32, 32, 7, 7], w: [32, 32, 3, 3], stride: 1, padding: 1),
    Shape(label: "64→64 4×4 3×3", x: [32, 64, 4, 4], w: [64, 64, 3, 3], stride: 1, padding: 1),
    Shape(label: "linear 64→10", x: [32, 64, 1, 1], w: [10, 64, 1, 1], stride: 1, padding: 0),
]
let reps = Int(ProcessInfo.processInfo.environment["REPS"] ?? "") ?? 20
/// SHAPES=text: only the shapes whose label contains it.
let only = ProcessInfo.processInfo.environment["SHAPES"]

/// BM-like data: x = ln(relu(a) + 1e-30) (−69 for half the inputs), v = ln|w| or −1e4.
func bmData(_ shape: [Int], weights: Bool, _ rng: inout SystemRandomNumberGenerator) -> Tensor {
    Tensor(shape: shape, data: (0..<shape.reduce(1, *)).map { _ in
        let a = Float.random(in: -1...1, using: &rng)
        if weights { return a > 0 ? log(a) : -1e4 }
        return log(max(a, 0) + 1e-30)
    })
}

func time(_ body: () -> Void) -> (median: Double, min: Double) {
    body()
    var t: [Double] = []
    for _ in 0..<reps {
        let start = DispatchTime.now().uptimeNanoseconds
        body()
        t.append(Double(DispatchTime.now().uptimeNanoseconds - start) * 1e-6)
    }
    t.sort()
    return (t[t.count / 2], t[0])
}

var rng = SystemRandomNumberGenerator()
print("| shape | forward ms (median, min) | forward + backward ms (median, min) |")
print("|---|---|---|")
for s in shapes where only.map({ s.label.contains($0) }) ?? true {
    let x = bmData(s.x, weights: false, &rng), w = bmData(s.w, weights: true, &rng)
    let fwd = time { _ = noGrad { maxPlusConv2d(x, w, stride: s.stride, padding: s.padding) } }
    var xg = x.detached(), wg = w.detached()
    xg.requiresGrad = true; wg.requiresGrad = true
    let probe = noGrad { maxPlusConv2d(x, w, stride: s.stride, padding: s.padding) }
    let seed = Tensor(shape: probe.shape, data: (0..<probe.count).map { _ in Float.random(in: -1...1, using: &rng) })
    let both = time { maxPlusConv2d(xg, wg, stride: s.stride, padding: s.padding).backward(seed: seed) }
    print(String(format: "| %@ | %.3f, %.3f | %.3f, %.3f |", s.label, fwd.median, fwd.min, both.median, both.min))
}

print("")
print("| BM layer | forward ms (median, min) | forward + backward ms (median, min) |")
print("|---|---|---|")
for s in shapes where s.w[2] == 3 && (only.map({ s.label.contains($0) }) ?? true) {
    let x = Tensor(shape: s.x, data: (0..<s.x.reduce(1, *)).map { _ in Float.random(in: -1...1, using: &rng) })
    let w = Tensor(shape: s.w, data: (0..<s.w.reduce(1, *)).map { _ in Float.random(in: -0.5...0.5, using: &rng) })
    let (plus, minus) = BipolarMorphological.logWeights(w)
    let bias = Tensor(shape: [s.w[0]], data: [Float](repeating: 0.01, count: s.w[0]))
    func layer(_ x: Tensor, _ p: Tensor, _ m: Tensor) -> Tensor {
        BipolarMorphological.conv2d(x, plus: p, minus: m, bias: bias, stride: s.stride, padding: s.padding)
    }
    let fwd = time { _ = noGrad { layer(x, plus, minus) } }
    let xg = { var t = x.detached(); t.requiresGrad = true; return t }()
    let pg = { var t = plus.detached(); t.requiresGrad = true; return t }()
    let mg = { var t = minus.detached(); t.requiresGrad = true; return t }()
    let probe = noGrad { layer(x, plus, minus) }
    let seed = Tensor(shape: probe.shape, data: (0..<probe.count).map { _ in Float.random(in: -1...1, using: &rng) })
    let both = time { layer(xg, pg, mg).backward(seed: seed) }
    print(String(format: "| %@ | %.3f, %.3f | %.3f, %.3f |", s.label, fwd.median, fwd.min, both.median, both.min))
}
