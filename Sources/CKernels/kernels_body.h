// The kernels of one variant. Included by portable.c, avx2.c and avx512.c with CK_SUFFIX set
// (and, for the SIMD variants, a target attribute pushed onto every function); no include guard
// on purpose. Operations and their order mirror the Swift code they replace: with contraction
// off, every variant rounds identically.

#pragma clang fp contract(off)

#define CK_CAT2(a, b) a##_##b
#define CK_CAT(a, b) CK_CAT2(a, b)
#define CK_NAME(x) CK_CAT(x, CK_SUFFIX)
#define CK_WNAME(x) CK_CAT(CK_CAT(x, CK_SUFFIX), LANES)

#define LANES 4
#include "winograd_lanes.h"
#undef LANES
#if CK_MAX_LANES >= 8
#define LANES 8
#include "winograd_lanes.h"
#undef LANES
#endif
#if CK_MAX_LANES >= 16
#define LANES 16
#include "winograd_lanes.h"
#undef LANES
#endif

/// Calls the widest instance of `fn` that wastes little on a row of `tw` tiles (a row is done
/// LANES tiles at a time, the last group spilling into padding).
#if CK_MAX_LANES >= 16
#define CK_PICK(fn, tw, ...) do { \
    if ((tw) >= 12) CK_CAT(CK_CAT(fn, CK_SUFFIX), 16)(__VA_ARGS__); \
    else if ((tw) >= 6) CK_CAT(CK_CAT(fn, CK_SUFFIX), 8)(__VA_ARGS__); \
    else CK_CAT(CK_CAT(fn, CK_SUFFIX), 4)(__VA_ARGS__); } while (0)
#elif CK_MAX_LANES >= 8
#define CK_PICK(fn, tw, ...) do { \
    if ((tw) >= 6) CK_CAT(CK_CAT(fn, CK_SUFFIX), 8)(__VA_ARGS__); \
    else CK_CAT(CK_CAT(fn, CK_SUFFIX), 4)(__VA_ARGS__); } while (0)
#else
#define CK_PICK(fn, tw, ...) CK_CAT(CK_CAT(fn, CK_SUFFIX), 4)(__VA_ARGS__)
#endif

typedef float CK_NAME(v8) __attribute__((vector_size(32), aligned(4), may_alias));
typedef float CK_NAME(v4) __attribute__((vector_size(16), aligned(4), may_alias));
typedef float CK_NAME(vwide) __attribute__((vector_size(8 * CK_MAX_LANES), aligned(4), may_alias));
typedef float CK_NAME(vhalf) __attribute__((vector_size(4 * CK_MAX_LANES), aligned(4), may_alias));
#if CK_MAX_LANES == 4
#define CK_EVEN_ALL 0, 2, 4, 6
#define CK_ODD_ALL 1, 3, 5, 7
#elif CK_MAX_LANES == 8
#define CK_EVEN_ALL 0, 2, 4, 6, 8, 10, 12, 14
#define CK_ODD_ALL 1, 3, 5, 7, 9, 11, 13, 15
#else
#define CK_EVEN_ALL 0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30
#define CK_ODD_ALL 1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31
#endif

