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
#pragma clang attribute push(__attribute__((target("avx512f,avx512bw,avx512vl,avx2,fma"))), apply_to = function)
#include "kernels_body.h"
#pragma clang attribute pop
#endif
