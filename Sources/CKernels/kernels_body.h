// The kernels of one variant. Included by portable.c, avx2.c and avx512.c with CK_SUFFIX set
// (and, for the SIMD variants, a target attribute pushed onto every function); no include guard
// on purpose. Operations and their order mirror the Swift code they replace: with contraction
// off, every variant rounds identically.

#pragma clang fp contract(off)

#define CK_CAT2(a, b) a##_##b
#define CK_CAT(a, b) CK_CAT2(a, b)
#define CK_NAME(x) CK_CAT(x, CK_SUFFIX)
#define CK_WNAME(x) CK_CAT(CK_CAT(x, CK_SUFFIX), LANES)

/// Copies the first `count` floats of `src` to `dst` with masked stores where the instruction set
/// has them (no library call, no write past `count`): the partial last group of a Winograd row.
static inline void CK_NAME(store_first)(float *dst, const float *src, long count) {
#if CK_MAX_LANES >= 16
    for (long off = 0; off < count; off += 16) {
        long k = count - off;
        __mmask16 mask = k >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << k) - 1);
        _mm512_mask_storeu_ps(dst + off, mask, _mm512_maskz_loadu_ps(mask, src + off));
    }
#elif CK_MAX_LANES >= 8
    const __m256i iota = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    for (long off = 0; off < count; off += 8) {
        __m256i mask = _mm256_cmpgt_epi32(_mm256_set1_epi32((int)(count - off)), iota);
        _mm256_maskstore_ps(dst + off, mask, _mm256_maskload_ps(src + off, mask));
    }
#else
    for (long l = 0; l < count; l++) dst[l] = src[l];