static void CK_NAME(winograd_input)(const float *x, long c, long h, long w, long ph, long pw, long th, long tw,
                                    float *planes, long planeFloats, float *v, long ld) {
    long half = tw + 1, width = 2 * half, stride = c * ld;
    for (long ci = -1; ci < c; ci++) {
        // Channel ci + 1 into plane (ci + 1) % 2 before channel ci is transformed from the other.
        long next = ci + 1;
        if (next < c) {
            const float *src = x + next * h * w;
            float *plane = planes + (next & 1) * planeFloats;
            float *even = pw % 2 == 0 ? plane : plane + half, *odd = pw % 2 == 0 ? plane + half : plane;
            for (long y = 0; y < h; y++) {
                const float *line = src + y * w;
                long ev = (y + ph) * width + (even - plane), od = (y + ph) * width + (odd - plane);
                // Input column xx goes to even[(xx + pw) / 2] when xx + pw is even, else odd[…]:
                // CK_MAX_LANES pairs at a time split by shuffles, then pairs, then the last column.
                long x0 = 0;
                for (; x0 + 2 * CK_MAX_LANES <= w; x0 += 2 * CK_MAX_LANES) {
                    CK_NAME(vwide) pair = *(const CK_NAME(vwide) *)(line + x0);
                    *(CK_NAME(vhalf) *)(plane + ev + ((x0 + pw) >> 1)) = __builtin_shufflevector(pair, pair, CK_EVEN_ALL);
                    *(CK_NAME(vhalf) *)(plane + od + ((x0 + 1 + pw) >> 1)) = __builtin_shufflevector(pair, pair, CK_ODD_ALL);
                }
                for (; x0 + 8 <= w; x0 += 8) {
                    CK_NAME(v8) pair = *(const CK_NAME(v8) *)(line + x0);
                    *(CK_NAME(v4) *)(plane + ev + ((x0 + pw) >> 1)) = __builtin_shufflevector(pair, pair, 0, 2, 4, 6);
                    *(CK_NAME(v4) *)(plane + od + ((x0 + 1 + pw) >> 1)) = __builtin_shufflevector(pair, pair, 1, 3, 5, 7);
                }
                for (; x0 + 1 < w; x0 += 2) {
                    plane[ev + ((x0 + pw) >> 1)] = line[x0];
                    plane[od + ((x0 + 1 + pw) >> 1)] = line[x0 + 1];
                }
                for (; x0 < w; x0++) plane[(y + ph) * width + ((x0 + pw) & 1) * half + ((x0 + pw) >> 1)] = line[x0];
            }
        }
        if (ci < 0) continue;
        const float *plane = planes + (ci & 1) * planeFloats;
        CK_PICK(input_tiles, tw, plane, half, width, th, tw, v, ci, ld, stride);
    }
}

static void CK_NAME(winograd_output)(const float *m, long ld, long cout, long ho, long wo, long th, long tw,
                                     const float *bias, float *out) {
    CK_PICK(output, tw, m, ld, cout, ho, wo, th, tw, bias, out);
}

static void CK_NAME(winograd_gradient)(const float *dy, long cout, long ho, long wo, long th, long tw,
                                       float *plane, long width, float *d, long ld) {
    CK_PICK(gradient, tw, dy, cout, ho, wo, th, tw, plane, width, d, ld);
}

// External (not static): the AVX-512 table takes these two from the AVX2 file.
void CK_NAME(winograd_kernels)(const float *w, long cin, long cout, long co0, long co1, int rotated, float *u);
void CK_NAME(winograd_weight_gradient)(const float *du, long cin, long cout, long parts, long uCount, long co0,
                                       long co1, float *dw);

void CK_NAME(winograd_kernels)(const float *w, long cin, long cout, long co0, long co1, int rotated,
                                      float *u) {
    long stride = cout * cin;
    enum { B = 16 };
    for (long co = co0; co < co1; co++) {
        float *dst = u + co * cin;
        // Blocks of B input channels, channel innermost: the taps are gathered into g[tap][lane],
        // then each of the sixteen outputs is a contiguous run of B floats.
        for (long c0 = 0; c0 < cin; c0 += B) {
            long nb = cin - c0 < B ? cin - c0 : B;
            float g[9][B], r[4][3][B];
            for (long l = 0; l < nb; l++) {
                long ci = c0 + l;
                const float *k = rotated ? w + (ci * cout + co) * 9 : w + (co * cin + ci) * 9;
                for (int t = 0; t < 9; t++) g[t][l] = rotated ? k[8 - t] : k[t];
            }
            for (long l = nb; l < B; l++) for (int t = 0; t < 9; t++) g[t][l] = 0;
            for (int j = 0; j < 3; j++) {
                for (int l = 0; l < B; l++) {
                    r[0][j][l] = g[j][l];
                    r[1][j][l] = 0.5f * (g[j][l] + g[3 + j][l] + g[6 + j][l]);
                    r[2][j][l] = 0.5f * (g[j][l] - g[3 + j][l] + g[6 + j][l]);
                    r[3][j][l] = g[6 + j][l];
                }
            }
            for (int i = 0; i < 4; i++) {
                float o[4][B];
                for (int l = 0; l < B; l++) {
                    float a = r[i][0][l], b = r[i][1][l], cc = r[i][2][l];
                    o[0][l] = a;
                    o[1][l] = 0.5f * (a + b + cc);
                    o[2][l] = 0.5f * (a - b + cc);
                    o[3][l] = cc;
                }
                for (int q = 0; q < 4; q++) memcpy(dst + (4 * i + q) * stride + c0, o[q], (size_t)nb * sizeof(float));
            }
        }
    }
}

