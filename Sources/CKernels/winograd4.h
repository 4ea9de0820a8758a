// Winograd F(4×4, 3×3) entry points of one variant (Winograd.swift has the matrices and the
// layout of V, M and D). Included by kernels_body.h after CK_PICK; no include guard on purpose.

#define LANES 4
#include "winograd4_lanes.h"
#undef LANES
#if CK_MAX_LANES >= 8
#define LANES 8
#include "winograd4_lanes.h"
#undef LANES
#endif
#if CK_MAX_LANES >= 16
#define LANES 16
#include "winograd4_lanes.h"
#undef LANES
#endif

typedef float CK_NAME(vquad) __attribute__((vector_size(16 * CK_MAX_LANES), aligned(4), may_alias));
typedef float CK_NAME(vsplit) __attribute__((vector_size(4 * CK_MAX_LANES), aligned(4), may_alias));
typedef float CK_NAME(vblock16) __attribute__((vector_size(64), aligned(4), may_alias));
#if CK_MAX_LANES == 4
#define CK_PHASE(j) j, j + 4, j + 8, j + 12
#elif CK_MAX_LANES == 8
#define CK_PHASE(j) j, j + 4, j + 8, j + 12, j + 16, j + 20, j + 24, j + 28
#else
#define CK_PHASE(j) j, j + 4, j + 8, j + 12, j + 16, j + 20, j + 24, j + 28, \
    j + 32, j + 36, j + 40, j + 44, j + 48, j + 52, j + 56, j + 60
#endif

/// Splits `line[0 ..< w]` into the column phases of a plane row: column `X = xx + offset` goes
/// to `row[(X mod 4)·q + X / 4]`. 4·CK_MAX_LANES columns at a time by shuffles, then 16, then
/// one by one; never writes a phase past column `offset + w − 1`.
static inline void CK_NAME(split4)(const float *line, long w, long offset, float *row, long q) {
    long x0 = 0;
    for (; x0 + 4 * CK_MAX_LANES <= w; x0 += 4 * CK_MAX_LANES) {
        CK_NAME(vquad) block = *(const CK_NAME(vquad) *)(line + x0);
        long s = x0 + offset;
        *(CK_NAME(vsplit) *)(row + (s & 3) * q + (s >> 2)) = __builtin_shufflevector(block, block, CK_PHASE(0));
        *(CK_NAME(vsplit) *)(row + ((s + 1) & 3) * q + ((s + 1) >> 2)) = __builtin_shufflevector(block, block, CK_PHASE(1));
        *(CK_NAME(vsplit) *)(row + ((s + 2) & 3) * q + ((s + 2) >> 2)) = __builtin_shufflevector(block, block, CK_PHASE(2));
        *(CK_NAME(vsplit) *)(row + ((s + 3) & 3) * q + ((s + 3) >> 2)) = __builtin_shufflevector(block, block, CK_PHASE(3));
    }
#if CK_MAX_LANES > 4
    for (; x0 + 16 <= w; x0 += 16) {
        CK_NAME(vblock16) block = *(const CK_NAME(vblock16) *)(line + x0);
        long s = x0 + offset;
        *(CK_NAME(v4) *)(row + (s & 3) * q + (s >> 2)) = __builtin_shufflevector(block, block, 0, 4, 8, 12);
        *(CK_NAME(v4) *)(row + ((s + 1) & 3) * q + ((s + 1) >> 2)) = __builtin_shufflevector(block, block, 1, 5, 9, 13);
        *(CK_NAME(v4) *)(row + ((s + 2) & 3) * q + ((s + 2) >> 2)) = __builtin_shufflevector(block, block, 2, 6, 10, 14);
        *(CK_NAME(v4) *)(row + ((s + 3) & 3) * q + ((s + 3) >> 2)) = __builtin_shufflevector(block, block, 3, 7, 11, 15);
    }
#endif
    for (; x0 < w; x0++) {
        long X = x0 + offset;
        row[(X & 3) * q + (X >> 2)] = line[x0];
    }
}
#undef CK_PHASE

static void CK_NAME(winograd4_input)(const float *x, long c, long h, long w, long ph, long pw, long th, long tw,
                                     float *planes, long planeFloats, float *v, long ld, long stride) {
    long q = tw + 1, width = 4 * q;
    for (long ci = -1; ci < c; ci++) {
        // Channel ci + 1 into plane (ci + 1) % 2 before channel ci is transformed from the other.
        long next = ci + 1;
        if (next < c) {
            const float *src = x + next * h * w;
            float *plane = planes + (next & 1) * planeFloats;
            for (long y = 0; y < h; y++) CK_NAME(split4)(src + y * w, w, pw, plane + (y + ph) * width, q);
        }
        if (ci < 0) continue;
        CK_PICK(input4_tiles, tw, planes + (ci & 1) * planeFloats, q, width, th, tw, v, ci, ld, stride);
    }
}

static void CK_NAME(winograd4_output)(const float *m, long ld, long stride, long cout, long ho, long wo, long th,
                                      long tw, const float *bias, float *out) {
    CK_PICK(output4, tw, m, ld, stride, cout, ho, wo, th, tw, bias, out);
}

static void CK_NAME(winograd4_gradient)(const float *dy, long cout, long ho, long wo, long th, long tw,
                                        float *plane, float *d, long ld, long stride) {
    long q = tw + 1, width = 4 * q;
    for (long co = 0; co < cout; co++) {
        const float *src = dy + co * ho * wo;
        for (long y = 0; y < ho; y++) CK_NAME(split4)(src + y * wo, wo, 0, plane + y * width, q);
        CK_PICK(gradient4_tiles, tw, plane, q, width, th, tw, d, co, ld, stride);
    }
}

