#!/bin/sh
# Builds ckbench against the CKernels sources with SwiftPM's release flags (-O2) and runs it.
set -e
cd "$(dirname "$0")/../.."
src=Sources/CKernels
clang -O2 -std=c11 -I$src/include $src/portable.c $src/avx2.c $src/avx512.c $src/dispatch.c bench/kernels/ckbench.c \
    -lm -o /tmp/ckbench
/tmp/ckbench
