// AVX2 + FMA variant (every function carries the target attribute; FMA is not used for
// contraction, only allowed so the compiler may pick the VEX encodings).
#include <string.h>
#if defined(__x86_64__)
#include <immintrin.h>
#endif
#include "CKernels.h"
#if defined(__x86_64__)
#define CK_SUFFIX avx2
#define CK_NAME_STRING "avx2"
#define CK_MAX_LANES 8
#pragma clang attribute push(__attribute__((target("avx2,fma"))), apply_to = function)
#include "kernels_body.h"
#pragma clang attribute pop
#endif
