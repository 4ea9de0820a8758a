#ifndef KELVIN_CKERNELS_H
#define KELVIN_CKERNELS_H

/// Tensor hot loops in C, one source compiled per instruction set (portable baseline, AVX2 + FMA,
/// AVX-512 F/BW/VL) through per-function target attributes, the variant chosen once at run time
/// with `__builtin_cpu_supports`. Every variant computes the same operations in the same order
/// (no contraction into FMA, no reassociation), so all variants give bit-identical results; only
/// the vector width differs. Swift keeps the orchestration (threads, blocking, scratch buffers).

#ifdef __cplusplus
extern "C" {
#endif

/// Variants, best last.
enum { CK_PORTABLE = 0, CK_AVX2 = 1, CK_AVX512 = 2, CK_VARIANT_COUNT = 3 };

/// Convolution geometry (NCHW input, `[cout][cin/groups][kh][kw]` weights).
typedef struct CKConv {
    long n, c, h, w, cout, kh, kw, sh, sw, ph, pw, dh, dw, groups, ho, wo, cinG;
} CKConv;

/// A piecewise-linear table on an evenly spaced grid (`count` points, `inverse` = 1/step).
typedef struct CKTable {
    const float *x, *y, *s;
    long count;
    float inverse;
} CKTable;

/// A table look-up with per-channel scaling and converters around it (see `ChannelLookup`):
/// `y = post[ch]·Q_o(T(Q_i(scale[ch]·x + shift[ch])))`, `Q(v) = lo + step·rint((clip(v) − lo)/step)`
/// (ties to even), a converter with `step` 0 absent.
typedef struct CKStage {
    const float *scale, *shift, *post;
    float inLo, inHi, inStep;
    float outLo, outHi, outStep;
    /// Backward: a constant `gain` for `T′` inside the grid instead of the segment's slope.
    int straightThrough;
    float gain;
} CKStage;

/// Max-plus convolution geometry and the layout of its packed input (see `maxplus_pack`).
///
/// The images go in groups of `group` (the last may be shorter, `gn` images); for each group,
/// channel and stride phase `(ru, rv)` (`ru < min(sh, kh)`, `rv < min(sw, kw)`) a plane of
/// `hq × wq` positions holds the padded input's rows `r·sh + ru` and columns `s·sw + rv` with the
/// group's images innermost: `plane[(r·wq + s)·gn + n] = x[n₀+n, c, r·sh + ru − ph, s·sw + rv − pw]`,
/// −∞ outside the image. `hq = ho + (kh−1)/sh`, `wq = wo + (kw−1)/sw`; planes are `plane` floats
/// apart (at least `hq·wq·group + 16`, the rest −∞), ordered `[group][c][ru][rv]`. Output position
/// `(i, j, n)` of a group is `q = (i·wq + j)·gn + n`, and its term `(c, u, v)` is read at `q` plus a
/// fixed offset in plane `(c, u mod sh, v mod sw)`: `((u / sh)·wq + v / sw)·gn`.
typedef struct CKMaxPlus {
    long n, c, h, w, cout, kh, kw, sh, sw, ph, pw, ho, wo;
    long hq, wq, group, plane;
    /// Row length of the transposed weights `wt[k][o]` (cout rounded up to a multiple of 8).
    long ldw;
} CKMaxPlus;

/// The kernels of one variant. Planes are the `[N, C, S]` slices `t0 ..< t1` (channel `t % c`).
typedef struct CKKernels {
    const char *name;
    /// Winograd F(2×2,3×3) `V = Bᵀ d B` of one image (see Winograd.swift `transformInput`): rows
    /// `ld` apart, the ξ matrices `stride` apart (V, M and D alike).
    void (*winograd_input)(const float *x, long c, long h, long w, long ph, long pw, long th, long tw,
                           float *planes, long planeFloats, float *v, long ld, long stride);
    /// `Y = Aᵀ M A + bias` of one image (see `transformOutput`); `bias` may be NULL.
    void (*winograd_output)(const float *m, long ld, long stride, long cout, long ho, long wo, long th, long tw,
                            const float *bias, float *out);
    /// `D = A ∂Y Aᵀ` of one image (see `transformGradient`); `plane` has 2·th rows of `width` ≥ 2·tw + 32.
    void (*winograd_gradient)(const float *dy, long cout, long ho, long wo, long th, long tw,
                              float *plane, long width, float *d, long ld, long stride);
    /// `U_ξ[co][ci] = (G g Gᵀ)_ξ` for output channels co0 ..< co1.
    void (*winograd_kernels)(const float *w, long cin, long cout, long co0, long co1, int rotated, float *u);
    /// `dw = Gᵀ (Σ_parts ∂L/∂U) G` for output channels co0 ..< co1 (`parts` copies `uCount` apart).
    void (*winograd_weight_gradient)(const float *du, long cin, long cout, long parts, long uCount,
                                     long co0, long co1, float *dw);
    /// Winograd F(4×4,3×3) `V = Bᵀ d B` of one image (see Winograd.swift `transformInput`): two
    /// planes of `(4·th + 2)` rows of four column phases of `tw + 1` floats, plus padding.
    void (*winograd4_input)(const float *x, long c, long h, long w, long ph, long pw, long th, long tw,
                            float *planes, long planeFloats, float *v, long ld, long stride);
    /// F(4×4) `Y = Aᵀ M A + bias` of one image; `bias` may be NULL.
    void (*winograd4_output)(const float *m, long ld, long stride, long cout, long ho, long wo, long th, long tw,
                             const float *bias, float *out);
    /// F(4×4) `D = A ∂Y Aᵀ` of one image; `plane` is one zeroed input plane of the same tiles.
    void (*winograd4_gradient)(const float *dy, long cout, long ho, long wo, long th, long tw,
                               float *plane, float *d, long ld, long stride);
    /// F(4×4) `U_ξ[co][ci] = (G g Gᵀ)_ξ` (ξ = 6·row + column) for output channels co0 ..< co1.
    void (*winograd4_kernels)(const float *w, long cin, long cout, long co0, long co1, int rotated, float *u);
    /// F(4×4) `dw = Gᵀ (Σ_parts ∂L/∂U) G` for output channels co0 ..< co1.
    void (*winograd4_weight_gradient)(const float *du, long cin, long cout, long parts, long uCount,
                                      long co0, long co1, float *dw);
    /// im2col of one image's group slice into `col` (leading dimension `ld`), output rows oyA ..< oyB.
    void (*im2col)(const float *x, const CKConv *g, float *col, long ld, long oyA, long oyB);
    /// Adjoint of im2col: accumulates `col` into `dx`.
    void (*col2im)(const float *col, long ld, const CKConv *g, float *dx, long oyA, long oyB);
    /// Mean and biased variance of channel `ch`.
    void (*bn_statistics)(const float *x, long n, long c, long s, long ch, float *mean, float *variance);
    // Channel ch's Σ x and Σ (x − mu)², in double over planes, summed exactly as bn_statistics
    // sums them (synchronised batch norm adds these across ranks).
    void (*bn_channel_sums)(const float *x, long n, long c, long s, long ch, double *sum);
    void (*bn_channel_sq_dev)(const float *x, long n, long c, long s, long ch, float mu, double *sq);
    /// `y = x · scale[ch] + shift[ch]` on planes t0 ..< t1.
    void (*bn_affine)(const float *x, float *y, long t0, long t1, long c, long s,
                      const float *scale, const float *shift);
    /// `Σ dy` and `Σ dy·(x − mean)` of channel `ch`.
    void (*bn_gradient_sums)(const float *x, const float *dy, long n, long c, long s, long ch, float mean,
                             float *sumDy, float *sumDyX);
    /// `dx = a[ch]·dy − b[ch]·x + k[ch]` on planes t0 ..< t1.
    void (*bn_input_gradient)(const float *x, const float *dy, float *dx, long t0, long t1, long c, long s,
                              const float *a, const float *b, const float *k);
    /// `y = max(x, 0)` (Swift's `max`: NaN stays NaN, −0 becomes +0).
    void (*relu)(const float *x, float *y, long n);
    /// `out = y > 0 ? g : 0`.
    void (*relu_backward)(const float *g, const float *y, float *out, long n);
    /// `y = e^x` within 2 ulp of the exact result (0 below −103.98, +∞ above 88.73, NaN passes).
    void (*exp)(const float *x, float *y, long n);
    /// `y = ln x` within 2 ulp (−∞ at ±0, NaN below 0, subnormals included).
    void (*log)(const float *x, float *y, long n);
    /// `out = a + b`.
    void (*add)(const float *a, const float *b, float *out, long n);
    /// `acc += g`.
    void (*accumulate)(float *acc, const float *g, long n);
    /// `dst = table(src)` (NaN passes through) and, when `d` is not NULL, `d = table′(src)` (or `gain`
    /// with `straightThrough`) inside the grid `(x₀, x_n]`, 0 outside.
    void (*lookup_forward)(const CKTable *t, int straightThrough, float gain, const float *src, float *dst, float *d,
                           long n);
    /// `ChannelLookup` on planes t0 ..< t1 of `[N, C, S]`, and, when `d` is not NULL, `d = ∂y/∂x =
    /// post·[Q_o passes]·T′(Q_i(u))·[Q_i passes]·scale` (a converter passes inside `(lo, hi]`, `T′` is
    /// 0 outside the grid).
    void (*lookup_stage)(const CKTable *t, const CKStage *st, const float *x, float *y, float *d, long t0, long t1,
                         long c, long s);
    /// `out[i] = σ·z_i`: Box–Muller normals from SplitMix64 outputs `mix(state + k·φ)`, k = 1, 2, …
    /// (pair m: `u₁ = 1 − (z_{2m+1} >> 40)·2⁻²⁴`, `u₂ = (z_{2m+2} >> 40)·2⁻²⁴`, `r = σ·sqrt(−2 ln u₁)`,
    /// `out[2m] = r·cos 2πu₂`, `out[2m+1] = r·sin 2πu₂`), with `log`'s ln and single-precision
    /// polynomial sin and cos (absolute error below 1e-6).
    void (*gaussian_fill)(unsigned long long state, float sigma, float *out, long n);
    /// Max-plus convolution: writes the planes of channel `c` of image group `group` (see `CKMaxPlus`).
    void (*maxplus_pack)(const float *x, const CKMaxPlus *g, long group, long c, float *packed);
    /// Max-plus convolution, output channels o0 ..< o1 (within one block of 8), output rows
    /// i0 ..< i1 of image group `group`: `y[n,o,i,j] = max_k x_k + wt[k][o]` over the fan-in
    /// `k = (c·kh + u)·kw + v` in increasing order, a term replacing the maximum only when strictly
    /// greater, so `argmax` is the first maximum's `k`; −1 (and y = −∞) when no term exceeds −∞.
    /// `argmax` may be NULL (no gradient to come): the same `y`, about twice as fast.
    void (*maxplus_forward)(const CKMaxPlus *g, const float *packed, const float *wt, long group, long o0, long o1,
                            long i0, long i1, float *y, int *argmax);
    /// Max-plus input gradient of images n0 ..< n1: `dx[n, c*, i·sh − ph + u*, j·sw − pw + v*] += dy[n, o, i, j]`
    /// at each output's arg-max `k* = (c*·kh + u*)·kw + v*` (none for −1), summed from 0 in the order
    /// (o, i, j); `off[k] = (c·h + u)·w + v`.
    void (*maxplus_input_gradient)(const float *dy, const int *argmax, const long *off, const CKMaxPlus *g, long n0,
                                   long n1, float *dx);
    /// Max-plus weight gradient of output channels o0 ..< o1: `dw[o, k*] += dy[n, o, i, j]`, summed from
    /// 0 in the order (n, i, j).
    void (*maxplus_weight_gradient)(const float *dy, const int *argmax, const CKMaxPlus *g, long o0, long o1, float *dw);
} CKKernels;

/// The kernels of `variant`, or NULL when this CPU (or build) cannot run it.
const CKKernels *ck_kernels(int variant);
/// The kernels in use: the best supported variant unless `ck_set_variant` chose another.
const CKKernels *ck_active(void);
/// Best variant this CPU supports.
int ck_best_variant(void);
/// Forces `variant` for all later calls (tests, A/B measurement); returns 0 when unsupported.
int ck_set_variant(int variant);
/// The variant in use.
int ck_active_variant(void);

#ifdef __cplusplus
}
#endif
#endif
