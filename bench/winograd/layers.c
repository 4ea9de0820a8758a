// F(2×2,3×3) against F(4×4,3×3) per ResNet-18 layer (small stem, 28×28 input): thread CPU time of
// the forward pass and the weight gradient of one core's share of a batch (64 images, blocked as
// Winograd.swift blocks them), CKernels transforms + OpenBLAS sgemm on one thread, best of REPS.
// The input gradient is a forward pass of the same shape. Finds `Winograd.f4MinimumSide`.
// Environment: NOGEMM=1 times the transforms alone, SKEW=0 the unskewed matrix stride, BUDGET=n
// another block budget, RESNET=1 only ResNet-18's four shapes.
// Build and run: bench/winograd/layers.sh
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cblas.h>
#include "CKernels.h"

void openblas_set_num_threads(int);

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return t.tv_sec + 1e-9 * t.tv_nsec;
}

static float *buffer(long n) {
    float *p = aligned_alloc(64, ((size_t)n * 4 + 63) / 64 * 64);
    for (long i = 0; i < n; i++) p[i] = (float)((i * 2654435761u) % 2001) / 1000.0f - 1.0f;
    return p;
}

enum { IMAGES = 64, REPS = 5, PADDING = 16 };
/// Winograd.blockBudget (floats of V and M per block); BUDGET in the environment overrides it.
static long BUDGET = 1 << 21;

/// Winograd.swift `matrixStride`: `floats` rounded up to an odd multiple of 16 (64 bytes), so
/// the α² streams of a transform fall into different cache sets. SKEW=0 in the environment
/// measures the unskewed stride instead.
static long matrix_stride(long floats) {
    if (getenv("SKEW") && atoi(getenv("SKEW")) == 0) return floats;
    long lines = (floats + 15) / 16;
    return 16 * (lines | 1);
}

/// Seconds for the forward pass (`weight` 0) or the weight gradient (`weight` 1) of IMAGES images.
static double layer(const CKKernels *K, int m, long c, long h, int weight) {
    long e = (m + 2) * (m + 2), th = (h + m - 1) / m, tw = th, per = th * tw;
    long nb = BUDGET / (e * 2 * c * per);
    if (nb < 1) nb = 1;
    if (nb > IMAGES) nb = IMAGES;
    long ld = nb * per + PADDING;
    long planeFloats = m == 2 ? (2 * th + 2) * (2 * tw + 2) + PADDING : (4 * th + 2) * 4 * (tw + 1) + PADDING;
    long gradWidth = 2 * tw + 32, gradFloats = m == 2 ? 2 * th * gradWidth : planeFloats;
    float *x = buffer(IMAGES * c * h * h), *out = buffer(IMAGES * c * h * h), *w = buffer(c * c * 9);
    long stride = matrix_stride(c * ld);
    float *u = buffer(e * c * c), *v = buffer(e * stride), *mm = buffer(e * stride);
    float *planes = buffer(2 * planeFloats), *plane = buffer(gradFloats);
    double best = 1e30;
    for (int r = 0; r < REPS; r++) {
        double t0 = now();
        memset(planes, 0, 2 * planeFloats * 4);
        memset(plane, 0, gradFloats * 4);
        if (!weight) (m == 2 ? K->winograd_kernels : K->winograd4_kernels)(w, c, c, 0, c, 0, u);
        for (long n0 = 0; n0 < IMAGES; n0 += nb) {
            long count = IMAGES - n0 < nb ? IMAGES - n0 : nb;
            for (long i = 0; i < count; i++) {
                const float *xi = x + (n0 + i) * c * h * h;
                if (m == 2) K->winograd_input(xi, c, h, h, 1, 1, th, tw, planes, planeFloats, v + i * per, ld, stride);
                else K->winograd4_input(xi, c, h, h, 1, 1, th, tw, planes, planeFloats, v + i * per, ld, stride);
                if (weight) {
                    if (m == 2) K->winograd_gradient(xi, c, h, h, th, tw, plane, gradWidth, mm + i * per, ld, stride);
                    else K->winograd4_gradient(xi, c, h, h, th, tw, plane, mm + i * per, ld, stride);
                }
            }
            for (long xi = 0; xi < (getenv("NOGEMM") ? 0 : e); xi++) {
                if (weight)
                    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, c, c, count * per, 1, mm + xi * stride, ld,
                                v + xi * stride, ld, 1, u + xi * c * c, c);
                else
                    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, c, count * per, c, 1, u + xi * c * c, c,
                                v + xi * stride, ld, 0, mm + xi * stride, ld);
            }
            if (!weight)
                for (long i = 0; i < count; i++)
                    (m == 2 ? K->winograd_output : K->winograd4_output)(mm + i * per, ld, stride, c, h, h, th, tw, NULL,
                                                                          out + (n0 + i) * c * h * h);
        }
        if (weight) (m == 2 ? K->winograd_weight_gradient : K->winograd4_weight_gradient)(u, c, c, 1, e * c * c, 0, c, w);
        double t = now() - t0;
        if (t < best) best = t;
    }
    free(x); free(out); free(w); free(u); free(v); free(mm); free(planes); free(plane);
    return best;
}

int main(void) {
    openblas_set_num_threads(1);
    if (getenv("BUDGET")) BUDGET = atol(getenv("BUDGET"));
    const CKKernels *K = ck_active();
    printf("CKernels variant %s, %d images, one thread, best of %d, block budget %ld floats, matrix stride %s\n\n", K->name, IMAGES, REPS, BUDGET,
           matrix_stride(1024) == 1024 ? "unskewed" : "skewed");
    printf("| layer (c = cout, h×w) | forward F(2×2) ms | forward F(4×4) ms | F(2)/F(4) | dw F(2×2) ms | dw F(4×4) ms | F(2)/F(4) |\n");
    printf("|---|---|---|---|---|---|---|\n");
    long shapes[][2] = {{64, 28}, {64, 16}, {128, 14}, {128, 10}, {128, 8}, {256, 7}, {256, 6}, {256, 5}, {512, 4}};
    if (getenv("RESNET")) { long r[][2] = {{64, 28}, {128, 14}, {256, 7}, {512, 4}}; memcpy(shapes, r, sizeof r); shapes[4][0] = 0; }
    for (int s = 0; s < (int)(sizeof shapes / sizeof shapes[0]); s++) {
        long c = shapes[s][0], h = shapes[s][1];
        if (c == 0) break;
        double f2 = layer(K, 2, c, h, 0), f4 = layer(K, 4, c, h, 0);
        double g2 = layer(K, 2, c, h, 1), g4 = layer(K, 4, c, h, 1);
        printf("| %ld, %ld×%ld | %.1f | %.1f | %.2f | %.1f | %.1f | %.2f |\n", c, h, h, 1e3 * f2, 1e3 * f4, f2 / f4,
               1e3 * g2, 1e3 * g4, g2 / g4);
        fflush(stdout);
    }
    return 0;
}