void CK_NAME(winograd_weight_gradient)(const float *du, long cin, long cout, long parts, long uCount,
                                              long co0, long co1, float *dw) {
    long stride = cout * cin;
    enum { B = 16 };
    for (long co = co0; co < co1; co++) {
        // Blocks of B input channels: contiguous loads of each ξ, lanes = channels.
        for (long c0 = 0; c0 < cin; c0 += B) {
            long nb = cin - c0 < B ? cin - c0 : B;
            const float *src = du + co * cin + c0;
            float u[16][B], r0[3][B], r1[3][B], r2[3][B];
            for (int xi = 0; xi < 16; xi++) {
                for (int l = 0; l < B; l++) u[xi][l] = 0;
                for (long k = 0; k < parts; k++) {
                    const float *p = src + k * uCount + xi * stride;
                    for (long l = 0; l < nb; l++) u[xi][l] += p[l];
                }
            }
            for (int j = 0; j < 3; j++) for (int l = 0; l < B; l++) r0[j][l] = r1[j][l] = r2[j][l] = 0;
            for (int a = 0; a < 4; a++) {
                for (int l = 0; l < B; l++) {
                    float u0 = u[4 * a][l], u1 = u[4 * a + 1][l], u2 = u[4 * a + 2][l], u3 = u[4 * a + 3][l];
                    float cv[3] = {u0 + 0.5f * (u1 + u2), 0.5f * (u1 - u2), 0.5f * (u1 + u2) + u3};
                    for (int j = 0; j < 3; j++) {
                        float cj = cv[j];
                        switch (a) {
                        case 0: r0[j][l] += cj; break;
                        case 1: r0[j][l] += 0.5f * cj; r1[j][l] += 0.5f * cj; r2[j][l] += 0.5f * cj; break;
                        case 2: r0[j][l] += 0.5f * cj; r1[j][l] -= 0.5f * cj; r2[j][l] += 0.5f * cj; break;
                        default: r2[j][l] += cj;
                        }
                    }
                }
            }
            for (long l = 0; l < nb; l++) {
                float *k = dw + (co * cin + c0 + l) * 9;
                for (int j = 0; j < 3; j++) { k[j] = r0[j][l]; k[3 + j] = r1[j][l]; k[6 + j] = r2[j][l]; }
            }
        }
    }
}

static inline long CK_NAME(floor_div)(long a, long b) { return a >= 0 ? a / b : -((-a + b - 1) / b); }
static inline long CK_NAME(ceil_div)(long a, long b) { return -CK_NAME(floor_div)(-a, b); }
static inline long CK_NAME(lmin)(long a, long b) { return a < b ? a : b; }
static inline long CK_NAME(lmax)(long a, long b) { return a > b ? a : b; }