#endif
}

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
                                    float *planes, long planeFloats, float *v, long ld, long stride) {
    long half = tw + 1, width = 2 * half;
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

static void CK_NAME(winograd_output)(const float *m, long ld, long stride, long cout, long ho, long wo, long th,
                                     long tw, const float *bias, float *out) {
    CK_PICK(output, tw, m, ld, stride, cout, ho, wo, th, tw, bias, out);
}

static void CK_NAME(winograd_gradient)(const float *dy, long cout, long ho, long wo, long th, long tw,
                                       float *plane, long width, float *d, long ld, long stride) {
    CK_PICK(gradient, tw, dy, cout, ho, wo, th, tw, plane, width, d, ld, stride);
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

#include "winograd4.h"

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

/// `e^x` for every float `x`, within 2 ulp: `x = k·ln 2 + r`, `k = rint(x·log₂e)`, `|r| ≤ ln 2 / 2`
/// (ln 2 split so that `k·ln2_hi` is exact for `|k| ≤ 150`), `e^r` by its Taylor series to `r⁷`
/// (truncation below 1e-8 relative), times `2^k` as `2^(k>>1)·2^(k−(k>>1))` so that a subnormal or
/// overflowing result is rounded once. `x` is clamped to `[−104, 88.8]` first (beyond it the result
/// is 0 or +∞ already); NaN passes through.
static inline float CK_NAME(exp1)(float x) {
    float c = x > 88.8f ? 88.8f : x < -104.0f ? -104.0f : x;
    c = c == c ? c : 0.0f;
    float kf = (c * 1.44269504088896341f + 0x1.8p23f) - 0x1.8p23f;  // rint, no library call
    float r = (c - kf * 0.693145751953125f) - kf * 1.42860682030941723212e-6f;
    float p = 1.0f + r * (1.0f + r * (0.5f + r * (1.0f / 6 + r * (1.0f / 24 + r * (1.0f / 120 + r * (1.0f / 720 +
                                                                                                   r * (1.0f / 5040)))))));
    int k = (int)kf, k1 = k >> 1;
    union { unsigned int i; float f; } s1 = {(unsigned int)(k1 + 127) << 23}, s2 = {(unsigned int)(k - k1 + 127) << 23};
    float y = p * s1.f * s2.f;
    return x == x ? y : x;
}

/// `ln x` for every float `x`, within 2 ulp: `x = m·2^e`, `m ∈ (√½, √2]` (a subnormal `x` scaled by
/// 2²³ first), `ln m = 2 atanh s`, `s = (m − 1)/(m + 1)`, the series to s⁹ (|s| ≤ 0.172), plus
/// `e·ln 2` in two parts. `ln 0 = −∞`, `ln(+∞) = +∞`, NaN for `x < 0` or NaN.
static inline float CK_NAME(log1)(float x) {
    int tiny = x < 0x1p-126f;
    union { float f; unsigned int i; } b = {tiny ? x * 0x1p23f : x};
    int e = (int)((b.i >> 23) & 0xff) - (tiny ? 150 : 127);
    b.i = (b.i & 0x007fffffu) | 0x3f800000u;
    float m = b.f;
    int big = m > 1.41421356f;
    m = big ? m * 0.5f : m;
    e += big;
    float s = (m - 1.0f) / (m + 1.0f), s2 = s * s;
    float p = s2 * (1.0f / 3 + s2 * (1.0f / 5 + s2 * (1.0f / 7 + s2 * (1.0f / 9))));
    float ef = (float)e;
    float y = ef * 0.693145751953125f + ((2.0f * s + 2.0f * s * p) + ef * 1.42860682030941723212e-6f);
    y = x == __builtin_inff() ? x : y;
    y = x == 0.0f ? -__builtin_inff() : y;
    return x < 0.0f ? __builtin_nanf("") : x == x ? y : x;
}

static void CK_NAME(exp)(const float *x, float *y, long n) {
    for (long i = 0; i < n; i++) y[i] = CK_NAME(exp1)(x[i]);
}

static void CK_NAME(log)(const float *x, float *y, long n) {
    for (long i = 0; i < n; i++) y[i] = CK_NAME(log1)(x[i]);
}

static void CK_NAME(add)(const float *a, const float *b, float *out, long n) {
    for (long i = 0; i < n; i++) out[i] = a[i] + b[i];
}

static void CK_NAME(accumulate)(float *acc, const float *g, long n) {
    for (long i = 0; i < n; i++) acc[i] += g[i];
}

/// A converter: `lo + step·rint((clip(v) − lo)/step)`.
static inline float CK_NAME(convert)(float v, float lo, float hi, float step) {
    float c = v > lo ? v : lo;
    c = c < hi ? c : hi;
    return lo + step * __builtin_rintf((c - lo) / step);
}

/// The constants of a `CKStage` on one table, in registers. A two-point table is indexed as an
/// even grid of one segment (inverse = 1/(x₁ − x₀)), like a longer grid.
typedef struct CK_NAME(StageConst) {
    int last;  /* int, not long: 32-bit indices keep all 16 lanes in one gather */
    float inverse, tlo, thi, inLo, inHi, inStep, outLo, outHi, outStep, gain;
    int inQ, outQ, straightThrough;
} CK_NAME(StageConst);

static inline CK_NAME(StageConst) CK_NAME(stage_const)(const CKTable *t, const CKStage *st) {
    int last = (int)(t->count - 1);
    CK_NAME(StageConst) k = {
        last, last == 1 ? 1.0f / (t->x[1] - t->x[0]) : t->inverse, t->x[0], t->x[last],
        st->inLo, st->inHi, st->inStep, st->outLo, st->outHi, st->outStep, st->gain,
        st->inStep > 0, st->outStep > 0, st->straightThrough};
    return k;
}

/// One plane: `dst = post·Q_o(T(Q_i(a·src + b)))` and, when `d` is not NULL, `d = ∂dst/∂src`.
/// T interpolates from the grid point nearest to `c` (the argument clamped to the grid),
/// `j = min(⌊(c − x₀)/Δx + ½⌋, n − 1)`: `T = y_j + (c − x_j)·s_k` with `k` the segment that holds
/// `c` (`x_k ≤ c < x_{k+1}`: `j` if `c ≥ x_j`, else `j − 1`), which is the interpolation from the
/// segment's nearer end, so a grid point at 0 with value 0 keeps small arguments exact; three
/// reads from the table per element, and `s_k` is also the slope (0 outside `(x₀, x_n]`).
/// Restrict parameters: the stores alias no table, so the loop vectorises (gathers from the table).
__attribute__((noinline)) static void CK_NAME(stage_row)(const float *restrict src, float *restrict dst, float *restrict d,
                                                         long n, const float *restrict tx, const float *restrict ty,
                                                         const float *restrict ts, CK_NAME(StageConst) k, float a, float b,
                                                         float post) {
#define CK_STAGE_VALUE \
    float v = src[q], u = v * a + b; \
    float pass = !k.inQ || (u > k.inLo && u <= k.inHi) ? 1.0f : 0.0f; \
    u = k.inQ ? CK_NAME(convert)(u, k.inLo, k.inHi, k.inStep) : u; \
    float c = u > k.tlo ? u : k.tlo; \
    c = c < k.thi ? c : k.thi; \
    int j = (int)((c - k.tlo) * k.inverse + 0.5f); \
    j = j < k.last ? j : k.last; \
    float xj = tx[j]; \
    int seg = c >= xj ? j : j - 1; \
    seg = seg < 0 ? 0 : (seg < k.last - 1 ? seg : k.last - 1); \
    float sk = ts[seg]; \
    float w = ty[j] + (c - xj) * sk; \
    pass = !k.outQ || (w > k.outLo && w <= k.outHi) ? pass : 0.0f; \
    w = k.outQ ? CK_NAME(convert)(w, k.outLo, k.outHi, k.outStep) : w; \
    dst[q] = v != v ? v : post * w
    if (d) {
        float factor = post * a;
        for (long q = 0; q < n; q++) {
            CK_STAGE_VALUE;
            float slope = k.straightThrough ? k.gain : sk;
            slope = u > k.tlo && u <= k.thi ? slope : 0.0f;
            d[q] = factor * pass * slope;
        }
    } else {
        for (long q = 0; q < n; q++) {
            CK_STAGE_VALUE;
            (void)pass;
        }
    }
#undef CK_STAGE_VALUE
}

#if CK_MAX_LANES >= 16
/// AVX-512: a table of up to 128 points is held in registers and read by permutes (`vpermi2ps`,
/// 32 entries an instruction, then blends on index bits 5 and 6) instead of gathers; the
/// arithmetic is `stage_row`'s, operation for operation (the same roundings, so the same bits),
/// 16 elements a step, the tail masked.
static inline __m512 CK_NAME(permute_table)(const __m512 *t, __m512i idx, int pairs) {
    __m512 r0 = _mm512_permutex2var_ps(t[0], idx, t[1]);
    if (pairs == 1) return r0;
    __mmask16 b5 = _mm512_test_epi32_mask(idx, _mm512_set1_epi32(32));
    __m512 r1 = _mm512_mask_blend_ps(b5, r0, _mm512_permutex2var_ps(t[2], idx, t[3]));
    if (pairs == 2) return r1;
    __m512 r2 = _mm512_mask_blend_ps(b5, _mm512_permutex2var_ps(t[4], idx, t[5]), _mm512_permutex2var_ps(t[6], idx, t[7]));
    return _mm512_mask_blend_ps(_mm512_test_epi32_mask(idx, _mm512_set1_epi32(64)), r1, r2);
}

static inline __m512 CK_NAME(convert16)(__m512 v, float lo, float hi, float step) {
    __m512 c = _mm512_min_ps(_mm512_max_ps(v, _mm512_set1_ps(lo)), _mm512_set1_ps(hi));
    __m512 r = _mm512_roundscale_ps(_mm512_div_ps(_mm512_sub_ps(c, _mm512_set1_ps(lo)), _mm512_set1_ps(step)),
                                    _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    return _mm512_add_ps(_mm512_set1_ps(lo), _mm512_mul_ps(_mm512_set1_ps(step), r));
}

static void CK_NAME(stage_row_permute)(const float *src, float *dst, float *d, long n, const float *tx, const float *ty,
                                       const float *ts, CK_NAME(StageConst) k, float a, float b, float post) {
    int wide = k.last + 1 <= 32 ? 1 : k.last + 1 <= 64 ? 2 : 4;
    float px[128], py[128], ps[128];
    for (int i = 0; i < 16 * 2 * wide; i++) {
        px[i] = tx[i <= k.last ? i : k.last];
        py[i] = ty[i <= k.last ? i : k.last];
        ps[i] = ts[i < k.last ? i : k.last - 1];
    }
    __m512 X[8], Y[8], S[8];
    for (int r = 0; r < 2 * wide; r++) {
        X[r] = _mm512_loadu_ps(px + 16 * r); Y[r] = _mm512_loadu_ps(py + 16 * r); S[r] = _mm512_loadu_ps(ps + 16 * r);
    }
    const __m512 A = _mm512_set1_ps(a), B = _mm512_set1_ps(b), POST = _mm512_set1_ps(post), ONE = _mm512_set1_ps(1.0f);
    const __m512 TLO = _mm512_set1_ps(k.tlo), THI = _mm512_set1_ps(k.thi), INV = _mm512_set1_ps(k.inverse);
    const __m512 HALF = _mm512_set1_ps(0.5f), ZERO = _mm512_setzero_ps(), FACTOR = _mm512_set1_ps(post * a);
    const __m512i LAST = _mm512_set1_epi32(k.last), LAST1 = _mm512_set1_epi32(k.last - 1), IONE = _mm512_set1_epi32(1);
    for (long q = 0; q < n; q += 16) {
        __mmask16 m = n - q >= 16 ? (__mmask16)0xffff : (__mmask16)((1u << (n - q)) - 1);
        __m512 v = _mm512_maskz_loadu_ps(m, src + q);
        __m512 u = _mm512_add_ps(_mm512_mul_ps(v, A), B);
        __mmask16 pass = 0xffff;
        if (k.inQ) {
            pass = _mm512_cmp_ps_mask(u, _mm512_set1_ps(k.inLo), _CMP_GT_OQ) &
                   _mm512_cmp_ps_mask(u, _mm512_set1_ps(k.inHi), _CMP_LE_OQ);
            u = CK_NAME(convert16)(u, k.inLo, k.inHi, k.inStep);
        }
        __m512 c = _mm512_min_ps(_mm512_max_ps(u, TLO), THI);
        __m512i j = _mm512_cvttps_epi32(_mm512_add_ps(_mm512_mul_ps(_mm512_sub_ps(c, TLO), INV), HALF));
        j = _mm512_min_epi32(j, LAST);
        __m512 xj = CK_NAME(permute_table)(X, j, wide);
        __m512i seg = _mm512_mask_sub_epi32(j, _mm512_cmp_ps_mask(c, xj, _CMP_LT_OQ), j, IONE);
        seg = _mm512_min_epi32(_mm512_max_epi32(seg, _mm512_setzero_si512()), LAST1);
        __m512 sk = CK_NAME(permute_table)(S, seg, wide);
        __m512 w = _mm512_add_ps(CK_NAME(permute_table)(Y, j, wide), _mm512_mul_ps(_mm512_sub_ps(c, xj), sk));
        if (k.outQ) {
            pass &= _mm512_cmp_ps_mask(w, _mm512_set1_ps(k.outLo), _CMP_GT_OQ) &
                    _mm512_cmp_ps_mask(w, _mm512_set1_ps(k.outHi), _CMP_LE_OQ);
            w = CK_NAME(convert16)(w, k.outLo, k.outHi, k.outStep);
        }
        __m512 out = _mm512_mask_blend_ps(_mm512_cmp_ps_mask(v, v, _CMP_UNORD_Q), _mm512_mul_ps(POST, w), v);
        _mm512_mask_storeu_ps(dst + q, m, out);
        if (d) {
            __m512 slope = k.straightThrough ? _mm512_set1_ps(k.gain) : sk;
            __mmask16 inside = _mm512_cmp_ps_mask(u, TLO, _CMP_GT_OQ) & _mm512_cmp_ps_mask(u, THI, _CMP_LE_OQ);
            slope = _mm512_mask_blend_ps(inside, ZERO, slope);
            __m512 pf = _mm512_mask_blend_ps(pass, ZERO, ONE);
            _mm512_mask_storeu_ps(d + q, m, _mm512_mul_ps(_mm512_mul_ps(FACTOR, pf), slope));
        }
    }
}
#define CK_STAGE_ROW(src, dst, d, n, tx, ty, ts, k, a, b, post) \
    ((k).last < 128 ? CK_NAME(stage_row_permute)(src, dst, d, n, tx, ty, ts, k, a, b, post) \
                   : CK_NAME(stage_row)(src, dst, d, n, tx, ty, ts, k, a, b, post))
#else
#define CK_STAGE_ROW(src, dst, d, n, tx, ty, ts, k, a, b, post) CK_NAME(stage_row)(src, dst, d, n, tx, ty, ts, k, a, b, post)
#endif

static void CK_NAME(lookup_stage)(const CKTable *t, const CKStage *st, const float *x, float *y, float *d, long t0, long t1,
                                  long c, long s) {
    CK_NAME(StageConst) k = CK_NAME(stage_const)(t, st);
    for (long p = t0; p < t1; p++) {
        long ch = p % c;
        CK_STAGE_ROW(x + p * s, y + p * s, d ? d + p * s : 0, s, t->x, t->y, t->s, k, st->scale[ch], st->shift[ch],
                     st->post[ch]);
    }
}

static void CK_NAME(lookup_forward)(const CKTable *t, int straightThrough, float gain, const float *src, float *dst, float *d,
                                    long n) {
    const float *x = t->x, *y = t->y, *s = t->s;
    long last = t->count - 1;
    float lo = x[0], hi = x[last];
    if (last == 1) {
        // A clip: no table to index.
        float y0 = y[0], y1 = y[1], s0 = s[0], f = straightThrough ? gain : s0;
        for (long k = 0; k < n; k++) {
            float v = src[k];
            float c = v > lo ? v : lo;
            c = c < hi ? c : hi;
            float out = c - lo <= hi - c ? y0 + (c - lo) * s0 : y1 - (hi - c) * s0;
            dst[k] = v != v ? v : out;
        }
        if (d) for (long k = 0; k < n; k++) { float v = src[k]; d[k] = v > lo && v <= hi ? f : 0.0f; }
        return;
    }
    // The stage with identity scaling and no converters: the same arithmetic (v·1 + 0 = v, 1·w = w).
    CKStage identity = {0};
    identity.straightThrough = straightThrough;
    identity.gain = gain;
    CK_NAME(StageConst) k = CK_NAME(stage_const)(t, &identity);
    CK_STAGE_ROW(src, dst, d, n, x, y, s, k, 1.0f, 0.0f, 1.0f);
}
#undef CK_STAGE_ROW

/// SplitMix64's output for state `z` (already advanced).
static inline unsigned long long CK_NAME(mix64)(unsigned long long z) {
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

/// `r·(cos 2πu₂, sin 2πu₂)`, `r = σ·sqrt(−2 ln u₁)`, for generator outputs `z1`, `z2` (see `gaussian_fill`):
/// 2πu₂ = k·π/2 + θ, k = round(4u₂), θ ∈ [−π/4, π/4], the Taylor series of sin θ to θ⁹ and cos θ to θ¹⁰.
#define CK_BOX_MULLER(z1, z2, C, S) do { \
    float u1_ = 1.0f - (float)((z1) >> 40) * 0x1p-24f;  /* (0, 1] */ \
    float u2_ = (float)((z2) >> 40) * 0x1p-24f;         /* [0, 1) */ \
    float r_ = sigma * __builtin_elementwise_sqrt(-2.0f * CK_NAME(log1)(u1_)); \
    float t_ = 4.0f * u2_; \
    int k_ = (int)(t_ + 0.5f); \
    float th_ = (t_ - (float)k_) * 1.57079632679490f, t2_ = th_ * th_; \
    float sn_ = th_ * (1.0f - t2_ * (1.0f / 6) * (1.0f - t2_ * (1.0f / 20) * (1.0f - t2_ * (1.0f / 42) * (1.0f - t2_ * (1.0f / 72))))); \
    float cs_ = 1.0f - t2_ * 0.5f * (1.0f - t2_ * (1.0f / 12) * (1.0f - t2_ * (1.0f / 30) * (1.0f - t2_ * (1.0f / 56) * (1.0f - t2_ * (1.0f / 90))))); \
    int q_ = k_ & 3; \
    (C) = r_ * (q_ == 0 ? cs_ : q_ == 1 ? -sn_ : q_ == 2 ? -cs_ : sn_); \
    (S) = r_ * (q_ == 0 ? sn_ : q_ == 1 ? cs_ : q_ == 2 ? -sn_ : -cs_); \
} while (0)

static void CK_NAME(gaussian_fill)(unsigned long long state, float sigma, float *restrict out, long n) {
    const unsigned long long phi = 0x9E3779B97F4A7C15ULL;
    long pairs = n / 2;
    for (long m = 0; m < pairs; m++) {
        unsigned long long k = (unsigned long long)(2 * m);
        unsigned long long z1 = CK_NAME(mix64)(state + (k + 1) * phi), z2 = CK_NAME(mix64)(state + (k + 2) * phi);
        float c, s;
        CK_BOX_MULLER(z1, z2, c, s);
        out[2 * m] = c;
        out[2 * m + 1] = s;
    }
    if (n % 2) {
        unsigned long long k = (unsigned long long)(n - 1);
        unsigned long long z1 = CK_NAME(mix64)(state + (k + 1) * phi), z2 = CK_NAME(mix64)(state + (k + 2) * phi);
        float c, s;
        CK_BOX_MULLER(z1, z2, c, s);
        out[n - 1] = c;
        (void)s;
    }
}
#undef CK_BOX_MULLER

// Max-plus convolution (MaxPlusKernels.swift). The input is packed once (`maxplus_pack`, layout in
// CKernels.h) so that every fan-in term of a run of output positions is one contiguous run of the
// packed planes, padding included as −∞; a block of CK_MP_OB output channels × one vector of
// positions keeps its maxima and arg-maxima in registers over the whole fan-in.

#ifndef CK_MP_OB
#define CK_MP_OB (CK_MAX_LANES >= 16 ? 8 : 4)
#endif
/// Output positions per tile (a multiple of every variant's lanes).
#define CK_MP_TILE 512

typedef float CK_NAME(mpf) __attribute__((vector_size(4 * CK_MAX_LANES), aligned(4), may_alias));
typedef int CK_NAME(mpi) __attribute__((vector_size(4 * CK_MAX_LANES), aligned(4), may_alias));

/// Row phases (`ru`) and column phases (`rv`) a kernel reads: a 1×1 kernel of stride 2 only phase (0, 0).
static inline long CK_NAME(mp_rows)(const CKMaxPlus *g) { return CK_NAME(lmin)(g->sh, g->kh); }
static inline long CK_NAME(mp_columns)(const CKMaxPlus *g) { return CK_NAME(lmin)(g->sw, g->kw); }

static void CK_NAME(maxplus_pack)(const float *x, const CKMaxPlus *g, long group, long c, float *packed) {
    long n0 = group * g->group, gn = CK_NAME(lmin)(g->group, g->n - n0), image = g->c * g->h * g->w;
    long rows = CK_NAME(mp_rows)(g), columns = CK_NAME(mp_columns)(g);
    const float ninf = -__builtin_inff();
    float *dst = packed + (group * g->c + c) * rows * columns * g->plane;
    for (long ru = 0; ru < rows; ru++) {
        for (long rv = 0; rv < columns; rv++, dst += g->plane) {
            // Columns s of the phase inside the image: s·sw + rv − pw in [0, w).
            long s0 = CK_NAME(lmin)(g->wq, CK_NAME(lmax)(0, CK_NAME(ceil_div)(g->pw - rv, g->sw)));
            long s1 = CK_NAME(lmax)(s0, CK_NAME(lmin)(g->wq, CK_NAME(floor_div)(g->w - 1 + g->pw - rv, g->sw) + 1));
            for (long r = 0; r < g->hq; r++) {
                long yy = r * g->sh + ru - g->ph;
                float *d = dst + r * g->wq * gn;
                if (yy < 0 || yy >= g->h) {
                    for (long q = 0; q < g->wq * gn; q++) d[q] = ninf;
                    continue;
                }
                for (long q = 0; q < s0 * gn; q++) d[q] = ninf;
                for (long q = s1 * gn; q < g->wq * gn; q++) d[q] = ninf;
                // Image by image: a contiguous read of the row, stores gn floats apart (scalar: the
                // AVX-512 scatter the vectoriser would pick is slower).
                for (long n = 0; n < gn; n++) {
                    const float *src = x + (n0 + n) * image + (c * g->h + yy) * g->w + rv - g->pw;
#pragma clang loop vectorize(disable)
                    for (long s = s0; s < s1; s++) d[s * gn + n] = src[s * g->sw];
                }
            }
            for (long q = g->hq * g->wq * gn; q < g->plane; q++) dst[q] = ninf;
        }
    }
}

/// Positions [q0, q0 + count) (count a multiple of the lanes) of one group for output channels
/// o ..< o + CK_MP_OB: `ty[b][q − q0] = max_k x[q + off_k] + wt[k][o + b]` and, when `track`,
/// `ta` the first arg-max (−1 while no term exceeds −∞). `x` is the group's first plane, `off`
/// the offsets of the kh·kw window terms within a channel, channels `cstride` apart. Without
/// `track` the maximum alone: two operations a term instead of four, the same values.
static inline __attribute__((always_inline)) void CK_NAME(maxplus_tile)(const float *x, long channels, long cstride,
                                                                        const long *off, long khw, const float *wt,
                                                                        long ldw, long q0, long count, float *ty,
                                                                        int *ta, const int track) {
    typedef CK_NAME(mpf) vf;
    typedef CK_NAME(mpi) vi;
    for (long q = q0; q < q0 + count; q += CK_MAX_LANES) {
        vf y[CK_MP_OB];
        vi a[CK_MP_OB];
        for (int b = 0; b < CK_MP_OB; b++) { y[b] = (vf){} - __builtin_inff(); a[b] = (vi){} - 1; }
        vi kv = (vi){};
        const float *wk = wt;
        for (long c = 0; c < channels; c++) {
            const float *xc = x + c * cstride + q;
            for (long t = 0; t < khw; t++, wk += ldw, kv += 1) {
                vf xv = *(const vf *)(xc + off[t]);
                for (int b = 0; b < CK_MP_OB; b++) {
                    vf s = xv + wk[b];
                    vi better = s > y[b];  // strict and ordered: ties keep the earlier term, NaN never wins
                    y[b] = (vf)(((vi)s & better) | ((vi)y[b] & ~better));
                    if (track) a[b] = (kv & better) | (a[b] & ~better);
                }
            }
        }
        for (int b = 0; b < CK_MP_OB; b++) {
            *(vf *)(ty + b * CK_MP_TILE + (q - q0)) = y[b];
            if (track) *(vi *)(ta + b * CK_MP_TILE + (q - q0)) = a[b];
        }
    }
}

static void CK_NAME(maxplus_forward)(const CKMaxPlus *g, const float *packed, const float *wt, long group, long o0,
                                     long o1, long i0, long i1, float *y, int *argmax) {
    enum { L = CK_MAX_LANES, T = CK_MP_TILE };
    long n0 = group * g->group, gn = CK_NAME(lmin)(g->group, g->n - n0), khw = g->kh * g->kw;
    long columns = CK_NAME(mp_columns)(g), cstride = CK_NAME(mp_rows)(g) * columns * g->plane, outPlane = g->ho * g->wo;
    const float *x = packed + group * g->c * cstride;
    long off[khw];
    for (long u = 0; u < g->kh; u++)
        for (long v = 0; v < g->kw; v++)
            off[u * g->kw + v] = ((u % g->sh) * columns + v % g->sw) * g->plane + ((u / g->sh) * g->wq + v / g->sw) * gn;
    // Each row's positions (j < wo) in chunks of whole columns, or all rows as one run, garbage
    // columns j ≥ wo included, when that computes fewer vectors (rows shorter than a vector: small
    // groups and maps).
    long row = g->wo * gn, rowsLen = g->wq * gn;
    long merged = ((i1 - i0 - 1) * g->wq + g->wo) * gn;
    int merge = (merged + L - 1) / L < (i1 - i0) * ((row + L - 1) / L);
    float ty[CK_MP_OB * T] __attribute__((aligned(64)));
    int ta[CK_MP_OB * T] __attribute__((aligned(64)));
#define CK_MP_TILE_CALL(qa, count) do { \
        if (argmax) CK_NAME(maxplus_tile)(x, g->c, cstride, off, khw, wt + ob, g->ldw, qa, count, ty, ta, 1); \
        else CK_NAME(maxplus_tile)(x, g->c, cstride, off, khw, wt + ob, g->ldw, qa, count, ty, ta, 0); \
    } while (0)
    if (!merge) {
        long step = CK_NAME(lmax)(1, T / gn);
        for (long i = i0; i < i1; i++) {
            for (long j0 = 0; j0 < g->wo; j0 += step) {
                long j1 = CK_NAME(lmin)(g->wo, j0 + step), qa = (i * g->wq + j0) * gn;
                for (long ob = o0; ob < o1; ob += CK_MP_OB) {
                    CK_MP_TILE_CALL(qa, ((j1 - j0) * gn + L - 1) / L * L);
                    // Tile [j][n] to [N, O, ho, wo]: image by image, a row segment each.
                    for (long b = 0; b < CK_MP_OB && ob + b < o1; b++) {
                        for (long n = 0; n < gn; n++) {
                            long dst = ((n0 + n) * g->cout + ob + b) * outPlane + i * g->wo;
                            const float *sy = ty + b * T + n;
#pragma clang loop vectorize(disable)
                            for (long j = j0; j < j1; j++) y[dst + j] = sy[(j - j0) * gn];
                            if (!argmax) continue;
                            const int *sa = ta + b * T + n;
#pragma clang loop vectorize(disable)
                            for (long j = j0; j < j1; j++) argmax[dst + j] = sa[(j - j0) * gn];
                        }
                    }
                }
            }
        }
        return;
    }
    long ra = i0 * rowsLen, rb = ra + merged;
    for (long qa = ra; qa < rb; qa += T) {
        long qb = CK_NAME(lmin)(qa + T, rb);
        for (long ob = o0; ob < o1; ob += CK_MP_OB) {
            CK_MP_TILE_CALL(qa, (qb - qa + L - 1) / L * L);
            // Positions q ≡ n (mod gn) of image n, skipping the garbage columns.
            for (long b = 0; b < CK_MP_OB && ob + b < o1; b++) {
                for (long n = 0; n < gn; n++) {
                    long q = qa + ((n - qa % gn) % gn + gn) % gn, t = q / gn, ii = t / g->wq, jj = t % g->wq;
                    long dst = ((n0 + n) * g->cout + ob + b) * outPlane;
                    for (; q < qb; q += gn) {
                        if (jj < g->wo) {
                            y[dst + ii * g->wo + jj] = ty[b * T + (q - qa)];
                            if (argmax) argmax[dst + ii * g->wo + jj] = ta[b * T + (q - qa)];
                        }
                        if (++jj == g->wq) { jj = 0; ii++; }
                    }
                }
            }
        }
    }
#undef CK_MP_TILE_CALL
}

// The max-plus backward passes interleave four independent streams (four images for dx, four
// output channels for dw): each stream's `+=` into memory waits on its previous one (the store
// forwarding of one stream is serial), and four streams overlap those waits. Each element still
// sums its terms in the order of the definition.

static void CK_NAME(maxplus_input_gradient)(const float *dy, const int *argmax, const long *off, const CKMaxPlus *g,
                                            long n0, long n1, float *dx) {
    long plane = g->ho * g->wo, image = g->c * g->h * g->w;
    for (long q = n0 * image; q < n1 * image; q++) dx[q] = 0;
    long n = n0;
    for (; n + 4 <= n1; n += 4) {
        float *d0 = dx + n * image, *d1 = d0 + image, *d2 = d1 + image, *d3 = d2 + image;
        for (long o = 0; o < g->cout; o++) {
            long b0 = (n * g->cout + o) * plane, st = g->cout * plane;
            const int *a0 = argmax + b0, *a1 = a0 + st, *a2 = a1 + st, *a3 = a2 + st;
            const float *v0 = dy + b0, *v1 = v0 + st, *v2 = v1 + st, *v3 = v2 + st;
            for (long i = 0; i < g->ho; i++) {
                long origin = (i * g->sh - g->ph) * g->w - g->pw;
                for (long j = 0; j < g->wo; j++) {
                    long e = i * g->wo + j, at = origin + j * g->sw;
                    int k0 = a0[e], k1 = a1[e], k2 = a2[e], k3 = a3[e];
                    if (k0 >= 0) d0[at + off[k0]] += v0[e];
                    if (k1 >= 0) d1[at + off[k1]] += v1[e];
                    if (k2 >= 0) d2[at + off[k2]] += v2[e];
                    if (k3 >= 0) d3[at + off[k3]] += v3[e];
                }
            }
        }
    }
    for (; n < n1; n++) {
        float *d = dx + n * image;
        for (long o = 0; o < g->cout; o++) {
            const int *a = argmax + (n * g->cout + o) * plane;
            const float *v = dy + (n * g->cout + o) * plane;
            for (long i = 0; i < g->ho; i++) {
                long origin = (i * g->sh - g->ph) * g->w - g->pw;
                for (long j = 0; j < g->wo; j++) {
                    int k = a[i * g->wo + j];
                    if (k >= 0) d[origin + j * g->sw + off[k]] += v[i * g->wo + j];
                }
            }
        }
    }
}

static void CK_NAME(maxplus_weight_gradient)(const float *dy, const int *argmax, const CKMaxPlus *g, long o0, long o1,
                                             float *dw) {
    long plane = g->ho * g->wo, fanIn = g->c * g->kh * g->kw;
    for (long q = o0 * fanIn; q < o1 * fanIn; q++) dw[q] = 0;
    long o = o0;
    for (; o + 4 <= o1; o += 4) {
        float *d0 = dw + o * fanIn, *d1 = d0 + fanIn, *d2 = d1 + fanIn, *d3 = d2 + fanIn;
        for (long n = 0; n < g->n; n++) {
            long b0 = (n * g->cout + o) * plane;
            const int *a0 = argmax + b0, *a1 = a0 + plane, *a2 = a1 + plane, *a3 = a2 + plane;
            const float *v0 = dy + b0, *v1 = v0 + plane, *v2 = v1 + plane, *v3 = v2 + plane;
            for (long e = 0; e < plane; e++) {
                int k0 = a0[e], k1 = a1[e], k2 = a2[e], k3 = a3[e];
                if (k0 >= 0) d0[k0] += v0[e];
                if (k1 >= 0) d1[k1] += v1[e];
                if (k2 >= 0) d2[k2] += v2[e];
                if (k3 >= 0) d3[k3] += v3[e];
            }
        }
    }
    for (; o < o1; o++) {
        float *d = dw + o * fanIn;
        for (long n = 0; n < g->n; n++) {
            const int *a = argmax + (n * g->cout + o) * plane;
            const float *v = dy + (n * g->cout + o) * plane;
            for (long e = 0; e < plane; e++) {
                int k = a[e];
                if (k >= 0) d[k] += v[e];
            }
        }
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
    .winograd4_input = CK_NAME(winograd4_input),
    .winograd4_output = CK_NAME(winograd4_output),
    .winograd4_gradient = CK_NAME(winograd4_gradient),
    .winograd4_kernels = CK_CAT(winograd4_kernels, CK_WEIGHT_TRANSFORMS),
    .winograd4_weight_gradient = CK_CAT(winograd4_weight_gradient, CK_WEIGHT_TRANSFORMS),
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
    .exp = CK_NAME(exp),
    .log = CK_NAME(log),
    .add = CK_NAME(add),
    .accumulate = CK_NAME(accumulate),
    .lookup_forward = CK_NAME(lookup_forward),
    .lookup_stage = CK_NAME(lookup_stage),
    .gaussian_fill = CK_NAME(gaussian_fill),
    .maxplus_pack = CK_NAME(maxplus_pack),
    .maxplus_forward = CK_NAME(maxplus_forward),
    .maxplus_input_gradient = CK_NAME(maxplus_input_gradient),
    .maxplus_weight_gradient = CK_NAME(maxplus_weight_gradient),
};
