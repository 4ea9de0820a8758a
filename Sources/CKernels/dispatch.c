// Run-time choice of the kernel variant (`__builtin_cpu_supports`), overridable for tests.
#include <stddef.h>
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

int ck_active_variant(void) {
    int v = active_variant;
    if (v < 0) { v = ck_best_variant(); active_variant = v; }
    return v;
}

const CKKernels *ck_active(void) { return ck_kernels(ck_active_variant()); }

int ck_set_variant(int variant) {
    if (!ck_kernels(variant)) return 0;
    active_variant = variant;
    return 1;
}