static void CK_NAME(im2col)(const float *x, const CKConv *g, float *col, long ld, long oyA, long oyB) {
    long wo = g->wo, sw = g->sw;
    for (long i = 0; i < g->kh; i++) {
        long yOff = i * g->dh - g->ph;
        long oyLo = CK_NAME(lmin)(oyB, CK_NAME(lmax)(oyA, CK_NAME(ceil_div)(-yOff, g->sh)));
        long oyHi = CK_NAME(lmax)(oyLo, CK_NAME(lmin)(oyB, CK_NAME(floor_div)(g->h - 1 - yOff, g->sh) + 1));
        for (long j = 0; j < g->kw; j++) {
            long xOff = j * g->dw - g->pw;
            long lo = CK_NAME(lmin)(wo, CK_NAME(lmax)(0, CK_NAME(ceil_div)(-xOff, sw)));
            long hi = CK_NAME(lmax)(lo, CK_NAME(lmin)(wo, CK_NAME(floor_div)(g->w - 1 - xOff, sw) + 1));
            int contiguous = sw == 1 && g->sh == 1 && lo == 0 && hi == wo && wo == g->w;
            for (long c = 0; c < g->cinG; c++) {
                float *row = col + ((c * g->kh + i) * g->kw + j) * ld;
                for (long q = 0; q < (oyLo - oyA) * wo; q++) row[q] = 0;
                for (long q = (oyHi - oyA) * wo; q < (oyB - oyA) * wo; q++) row[q] = 0;
                if (oyHi == oyLo) continue;
                const float *src = x + (c * g->h + oyLo * g->sh + yOff) * g->w + xOff;
                float *dst = row + (oyLo - oyA) * wo;
                if (contiguous) {
                    memcpy(dst, src, (size_t)((oyHi - oyLo) * wo) * sizeof(float));
                    continue;
                }
                for (long oy = oyLo; oy < oyHi; oy++) {
                    for (long ox = 0; ox < lo; ox++) dst[ox] = 0;
                    if (sw == 1) {
                        for (long ox = lo; ox < hi; ox++) dst[ox] = src[ox];
                    } else {
                        for (long ox = lo; ox < hi; ox++) dst[ox] = src[ox * sw];
                    }
                    for (long ox = hi; ox < wo; ox++) dst[ox] = 0;
                    src += g->sh * g->w;
                    dst += wo;
                }
            }
        }
    }
}

static void CK_NAME(col2im)(const float *col, long ld, const CKConv *g, float *dx, long oyA, long oyB) {
    long wo = g->wo, sw = g->sw;
    for (long i = 0; i < g->kh; i++) {
        long yOff = i * g->dh - g->ph;
        long oyLo = CK_NAME(lmin)(oyB, CK_NAME(lmax)(oyA, CK_NAME(ceil_div)(-yOff, g->sh)));
        long oyHi = CK_NAME(lmax)(oyLo, CK_NAME(lmin)(oyB, CK_NAME(floor_div)(g->h - 1 - yOff, g->sh) + 1));
        if (oyHi == oyLo) continue;
        for (long j = 0; j < g->kw; j++) {
            long xOff = j * g->dw - g->pw;
            long lo = CK_NAME(lmin)(wo, CK_NAME(lmax)(0, CK_NAME(ceil_div)(-xOff, sw)));
            long hi = CK_NAME(lmax)(lo, CK_NAME(lmin)(wo, CK_NAME(floor_div)(g->w - 1 - xOff, sw) + 1));
            int contiguous = sw == 1 && g->sh == 1 && lo == 0 && hi == wo && wo == g->w;
            for (long c = 0; c < g->cinG; c++) {
                const float *src = col + ((c * g->kh + i) * g->kw + j) * ld + (oyLo - oyA) * wo;
                float *dst = dx + (c * g->h + oyLo * g->sh + yOff) * g->w + xOff;
                if (contiguous) {
                    for (long q = 0; q < (oyHi - oyLo) * wo; q++) dst[q] += src[q];
                    continue;
                }
                for (long oy = oyLo; oy < oyHi; oy++) {
                    if (sw == 1) {
                        for (long ox = lo; ox < hi; ox++) dst[ox] += src[ox];
                    } else {
                        for (long ox = lo; ox < hi; ox++) dst[ox * sw] += src[ox];
                    }
                    src += wo;
                    dst += g->sh * g->w;
                }
            }
        }
    }
}

// Reductions as in Reduce.swift: two 8-lane accumulators over 16 floats at a time (here one
// 16-lane vector whose halves are those accumulators), their sum, then Swift's SIMD `sum()`
// (lanes added in order onto −0), then the tail.
typedef float CK_NAME(v16) __attribute__((vector_size(64), aligned(4), may_alias));

static inline float CK_NAME(hsum)(const CK_NAME(v16) *accp) {
    CK_NAME(v16) acc = *accp;
    CK_NAME(v8) lo = __builtin_shufflevector(acc, acc, 0, 1, 2, 3, 4, 5, 6, 7);
    CK_NAME(v8) hi = __builtin_shufflevector(acc, acc, 8, 9, 10, 11, 12, 13, 14, 15);
    CK_NAME(v8) t = lo + hi;
    float s = -0.0f;
    for (int l = 0; l < 8; l++) s += t[l];
    return s;
}

