// Winograd F(2×2, 3×3) tile transforms on LANES tiles at a time. Included by kernels_body.h once
// per lane count with CK_WNAME(x) naming the instance; no include guard on purpose.
// The arithmetic mirrors Winograd.swift operation for operation (bit-identical results).

typedef float CK_WNAME(vf) __attribute__((vector_size(4 * LANES), aligned(4), may_alias));
typedef float CK_WNAME(vf2) __attribute__((vector_size(8 * LANES), aligned(4), may_alias));

static inline void CK_WNAME(input_tiles)(const float *plane, long half, long width, long th, long tw,
                                         float *v, long ci, long ld, long stride) {
    typedef CK_WNAME(vf) vf;
    for (long ty = 0; ty < th; ty++) {
        const float *e0 = plane + 2 * ty * width, *e1 = e0 + width, *e2 = e1 + width, *e3 = e2 + width;
        const float *o0 = e0 + half, *o1 = e1 + half, *o2 = e2 + half, *o3 = e3 + half;
        float *p = v + ci * ld + ty * tw;
        for (long tx = 0; tx < tw; tx += LANES) {
#define L(ptr) (*(const vf *)(ptr))
            vf d00 = L(e0 + tx), d01 = L(o0 + tx), d02 = L(e0 + tx + 1), d03 = L(o0 + tx + 1);
            vf d10 = L(e1 + tx), d11 = L(o1 + tx), d12 = L(e1 + tx + 1), d13 = L(o1 + tx + 1);
            vf d20 = L(e2 + tx), d21 = L(o2 + tx), d22 = L(e2 + tx + 1), d23 = L(o2 + tx + 1);
            vf d30 = L(e3 + tx), d31 = L(o3 + tx), d32 = L(e3 + tx + 1), d33 = L(o3 + tx + 1);
#undef L
            vf a0 = d00 - d20, a1 = d01 - d21, a2 = d02 - d22, a3 = d03 - d23;
            vf b0 = d10 + d20, b1 = d11 + d21, b2 = d12 + d22, b3 = d13 + d23;
            vf c0 = d20 - d10, c1 = d21 - d11, c2 = d22 - d12, c3 = d23 - d13;
            vf f0 = d10 - d30, f1 = d11 - d31, f2 = d12 - d32, f3 = d13 - d33;
#define S(k, val) (*(vf *)(p + (k) * stride) = (val))
            S(0, a0 - a2); S(1, a1 + a2); S(2, a2 - a1); S(3, a1 - a3);
            S(4, b0 - b2); S(5, b1 + b2); S(6, b2 - b1); S(7, b1 - b3);
            S(8, c0 - c2); S(9, c1 + c2); S(10, c2 - c1); S(11, c1 - c3);
            S(12, f0 - f2); S(13, f1 + f2); S(14, f2 - f1); S(15, f1 - f3);
#undef S
            p += LANES;
        }
    }
}

#if LANES == 4
#define CK_INTERLEAVE 0, 4, 1, 5, 2, 6, 3, 7
#define CK_EVEN 0, 2, 4, 6
#define CK_ODD 1, 3, 5, 7
#elif LANES == 8
#define CK_INTERLEAVE 0, 8, 1, 9, 2, 10, 3, 11, 4, 12, 5, 13, 6, 14, 7, 15
#define CK_EVEN 0, 2, 4, 6, 8, 10, 12, 14
#define CK_ODD 1, 3, 5, 7, 9, 11, 13, 15
#else
#define CK_INTERLEAVE 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23, \
    8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31
#define CK_EVEN 0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30
#define CK_ODD 1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31
#endif

/// Stores the first `count` of 2·LANES floats.
static inline void CK_WNAME(store2)(float *dst, const CK_WNAME(vf2) *value, long count) {
    if (count >= 2 * LANES) {
        *(CK_WNAME(vf2) *)dst = *value;
    } else {
        CK_NAME(store_first)(dst, (const float *)value, count);
    }
}

