#!/bin/sh
# Builds bench/winograd/layers.c against the CKernels sources (-O2, as SwiftPM's release build)
# and OpenBLAS, and runs it: F(2×2) against F(4×4) per ResNet-18 layer shape.
set -e
cd "$(dirname "$0")/../.."
src=Sources/CKernels
clang -O2 -std=gnu11 -I$src/include $src/portable.c $src/avx2.c $src/avx512.c $src/dispatch.c bench/winograd/layers.c \
    -lopenblas -lm -o /tmp/winograd_layers
/tmp/winograd_layers