static inline float CK_NAME(sum)(const float *p, long n) {
    CK_NAME(v16) acc = {0};
    long i = 0;
    for (; i + 16 <= n; i += 16) acc += *(const CK_NAME(v16) *)(p + i);
    float s = CK_NAME(hsum)(&acc);
    for (; i < n; i++) s += p[i];
    return s;
}

static inline float CK_NAME(sum_sq_dev)(const float *p, long n, float mu) {
    CK_NAME(v16) acc = {0};
    long i = 0;
    for (; i + 16 <= n; i += 16) { CK_NAME(v16) d = *(const CK_NAME(v16) *)(p + i) - mu; acc += d * d; }
    float s = CK_NAME(hsum)(&acc);
    for (; i < n; i++) { float d = p[i] - mu; s += d * d; }
    return s;
}

static void CK_NAME(bn_statistics)(const float *x, long n, long c, long s, long ch, float *mean, float *variance) {
    double m = (double)(n * s), sum = 0;
    for (long i = 0; i < n; i++) sum += (double)CK_NAME(sum)(x + (i * c + ch) * s, s);
    float mu = (float)(sum / m);
    double sq = 0;
    for (long i = 0; i < n; i++) sq += (double)CK_NAME(sum_sq_dev)(x + (i * c + ch) * s, s, mu);
    *mean = mu;
    *variance = (float)(sq / m);
}

static void CK_NAME(bn_channel_sums)(const float *x, long n, long c, long s, long ch, double *sum) {
    double acc = 0;
    for (long i = 0; i < n; i++) acc += (double)CK_NAME(sum)(x + (i * c + ch) * s, s);
    *sum = acc;
}

static void CK_NAME(bn_channel_sq_dev)(const float *x, long n, long c, long s, long ch, float mu, double *sq) {
    double acc = 0;
    for (long i = 0; i < n; i++) acc += (double)CK_NAME(sum_sq_dev)(x + (i * c + ch) * s, s, mu);
    *sq = acc;
}

static void CK_NAME(bn_affine)(const float *x, float *y, long t0, long t1, long c, long s,
                               const float *scale, const float *shift) {
    for (long t = t0; t < t1; t++) {
        float a = scale[t % c], b = shift[t % c];
        const float *src = x + t * s;
        float *dst = y + t * s;
        for (long q = 0; q < s; q++) dst[q] = src[q] * a + b;
    }
}

static void CK_NAME(bn_gradient_sums)(const float *x, const float *dy, long n, long c, long s, long ch, float mu,
                                      float *sumDy, float *sumDyX) {
    double a = 0, b = 0;
    for (long img = 0; img < n; img++) {
        const float *g = dy + (img * c + ch) * s, *px = x + (img * c + ch) * s;
        CK_NAME(v16) a16 = {0}, b16 = {0};
        long i = 0;
        for (; i + 16 <= s; i += 16) {
            CK_NAME(v16) gv = *(const CK_NAME(v16) *)(g + i);
            a16 += gv;
            b16 += gv * (*(const CK_NAME(v16) *)(px + i) - mu);
        }
        float ta = CK_NAME(hsum)(&a16), tb = CK_NAME(hsum)(&b16);
        for (; i < s; i++) { ta += g[i]; tb += g[i] * (px[i] - mu); }
        a += (double)ta;
        b += (double)tb;
    }
    *sumDy = (float)a;
    *sumDyX = (float)b;
}

static void CK_NAME(bn_input_gradient)(const float *x, const float *dy, float *dx, long t0, long t1, long c, long s,
                                       const float *a, const float *b, const float *k) {
    for (long t = t0; t < t1; t++) {
        float ca = a[t % c], cb = b[t % c], ck = k[t % c];
        const float *px = x + t * s, *pd = dy + t * s;
        float *po = dx + t * s;
        for (long q = 0; q < s; q++) po[q] = ca * pd[q] - cb * px[q] + ck;
    }
}

static void CK_NAME(relu)(const float *x, float *y, long n) {
    for (long i = 0; i < n; i++) { float v = x[i]; y[i] = 0.0f >= v ? 0.0f : v; }
}

static void CK_NAME(relu_backward)(const float *g, const float *y, float *out, long n) {
    for (long i = 0; i < n; i++) { float v = g[i]; out[i] = y[i] > 0 ? v : 0.0f; }
}

