// Winograd F(4×4, 3×3) tile transforms on LANES tiles at a time (Winograd.swift has the
// matrices). Included by winograd4.h once per lane count with CK_WNAME(x) naming the instance;
// no include guard on purpose. The planes hold every row split into its four column phases
// (`phase[p][k] = row[4k + p]`, phases `q` floats apart), so the six columns of tiles
// tx ..< tx + LANES are phases 0, 1, 2, 3 at tx and phases 0, 1 at tx + 1: six vector loads
// per row, no shuffles. The factors are powers of two (exact) and the order of operations is
// fixed, so every variant rounds identically.

/// `o = Bᵀ d` for one column of six: `Bᵀ = [4 0 −5 0 1 0; 0 −4 −4 1 1 0; 0 4 −4 −1 1 0;
/// 0 −2 −1 2 1 0; 0 2 −1 −2 1 0; 0 4 0 −5 0 1]`.
#define CK_BT6(d0, d1, d2, d3, d4, d5, o0, o1, o2, o3, o4, o5) do { \
    vf a_ = (d4) - 4.0f * (d2), b_ = (d3) - 4.0f * (d1); \
    vf c_ = (d4) - (d2), e_ = 2.0f * ((d3) - (d1)); \
    (o0) = 4.0f * ((d0) - (d2)) + ((d4) - (d2)); \
    (o1) = a_ + b_; (o2) = a_ - b_; (o3) = c_ + e_; (o4) = c_ - e_; \
    (o5) = 4.0f * ((d1) - (d3)) + ((d5) - (d3)); } while (0)

/// `y = Aᵀ m` for six: `Aᵀ = [1 1 1 1 1 0; 0 1 −1 2 −2 0; 0 1 1 4 4 0; 0 1 −1 8 −8 1]`.
#define CK_AT6(m0, m1, m2, m3, m4, m5, y0, y1, y2, y3) do { \
    vf a_ = (m1) + (m2), b_ = (m1) - (m2), c_ = (m3) + (m4), e_ = (m3) - (m4); \
    (y0) = (m0) + a_ + c_; (y1) = b_ + 2.0f * e_; (y2) = a_ + 4.0f * c_; (y3) = b_ + 8.0f * e_ + (m5); } while (0)

/// `z = A y` for four (the transpose of `CK_AT6`).
#define CK_A4(y0, y1, y2, y3, z0, z1, z2, z3, z4, z5) do { \
    vf p_ = (y0) + (y2), q_ = (y1) + (y3), r_ = (y0) + 4.0f * (y2), s_ = 2.0f * (y1) + 8.0f * (y3); \
    (z0) = (y0); (z1) = p_ + q_; (z2) = p_ - q_; (z3) = r_ + s_; (z4) = r_ - s_; (z5) = (y3); } while (0)

typedef float CK_WNAME(v4f) __attribute__((vector_size(4 * LANES), aligned(4), may_alias));
typedef float CK_WNAME(v4f2) __attribute__((vector_size(8 * LANES), aligned(4), may_alias));
typedef float CK_WNAME(v4f4) __attribute__((vector_size(16 * LANES), aligned(4), may_alias));

/// `V_ξ[ci][tile] = (Bᵀ d B)_ξ`, ξ = 6·row + column, for every tile of the channel in `plane`
/// (rows `width` = 4·q apart). A row's last group writes up to LANES − 1 tiles past the row.
static inline void CK_WNAME(input4_tiles)(const float *plane, long q, long width, long th, long tw,
                                          float *v, long ci, long ld, long stride) {
    typedef CK_WNAME(v4f) vf;
    for (long ty = 0; ty < th; ty++) {
        const float *top = plane + 4 * ty * width;
        float *p = v + ci * ld + ty * tw;
        for (long tx = 0; tx < tw; tx += LANES) {
            vf t[6][6];
            #pragma clang loop unroll(full)
            for (int j = 0; j < 6; j++) {
                const float *col = top + (j & 3) * q + (j >> 2) + tx;
#define L(r) (*(const vf *)(col + (r) * width))
                vf d0 = L(0), d1 = L(1), d2 = L(2), d3 = L(3), d4 = L(4), d5 = L(5);
#undef L
                CK_BT6(d0, d1, d2, d3, d4, d5, t[0][j], t[1][j], t[2][j], t[3][j], t[4][j], t[5][j]);
            }
            #pragma clang loop unroll(full)
            for (int i = 0; i < 6; i++) {
                vf o0, o1, o2, o3, o4, o5;
                CK_BT6(t[i][0], t[i][1], t[i][2], t[i][3], t[i][4], t[i][5], o0, o1, o2, o3, o4, o5);
#define S(k, val) (*(vf *)(p + (6 * i + (k)) * stride) = (val))
                S(0, o0); S(1, o1); S(2, o2); S(3, o3); S(4, o4); S(5, o5);
#undef S
            }
            p += LANES;
        }
    }
}

#if LANES == 4
#define CK_INTERLEAVE4 0, 4, 1, 5, 2, 6, 3, 7
#define CK_PAIRS4 0, 1, 8, 9, 2, 3, 10, 11, 4, 5, 12, 13, 6, 7, 14, 15
#elif LANES == 8
#define CK_INTERLEAVE4 0, 8, 1, 9, 2, 10, 3, 11, 4, 12, 5, 13, 6, 14, 7, 15
#define CK_PAIRS4 0, 1, 16, 17, 2, 3, 18, 19, 4, 5, 20, 21, 6, 7, 22, 23, \
    8, 9, 24, 25, 10, 11, 26, 27, 12, 13, 28, 29, 14, 15, 30, 31
