// Run-time choice of the kernel variant (`__builtin_cpu_supports`), overridable for tests and by
// the environment: KELVIN_KERNELS=portable|avx2|avx512 picks a variant the CPU supports (to measure
// another instruction set's kernels on one machine); another value warns on stderr and is ignored.
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "CKernels.h"

extern const CKKernels ck_kernels_portable;
#if defined(__x86_64__)
extern const CKKernels ck_kernels_avx2;
extern const CKKernels ck_kernels_avx512;
#endif

int ck_best_variant(void) {
#if defined(__x86_64__)
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
        __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
        return CK_AVX512;
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return CK_AVX2;
#endif
    return CK_PORTABLE;
}

const CKKernels *ck_kernels(int variant) {
    if (variant < 0 || variant > ck_best_variant()) return NULL;
    switch (variant) {
#if defined(__x86_64__)
    case CK_AVX512: return &ck_kernels_avx512;
    case CK_AVX2: return &ck_kernels_avx2;
#endif
    case CK_PORTABLE: return &ck_kernels_portable;
    default: return NULL;
    }
}

// -1 until first use; every writer stores a supported variant, so a race only repeats the choice.
static _Atomic int active_variant = -1;

/// The variant KELVIN_KERNELS names, or the best one.
static int ck_initial_variant(void) {
    int best = ck_best_variant();
    const char *name = getenv("KELVIN_KERNELS");
    if (!name || !*name) return best;
    static const char *names[] = {"portable", "avx2", "avx512"};
    for (int v = CK_PORTABLE; v <= CK_AVX512; v++) {
        if (strcmp(name, names[v]) != 0) continue;
        if (v <= best) return v;
        fprintf(stderr, "kelvin: warning: KELVIN_KERNELS=%s is not supported by this CPU; using %s\n", name, names[best]);
        return best;
    }
    fprintf(stderr, "kelvin: warning: KELVIN_KERNELS=%s is not portable, avx2 or avx512; using %s\n", name, names[best]);
    return best;
}

int ck_active_variant(void) {
    int v = active_variant;
    if (v < 0) { v = ck_initial_variant(); active_variant = v; }
    return v;
}

const CKKernels *ck_active(void) { return ck_kernels(ck_active_variant()); }

int ck_set_variant(int variant) {
    if (!ck_kernels(variant)) return 0;
    active_variant = variant;
    return 1;
}