static inline void CK_WNAME(output)(const float *m, long ld, long stride, long cout, long ho, long wo, long th,
                                    long tw, const float *bias, float *out) {
    typedef CK_WNAME(vf) vf;
    for (long co = 0; co < cout; co++) {
        float b = bias ? bias[co] : 0.0f;
        vf bv;
        for (int l = 0; l < LANES; l++) bv[l] = b;
        float *dst = out + co * ho * wo;
        for (long ty = 0; ty < th; ty++) {
            float *top = dst + 2 * ty * wo, *bottom = top + wo;
            int fullRow = 2 * ty + 1 < ho;
            const float *p = m + co * ld + ty * tw;
            for (long tx = 0; tx < tw; tx += LANES) {
#define L(k) (*(const vf *)(p + (k) * stride))
                vf m0 = L(0), m1 = L(1), m2 = L(2), m3 = L(3), m4 = L(4), m5 = L(5), m6 = L(6), m7 = L(7);
                vf m8 = L(8), m9 = L(9), m10 = L(10), m11 = L(11);
                vf s0 = m0 + m4 + m8, s1 = m1 + m5 + m9, s2 = m2 + m6 + m10, s3 = m3 + m7 + m11;
                long columns = wo - 2 * tx;
                vf lo = s0 + s1 + s2 + bv, hi = s1 - s2 - s3 + bv;
                CK_WNAME(vf2) t2 = __builtin_shufflevector(lo, hi, CK_INTERLEAVE);
                CK_WNAME(store2)(top + 2 * tx, &t2, columns);
                if (fullRow) {
                    vf m12 = L(12), m13 = L(13), m14 = L(14), m15 = L(15);
                    vf e0 = m4 - m8 - m12, e1 = m5 - m9 - m13, e2 = m6 - m10 - m14, e3 = m7 - m11 - m15;
                    vf lo2 = e0 + e1 + e2 + bv, hi2 = e1 - e2 - e3 + bv;
                    CK_WNAME(vf2) b2 = __builtin_shufflevector(lo2, hi2, CK_INTERLEAVE);
                    CK_WNAME(store2)(bottom + 2 * tx, &b2, columns);
                }
#undef L
                p += LANES;
            }
        }
    }
}

static inline void CK_WNAME(gradient)(const float *dy, long cout, long ho, long wo, long th, long tw,
                                      float *plane, long width, float *d, long ld, long stride) {
    typedef CK_WNAME(vf) vf;
    typedef CK_WNAME(vf2) vf2;
    for (long co = 0; co < cout; co++) {
        const float *src = dy + co * ho * wo;
        for (long y = 0; y < ho; y++) memcpy(plane + y * width, src + y * wo, (size_t)wo * sizeof(float));
        for (long ty = 0; ty < th; ty++) {
            const float *top = plane + 2 * ty * width, *bottom = top + width;
            float *p = d + co * ld + ty * tw;
            for (long tx = 0; tx < tw; tx += LANES) {
                vf2 r0 = *(const vf2 *)(top + 2 * tx), r1 = *(const vf2 *)(bottom + 2 * tx);
                vf y00 = __builtin_shufflevector(r0, r0, CK_EVEN), y01 = __builtin_shufflevector(r0, r0, CK_ODD);
                vf y10 = __builtin_shufflevector(r1, r1, CK_EVEN), y11 = __builtin_shufflevector(r1, r1, CK_ODD);
#define ROW(a, p0, q) do { vf P0 = (p0), Q = (q); \
    *(vf *)(p + 4 * (a) * stride) = P0; *(vf *)(p + (4 * (a) + 1) * stride) = P0 + Q; \
    *(vf *)(p + (4 * (a) + 2) * stride) = P0 - Q; *(vf *)(p + (4 * (a) + 3) * stride) = -Q; } while (0)
                ROW(0, y00, y01);
                ROW(1, y00 + y10, y01 + y11);
                ROW(2, y00 - y10, y01 - y11);
                ROW(3, -y10, -y11);
#undef ROW
                p += LANES;
            }
        }
    }
}

#undef CK_INTERLEAVE
#undef CK_EVEN
#undef CK_ODD
