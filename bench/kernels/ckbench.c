// Per-variant CPU time of the CKernels on the shapes of `bench-train --config small --width 64`
// (ResNet-18, small stem, 28×28, batch 128), one thread. Thread CPU time (not wall time) and the
// minimum over repetitions, because the development machine is shared and loaded.
// Build and run: bench/kernels/run.sh
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>
#include <time.h>
#include "CKernels.h"

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

#define REPS 5
#define TIME(label, body) do { \
    double best[CK_VARIANT_COUNT]; \
    for (int vv = 0; vv < CK_VARIANT_COUNT; vv++) { \
        const CKKernels *K = ck_kernels(vv); best[vv] = 0; if (!K) continue; \
        best[vv] = 1e30; \
        for (int r = 0; r < REPS; r++) { double t0 = now(); body; double t = now() - t0; if (t < best[vv]) best[vv] = t; } \
    } \
    printf("| %s | %.2f", label, 1e3 * best[0]); \
    for (int vv = 1; vv < CK_VARIANT_COUNT; vv++) { if (best[vv] > 0) printf(" | %.2f (%.2f×)", 1e3 * best[vv], best[0] / best[vv]); else printf(" | –"); } \
    printf(" |\n"); } while (0)

int main(void) {
    printf("| kernel (per call or per batch slice) | portable ms | avx2 ms (speed-up) | avx512 ms (speed-up) |\n|---|---|---|---|\n");
    int stages[4][2] = {{64, 28}, {128, 14}, {256, 7}, {512, 4}};
    for (int st = 0; st < 4; st++) {
        long c = stages[st][0], h = stages[st][1], th = (h + 1) / 2, tw = th, per = th * tw;
        long images = 8;  // one block of images, as Winograd.forward's blocking gives
        long ld = images * per + 16, planeFloats = (2 * th + 2) * (2 * tw + 2) + 16;
        float *x = buffer(images * c * h * h), *v = buffer(16 * c * ld), *planes = buffer(2 * planeFloats);
        float *out = buffer(images * c * h * h), *plane = buffer(2 * th * (2 * tw + 32));
        float *w = buffer(c * c * 9), *u = buffer(16 * c * c);
        char label[128];
        snprintf(label, sizeof label, "winograd input, %ld ch %ld×%ld, 8 images", c, h, h);
        TIME(label, { memset(planes, 0, 2 * planeFloats * 4); for (long i = 0; i < images; i++)
            K->winograd_input(x + i * c * h * h, c, h, h, 1, 1, th, tw, planes, planeFloats, v + i * per, ld, c * ld); });
        snprintf(label, sizeof label, "winograd output, %ld ch %ld×%ld, 8 images", c, h, h);
        TIME(label, { for (long i = 0; i < images; i++) K->winograd_output(v + i * per, ld, c * ld, c, h, h, th, tw, NULL, out + i * c * h * h); });
        snprintf(label, sizeof label, "winograd gradient, %ld ch %ld×%ld, 8 images", c, h, h);
        TIME(label, { memset(plane, 0, 2 * th * (2 * tw + 32) * 4); for (long i = 0; i < images; i++)
            K->winograd_gradient(x + i * c * h * h, c, h, h, th, tw, plane, 2 * tw + 32, v + i * per, ld, c * ld); });
        snprintf(label, sizeof label, "winograd kernels, %ld×%ld", c, c);
        TIME(label, K->winograd_kernels(w, c, c, 0, c, 0, u));
        snprintf(label, sizeof label, "winograd kernels rotated, %ld×%ld", c, c);
        TIME(label, K->winograd_kernels(w, c, c, 0, c, 1, u));
        snprintf(label, sizeof label, "winograd weight gradient, %ld×%ld, 2 parts", c, c);
        float *du = buffer(2 * 16 * c * c);
        TIME(label, K->winograd_weight_gradient(du, c, c, 2, 16 * c * c, 0, c, w));
        free(x); free(v); free(planes); free(out); free(plane); free(w); free(u); free(du);
    }
    {   // stride-2 conv 64 → 128 at 28×28 (im2col), one image
        CKConv g = {1, 64, 28, 28, 128, 3, 3, 2, 2, 1, 1, 1, 1, 1, 14, 14, 64};
        float *x = buffer(64 * 28 * 28), *col = buffer(64 * 9 * 196);
        TIME("im2col 64 ch 28×28 stride 2, 8 images", for (int i = 0; i < 8; i++) K->im2col(x, &g, col, 196, 0, 14));
        TIME("col2im 64 ch 28×28 stride 2, 8 images", for (int i = 0; i < 8; i++) K->col2im(col, 196, &g, x, 0, 14));
        CKConv s = {1, 1, 28, 28, 64, 3, 3, 1, 1, 1, 1, 1, 1, 1, 28, 28, 1};
        TIME("im2col stem 1 ch 28×28, 64 images", for (int i = 0; i < 64; i++) K->im2col(x, &s, col, 784, 0, 28));
        free(x); free(col);
    }
    {   // batch norm and element-wise on a [32, 64, 28×28] slice (1.6 M floats)
        long n = 32, c = 64, s = 784, N = n * c * s;
        float *x = buffer(N), *y = buffer(N), *dy = buffer(N), *p = buffer(4 * c);
        TIME("bn statistics, 32×64×784", for (long ch = 0; ch < c; ch++) K->bn_statistics(x, n, c, s, ch, p + ch, p + c + ch));
        TIME("bn affine, 32×64×784", K->bn_affine(x, y, 0, n * c, c, s, p, p + c));
        TIME("bn gradient sums, 32×64×784", for (long ch = 0; ch < c; ch++) K->bn_gradient_sums(x, dy, n, c, s, ch, 0.1f, p + ch, p + c + ch));
        TIME("bn input gradient, 32×64×784", K->bn_input_gradient(x, dy, y, 0, n * c, c, s, p, p + c, p + 2 * c));
        TIME("relu, 1.6 M", K->relu(x, y, N));
        TIME("relu backward, 1.6 M", K->relu_backward(dy, x, y, N));
        TIME("add, 1.6 M", K->add(x, dy, y, N));
        TIME("accumulate, 1.6 M", K->accumulate(y, dy, N));
        float tx[65], ty[65], ts[64];
        for (int i = 0; i < 65; i++) { tx[i] = -1 + i / 32.0f; ty[i] = tx[i] * tx[i]; }
        for (int i = 0; i < 64; i++) ts[i] = (ty[i + 1] - ty[i]) * 32.0f;
        CKTable t = {tx, ty, ts, 65, 32.0f};
        TIME("lookup forward (65-point even grid), 1.6 M", K->lookup_forward(&t, 0, 0, x, y, NULL, N));
        TIME("lookup forward with its slope, 1.6 M", K->lookup_forward(&t, 0, 0, x, y, dy, N));
        free(x); free(y); free(dy); free(p);
    }
    {   // max-plus convolution (BM layers), BM ResNet-18 width 8 shapes at batch 32: pack + all jobs
        long shapes[][8] = {{32, 8, 28, 28, 8, 3, 1, 1}, {32, 8, 28, 28, 16, 3, 2, 1}, {32, 8, 28, 28, 16, 1, 2, 0},
                            {32, 16, 14, 14, 16, 3, 1, 1}, {32, 32, 7, 7, 32, 3, 1, 1}, {32, 64, 4, 4, 64, 3, 1, 1},
                            {32, 64, 1, 1, 10, 1, 1, 0}};
        for (int sh = 0; sh < 7; sh++) {
            long *d = shapes[sh], n = d[0], c = d[1], h = d[2], w = d[3], co = d[4], k = d[5], s = d[6], p = d[7];
            long ho = (h + 2 * p - k) / s + 1, wo = (w + 2 * p - k) / s + 1, hq = ho + (k - 1) / s, wq = wo + (k - 1) / s;
            long group = n < 16 ? n : 16, groups = (n + 15) / 16, plane = (hq * wq * group + 31) / 16 * 16;
            CKMaxPlus g = {n, c, h, w, co, k, k, s, s, p, p, ho, wo, hq, wq, group, plane, (co + 7) / 8 * 8};
            float *x = buffer(n * c * h * w), *wt = buffer(c * k * k * g.ldw), *packed = buffer(groups * c * (k < s ? k : s) * (k < s ? k : s) * plane);
            float *y = buffer(n * co * ho * wo);
            int *am = malloc(sizeof(int) * n * co * ho * wo);
            char label[128];
            snprintf(label, sizeof label, "max-plus packing %ld×%ld×%ld×%ld, %ld×%ld stride %ld", n, c, h, w, k, k, s);
            TIME(label, for (long gr = 0; gr < groups; gr++) for (long ch = 0; ch < c; ch++) K->maxplus_pack(x, &g, gr, ch, packed));
            snprintf(label, sizeof label, "max-plus %ld×%ld×%ld×%ld → %ld, %ld×%ld stride %ld", n, c, h, w, co, k, k, s);
            TIME(label, {
                for (long gr = 0; gr < groups; gr++) for (long ch = 0; ch < c; ch++) K->maxplus_pack(x, &g, gr, ch, packed);
                for (long gr = 0; gr < groups; gr++) for (long o = 0; o < co; o += 8)
                    K->maxplus_forward(&g, packed, wt, gr, o, o + 8 < co ? o + 8 : co, 0, ho, y, am);
            });
            snprintf(label, sizeof label, "max-plus %ld×%ld×%ld×%ld → %ld, %ld×%ld stride %ld, no arg-max", n, c, h, w, co, k, k, s);
            TIME(label, {
                for (long gr = 0; gr < groups; gr++) for (long ch = 0; ch < c; ch++) K->maxplus_pack(x, &g, gr, ch, packed);
                for (long gr = 0; gr < groups; gr++) for (long o = 0; o < co; o += 8)
                    K->maxplus_forward(&g, packed, wt, gr, o, o + 8 < co ? o + 8 : co, 0, ho, y, NULL);
            });
            free(x); free(wt); free(packed); free(y); free(am);
        }
    }
    {   // exp and ln of BM layers (Tensor.exp/log), against glibc's expf/logf called per element
        long n = 1 << 20;
        float *x = buffer(n), *xp = buffer(n), *y = buffer(n);
        for (long i = 0; i < n; i++) { x[i] *= 20.0f; xp[i] = 1e-3f + 4000.0f * x[i] * x[i] / 400.0f; }
        TIME("exp, 2^20 elements in [−20, 20]", K->exp(x, y, n));
        TIME("ln, 2^20 elements in [0.001, 4000]", K->log(xp, y, n));
        double be = 1e30, bl = 1e30;
        for (int r = 0; r < REPS; r++) {
            double t0 = now();
            for (long i = 0; i < n; i++) y[i] = expf(x[i]);
            double t1 = now();
            for (long i = 0; i < n; i++) y[i] = logf(xp[i]);
            double t2 = now();
            if (t1 - t0 < be) be = t1 - t0;
            if (t2 - t1 < bl) bl = t2 - t1;
        }
        printf("| glibc expf, logf per element (the same inputs) | %.2f, %.2f | | |\n", 1e3 * be, 1e3 * bl);
        free(x); free(xp); free(y);
    }
    return 0;
}