static void CK_NAME(add)(const float *a, const float *b, float *out, long n) {
    for (long i = 0; i < n; i++) out[i] = a[i] + b[i];
}

static void CK_NAME(accumulate)(float *acc, const float *g, long n) {
    for (long i = 0; i < n; i++) acc[i] += g[i];
}

static void CK_NAME(lookup_forward)(const CKTable *t, const float *src, float *dst, long n) {
    const float *x = t->x, *y = t->y, *s = t->s;
    long last = t->count - 1;
    float lo = x[0], hi = x[last];
    if (last == 1) {
        float y0 = y[0], y1 = y[1], s0 = s[0];
        for (long k = 0; k < n; k++) {
            float v = src[k];
            float c = v > lo ? v : lo;
            c = c < hi ? c : hi;
            float out = c - lo <= hi - c ? y0 + (c - lo) * s0 : y1 - (hi - c) * s0;
            dst[k] = v != v ? v : out;
        }
        return;
    }
    float inverse = t->inverse;
    for (long k = 0; k < n; k++) {
        float v = src[k];
        float c = v > lo ? v : lo;  // NaN → lo, so the index stays inside the table
        c = c < hi ? c : hi;
        int i = (int)((c - lo) * inverse);
        i = i < last - 1 ? i : (int)(last - 1);
        float xl = x[i], xr = x[i + 1], si = s[i];
        float left = y[i] + (c - xl) * si, right = y[i + 1] - (xr - c) * si;
        float out = c - xl <= xr - c ? left : right;
        dst[k] = v != v ? v : out;
    }
}

static void CK_NAME(lookup_backward)(const CKTable *t, int straightThrough, float gain, const float *g,
                                     const float *src, float *dst, long n) {
    const float *x = t->x, *s = t->s;
    long last = t->count - 1;
    float lo = x[0], hi = x[last];
    if (straightThrough || last == 1) {
        float f = straightThrough ? gain : s[0];
        for (long k = 0; k < n; k++) { float v = src[k]; dst[k] = v > lo && v <= hi ? g[k] * f : 0.0f; }
        return;
    }
    float inverse = t->inverse;
    for (long k = 0; k < n; k++) {
        float v = src[k];
        float c = v > lo ? v : lo;
        c = c < hi ? c : hi;
        int i = (int)((c - lo) * inverse);
        i = i < last - 1 ? i : (int)(last - 1);
        // Rounding can put c one segment off at a grid point (as `segment`).
        if (c < x[i]) i -= 1; else if (c >= x[i + 1] && i < last - 1) i += 1;
        dst[k] = v > lo && v <= hi ? g[k] * s[i] : 0.0f;
    }
}

#ifndef CK_WEIGHT_TRANSFORMS
#define CK_WEIGHT_TRANSFORMS CK_SUFFIX
#endif
const CKKernels CK_NAME(ck_kernels) = {
    .name = CK_NAME_STRING,
    .winograd_input = CK_NAME(winograd_input),
    .winograd_output = CK_NAME(winograd_output),
    .winograd_gradient = CK_NAME(winograd_gradient),
    .winograd_kernels = CK_CAT(winograd_kernels, CK_WEIGHT_TRANSFORMS),
    .winograd_weight_gradient = CK_CAT(winograd_weight_gradient, CK_WEIGHT_TRANSFORMS),
    .im2col = CK_NAME(im2col),
    .col2im = CK_NAME(col2im),
    .bn_statistics = CK_NAME(bn_statistics),
    .bn_channel_sums = CK_NAME(bn_channel_sums),
    .bn_channel_sq_dev = CK_NAME(bn_channel_sq_dev),
    .bn_affine = CK_NAME(bn_affine),
    .bn_gradient_sums = CK_NAME(bn_gradient_sums),
    .bn_input_gradient = CK_NAME(bn_input_gradient),
    .relu = CK_NAME(relu),
    .relu_backward = CK_NAME(relu_backward),
    .add = CK_NAME(add),
    .accumulate = CK_NAME(accumulate),
    .lookup_forward = CK_NAME(lookup_forward),
    .lookup_backward = CK_NAME(lookup_backward),
};
