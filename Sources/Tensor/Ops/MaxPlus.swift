// Max-plus (tropical) convolution: the primitive behind bipolar-morphological layers.

/// Max-plus convolution, NCHW: the convolution with `(+, ·)` replaced by `(max, +)`.
///
/// `y[n,o,i,j] = max_{c,u,v} ( x[n,c, i·s−p+u, j·s−p+v] + w[o,c,u,v] )`, x `[N, C, H, W]`,
/// w `[O, C, k, k]`, y `[N, O, Ho, Wo]` with the sizes of `conv2d`. Window positions in the
/// padding count as −∞ (they never win; the padding of `ln x` is `ln 0`). A fully connected
/// layer is the case H = W = k = 1.
///
/// Gradient: max is differentiable almost everywhere; at each output the rule passes the whole
/// output gradient to the first arg-max `(c*, u*, v*)` and nothing to the other terms (a
/// sub-gradient, as max-pooling does): `∂y/∂x[n,c*,…] = 1`, `∂y/∂w[o,c*,u*,v*] = 1`. An output
/// whose every term is −∞ passes no gradient. Ties go to the lowest fan-in index.
public func maxPlusConv2d(_ x: Tensor, _ weight: Tensor, stride: Int = 1, padding: Int = 0) -> Tensor {
    precondition(x.rank == 4, "maxPlusConv2d: input must be [N,C,H,W], shape is \(x.shape)")
    precondition(weight.rank == 4 && weight.shape[1] == x.shape[1],
                 "maxPlusConv2d: weight \(weight.shape) must be [O, \(x.shape[1]), kh, kw]")
    precondition(stride >= 1 && padding >= 0, "maxPlusConv2d: invalid stride \(stride) or padding \(padding)")
    let g = ConvGeometry(n: x.shape[0], c: x.shape[1], h: x.shape[2], w: x.shape[3], cout: weight.shape[0],
                         kh: weight.shape[2], kw: weight.shape[3], sh: stride, sw: stride, ph: padding, pw: padding,
                         dh: 1, dw: 1, groups: 1)
    precondition(g.ho >= 1 && g.wo >= 1, "maxPlusConv2d: empty output for input \(x.shape) and kernel \(weight.shape)")
    let shape = [g.n, g.cout, g.ho, g.wo]
    let count = shape.reduce(1, *)
    let out = TensorStorage(uninitializedCount: count)
    // The arg-max only when the tape will keep it (as `Tensor.record` decides): without it the
    // kernel does half the work per term.
    let recording = Autograd.isRecording && (x.node != nil || weight.node != nil)
    var argmax = [Int32](repeating: -1, count: recording ? count : 0)
    argmax.withUnsafeMutableBufferPointer { am in
        MaxPlusKernels.forward(x: x.storage.base, w: weight.storage.base, out: out.base,
                               argmax: recording ? am.baseAddress : nil, g)
    }
    return Tensor.record(out, shape: shape, inputs: [x, weight]) {
        .maxPlusConv2d(argmax: argmax, geometry: g)
    }
}
