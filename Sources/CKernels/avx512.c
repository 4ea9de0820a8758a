// AVX-512 variant (F, BW, VL): 16-lane tiles on wide rows, zmm registers for the streams.
#include <string.h>
#if defined(__x86_64__)
#include <immintrin.h>
#endif
#include "CKernels.h"
#if defined(__x86_64__)
#define CK_SUFFIX avx512
#define CK_NAME_STRING "avx512"
#define CK_MAX_LANES 16
// The weight transforms (16-channel blocks with a switch per lane) run 1.8x slower compiled for
// AVX-512 than for AVX2 on the 2026-12 AMD EPYC (bench/kernels): this variant uses AVX2's.
#define CK_WEIGHT_TRANSFORMS avx2
void winograd_kernels_avx2(const float *w, long cin, long cout, long co0, long co1, int rotated, float *u);
void winograd_weight_gradient_avx2(const float *du, long cin, long cout, long parts, long uCount, long co0, long co1,
                                   float *dw);
void winograd4_kernels_avx2(const float *w, long cin, long cout, long co0, long co1, int rotated, float *u);
void winograd4_weight_gradient_avx2(const float *du, long cin, long cout, long parts, long uCount, long co0, long co1,
                                    float *dw);
#pragma clang attribute push(__attribute__((target("avx512f,avx512bw,avx512vl,avx2,fma"))), apply_to = function)
#include "kernels_body.h"
#pragma clang attribute pop
#endif