#else
#define CK_INTERLEAVE4 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23, \
    8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31
#define CK_PAIRS4 0, 1, 32, 33, 2, 3, 34, 35, 4, 5, 36, 37, 6, 7, 38, 39, \
    8, 9, 40, 41, 10, 11, 42, 43, 12, 13, 44, 45, 14, 15, 46, 47, \
    16, 17, 48, 49, 18, 19, 50, 51, 20, 21, 52, 53, 22, 23, 54, 55, \
    24, 25, 56, 57, 26, 27, 58, 59, 28, 29, 60, 61, 30, 31, 62, 63
#endif

/// Stores the first `count` of 4·LANES floats (masked where the instruction set allows).
static inline void CK_WNAME(store4)(float *dst, const CK_WNAME(v4f4) *value, long count) {
    if (count >= 4 * LANES) {
        *(CK_WNAME(v4f4) *)dst = *value;
        return;
    }
    CK_NAME(store_first)(dst, (const float *)value, count);
}

/// `Y = Aᵀ M A + bias` of one image: the four output rows of a tile row from the 36 products,
/// each row's four phases interleaved by shuffles and stored up to the last column; rows past
/// `ho` are dropped. A row's last group reads up to LANES − 1 tiles past the row.
static inline void CK_WNAME(output4)(const float *m, long ld, long stride, long cout, long ho, long wo, long th,
                                     long tw, const float *bias, float *out) {
    typedef CK_WNAME(v4f) vf;
    typedef CK_WNAME(v4f2) vf2;
    typedef CK_WNAME(v4f4) vf4;
    for (long co = 0; co < cout; co++) {
        float b = bias ? bias[co] : 0.0f;
        vf bv;
        for (int l = 0; l < LANES; l++) bv[l] = b;
        float *dst = out + co * ho * wo;
        for (long ty = 0; ty < th; ty++) {
            long rows = ho - 4 * ty < 4 ? ho - 4 * ty : 4;
            const float *p = m + co * ld + ty * tw;
            for (long tx = 0; tx < tw; tx += LANES) {
                vf t[4][6];
                #pragma clang loop unroll(full)
                for (int j = 0; j < 6; j++) {
#define L(i) (*(const vf *)(p + (6 * (i) + j) * stride))
                    vf m0 = L(0), m1 = L(1), m2 = L(2), m3 = L(3), m4 = L(4), m5 = L(5);
#undef L
                    CK_AT6(m0, m1, m2, m3, m4, m5, t[0][j], t[1][j], t[2][j], t[3][j]);
                }
                long columns = wo - 4 * tx;
#pragma clang loop unroll(full)
                for (int r = 0; r < 4; r++) {
                    if (r >= rows) break;
                    vf y0, y1, y2, y3;
                    CK_AT6(t[r][0], t[r][1], t[r][2], t[r][3], t[r][4], t[r][5], y0, y1, y2, y3);
                    vf2 lo = __builtin_shufflevector(y0 + bv, y1 + bv, CK_INTERLEAVE4);
                    vf2 hi = __builtin_shufflevector(y2 + bv, y3 + bv, CK_INTERLEAVE4);
                    vf4 row = __builtin_shufflevector(lo, hi, CK_PAIRS4);
                    CK_WNAME(store4)(dst + (4 * ty + r) * wo + 4 * tx, &row, columns);
                }
                p += LANES;
            }
        }
    }
}

/// `D_ξ[co][tile] = (A ∂Y Aᵀ)_ξ` for every tile of one channel's output gradient in `plane`
/// (split like the input planes, rows `width` = 4·q apart, zero past the edges).
static inline void CK_WNAME(gradient4_tiles)(const float *plane, long q, long width, long th, long tw,
                                             float *d, long co, long ld, long stride) {
    typedef CK_WNAME(v4f) vf;
    for (long ty = 0; ty < th; ty++) {
        const float *top = plane + 4 * ty * width;
        float *p = d + co * ld + ty * tw;
        for (long tx = 0; tx < tw; tx += LANES) {
            vf z[6][4];
            #pragma clang loop unroll(full)
            for (int j = 0; j < 4; j++) {
                const float *col = top + j * q + tx;
#define L(r) (*(const vf *)(col + (r) * width))
                vf y0 = L(0), y1 = L(1), y2 = L(2), y3 = L(3);
#undef L
                CK_A4(y0, y1, y2, y3, z[0][j], z[1][j], z[2][j], z[3][j], z[4][j], z[5][j]);
            }
            #pragma clang loop unroll(full)
            for (int i = 0; i < 6; i++) {
                vf o0, o1, o2, o3, o4, o5;
                CK_A4(z[i][0], z[i][1], z[i][2], z[i][3], o0, o1, o2, o3, o4, o5);
#define S(k, val) (*(vf *)(p + (6 * i + (k)) * stride) = (val))
                S(0, o0); S(1, o1); S(2, o2); S(3, o3); S(4, o4); S(5, o5);
#undef S
            }
            p += LANES;
        }
    }
}

#undef CK_INTERLEAVE4
#undef CK_PAIRS4
#undef CK_BT6
#undef CK_AT6
#undef CK_A4
