// Convolution and pooling over NCHW tensors.

/// 2-D convolution (cross-correlation, like PyTorch). x `[N, C, H, W]`, weight
/// `[Cout, C/groups, kh, kw]`, bias `[Cout]`; result `[N, Cout, Ho, Wo]`.
public func conv2d(_ x: Tensor, _ weight: Tensor, bias: Tensor? = nil, stride: Int = 1, padding: Int = 0,
                   dilation: Int = 1, groups: Int = 1) -> Tensor {
    precondition(x.rank == 4, "conv2d: input must be [N,C,H,W], shape is \(x.shape)")
    precondition(weight.rank == 4, "conv2d: weight must be [Cout,C/groups,kh,kw], shape is \(weight.shape)")
    precondition(stride >= 1 && padding >= 0 && dilation >= 1 && groups >= 1,
                 "conv2d: invalid stride \(stride), padding \(padding), dilation \(dilation) or groups \(groups)")
    let g = ConvGeometry(n: x.shape[0], c: x.shape[1], h: x.shape[2], w: x.shape[3], cout: weight.shape[0],
                         kh: weight.shape[2], kw: weight.shape[3], sh: stride, sw: stride, ph: padding, pw: padding,
                         dh: dilation, dw: dilation, groups: groups)
    precondition(g.c % groups == 0 && g.cout % groups == 0,
                 "conv2d: channels \(g.c) → \(g.cout) not divisible by groups \(groups)")
    precondition(weight.shape[1] == g.cinG,
                 "conv2d: weight \(weight.shape) expects \(weight.shape[1]) input channels per group, input has \(g.cinG)")
    precondition(g.ho >= 1 && g.wo >= 1, "conv2d: empty output for input \(x.shape) and kernel \(weight.shape)")
    if let bias { precondition(bias.shape == [g.cout], "conv2d: bias shape \(bias.shape) != [\(g.cout)]") }
    let shape = [g.n, g.cout, g.ho, g.wo]
    let out = TensorStorage(uninitializedCount: shape.reduce(1, *))
    ConvKernels.forward(x: x.storage.base, w: weight.storage.base, bias: bias.map { UnsafePointer($0.storage.base) },
                        out: out.base, g)
    let inputs = bias.map { [x, weight, $0] } ?? [x, weight]
    return Tensor.record(out, shape: shape, inputs: inputs) {
        .conv2d(x: x.detached(), weight: weight.detached(), hasBias: bias != nil, geometry: g)
    }
}

func poolGeometry(_ x: Tensor, kernel: Int, stride: Int?, padding: Int, _ op: String) -> ConvGeometry {
    precondition(x.rank == 4, "\(op): input must be [N,C,H,W], shape is \(x.shape)")
    let s = stride ?? kernel
    precondition(kernel >= 1 && s >= 1 && padding >= 0 && padding * 2 <= kernel,
                 "\(op): invalid kernel \(kernel), stride \(s), padding \(padding)")
    let g = ConvGeometry(n: x.shape[0], c: x.shape[1], h: x.shape[2], w: x.shape[3], cout: x.shape[1],
                         kh: kernel, kw: kernel, sh: s, sw: s, ph: padding, pw: padding, dh: 1, dw: 1, groups: 1)
    precondition(g.ho >= 1 && g.wo >= 1, "\(op): empty output for input \(x.shape)")
    return g
}

/// Max pooling with a square window; stride defaults to the kernel size; padding is −∞.
public func maxPool2d(_ x: Tensor, kernel: Int, stride: Int? = nil, padding: Int = 0) -> Tensor {
    let g = poolGeometry(x, kernel: kernel, stride: stride, padding: padding, "maxPool2d")
    let shape = [g.n, g.c, g.ho, g.wo]
    let count = shape.reduce(1, *)
    let out = TensorStorage(uninitializedCount: count)
    var argmax = [Int32](repeating: 0, count: count)
    argmax.withUnsafeMutableBufferPointer { am in
        if let p = am.baseAddress { PoolKernels.maxForward(x.storage.base, out.base, p, g) }
    }
    return Tensor.record(out, shape: shape, inputs: [x]) { .maxPool2d(inputShape: x.shape, argmax: argmax, geometry: g) }
}

/// Average pooling with a square window (zero padding counted in the divisor).
public func avgPool2d(_ x: Tensor, kernel: Int, stride: Int? = nil, padding: Int = 0) -> Tensor {
    let g = poolGeometry(x, kernel: kernel, stride: stride, padding: padding, "avgPool2d")
    let shape = [g.n, g.c, g.ho, g.wo]
    let out = TensorStorage(uninitializedCount: shape.reduce(1, *))
    PoolKernels.avgForward(x.storage.base, out.base, g)
    return Tensor.record(out, shape: shape, inputs: [x]) { .avgPool2d(inputShape: x.shape, geometry: g) }
}

/// Mean over the spatial dimensions: `[N, C, H, W] → [N, C]`.
public func globalAvgPool(_ x: Tensor) -> Tensor {
    precondition(x.rank == 4, "globalAvgPool: input must be [N,C,H,W], shape is \(x.shape)")
    let planes = x.shape[0] * x.shape[1], hw = x.shape[2] * x.shape[3]
    let out = TensorStorage(uninitializedCount: planes)
    let px = x.storage.base, po = out.base
    let inv = 1 / Float(Swift.max(hw, 1))
    Parallel.forEach(planes, grain: Swift.max(1, 16384 / Swift.max(hw, 1))) { p in
        po[p] = Reduce.sum(px + p * hw, hw) * inv
    }
    return Tensor.record(out, shape: [x.shape[0], x.shape[1]], inputs: [x]) { .globalAvgPool(inputShape: x.shape) }
}