// External (not static): the AVX-512 table takes these two from the AVX2 file.
void CK_NAME(winograd4_kernels)(const float *w, long cin, long cout, long co0, long co1, int rotated, float *u);
void CK_NAME(winograd4_weight_gradient)(const float *du, long cin, long cout, long parts, long uCount, long co0,
                                        long co1, float *dw);

/// `U = G g Gᵀ` with `G = [¼ 0 0; −⅙ −⅙ −⅙; −⅙ ⅙ −⅙; 1/24 1/12 ⅙; 1/24 −1/12 ⅙; 0 0 1]`:
/// blocks of B input channels, channel innermost (the layout of `winograd_kernels`).
void CK_NAME(winograd4_kernels)(const float *w, long cin, long cout, long co0, long co1, int rotated, float *u) {
    long stride = cout * cin;
    enum { B = 16 };
    for (long co = co0; co < co1; co++) {
        float *dst = u + co * cin;
        for (long c0 = 0; c0 < cin; c0 += B) {
            long nb = cin - c0 < B ? cin - c0 : B;
            float g[9][B], r[6][3][B];
            for (long l = 0; l < nb; l++) {
                long ci = c0 + l;
                const float *k = rotated ? w + (ci * cout + co) * 9 : w + (co * cin + ci) * 9;
                for (int t = 0; t < 9; t++) g[t][l] = rotated ? k[8 - t] : k[t];
            }
            for (long l = nb; l < B; l++) for (int t = 0; t < 9; t++) g[t][l] = 0;
            // G applied to (a, b, c): a/4, −(a + b + c)/6, (b − (a + c))/6, (a/4 + c ± b/2)/6, c.
#define CK_G3(a, b, cc, o0, o1, o2, o3, o4, o5) do { \
    float s_ = (a) + (cc), p_ = 0.25f * (a) + (cc); \
    (o0) = 0.25f * (a); (o1) = -((s_ + (b)) / 6.0f); (o2) = ((b) - s_) / 6.0f; \
    (o3) = (p_ + 0.5f * (b)) / 6.0f; (o4) = (p_ - 0.5f * (b)) / 6.0f; (o5) = (cc); } while (0)
            for (int j = 0; j < 3; j++) {
                for (int l = 0; l < B; l++) {
                    CK_G3(g[j][l], g[3 + j][l], g[6 + j][l], r[0][j][l], r[1][j][l], r[2][j][l], r[3][j][l], r[4][j][l],
                          r[5][j][l]);
                }
            }
            for (int i = 0; i < 6; i++) {
                float o[6][B];
                for (int l = 0; l < B; l++) {
                    CK_G3(r[i][0][l], r[i][1][l], r[i][2][l], o[0][l], o[1][l], o[2][l], o[3][l], o[4][l], o[5][l]);
                }
                for (int k = 0; k < 6; k++) memcpy(dst + (6 * i + k) * stride + c0, o[k], (size_t)nb * sizeof(float));
            }
#undef CK_G3
        }
    }
}

/// `dw = Gᵀ (Σ_parts ∂L/∂U) G`: blocks of B input channels, lanes = channels.
void CK_NAME(winograd4_weight_gradient)(const float *du, long cin, long cout, long parts, long uCount,
                                        long co0, long co1, float *dw) {
    long stride = cout * cin;
    enum { B = 16 };
    for (long co = co0; co < co1; co++) {
        for (long c0 = 0; c0 < cin; c0 += B) {
            long nb = cin - c0 < B ? cin - c0 : B;
            const float *src = du + co * cin + c0;
            float u[36][B], cv[6][3][B];
            for (int xi = 0; xi < 36; xi++) {
                for (int l = 0; l < B; l++) u[xi][l] = 0;
                for (long k = 0; k < parts; k++) {
                    const float *p = src + k * uCount + xi * stride;
                    for (long l = 0; l < nb; l++) u[xi][l] += p[l];
                }
            }
            // Gᵀ applied to six: u0/4 + ((u3 + u4)/4 − (u1 + u2))/6, ((u2 − u1) + (u3 − u4)/2)/6,
            // ((u3 + u4) − (u1 + u2))/6 + u5.
#define CK_GT6(u0, u1, u2, u3, u4, u5, r0, r1, r2) do { \
    float s12_ = (u1) + (u2), s34_ = (u3) + (u4); \
    (r0) = 0.25f * (u0) + (0.25f * s34_ - s12_) / 6.0f; \
    (r1) = (((u2) - (u1)) + 0.5f * ((u3) - (u4))) / 6.0f; \
    (r2) = (s34_ - s12_) / 6.0f + (u5); } while (0)
            for (int i = 0; i < 6; i++) {
                for (int l = 0; l < B; l++) {
                    CK_GT6(u[6 * i][l], u[6 * i + 1][l], u[6 * i + 2][l], u[6 * i + 3][l], u[6 * i + 4][l],
                           u[6 * i + 5][l], cv[i][0][l], cv[i][1][l], cv[i][2][l]);
                }
            }
            for (long l = 0; l < nb; l++) {
                float *k = dw + (co * cin + c0 + l) * 9;
                for (int b = 0; b < 3; b++) {
                    CK_GT6(cv[0][b][l], cv[1][b][l], cv[2][b][l], cv[3][b][l], cv[4][b][l], cv[5][b][l], k[b], k[3 + b],
                           k[6 + b]);
                }
            }
#undef CK_GT6
        }
    }
}
